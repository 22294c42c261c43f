"""Serving: the compose file and Dockerfile (read statically: no Docker engine runs here;
deploy/compose-smoke.sh builds and probes them where one does), the crontab and its scheduler, the
task worker launcher, make serve's settings and the gunicorn configuration."""

import logging
import os
import re
import runpy
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

from deploy import scheduler, serve_env, worker

BASE_DIR = Path(settings.BASE_DIR)
APP_SERVICES = ("migrate", "web", "worker", "scheduler")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "compose.yaml").read_text())


def test_compose_has_the_stack_and_its_dependencies(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "scheduler"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    for name in ("web", "worker", "scheduler"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert set(services["migrate"]["depends_on"]) == {"postgres", "redis"}
    assert services["migrate"]["restart"] == "no"


def test_compose_runs_each_process_of_the_image(compose):
    services = compose["services"]
    assert services["web"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "magnetiq.wsgi"]
    assert services["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]
    assert services["worker"]["command"] == ["python", "-m", "deploy.worker"]
    assert services["scheduler"]["command"] == ["python", "-m", "deploy.scheduler"]
    assert "python manage.py migrate --noinput" in services["migrate"]["command"][-1]
    assert (BASE_DIR / "deploy" / "gunicorn.conf.py").is_file()
    for name in APP_SERVICES:
        assert services[name]["build"] == "."


def test_compose_passes_the_environment_production_insists_on(compose):
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "magnetiq.settings.production"
        # Required: compose refuses to start without them (":?").
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        assert env["DJANGO_ALLOWED_HOSTS"].startswith("${DJANGO_ALLOWED_HOSTS:?")
        assert (
            env["DATABASE_URL"]
            == "postgres://magnetiq:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/magnetiq"
        )
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["JWT_PRIVATE_KEY_PATH"] == "/run/secrets/jwt_private"
        assert env["JWT_PUBLIC_KEY_PATH"] == "/run/secrets/jwt_public"
        assert compose["services"][name]["secrets"] == ["jwt_private", "jwt_public"]
        assert sorted(compose["services"][name]["volumes"]) == [
            "backups:/app/var/backups",
            "media:/app/var/media",
            "private:/app/var/private",
        ]
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert set(compose["secrets"]) == {"jwt_private", "jwt_public"}
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "media", "private", "backups"}


def test_the_dockerfile_builds_a_non_root_image_with_messages_static_and_a_health_check():
    text = (BASE_DIR / "Dockerfile").read_text()
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert [line.split()[-1] for line in stages] == ["build", "runtime"]
    assert "manage.py compilemessages" in text
    assert "manage.py collectstatic --noinput" in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users == ["magnetiq"]
    healthcheck = next(line for line in text.splitlines() if line.startswith("HEALTHCHECK "))
    assert healthcheck.endswith('CMD ["python", "-m", "deploy.healthcheck"]')
    assert "--interval=30s --timeout=5s" in healthcheck
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "magnetiq.wsgi"]' in text
    # Volumes of the image are the ones compose mounts.
    assert 'VOLUME ["/app/var/media", "/app/var/private", "/app/var/backups"]' in text
    ignored = (BASE_DIR / ".dockerignore").read_text().splitlines()
    assert {".git", ".venv", ".env", "var"} <= set(ignored)


# --- crontab and scheduler ---------------------------------------------------------------------------


def test_every_crontab_line_runs_an_existing_command():
    jobs = scheduler.parse_crontab(scheduler.DEFAULT_CRONTAB.read_text())
    names = [job.command.split()[2] for job in jobs]
    assert all(job.command.startswith("python manage.py ") for job in jobs)
    assert set(names) <= set(get_commands())
    assert set(names) >= {
        "release_expired_holds",
        "send_booking_reminders",
        "send_booking_follow_ups",
        "send_webinar_reminders",
        "process_webhook_events",
        "run_payouts",
        "backup",
        "db_maintenance",
    }


def test_the_crontab_holds_every_periodic_job_docs_operations_lists():
    text = (BASE_DIR / "docs" / "operations.md").read_text()
    documented = {
        line.split("manage.py ", 1)[1].split()[0]
        for line in text.splitlines()
        if line[:1] in "*0123456789" and "manage.py " in line
    }
    crontab = {job.command.split()[2] for job in scheduler.parse_crontab(scheduler.DEFAULT_CRONTAB.read_text())}
    assert documented
    assert documented <= crontab


def _at(hour: int, minute: int, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_jobs_are_due_on_their_cron_minutes():
    jobs = {
        job.command.split()[2] + str(job.line): job
        for job in scheduler.parse_crontab(scheduler.DEFAULT_CRONTAB.read_text())
    }
    by_name = {}
    for job in jobs.values():
        by_name.setdefault(job.command.split()[2], []).append(job)
    assert by_name["release_expired_holds"][0].due(_at(13, 7))
    assert by_name["send_booking_follow_ups"][0].due(_at(13, 20))
    assert not by_name["send_booking_follow_ups"][0].due(_at(13, 21))
    assert by_name["run_payouts"][0].due(_at(6, 0, day=1))
    assert not by_name["run_payouts"][0].due(_at(6, 0, day=2))
    # 6 December 2026 is a Sunday: the weekly VACUUM.
    vacuum = next(job for job in by_name["db_maintenance"] if "--vacuum" in job.command)
    assert vacuum.due(_at(3, 30, day=6))
    assert not vacuum.due(_at(3, 30, day=7))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("* * * * *", "line 1: five cron fields and a command expected"),
        ("* * * * python manage.py x", "line 1: not a valid cron schedule: '* * * * python'"),
        ("# fine\n\n61 * * * * python manage.py x", "line 3: not a valid cron schedule: '61 * * * *'"),
    ],
)
def test_a_bad_crontab_line_is_named(text, message):
    with pytest.raises(scheduler.CrontabError, match=re.escape(message)):
        scheduler.parse_crontab(text)


