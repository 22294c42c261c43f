"""Spec 002's ``/auth/register`` and ``/auth/forgot-password``: the same views, services,
serializers, permissions and throttles as ``/admin/users`` and ``/auth/request-password-reset``."""

import pytest
from django.core import mail
from django.urls import resolve

from accounts.api import views
from accounts.models import Role, User

from .factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
FORGOT = "/api/v1/auth/forgot-password"


def test_routes_point_at_the_existing_views():
    assert issubclass(resolve(REGISTER).func.cls, views.AdminUserViewSet)
    assert resolve(REGISTER).func.actions == {"post": "create"}
    assert issubclass(resolve(FORGOT).func.cls, views.RequestPasswordResetView)


def test_register_creates_a_user_as_admin_users_does(admin_user, auth_client, django_capture_on_commit_callbacks):
    client = auth_client(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            REGISTER,
            {
                "email": "New.Editor@Example.com",
                "role": "editor",
                "profile": {"first_name": "Nina"},
                "send_invitation": True,
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    user = User.objects.get(email="new.editor@example.com")
    assert response.json()["data"]["id"] == user.pk
    assert (user.role, user.is_staff, user.first_name) == (Role.EDITOR, True, "Nina")
    assert len(mail.outbox) == 1
    taken = client.post(REGISTER, {"email": "new.editor@example.com", "role": "viewer"}, format="json")
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "EMAIL_TAKEN")


def test_register_is_admin_only(api_client, auth_client):
    anonymous = api_client.post(REGISTER, {"email": "x@example.com", "role": "viewer"}, format="json")
    assert anonymous.status_code == 401
    editor = auth_client(UserFactory(role=Role.EDITOR, email="editor@example.com"))
    refused = editor.post(REGISTER, {"email": "x@example.com", "role": "viewer"}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "PERMISSION_DENIED")
    assert not User.objects.filter(email="x@example.com").exists()


def test_forgot_password_answers_the_same_whether_the_account_exists(api_client, django_capture_on_commit_callbacks):
    UserFactory(email="reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post(FORGOT, {"email": "reset@example.com"})
        unknown = api_client.post(FORGOT, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert (known.json()["message"], known.json()["data"]) == (unknown.json()["message"], unknown.json()["data"])
    assert [message.to for message in mail.outbox] == [["reset@example.com"]]


def test_forgot_password_shares_the_reset_throttle(api_client):
    statuses = [api_client.post(FORGOT, {"email": "x@example.com"}).status_code for _ in range(3)]
    statuses += [api_client.post("/api/v1/auth/request-password-reset", {"email": "x@example.com"}).status_code]
    statuses += [api_client.post(FORGOT, {"email": "x@example.com"}).status_code for _ in range(2)]
    assert statuses == [200] * 5 + [429]


def test_both_are_in_the_openapi_schema(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    register = paths["/api/v1/auth/register"]["post"]
    assert register["tags"] == ["auth"]
    assert register["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/UserCreateInputRequest")
    assert "201" in register["responses"]
    forgot = paths["/api/v1/auth/forgot-password"]["post"]
    assert forgot["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/RequestPasswordResetInputRequest"
    )
    # No token needed, like request-password-reset.
    assert forgot["security"] == paths["/api/v1/auth/request-password-reset"]["post"]["security"] == [{}]
