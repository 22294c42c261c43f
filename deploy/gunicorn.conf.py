"""gunicorn settings for Magnetiq: ``gunicorn -c deploy/gunicorn.conf.py magnetiq.wsgi``
(``make serve`` and the Docker image).

Synchronous Django served by threaded workers (``gthread``): every view, the ORM and the vendor
gateways are synchronous, so an ASGI server would only add thread hops; threads let a worker wait on
a slow client or a vendor without blocking its other requests (docs/decisions.md "Serving").

Environment: ``BIND`` (``0.0.0.0:8000``), ``WEB_CONCURRENCY`` (worker processes, 2; Django reads the
same variable for the per-process share of in-memory rate limits), ``GUNICORN_THREADS`` (4 per
worker), ``GUNICORN_TIMEOUT`` (seconds a request may take before its worker is restarted, 30),
``PROMETHEUS_MULTIPROC_DIR`` (where the workers' metrics meet; default a fresh folder under the
system's temporary folder, emptied at start).
"""

import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after about this many requests, so slow leaks cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on a memory file system where there is one (containers' /tmp may be a slow overlay).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Requests are logged by magnetiq.logging.RequestLogMiddleware (with the user and the request id).
accesslog = None
errorlog = "-"
# X-Forwarded-* are trusted only from the proxies named here (a TLS proxy in front, in production).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production"):
    # gunicorn's own messages in the same JSON lines as the application's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "magnetiq.logging.JSONFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }

# prometheus-client's multiprocess mode: each worker writes its figures to files in this folder and
# /metrics sums them (magnetiq/metrics.py). Set before any worker imports prometheus_client.
_metrics_dir = Path(
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "magnetiq-metrics"))
)


def on_starting(server):
    """Start from an empty metrics folder: files of a previous run would be summed in."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """Fold a finished worker's live gauges out of the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
