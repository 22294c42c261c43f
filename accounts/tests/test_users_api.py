import pytest
from django.core import mail

from accounts.models import Role

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/api/v1/admin/users"
MANAGERS = {Role.SUPER_ADMIN, Role.ADMIN}


def _endpoints(target_id: int) -> list[tuple[str, str, dict | None, int]]:
    """(method, path, body, success status) for every users endpoint."""
    return [
        ("get", USERS, None, 200),
        ("post", USERS, {"email": "fresh@example.com", "role": "viewer"}, 201),
        ("get", f"{USERS}/{target_id}", None, 200),
        ("put", f"{USERS}/{target_id}", {"email": "target@example.com", "role": "editor"}, 200),
        ("patch", f"{USERS}/{target_id}", {"profile": {"first_name": "Tess"}}, 200),
        ("post", f"{USERS}/{target_id}/reset-password", None, 200),
        ("delete", f"{USERS}/{target_id}", None, 204),
    ]


@pytest.mark.parametrize("endpoint", range(7))
@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(role, endpoint, auth_client):
    """Every role × every users endpoint: the success status for admins, 403 for the rest."""
    client = auth_client(UserFactory(role=role))
    method, path, body, success = _endpoints(UserFactory(email="target@example.com", role=Role.VIEWER).pk)[endpoint]
    response = getattr(client, method)(path, body)
    expected = success if role in MANAGERS else 403
    assert response.status_code == expected, response.content
    if expected == 403:
        assert response.json()["error"]["code"] == "PERMISSION_DENIED"


def test_users_endpoints_need_a_token(api_client):
    target = UserFactory()
    for method, path, body, _ in _endpoints(target.pk):
        response = getattr(api_client, method)(path, body)
        assert response.status_code == 401, (method, path)


def test_list_filters_search_and_pagination(admin_user, auth_client):
    UserFactory(email="anna@example.com", first_name="Anna", role=Role.EDITOR)
    UserFactory(email="bert@example.com", last_name="Smithson", role=Role.EDITOR)
    gone = UserFactory(email="carl@example.com", role=Role.VIEWER)
    from accounts import services

    services.user_deactivate(user=gone)
    client = auth_client(admin_user)
    data = client.get(USERS, {"limit": 2}).json()["data"]
    assert data["pagination"] == {"page": 1, "limit": 2, "total": 4, "pages": 2}
    assert [u["email"] for u in data["users"]] == ["admin@example.com", "anna@example.com"]
    editors = client.get(USERS, {"role": "editor"}).json()["data"]["users"]
    assert [u["email"] for u in editors] == ["anna@example.com", "bert@example.com"]
    inactive = client.get(USERS, {"is_active": "false"}).json()["data"]["users"]
    assert [u["email"] for u in inactive] == ["carl@example.com"]
    found = client.get(USERS, {"search": "smiths"}).json()["data"]["users"]
    assert [u["email"] for u in found] == ["bert@example.com"]
    bad = client.get(USERS, {"role": "emperor"})
    assert bad.status_code == 422


