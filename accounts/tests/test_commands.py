import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.models import Role, User

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(tmp_path, capsys) -> str:
    call_command("ensure_superadmin", password_file=tmp_path / "pw.txt")
    return capsys.readouterr().out


def test_creates_with_generated_password_and_reuses_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SUPERADMIN_EMAIL", raising=False)
    monkeypatch.delenv("SUPERADMIN_PASSWORD", raising=False)
    out = _run(tmp_path, capsys)
    password = (tmp_path / "pw.txt").read_text().strip()
    assert oct((tmp_path / "pw.txt").stat().st_mode & 0o777) == "0o600"
    assert "Super admin created." in out
    assert "admin@magnetiq.local" in out
    assert f"password: {password}" in out
    user = User.objects.get(email="admin@magnetiq.local")
    assert (user.role, user.is_superuser, user.is_staff) == (Role.SUPER_ADMIN, True, True)
    assert user.check_password(password)
    again = _run(tmp_path, capsys)
    assert "Super admin already present." in again
    assert f"password: {password}" in again
    assert User.objects.filter(role=Role.SUPER_ADMIN).count() == 1


def test_env_values_promote_reactivate_and_set_password(tmp_path, capsys, monkeypatch):
    user = UserFactory(email="boss@example.com", role=Role.EDITOR)
    services.user_deactivate(user=user)
    monkeypatch.setenv("SUPERADMIN_EMAIL", "Boss@Example.com")
    monkeypatch.setenv("SUPERADMIN_PASSWORD", "Env-Super-Secret-31")
    out = _run(tmp_path, capsys)
    assert "Super admin updated: promoted, reactivated, password set." in out
    user.refresh_from_db()
    assert (user.role, user.is_active, user.deleted_at) == (Role.SUPER_ADMIN, True, None)
    assert user.check_password("Env-Super-Secret-31")
    assert not (tmp_path / "pw.txt").exists()


def test_changed_password_is_kept_and_not_printed(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SUPERADMIN_EMAIL", raising=False)
    monkeypatch.delenv("SUPERADMIN_PASSWORD", raising=False)
    _run(tmp_path, capsys)
    user = User.objects.get(email="admin@magnetiq.local")
    services.user_set_password(user=user, new_password="Changed-By-Hand-12")
    out = _run(tmp_path, capsys)
    assert "not shown" in out
    user.refresh_from_db()
    assert user.check_password("Changed-By-Hand-12")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SUPERADMIN_EMAIL": "not-an-email"}, "not a valid e-mail"),
        ({"SUPERADMIN_PASSWORD": "short"}, "password was refused"),
    ],
)
def test_bad_input_exits_with_message(tmp_path, monkeypatch, env, message):
    monkeypatch.delenv("SUPERADMIN_EMAIL", raising=False)
    monkeypatch.delenv("SUPERADMIN_PASSWORD", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(CommandError, match=message):
        call_command("ensure_superadmin", password_file=tmp_path / "pw.txt")
    assert not User.objects.exists()
