"""Health endpoints (spec 000 "Health Check Endpoint"): liveness, readiness, details for operators.

The detailed report also looks outside the process: the cache (a write and a read), the SMTP server
(a connection with a short timeout; "not configured" with the console, locmem, file or dummy
backend) and each outside vendor (configured or not by its settings; a configured one is probed with
a TCP connection to its API host). Those probes are network calls, so they run outside any database
transaction (:func:`magnetiq.vendors.assert_no_transaction`), in parallel, each bounded by
``HEALTH_PROBE_TIMEOUT_SECONDS`` (2), and their answers are kept in the cache for
``HEALTH_PROBE_CACHE_SECONDS`` (30): a public endpoint polled every second still opens at most one
connection per vendor per 30 s.
"""

import contextlib
import os
import shutil
import smtplib
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api.envelope import error_body
from .api.permissions import IsStaff
from .api.views import PublicAPIMixin
from .vendors import assert_no_transaction

VERSION = "2.0.0"


def _environment() -> str:
    return os.environ.get("ENVIRONMENT", "development" if settings.DEBUG else "production")


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        info = {"status": "healthy", "type": connection.vendor}
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                info["journal_mode"] = cursor.fetchone()[0]
        return info
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure instead of raising
        return {"status": "unhealthy", "error": str(exc)}


def check_migrations() -> dict:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001
        return {"status": "unhealthy", "error": str(exc)}
    return {"status": "healthy" if not pending else "unhealthy", "pending": len(pending)}


def check_disk() -> dict:
    usage = shutil.disk_usage(settings.BASE_DIR)
    free_mb = round(usage.free / 1024 / 1024, 1)
    info = {"status": "healthy" if free_mb > 500 else "warning", "free_mb": free_mb}
    name = settings.DATABASES["default"].get("NAME")
    if connection.vendor == "sqlite" and name and os.path.exists(str(name)):
        info["database_size_mb"] = round(os.path.getsize(str(name)) / 1024 / 1024, 2)
    return info