def test_the_scheduler_refuses_to_start_with_a_bad_crontab(tmp_path, capsys):
    bad = tmp_path / "crontab"
    bad.write_text("every minute: python manage.py x\n")
    assert scheduler.main([str(bad)]) == 2
    assert "line 1: five cron fields and a command expected" in capsys.readouterr().err


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_tick_starts_the_due_jobs_in_the_project_folder_and_logs_their_exit(tmp_path, caplog):
    marker = tmp_path / "ran"
    jobs = scheduler.parse_crontab(
        f'*/2 * * * * echo "$PWD $(command -v python)" > {marker}\n'
        f"*/3 * * * * touch {tmp_path / 'not-due'}\n"
        "*/2 * * * * exit 3\n"
    )
    runner = scheduler.Scheduler(jobs, cwd=tmp_path)

    with caplog.at_level(logging.INFO, logger="magnetiq.scheduler"):
        started = runner.tick(_at(10, 4))
        _wait_for(lambda: not runner.running())
        runner.reap()

    assert [job.line for job in started] == [1, 3]
    folder, python = marker.read_text().split()
    assert folder == str(tmp_path)
    assert Path(python).parent == Path(sys.executable).parent
    assert not (tmp_path / "not-due").exists()
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("ERROR", next(m for level, m in messages if m.startswith("exit 3 after"))) in messages
    assert any(level == "INFO" and m.startswith("exit 0 after") for level, m in messages)


def test_a_job_still_running_is_not_started_twice_and_shutdown_waits_then_terminates(tmp_path, caplog):
    runner = scheduler.Scheduler(scheduler.parse_crontab("* * * * * sleep 30\n"), cwd=tmp_path, grace=0.2)

    with caplog.at_level(logging.INFO, logger="magnetiq.scheduler"):
        first = runner.tick(_at(10, 4))
        second = runner.tick(_at(10, 5))
        runner.shutdown()

    assert len(first) == 1
    assert second == []
    assert "still running since its last start, not started again: sleep 30" in caplog.text
    assert "terminating after 0 s grace: sleep 30" in caplog.text
    assert runner.running() == []


