"""The task worker of the configured backend: ``python -m deploy.worker`` (make serve, compose).

``manage.py db_worker`` for django-tasks-db (the default), ``manage.py rqworker default --job-class
django_tasks_rq.Job`` for django-tasks-rq (``REDIS_URL`` set; docs/decisions.md). The process is
replaced by the worker (``exec``), so signals reach it directly. Exit 2 for any other backend: it has
no worker to start.
"""

import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

COMMANDS = {
    "django_tasks_db.DatabaseBackend": ["db_worker"],
    "django_tasks_rq.RQBackend": ["rqworker", "default", "--job-class", "django_tasks_rq.Job"],
}


def worker_command(backend: str) -> list[str] | None:
    """The ``manage.py`` arguments that work ``backend``'s queue, ``None`` when there is none."""
    return COMMANDS.get(backend)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magnetiq.settings.local")
    sys.path.insert(0, str(PROJECT_DIR))
    from django.conf import settings

    backend = settings.TASKS["default"]["BACKEND"]
    arguments = worker_command(backend)
    if arguments is None:
        print(f"No worker for the task backend {backend}.", file=sys.stderr)
        return 2
    os.chdir(PROJECT_DIR)
    os.execv(sys.executable, [sys.executable, "manage.py", *arguments, *sys.argv[1:]])  # noqa: S606
    return 0  # not reached: execv replaced this process


if __name__ == "__main__":
    sys.exit(main())
