"""Visitors sign up through django-allauth and become clients, never staff."""

import pytest

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_signup_creates_a_client_without_staff_rights(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "Visitor@Example.com", "password1": "a-Long-passphrase-77", "password2": "a-Long-passphrase-77"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="visitor@example.com")
    assert (user.role, user.is_staff, user.is_superuser) == (Role.CLIENT, False, False)
    assert list(user.groups.values_list("name", flat=True)) == ["client"]
    assert user.check_password("a-Long-passphrase-77")


def test_signup_with_mismatched_passwords_shows_a_form_error(client):
    response = client.post(
        "/accounts/signup/", {"email": "v@example.com", "password1": "a-Long-passphrase-77", "password2": "other-77"}
    )
    assert response.status_code == 200
    assert "same password" in response.content.decode()
    assert not User.objects.filter(email="v@example.com").exists()


def test_visitor_logs_in_with_email(client):
    User.objects.create_user("client@example.com", "a-Long-passphrase-77")
    response = client.post("/accounts/login/", {"login": "client@example.com", "password": "a-Long-passphrase-77"})
    assert response.status_code == 302
    assert client.get("/").context["user"].email == "client@example.com"