def test_create_with_invitation_and_no_hash_exposed(admin_user, auth_client, django_capture_on_commit_callbacks):
    client = auth_client(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            USERS,
            {
                "email": "New-Admin@Example.com",
                "profile": {"first_name": "Jane", "last_name": "Smith"},
                "role": "editor",
                "send_invitation": True,
                "is_staff": False,
                "is_superuser": True,
                "password_hash": "x",
            },
        )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["email"] == "new-admin@example.com"
    assert data["profile"] == {"first_name": "Jane", "last_name": "Smith"}
    assert (data["role"], data["is_staff"], data["is_superuser"]) == ("editor", True, False)
    assert not any("password" in key for key in data)
    assert [m.to for m in mail.outbox] == [["new-admin@example.com"]]
    duplicate = client.post(USERS, {"email": "new-admin@example.com"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "EMAIL_TAKEN"
    weak = client.post(USERS, {"email": "weak@example.com", "password": "123"})
    assert weak.status_code == 422


def test_put_requires_fields_and_patch_is_partial(admin_user, auth_client):
    target = UserFactory(email="t@example.com", role=Role.VIEWER)
    client = auth_client(admin_user)
    incomplete = client.put(f"{USERS}/{target.pk}", {"profile": {"first_name": "X"}})
    assert incomplete.status_code == 422
    assert {d["field"] for d in incomplete.json()["error"]["details"]} == {"email", "role"}
    response = client.patch(f"{USERS}/{target.pk}", {"role": "consultant_manager", "is_staff": False})
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.role, target.is_staff) == (Role.CONSULTANT_MANAGER, True)
    assert target.has_perm("consultants.change_consultant")


def test_admin_cannot_escalate_to_super_admin(admin_user, super_admin, auth_client):
    client = auth_client(admin_user)
    assert client.post(USERS, {"email": "evil@example.com", "role": "super_admin"}).status_code == 403
    assert client.patch(f"{USERS}/{admin_user.pk}", {"role": "super_admin"}).status_code == 403
    assert client.delete(f"{USERS}/{super_admin.pk}").status_code == 403


def test_cannot_deactivate_self_or_demote_last_super_admin(super_admin, auth_client):
    client = auth_client(super_admin)
    own = client.delete(f"{USERS}/{super_admin.pk}")
    assert own.status_code == 409
    assert own.json()["error"]["code"] == "CANNOT_DEACTIVATE_SELF"
    demote = client.patch(f"{USERS}/{super_admin.pk}", {"role": "admin"})
    assert demote.status_code == 409
    assert demote.json()["error"]["code"] == "LAST_SUPER_ADMIN"
    super_admin.refresh_from_db()
    assert super_admin.role == Role.SUPER_ADMIN


def test_delete_deactivates_and_patch_reactivates(admin_user, auth_client, api_client):
    target = UserFactory(email="t@example.com")
    client = auth_client(admin_user)
    assert client.delete(f"{USERS}/{target.pk}").status_code == 204
    target.refresh_from_db()
    assert (target.is_active, target.deleted_at is not None) == (False, True)
    assert api_client.post("/api/v1/auth/login", {"email": "t@example.com", "password": PASSWORD}).status_code == 401
    assert client.post(f"{USERS}/{target.pk}/reset-password").status_code == 409
    response = client.patch(f"{USERS}/{target.pk}", {"is_active": True})
    assert response.status_code == 200
    assert response.json()["data"]["is_active"] is True
    assert response.json()["data"]["deleted_at"] is None


def test_admin_reset_password_mails_user(admin_user, auth_client, django_capture_on_commit_callbacks):
    target = UserFactory(email="t@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(admin_user).post(f"{USERS}/{target.pk}/reset-password")
    assert response.status_code == 200
    assert response.json()["message"] == "A password reset link was sent to t@example.com."
    assert [m.to for m in mail.outbox] == [["t@example.com"]]


@pytest.mark.parametrize("path", [f"{USERS}/999999", f"{USERS}/abc", f"{USERS}/999999/reset-password"])
def test_unknown_user_is_404(admin_user, auth_client, path):
    client = auth_client(admin_user)
    method = client.post if path.endswith("reset-password") else client.get
    assert method(path).status_code == 404


def test_admin_invitation_and_reset_follow_the_request_language(
    admin_user, auth_client, django_capture_on_commit_callbacks
):
    client = auth_client(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            USERS,
            {"email": "neu@example.com", "role": "viewer", "send_invitation": True},
            format="json",
            HTTP_ACCEPT_LANGUAGE="de",
        )
        reset = client.post(f"{USERS}/{created.json()['data']['id']}/reset-password", HTTP_ACCEPT_LANGUAGE="en")
    assert (created.status_code, reset.status_code) == (201, 200)
    invitation, reset_mail = sorted(mail.outbox, key=lambda message: message.subject)
    assert invitation.subject == "Ihr Magnetiq-Konto"
    assert "wurde ein Magnetiq-Konto (Betrachter) eingerichtet" in invitation.body
    assert reset_mail.subject == "Reset your Magnetiq password"
