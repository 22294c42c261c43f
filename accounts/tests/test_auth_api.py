import re
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.settings import api_settings

from accounts import services
from accounts.models import Role
from accounts.tokens import token_pair_for
from magnetiq.keys import generate_pem_pair
from magnetiq.tests.parallel import run_together

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def _login(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, **extra)


@pytest.mark.parametrize("prefix", ["/api/v1/auth", "/api/v1/admin/auth"])
def test_login_returns_spec_shape(api_client, prefix):
    user = UserFactory(email="jane@example.com", first_name="Jane", last_name="Doe", role=Role.EDITOR)
    response = api_client.post(f"{prefix}/login", {"email": "JANE@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Logged in."
    data = body["data"]
    assert set(data) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert (data["token_type"], data["expires_in"]) == ("bearer", 900)
    assert data["user"]["id"] == user.pk
    assert data["user"]["email"] == "jane@example.com"
    assert data["user"]["role"] == "editor"
    assert data["user"]["profile"] == {"first_name": "Jane", "last_name": "Doe"}
    assert "password" not in data["user"]
    assert jwt.get_unverified_header(data["access_token"])["alg"] == "RS256"
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_wrong_password_and_unknown_email_look_the_same(api_client):
    UserFactory(email="jane@example.com")
    wrong = _login(api_client, "jane@example.com", "nope")
    unknown = _login(api_client, "nobody@example.com", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"] == unknown.json()["error"]
    assert wrong.json()["error"]["code"] == "AUTHENTICATION_FAILED"


def test_login_validation_error_is_422(api_client):
    response = api_client.post(LOGIN, {"email": "not-an-email"})
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"email", "password"}


def test_deactivated_user_cannot_log_in(api_client):
    user = UserFactory(email="gone@example.com")
    services.user_deactivate(user=user)
    assert _login(api_client, "gone@example.com").status_code == 401


def test_me_get_and_patch_names_only(auth_client):
    user = UserFactory(role=Role.VIEWER, first_name="A", last_name="B")
    client = auth_client(user)
    assert client.get(ME).json()["data"]["email"] == user.email
    response = client.patch(ME, {"profile": {"first_name": "Ann"}, "role": "super_admin", "is_staff": False})
    assert response.status_code == 200
    assert response.json()["data"]["profile"] == {"first_name": "Ann", "last_name": "B"}
    user.refresh_from_db()
    assert (user.first_name, user.role, user.is_staff) == ("Ann", Role.VIEWER, True)


def test_me_without_token_is_401(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_access_token_expires_after_15_minutes(api_client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        access = token_pair_for(user)["access_token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert api_client.get(ME).status_code == 200
        traveller.shift(timedelta(minutes=14, seconds=59))
        assert api_client.get(ME).status_code == 200
        traveller.shift(timedelta(seconds=2))
        assert api_client.get(ME).status_code == 401


def test_refresh_rotates_and_old_token_is_rejected(api_client):
    user = UserFactory()
    first = token_pair_for(user)
    response = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json()["data"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["user"]["id"] == user.pk
    replay = api_client.post(REFRESH, {"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert api_client.post(REFRESH, {"refresh_token": second["refresh_token"]}).status_code == 200


def test_refresh_expires_after_7_days(api_client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        refresh = token_pair_for(user)["refresh_token"]
        traveller.shift(timedelta(days=7, seconds=1))
        assert api_client.post(REFRESH, {"refresh_token": refresh}).status_code == 401


def test_logout_blacklists_refresh_token(api_client):
    user = UserFactory()
    pair = token_pair_for(user)
    response = api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204
    assert api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}).status_code == 204
    assert api_client.post(REFRESH, {"refresh_token": pair["refresh_token"]}).status_code == 401


def test_logout_with_garbage_is_401(api_client):
    assert api_client.post(LOGOUT, {"refresh_token": "abc.def.ghi"}).status_code == 401


def test_deactivated_user_refresh_and_access_rejected(api_client):
    user = UserFactory()
    pair = token_pair_for(user)
    services.user_deactivate(user=user)
    assert api_client.post(REFRESH, {"refresh_token": pair["refresh_token"]}).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert api_client.get(ME).status_code == 401


def test_deactivated_user_refresh_rejected_even_before_blacklist(api_client):
    """The user check alone refuses the refresh (a token issued outside the outstanding list)."""
    user = UserFactory()
    pair = token_pair_for(user)
    user.is_active = False
    user.save()
    assert api_client.post(REFRESH, {"refresh_token": pair["refresh_token"]}).status_code == 401


def _forge(payload: dict, key: str | None, alg: str) -> str:
    return jwt.encode(payload, key, algorithm=alg)


def _claims(user, token_type="access") -> dict:
    now = int(timezone.now().timestamp())
    return {
        "token_type": token_type,
        "exp": now + 600,
        "iat": now,
        "jti": "f" * 32,
        api_settings.USER_ID_CLAIM: user.pk,
        "hash_password": __import__("hashlib").md5(user.password.encode()).hexdigest(),
    }


def test_alg_none_and_foreign_key_tokens_are_401(api_client):
    user = UserFactory()
    none_token = _forge(_claims(user), None, "none")
    foreign_private, _ = generate_pem_pair()
    foreign = _forge(_claims(user), foreign_private, "RS256")
    hs = _forge(_claims(user), "s" * 48, "HS256")
    for token in (none_token, foreign, hs):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api_client.get(ME).status_code == 401, token
    api_client.credentials()
    for token_type in ("refresh",):
        foreign_refresh = _forge(_claims(user, token_type), foreign_private, "RS256")
        assert api_client.post(REFRESH, {"refresh_token": foreign_refresh}).status_code == 401
        assert (
            api_client.post(REFRESH, {"refresh_token": _forge(_claims(user, token_type), None, "none")}).status_code
            == 401
        )


def test_refresh_token_is_not_an_access_token_and_vice_versa(api_client):
    user = UserFactory()
    pair = token_pair_for(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['refresh_token']}")
    assert api_client.get(ME).status_code == 401
    api_client.credentials()
    assert api_client.post(REFRESH, {"refresh_token": pair["access_token"]}).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_refresh_with_one_token_yields_one_pair():
    user = UserFactory()
    refresh = token_pair_for(user)["refresh_token"]
    threads_count = 5
    statuses = run_together(
        [lambda: APIClient().post(REFRESH, {"refresh_token": refresh}, format="json").status_code] * threads_count
    )
    assert [type(status) for status in statuses] == [int] * threads_count, statuses
    assert sorted(statuses) == [200] + [401] * (threads_count - 1)
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    # The original pair's token plus exactly one rotated token.
    assert OutstandingToken.objects.filter(user=user).count() == 2


def test_change_password_flow(auth_client):
    user = UserFactory()
    old_pair = token_pair_for(user)
    client = auth_client(user)
    wrong = client.post(
        "/api/v1/auth/change-password", {"current_password": "nope", "new_password": "A-New-Passphrase-42"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "current_password"
    weak = client.post("/api/v1/auth/change-password", {"current_password": PASSWORD, "new_password": "1234"})
    assert weak.status_code == 422
    assert {d["field"] for d in weak.json()["error"]["details"]} == {"new_password"}
    ok = client.post(
        "/api/v1/auth/change-password", {"current_password": PASSWORD, "new_password": "A-New-Passphrase-42"}
    )
    assert ok.status_code == 200
    new_access = ok.json()["data"]["access_token"]
    # The old access token (issued before the change) no longer works; the new one does.
    assert client.get(ME).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new_access}")
    assert client.get(ME).status_code == 200
    assert client.post(REFRESH, {"refresh_token": old_pair["refresh_token"]}).status_code == 401
    assert _login(APIClient(), user.email, "A-New-Passphrase-42").status_code == 200


def test_password_reset_flow(api_client, django_capture_on_commit_callbacks):
    user = UserFactory(email="reset@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post("/api/v1/auth/request-password-reset", {"email": "reset@example.com"})
        unknown = api_client.post("/api/v1/auth/request-password-reset", {"email": "who@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.json()["message"] == unknown.json()["message"]
    assert known.json()["data"] == unknown.json()["data"] is None
    assert len(mail.outbox) == 1
    uid, token = re.search(r"uid=(\S+) and token=(\S+) ", mail.outbox[0].body).groups()
    bad = api_client.post("/api/v1/auth/reset-password", {"uid": uid, "token": "x-y", "new_password": "Fresh-Pass-55"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "INVALID_RESET_TOKEN"
    weak = api_client.post("/api/v1/auth/reset-password", {"uid": uid, "token": token, "new_password": "123"})
    assert weak.status_code == 422
    done = api_client.post("/api/v1/auth/reset-password", {"uid": uid, "token": token, "new_password": "Fresh-Pass-55"})
    assert done.status_code == 200
    assert done.json()["data"]["id"] == user.pk
    again = api_client.post(
        "/api/v1/auth/reset-password", {"uid": uid, "token": token, "new_password": "Fresh-Pass-56"}
    )
    assert again.status_code == 400
    assert _login(api_client, "reset@example.com", "Fresh-Pass-55").status_code == 200


@pytest.mark.parametrize(
    ("accept_language", "subject", "api_line"),
    [
        (
            "en",
            "Reset your Magnetiq password",
            r"Or send uid=(\S+) and token=(\S+) to POST /api/v1/auth/reset-password\.",
        ),
        (
            "de",
            "Magnetiq-Passwort zurücksetzen",
            r"Oder senden Sie uid=(\S+) und token=(\S+) per POST an /api/v1/auth/reset-password\.",
        ),
    ],
)
def test_password_reset_mail_follows_the_request_language_and_its_link_works(
    api_client, django_capture_on_commit_callbacks, accept_language, subject, api_line
):
    user = UserFactory(email="lang@example.com", first_name="Lena")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/request-password-reset", {"email": "lang@example.com"}, HTTP_ACCEPT_LANGUAGE=accept_language
        )
    assert response.status_code == 200
    [message] = mail.outbox
    assert message.subject == subject
    assert message.body.startswith({"en": "Hello Lena,\n", "de": "Hallo Lena,\n"}[accept_language])
    uid, token = re.search(api_line, message.body).groups()
    # The web link carries the same pair as the API line.
    assert f"/accounts/reset-password/{uid}/{token}/" in message.body
    done = api_client.post("/api/v1/auth/reset-password", {"uid": uid, "token": token, "new_password": "Fresh-Pass-55"})
    assert done.status_code == 200
    assert done.json()["data"]["id"] == user.pk
    assert _login(APIClient(), "lang@example.com", "Fresh-Pass-55").status_code == 200


def test_request_password_reset_is_throttled_per_ip(api_client):
    statuses = [
        api_client.post("/api/v1/auth/request-password-reset", {"email": "x@example.com"}).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_second_blacklist_insert_is_rejected_by_the_unique_constraint():
    """The database decides a refresh race even where no lock serialises the two (PostgreSQL)."""
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.exceptions import TokenRejected
    from accounts.tokens import _blacklist_once

    user = UserFactory()
    token_pair_for(user)
    outstanding = OutstandingToken.objects.get(user=user)
    _blacklist_once(outstanding)
    with pytest.raises(TokenRejected, match="already been used"):
        _blacklist_once(outstanding)
