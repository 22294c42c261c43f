import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from accounts import roles
from accounts.models import Role

from .factories import UserFactory


@pytest.mark.django_db
def test_every_role_has_a_group_with_exactly_its_permissions():
    for role, expected in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=str(role))
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(expected), role


def test_table_covers_every_role():
    assert set(roles.ROLE_PERMISSIONS) == set(Role)


@pytest.mark.django_db
def test_sync_roles_removes_extra_permissions_and_is_idempotent():
    group = Group.objects.get(name=Role.VIEWER)
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    roles.sync_roles()
    roles.sync_roles()
    assert not group.permissions.filter(codename="delete_user").exists()
    assert Group.objects.filter(name__in=[str(r) for r in Role]).count() == len(Role)


@pytest.mark.django_db
def test_a_missing_permission_fails_loudly(monkeypatch):
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, Role.VIEWER, frozenset({"content.view_nothing"}))
    with pytest.raises(ImproperlyConfigured, match=r"content\.view_nothing"):
        roles.sync_roles()


@pytest.mark.django_db
def test_sync_roles_command(capsys):
    Group.objects.filter(name=Role.EDITOR).delete()
    call_command("sync_roles")
    assert Group.objects.get(name=Role.EDITOR).permissions.count() == len(roles.ROLE_PERMISSIONS[Role.EDITOR])
    assert "Synced 9 role groups." in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "is_staff", "is_superuser"),
    [
        (Role.SUPER_ADMIN, True, True),
        (Role.ADMIN, True, False),
        (Role.EDITOR, True, False),
        (Role.VIEWER, True, False),
        (Role.CONSULTANT, False, False),
        (Role.CLIENT, False, False),
    ],
)
def test_role_decides_flags_and_group(role, is_staff, is_superuser):
    user = UserFactory(role=role)
    assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)
    assert list(user.groups.values_list("name", flat=True)) == [str(role)]


@pytest.mark.django_db
def test_spec_table_in_effect():
    editor = UserFactory(role=Role.EDITOR)
    assert editor.has_perms(["content.add_page", "content.change_mediaasset", "consultants.view_consultant"])
    assert not editor.has_perm("content.delete_page")
    assert not editor.has_perm("accounts.view_user")
    manager = UserFactory(role=Role.CONSULTANT_MANAGER)
    assert manager.has_perms(["consultants.add_consultant", "consultants.change_consultant", "content.view_page"])
    assert not manager.has_perm("consultants.delete_consultant")
    assert not manager.has_perm("content.change_page")
    for role in (Role.VIEWER, Role.ANALYTICS_VIEWER, Role.PAYMENT_MANAGER):
        reader = UserFactory(role=role)
        assert reader.has_perms(["content.view_page", "content.view_mediaasset", "consultants.view_consultant"])
        assert not reader.has_perm("content.change_page")
        assert not reader.has_perm("accounts.view_user")
    admin = UserFactory(role=Role.ADMIN)
    assert admin.has_perms(["accounts.delete_user", "consultants.delete_consultant", "content.delete_mediaasset"])
    for role in (Role.CONSULTANT, Role.CLIENT):
        assert UserFactory(role=role).get_all_permissions() == set()


def test_argon2_first_in_base_settings():
    from magnetiq.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.AUTH_USER_MODEL == "accounts.User"


@pytest.mark.django_db
def test_argon2_hash_stored_and_old_hash_upgraded_on_login(settings, api_client):
    from magnetiq.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = UserFactory(email="a13@example.com")
    assert user.password.startswith("argon2$argon2id$")
    from django.contrib.auth.hashers import make_password

    user.password = make_password("Correct-Horse-Battery-9", hasher="pbkdf2_sha256")
    user.save()
    response = api_client.post("/api/v1/auth/login", {"email": user.email, "password": "Correct-Horse-Battery-9"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
