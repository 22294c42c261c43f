"""Guards on configuration that reliability depends on (RELIABILITY C-11, A-1, A-12, A-13)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_immediate_transactions_and_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only guard; PostgreSQL has its own locking")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_argon2_is_the_production_hasher():
    from magnetiq.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def _run_production(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JWT_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "magnetiq.settings.production", **env_overrides})
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secrets():
    result = _run_production({"JWT_PRIVATE_KEY_PATH": "/nonexistent", "JWT_PUBLIC_KEY_PATH": "/nonexistent"}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_deploy_check_passes(tmp_path):
    from magnetiq.keys import generate_pem_pair

    private, public = generate_pem_pair()
    (tmp_path / "private.pem").write_text(private)
    (tmp_path / "public.pem").write_text(public)
    result = _run_production(
        {
            "DJANGO_SECRET_KEY": "x" * 60 + "production-grade-secret-value",
            "DJANGO_ALLOWED_HOSTS": "portal.example.com",
            "JWT_PRIVATE_KEY_PATH": str(tmp_path / "private.pem"),
            "JWT_PUBLIC_KEY_PATH": str(tmp_path / "public.pem"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.django_db
def test_security_headers_on_pages_and_api(client):
    for url in ("/api/v1/health", "/admin/login/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
