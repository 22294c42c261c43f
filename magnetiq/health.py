"""Health endpoints (spec 000 "Health Check Endpoint"): liveness, readiness, details for operators."""

import os
import shutil

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api.envelope import error_body
from .api.permissions import IsStaff
from .api.views import PublicAPIMixin

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
    backend = settings.TASKS["default"]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        return {"status": "healthy", "backend": backend}
    from django_tasks_db.models import DBTaskResult

    try:
        ready = DBTaskResult.objects.filter(status="READY").count()
        failed = DBTaskResult.objects.filter(status="FAILED").count()
    except Exception as exc:  # noqa: BLE001
        return {"status": "unhealthy", "error": str(exc)}
    return {"status": "healthy" if ready < 1000 else "warning", "backlog": ready, "failed": failed, "backend": backend}


def detailed_report() -> dict:
    """``{"status": healthy|degraded, "version", "environment", "services": {database, migrations,
    filesystem, tasks}}``; a service in ``unhealthy`` makes the whole report ``degraded``."""
    services = {
        "database": check_database(),
        "migrations": check_migrations(),
        "filesystem": check_disk(),
        "tasks": check_tasks(),
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
        """Database, migrations, disk and task backlog (see :func:`detailed_report`)."""
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