# --- worker launcher, make serve settings, gunicorn --------------------------------------------------


def test_the_worker_launcher_runs_the_configured_backend_s_worker():
    assert worker.worker_command("django_tasks_db.DatabaseBackend") == ["db_worker"]
    assert worker.worker_command("django_tasks_rq.RQBackend") == [
        "rqworker",
        "default",
        "--job-class",
        "django_tasks_rq.Job",
    ]
    assert worker.worker_command("django_tasks.backends.immediate.ImmediateBackend") is None
    assert "db_worker" in get_commands()


def test_serve_env_writes_once_and_exports_only_what_env_and_dotenv_leave_unset(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(serve_env, "PROJECT_DIR", tmp_path)
    (tmp_path / ".env").write_text("# mine\nDJANGO_ALLOWED_HOSTS=portal.example.com\nEMPTY=\n")
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    target = tmp_path / "var" / "serve.env"

    assert serve_env.main([str(target), "SITE_URL=http://127.0.0.1:8000"]) == 0
    first = capsys.readouterr().out.splitlines()
    written = target.read_text()
    assert serve_env.main([str(target)]) == 0
    second = capsys.readouterr().out.splitlines()

    exported = dict(line.removeprefix("export ").split("=", 1) for line in first)
    assert set(exported) == {
        "SITE_URL",
        "DJANGO_SECRET_KEY",
        "JWT_PRIVATE_KEY_PATH",
        "JWT_PUBLIC_KEY_PATH",
        "SECURE_SSL_REDIRECT",
        "ENVIRONMENT",
    }
    assert len(exported["DJANGO_SECRET_KEY"]) >= 50
    assert Path(exported["JWT_PRIVATE_KEY_PATH"]).read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert exported["JWT_PRIVATE_KEY_PATH"] == str(tmp_path / "var" / "keys" / "serve_private.pem")
    # Kept: the second run exports the same secret, without the command-line default.
    assert target.read_text() == written
    assert second == [line for line in first if not line.startswith("export SITE_URL=")]
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_serve_env_takes_a_jwt_pair_from_one_place_only():
    serve = {"JWT_PRIVATE_KEY_PATH": "/a.pem", "JWT_PUBLIC_KEY_PATH": "/b.pem", "DJANGO_SECRET_KEY": "s e c'r"}
    assert serve_env.exports(serve, {"JWT_PRIVATE_KEY"}) == ["export DJANGO_SECRET_KEY='s e c'\"'\"'r'"]


def test_gunicorn_configuration_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("BIND", "127.0.0.1:9000")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "magnetiq.settings.production")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_123.db").write_bytes(b"stale")

    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    config["on_starting"](None)

    assert (config["bind"], config["workers"], config["threads"], config["worker_class"]) == (
        "127.0.0.1:9000",
        3,
        8,
        "gthread",
    )
    assert config["accesslog"] is None
    assert config["logconfig_dict"]["formatters"]["json"]["()"] == "magnetiq.logging.JSONFormatter"
    assert list((tmp_path / "metrics").iterdir()) == []
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "metrics")


@pytest.mark.django_db(transaction=True)
def test_the_container_health_check_asks_the_readiness_probe(live_server, monkeypatch, capsys):
    from deploy import healthcheck

    port = live_server.url.rsplit(":", 1)[-1]
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", ".localhost,portal.example.com")
    monkeypatch.setenv("BIND", f"0.0.0.0:{port}")
    assert healthcheck.main() == 0

    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "not-allowed.example.com")
    assert healthcheck.main() == 1
    assert "unhealthy: /api/v1/health/ready answered 400" in capsys.readouterr().err

    monkeypatch.setenv("BIND", f"0.0.0.0:{_closed_port()}")
    assert healthcheck.main() == 1
    assert "unhealthy:" in capsys.readouterr().err


def _closed_port() -> int:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]
