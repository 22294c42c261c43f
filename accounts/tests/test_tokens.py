"""Refresh-token families: reuse of a rotated-away token ends that login (RFC 9700 §4.14.2)."""

from datetime import timedelta

import jwt
import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import RefreshTokenFamily
from accounts.tokens import FAMILY_CLAIM, token_pair_for
from magnetiq.models import AuditLogEntry
from magnetiq.tests.parallel import run_together

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def _refresh(client, token):
    return client.post(REFRESH, {"refresh_token": token})


def _family(raw_token: str) -> str:
    return jwt.decode(raw_token, options={"verify_signature": False})[FAMILY_CLAIM]


def _login(client, user) -> dict:
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["data"]


def test_login_starts_a_family_and_rotation_keeps_it(api_client):
    user = UserFactory()
    first = _login(api_client, user)
    second = _refresh(api_client, first["refresh_token"]).json()["data"]
    family = RefreshTokenFamily.objects.get(user=user)
    assert _family(first["refresh_token"]) == _family(second["refresh_token"]) == str(family.pk)
    assert _family(second["access_token"]) == str(family.pk)
    assert family.links.count() == 2
    # The stored copy is the token that was handed out.
    stored = OutstandingToken.objects.get(
        jti=jwt.decode(second["refresh_token"], options={"verify_signature": False})["jti"]
    )
    assert stored.token == second["refresh_token"]


def test_reuse_of_rotated_token_revokes_the_family_and_is_audited(api_client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token_a = _login(api_client, user)["refresh_token"]
        token_b = _refresh(api_client, token_a).json()["data"]["refresh_token"]
        traveller.shift(timedelta(seconds=11))

        reuse = _refresh(api_client, token_a)
        assert reuse.status_code == 401
        assert reuse.json()["error"]["code"] == "AUTHENTICATION_FAILED"
        assert "every session of this login has ended" in reuse.json()["error"]["message"]

        refused = _refresh(api_client, token_b)
        assert refused.status_code == 401
        assert refused.json()["error"]["message"] == "This login has ended; log in again."

    family = RefreshTokenFamily.objects.get(user=user)
    assert family.revoked_reason == RefreshTokenFamily.RevokedReason.REUSE
    assert family.revoked_at is not None
    assert BlacklistedToken.objects.filter(token__family_link__family=family).count() == 2
    entry = AuditLogEntry.objects.get(action="accounts.refresh_token_family.revoked_on_reuse")
    assert entry.object_id == str(family.pk)
    assert entry.actor is None
    assert entry.data["user_id"] == user.pk
    assert entry.data["tokens_revoked"] == 1  # B; A was blacklisted by its rotation


def test_reuse_leaves_the_users_other_logins_alone(api_client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        phone = _login(api_client, user)["refresh_token"]
        laptop_a = _login(api_client, user)["refresh_token"]
        _refresh(api_client, laptop_a)
        traveller.shift(timedelta(seconds=30))
        assert _refresh(api_client, laptop_a).status_code == 401
        assert _refresh(api_client, phone).status_code == 200
    assert sorted(RefreshTokenFamily.objects.filter(user=user).values_list("revoked_reason", flat=True)) == [
        "",
        "reuse",
    ]


def test_reuse_within_the_leeway_is_refused_without_revoking(api_client):
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token_a = _login(api_client, user)["refresh_token"]
        token_b = _refresh(api_client, token_a).json()["data"]["refresh_token"]
        traveller.shift(timedelta(seconds=9))
        twin = _refresh(api_client, token_a)
        assert twin.status_code == 401
        assert twin.json()["error"]["message"] == "This refresh token has already been used."
        assert _refresh(api_client, token_b).status_code == 200
    assert not AuditLogEntry.objects.filter(action="accounts.refresh_token_family.revoked_on_reuse").exists()


def test_zero_leeway_revokes_on_any_reuse(api_client, settings):
    settings.JWT_REFRESH_REUSE_LEEWAY = timedelta(0)
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token_a = _login(api_client, user)["refresh_token"]
        token_b = _refresh(api_client, token_a).json()["data"]["refresh_token"]
        traveller.shift(timedelta(seconds=1))
        assert _refresh(api_client, token_a).status_code == 401
        assert _refresh(api_client, token_b).status_code == 401


def test_logout_ends_the_family_but_not_other_logins(api_client):
    user = UserFactory()
    kept = _login(api_client, user)["refresh_token"]
    token_a = _login(api_client, user)["refresh_token"]
    token_b = _refresh(api_client, token_a).json()["data"]["refresh_token"]
    # Logging out with the stale token still ends the login it belongs to.
    assert api_client.post(LOGOUT, {"refresh_token": token_a}).status_code == 204
    assert _refresh(api_client, token_b).status_code == 401
    assert _refresh(api_client, kept).status_code == 200
    assert api_client.post(LOGOUT, {"refresh_token": token_b}).status_code == 204


def test_token_from_before_families_gets_one_on_refresh(api_client):
    """A pair issued by plain simplejwt (no ``fam`` claim) keeps working and joins a new family."""
    from rest_framework_simplejwt.tokens import RefreshToken

    user = UserFactory()
    legacy = str(RefreshToken.for_user(user))
    response = _refresh(api_client, legacy)
    assert response.status_code == 200
    family = RefreshTokenFamily.objects.get(user=user)
    assert _family(response.json()["data"]["refresh_token"]) == str(family.pk)
    assert family.links.count() == 2


def test_deactivation_revokes_every_family(api_client):
    from accounts import services

    user = UserFactory()
    token_pair_for(user)
    token_pair_for(user)
    services.user_deactivate(user=user)
    assert list(RefreshTokenFamily.objects.filter(user=user).values_list("revoked_reason", flat=True)) == [
        "user",
        "user",
    ]
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_yield_one_pair_and_keep_the_login():
    """Five parallel refreshes of one token: one new pair, four 401 ``already been used``, and the
    winner's pair keeps working (the twins are inside the leeway, so the family is not revoked)."""
    user = UserFactory()
    refresh = token_pair_for(user)["refresh_token"]
    threads_count = 5

    def worker() -> tuple[int, dict]:
        response = APIClient().post(REFRESH, {"refresh_token": refresh}, format="json")
        return response.status_code, response.json()

    results = run_together([worker] * threads_count)
    assert [type(result) for result in results] == [tuple] * threads_count, results
    assert sorted(status for status, _ in results) == [200] + [401] * (threads_count - 1)
    refused = {body["error"]["message"] for status, body in results if status == 401}
    assert refused == {"This refresh token has already been used."}
    winner = next(body["data"] for status, body in results if status == 200)
    assert APIClient().post(REFRESH, {"refresh_token": winner["refresh_token"]}, format="json").status_code == 200
    assert RefreshTokenFamily.objects.get(user=user).revoked_at is None
