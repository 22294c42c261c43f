"""The system check of the SMTP relay settings (magnetiq/checks.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from magnetiq.checks import check_outbox_settings, check_smtp_settings

BREVO = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp-relay.brevo.com",
    "EMAIL_PORT": 587,
    "EMAIL_HOST_USER": "relay@example.com",
    "EMAIL_HOST_PASSWORD": "xsmtpsib-key",
    "EMAIL_USE_TLS": True,
    "EMAIL_USE_SSL": False,
    "EMAIL_TIMEOUT": 10,
}


@pytest.fixture
def relay(settings):
    def configure(**changes):
        for name, value in {**BREVO, **changes}.items():
            setattr(settings, name, value)
        return sorted({error.id for error in check_smtp_settings()})

    return configure


def test_brevo_on_587_with_starttls_and_a_login_passes(relay):
    assert relay() == []


def test_ssl_on_465_and_a_local_relay_without_login_pass(relay):
    assert relay(EMAIL_PORT=465, EMAIL_USE_TLS=False, EMAIL_USE_SSL=True) == []
    assert (
        relay(EMAIL_HOST="localhost", EMAIL_PORT=25, EMAIL_USE_TLS=False, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="")
        == []
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"EMAIL_HOST": ""}, ["magnetiq.E101"]),
        ({"EMAIL_USE_SSL": True}, ["magnetiq.E102"]),
        ({"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True}, ["magnetiq.E103"]),
        ({"EMAIL_PORT": 465}, ["magnetiq.E103"]),
        ({"EMAIL_HOST_PASSWORD": ""}, ["magnetiq.E104"]),
        ({"EMAIL_HOST_USER": ""}, ["magnetiq.E104"]),
        ({"EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""}, ["magnetiq.E105"]),
        ({"EMAIL_PORT": 25, "EMAIL_USE_TLS": False}, ["magnetiq.E106"]),
        ({"EMAIL_TIMEOUT": 0}, ["magnetiq.E107"]),
        ({"EMAIL_TIMEOUT": None}, ["magnetiq.E107"]),
        ({"EMAIL_TIMEOUT": -5}, ["magnetiq.E107"]),
    ],
)
def test_settings_that_cannot_deliver_are_refused(relay, changes, expected):
    assert relay(**changes) == expected


def test_messages_name_the_setting_to_change(relay, settings):
    relay(EMAIL_USE_SSL=True)
    (error,) = check_smtp_settings()
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are both on" in error.msg
    assert "Port 587: EMAIL_USE_TLS=true" in error.hint


def test_other_backends_are_not_checked(relay, settings):
    relay(EMAIL_HOST="", EMAIL_USE_SSL=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert check_smtp_settings() == []


def test_production_refuses_to_start_with_a_broken_relay_configuration(tmp_path):
    from magnetiq.keys import generate_pem_pair

    private, public = generate_pem_pair()
    (tmp_path / "private.pem").write_text(private)
    (tmp_path / "public.pem").write_text(public)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JWT_", "EMAIL_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "magnetiq.settings.production",
            "DJANGO_SECRET_KEY": "x" * 60 + "production-grade-secret-value",
            "DJANGO_ALLOWED_HOSTS": "portal.example.com",
            "JWT_PRIVATE_KEY_PATH": str(tmp_path / "private.pem"),
            "JWT_PUBLIC_KEY_PATH": str(tmp_path / "public.pem"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "EMAIL_HOST": "smtp-relay.brevo.com",
            "EMAIL_PORT": "587",
            "EMAIL_USE_SSL": "true",
            "EMAIL_HOST_USER": "relay@example.com",
            "EMAIL_HOST_PASSWORD": "xsmtpsib-key",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "magnetiq.E103" in result.stderr
    assert "port 587 starts in plain text and upgrades with STARTTLS" in result.stderr


@pytest.mark.parametrize(
    "changes",
    [
        {"OUTBOUND_EMAIL_MAX_RETRIES": -1},
        {"OUTBOUND_EMAIL_RETRY_MINUTES": 0},
        # 10 SMTP steps of 60 s each take up to 10 minutes: a send would be taken back while it runs.
        {"EMAIL_TIMEOUT": 60, "OUTBOUND_EMAIL_STALE_MINUTES": 10},
    ],
)
def test_outbox_settings_that_cannot_work_are_refused(settings, changes):
    for name, value in changes.items():
        setattr(settings, name, value)
    assert [error.id for error in check_outbox_settings()] == ["magnetiq.E108"]


def test_the_default_outbox_settings_pass():
    assert check_outbox_settings() == []