def check_tasks() -> dict:
    """``{"status", "backend", "backlog", "failed"}``: jobs waiting and jobs failed, in the database
    (django-tasks-db) or in Redis (django-tasks-rq, the default queue); a backlog of 1000 or more is a
    ``warning`` (no worker is keeping up)."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_rq.RQBackend":
        import django_rq

        try:
            queue = django_rq.get_queue("default")
            ready, failed = queue.count, queue.failed_job_registry.count
        except Exception as exc:  # noqa: BLE001
            return {"status": "unhealthy", "backend": backend, "error": str(exc)}
        status = "healthy" if ready < 1000 else "warning"
        return {"status": status, "backlog": ready, "failed": failed, "backend": backend}
    if backend != "django_tasks_db.DatabaseBackend":
        return {"status": "healthy", "backend": backend}
    from django_tasks_db.models import DBTaskResult

    try:
        ready = DBTaskResult.objects.filter(status="READY").count()
        failed = DBTaskResult.objects.filter(status="FAILED").count()
    except Exception as exc:  # noqa: BLE001
        return {"status": "unhealthy", "error": str(exc)}
    return {"status": "healthy" if ready < 1000 else "warning", "backlog": ready, "failed": failed, "backend": backend}


def check_cache() -> dict:
    """``{"status", "backend"}``: a value written to the default cache reads back (the throttles and
    lock-outs depend on it); ``unhealthy`` with ``error`` when the cache fails or loses it."""
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", 10)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001
        return {"status": "unhealthy", "backend": backend, "error": str(exc)}
    if value != "ok":
        return {"status": "unhealthy", "backend": backend, "error": "a value written to the cache did not read back"}
    return {"status": "healthy", "backend": backend}


def _probe_timeout() -> float:
    return float(getattr(settings, "HEALTH_PROBE_TIMEOUT_SECONDS", 2.0))


def _remembered(key: str) -> dict | None:
    """A probe's answer kept by :func:`_remember`, or ``None``; a failing cache only costs the
    caching (the cache's own check reports it)."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001
        return None


def _remember(key: str, answer: dict) -> dict:
    seconds = int(getattr(settings, "HEALTH_PROBE_CACHE_SECONDS", 30))
    if seconds > 0:
        with contextlib.suppress(Exception):
            cache.set(key, answer, seconds)
    return answer


#: E-mail backends that deliver nothing anywhere: no SMTP server to check.
_LOCAL_EMAIL_BACKENDS = ("console", "locmem", "filebased", "dummy")


def check_email() -> dict:
    """``{"status", "configured", "backend"[, "error"]}`` (no host name: the report is public).

    A console, locmem, file or dummy backend is ``configured: false`` (and healthy: nothing to
    reach). The SMTP backend is configured; the server must greet a connection within
    ``HEALTH_PROBE_TIMEOUT_SECONDS`` (no login, no message), else ``unhealthy``.
    """
    backend = settings.EMAIL_BACKEND
    module = backend.rsplit(".", 2)[-2] if backend.count(".") >= 2 else backend
    if module in _LOCAL_EMAIL_BACKENDS:
        return {"status": "healthy", "configured": False, "backend": module}
    if module != "smtp":
        return {"status": "healthy", "configured": True, "backend": backend}
    host, port = settings.EMAIL_HOST, int(settings.EMAIL_PORT)
    key = f"health:smtp:{host}:{port}"
    remembered = _remembered(key)
    if remembered is not None:
        return remembered
    return _remember(key, _smtp_probe(host, port))


def _smtp_probe(host: str, port: int) -> dict:
    """Connect to the SMTP server, wait for its greeting, say QUIT."""
    assert_no_transaction("SMTP")
    timeout = min(_probe_timeout(), float(settings.EMAIL_TIMEOUT or _probe_timeout()))
    smtp_class = smtplib.SMTP_SSL if getattr(settings, "EMAIL_USE_SSL", False) else smtplib.SMTP
    info = {"configured": True, "backend": "smtp"}
    try:
        server = smtp_class(host, port, timeout=timeout)
        try:
            server.quit()
        except smtplib.SMTPException:  # the greeting was enough
            server.close()
    except (OSError, smtplib.SMTPException) as exc:
        return {"status": "unhealthy", **info, "error": str(exc) or type(exc).__name__}
    return {"status": "healthy", **info}


@dataclass(frozen=True)
class Vendor:
    """An outside service as its settings describe it: ``required`` settings must all be non-empty
    for it to be configured; ``url`` is the setting naming its API base, ``default_url`` the vendor's
    own when that setting is empty."""

    name: str
    required: tuple[str, ...]
    url: str
    default_url: str = ""


#: The vendors of docs/architecture.md, by the settings documented in ``.env.example``. OpenAlex
#: needs no credentials; it counts as configured once an operator names a contact or a key for it.
VENDORS = (
    Vendor("stripe", ("STRIPE_SECRET_KEY",), "STRIPE_API_BASE", "https://api.stripe.com"),
    Vendor("paypal", ("PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET", "PAYPAL_WEBHOOK_ID"), "PAYPAL_API_BASE"),
    Vendor("zoom", ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"), "ZOOM_API_URL", "https://api.zoom.us"),
    Vendor("odoo", ("ODOO_URL", "ODOO_DATABASE", "ODOO_API_KEY"), "ODOO_URL"),
    Vendor("openalex", ("OPENALEX_MAILTO",), "OPENALEX_BASE_URL", "https://api.openalex.org"),
)


def _tcp_probe(url: str) -> dict:
    """Open (and close) a TCP connection to ``url``'s host and port within the probe timeout."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return {"status": "warning", "reachable": False, "error": "the configured URL is not an http(s) URL"}
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=_probe_timeout()):
            pass
    except OSError as exc:
        return {"status": "warning", "reachable": False, "error": str(exc) or type(exc).__name__}
    return {"status": "healthy", "reachable": True}


def check_vendors() -> dict:
    """``{"status", "vendors": {name: {"configured", "status"[, "reachable", "error"]}}}``. No host
    names: the report is public.

    A vendor without its settings is ``configured: false`` and not contacted. A configured one is
    probed (in parallel, cached; see the module docstring): ``reachable: false`` is a ``warning`` (the
    site serves pages; the calls that need the vendor fail and are retried), never ``unhealthy``.
    """
    report: dict[str, dict] = {}
    probes: dict[str, str] = {}
    for vendor in VENDORS:
        if not all(getattr(settings, name, "") for name in vendor.required):
            report[vendor.name] = {"configured": False, "status": "healthy"}
            continue
        url = str(getattr(settings, vendor.url, "") or vendor.default_url)
        probes[vendor.name] = url
        report[vendor.name] = {"configured": True}
    keys = {name: f"health:vendor:{name}:{url}" for name, url in probes.items()}
    for name in list(probes):
        remembered = _remembered(keys[name])
        if remembered is not None:
            report[name].update(remembered)
            del probes[name]
    if probes:
        assert_no_transaction("a vendor health probe")
        # Only the sockets run in threads: the cache (possibly the database cache) stays in this one.
        with ThreadPoolExecutor(max_workers=len(probes)) as pool:
            answers = {name: pool.submit(_tcp_probe, url) for name, url in probes.items()}
        for name, future in answers.items():
            report[name].update(_remember(keys[name], future.result()))
    worst = "warning" if any(v["status"] != "healthy" for v in report.values()) else "healthy"
    return {"status": worst, "vendors": report}


def detailed_report() -> dict:
    """``{"status": healthy|degraded, "version", "environment", "services": {database, migrations,
    filesystem, tasks, cache, email, vendors}}``; a service in ``unhealthy`` makes the whole report
    ``degraded`` (an unreachable vendor is only a ``warning``)."""
    services = {
        "database": check_database(),
        "migrations": check_migrations(),
        "filesystem": check_disk(),
        "tasks": check_tasks(),
        "cache": check_cache(),
        "email": check_email(),
        "vendors": check_vendors(),
    }
    degraded = any(s["status"] == "unhealthy" for s in services.values())
    return {
        "status": "degraded" if degraded else "healthy",
        "version": VERSION,
        "environment": _environment(),
        "services": services,
    }


_basic = inline_serializer(
    "HealthBasic",
    {"status": serializers.CharField(), "version": serializers.CharField(), "environment": serializers.CharField()},
)
_detailed = inline_serializer(
    "HealthDetailed",
    {
        "status": serializers.CharField(),
        "version": serializers.CharField(),
        "environment": serializers.CharField(),
        "services": serializers.DictField(),
    },
)


class HealthView(PublicAPIMixin, APIView):
    throttle_classes: list = []

    @extend_schema(tags=["health"], summary="Basic health", responses={200: _basic})
    def get(self, request):
        """``{"status": "healthy", "version", "environment"}`` while the process runs."""
        return Response({"status": "healthy", "version": VERSION, "environment": _environment()})


class LiveView(HealthView):
    @extend_schema(tags=["health"], summary="Liveness probe", responses={200: _basic})
    def get(self, request):
        """Always 200 while the process can answer."""
        return Response({"status": "alive", "version": VERSION, "environment": _environment()})


class ReadyView(PublicAPIMixin, APIView):
    throttle_classes: list = []

    @extend_schema(
        tags=["health"],
        summary="Readiness probe",
        # Not ready is answered in the error envelope (code NOT_READY, a detail per failing service).
        responses={200: _detailed, 503: {"$ref": "#/components/schemas/ErrorEnvelope"}},
    )
    def get(self, request):
        """200 when the database answers and every migration is applied, else 503."""
        services = {"database": check_database(), "migrations": check_migrations()}
        ready = all(s["status"] == "healthy" for s in services.values())
        if not ready:
            details = [
                {"field": name, "message": str(info.get("error") or info), "code": info["status"]}
                for name, info in services.items()
                if info["status"] != "healthy"
            ]
            return Response(error_body("NOT_READY", "The service is not ready.", details), status=503)
        return Response({"status": "ready", "version": VERSION, "environment": _environment(), "services": services})


class DetailedView(PublicAPIMixin, APIView):
    @extend_schema(tags=["health"], summary="Detailed health", responses={200: _detailed})
    def get(self, request):
        """Database, migrations, disk, task backlog, cache, SMTP and vendors (see :func:`detailed_report`)."""
        return Response(detailed_report())


class SystemHealthView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(tags=["admin"], summary="System health for staff", responses={200: _detailed})
    def get(self, request):
        """The detailed report plus counts of the main records, for the staff dashboard."""
        from django.apps import apps

        report = detailed_report()
        counts = {}
        for label in ("accounts.User", "content.Page", "consultants.Consultant"):
            model = apps.get_model(label)
            counts[model._meta.verbose_name_plural.replace(" ", "_")] = model._default_manager.count()
        report["counts"] = counts
        return Response(report)
