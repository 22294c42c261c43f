"""Staff MFA: enrolment, the admin's second step, the API's two-step login, recovery codes,
throttling of codes, and the admin's MFA reset."""

import base64
import hashlib
import hmac
import struct
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from magnetiq.models import AuditLogEntry
from magnetiq.settings import base

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
LOGIN_MFA = "/api/v1/auth/login/mfa"


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.STAFF_MFA_REQUIRED_ROLES = base.STAFF_MFA_REQUIRED_ROLES


@pytest.fixture(autouse=True)
def _clock():
    """TOTP codes depend on the 30-second step: stand still in the middle of one."""
    now = time.time()
    start = now - now % 30 + 10
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), written out here so the test does not use allauth's own."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def enrol(user) -> tuple[str, list[str]]:
    """Give ``user`` TOTP and recovery codes through allauth's own API; the secret and the codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret, RecoveryCodes.activate(user).generate_codes()


def admin_login(client, user, next_url="/admin/"):
    return client.post(f"/admin/login/?next={next_url}", {"username": user.email, "password": PASSWORD})


# --- admin --------------------------------------------------------------------------------------


def test_enforced_role_without_totp_is_sent_to_enrol_and_enrols(client, _clock):
    user = UserFactory(role=Role.PAYMENT_MANAGER, email="pay@example.com")
    assert admin_login(client, user)["Location"] == "/admin/"
    gate = client.get("/admin/payments/payment/")
    assert gate.status_code == 302
    assert gate["Location"] == "/accounts/2fa/totp/activate/?next=%2Fadmin%2Fpayments%2Fpayment%2F"

    # The password was just given at the admin login: the set-up page opens without asking again.
    page = client.get(gate["Location"])
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert client.post(gate["Location"], {"code": "000000"}).status_code == 200  # wrong code: form again
    assert not Authenticator.objects.filter(user=user).exists()
    done = client.post(gate["Location"], {"code": totp_code(secret)})
    assert done.status_code == 302
    assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == {"totp", "recovery_codes"}

    # The session predates the second factor: the admin wants a login with the code now.
    again = client.get("/admin/")
    assert again["Location"] == "/admin/login/?next=%2Fadmin%2F"
    step = admin_login(client, user)
    assert step["Location"] == "/accounts/2fa/authenticate/"
    _clock.shift(30)  # the enrolment used this step's code; allauth takes a code once per step
    assert client.post(step["Location"], {"code": totp_code(secret)})["Location"] == "/admin/"
    assert client.get("/admin/payments/payment/").status_code == 200


def test_admin_login_with_totp_asks_for_the_code(client):
    user = UserFactory(role=Role.SUPER_ADMIN, email="root@example.com")
    secret, _codes = enrol(user)
    step = admin_login(client, user)
    assert step.status_code == 302
    assert step["Location"] == "/accounts/2fa/authenticate/"
    # Password alone: not logged in.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    step = admin_login(client, user)
    wrong = client.post(step["Location"], {"code": "123456" if totp_code(secret) != "123456" else "654321"})
    assert wrong.status_code == 200
    assert "code" in wrong.context["form"].errors
    right = client.post(step["Location"], {"code": totp_code(secret)})
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_session_that_skipped_the_code_is_logged_out(client):
    user = UserFactory(role=Role.ADMIN)
    enrol(user)
    client.force_login(user)
    response = client.get("/admin/accounts/user/")
    assert response["Location"] == "/admin/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert "_auth_user_id" not in client.session


def test_optional_role_logs_in_to_the_admin_without_mfa(client):
    user = UserFactory(role=Role.EDITOR)
    assert admin_login(client, user)["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_failures_still_lock_out_through_axes(client):
    user = UserFactory(role=Role.EDITOR, email="ed@example.com")
    for i in range(5):
        client.post("/admin/login/", {"username": user.email, "password": f"guess-{i}"})
    blocked = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_mfa_reset_action_removes_factors_and_is_audited(client):
    root = UserFactory(role=Role.SUPER_ADMIN)
    secret, _ = enrol(root)
    lost = UserFactory(role=Role.ADMIN, email="lost@example.com")
    enrol(lost)
    step = admin_login(client, root)
    client.post(step["Location"], {"code": totp_code(secret)})

    listing = client.get(reverse("admin:mfa_authenticator_changelist"), {"q": "lost@"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    detail = client.get(reverse("admin:mfa_authenticator_change", args=[lost.authenticator_set.first().pk]))
    assert detail.status_code == 200
    assert b"secret" not in detail.content and b"seed" not in detail.content

    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_mfa", "_selected_action": [lost.pk]}
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=lost).exists()
    entry = AuditLogEntry.objects.get(action="accounts.user.mfa_reset")
    assert (entry.actor, entry.object_id, entry.data) == (root, str(lost.pk), {"authenticators_removed": 2})


def test_login_and_mfa_pages_work_in_german(client):
    page = client.get("/de/accounts/login/")
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "de"
    assert "Anmelden" in page.content.decode()
    user = UserFactory(role=Role.ADMIN)
    enrol(user)
    step = client.post("/de/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert step["Location"] == "/de/accounts/2fa/authenticate/"
    assert "Zwei-Faktor" in client.get(step["Location"]).content.decode()


# --- API ----------------------------------------------------------------------------------------


def _challenge(api_client, user) -> dict:
    response = api_client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["data"]


def test_api_enforced_role_without_mfa_is_told_to_enrol(api_client):
    user = UserFactory(role=Role.ADMIN)
    response = api_client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "MFA_ENROLMENT_REQUIRED"
    assert error["details"] == [
        {
            "field": "enrolment_url",
            "message": "http://testserver/accounts/2fa/totp/activate/",
            "code": "mfa_enrolment_required",
        }
    ]


def test_api_optional_role_gets_tokens_without_mfa(api_client):
    user = UserFactory(role=Role.VIEWER)
    data = _challenge(api_client, user)
    assert set(data) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}


@pytest.mark.parametrize("prefix", ["/api/v1/auth", "/api/v1/admin/auth"])
def test_api_two_step_login(api_client, prefix):
    user = UserFactory(role=Role.SUPER_ADMIN)
    secret, _ = enrol(user)
    first = api_client.post(f"{prefix}/login", {"email": user.email, "password": PASSWORD})
    assert first.status_code == 200
    challenge = first.json()["data"]
    assert set(challenge) == {"mfa_required", "mfa_token", "methods", "expires_in"}
    assert (challenge["mfa_required"], challenge["methods"], challenge["expires_in"]) == (
        True,
        ["totp", "recovery_codes"],
        300,
    )
    user.refresh_from_db()
    assert user.last_login is None

    wrong = api_client.post(f"{prefix}/login/mfa", {"mfa_token": challenge["mfa_token"], "code": "000000"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "MFA_CODE_INVALID"
    right = api_client.post(f"{prefix}/login/mfa", {"mfa_token": challenge["mfa_token"], "code": totp_code(secret)})
    assert right.status_code == 200
    tokens = right.json()["data"]
    assert tokens["user"]["id"] == user.pk
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert api_client.get("/api/v1/auth/me").status_code == 200
    api_client.credentials()
    # The challenge is spent.
    replay = api_client.post(f"{prefix}/login/mfa", {"mfa_token": challenge["mfa_token"], "code": totp_code(secret)})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "MFA_CHALLENGE_INVALID"


def test_api_challenge_expires_and_cannot_be_forged(api_client, _clock):
    user = UserFactory(role=Role.ADMIN)
    secret, _ = enrol(user)
    token = _challenge(api_client, user)["mfa_token"]
    forged = api_client.post(LOGIN_MFA, {"mfa_token": token[:-2] + "xx", "code": totp_code(secret)})
    assert forged.json()["error"]["code"] == "MFA_CHALLENGE_INVALID"
    _clock.shift(301)
    late = api_client.post(LOGIN_MFA, {"mfa_token": token, "code": totp_code(secret)})
    assert late.status_code == 401
    assert late.json()["error"]["code"] == "MFA_CHALLENGE_INVALID"


def test_api_recovery_code_works_once(api_client):
    user = UserFactory(role=Role.PAYMENT_MANAGER)
    _secret, codes = enrol(user)
    first = api_client.post(LOGIN_MFA, {"mfa_token": _challenge(api_client, user)["mfa_token"], "code": codes[0]})
    assert first.status_code == 200
    second = api_client.post(LOGIN_MFA, {"mfa_token": _challenge(api_client, user)["mfa_token"], "code": codes[0]})
    assert second.status_code == 401
    assert second.json()["error"]["code"] == "MFA_CODE_INVALID"
    assert len(RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).get_unused_codes()) == 9


def test_api_codes_are_throttled_per_challenge(api_client):
    user = UserFactory(role=Role.ADMIN)
    secret, _ = enrol(user)
    token = _challenge(api_client, user)["mfa_token"]
    statuses = [api_client.post(LOGIN_MFA, {"mfa_token": token, "code": "000000"}).status_code for _ in range(5)]
    assert statuses == [401] * 5
    throttled = api_client.post(LOGIN_MFA, {"mfa_token": token, "code": totp_code(secret)})
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "RATE_LIMITED"
    assert int(throttled["Retry-After"]) > 0
    # A new challenge may try again (the user's hourly budget is not used up).
    fresh = _challenge(api_client, user)["mfa_token"]
    assert api_client.post(LOGIN_MFA, {"mfa_token": fresh, "code": totp_code(secret)}).status_code == 200


def test_api_codes_are_throttled_per_user_across_challenges(api_client):
    user = UserFactory(role=Role.ADMIN)
    secret, _ = enrol(user)
    statuses = []
    for _ in range(3):
        token = _challenge(api_client, user)["mfa_token"]
        statuses += [api_client.post(LOGIN_MFA, {"mfa_token": token, "code": "000000"}).status_code for _ in range(4)]
    assert statuses == [401] * 10 + [429] * 2
    token = _challenge(api_client, user)["mfa_token"]
    refused = api_client.post(LOGIN_MFA, {"mfa_token": token, "code": totp_code(secret)})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_api_password_change_voids_open_challenges(api_client):
    from accounts import services

    user = UserFactory(role=Role.ADMIN)
    secret, _ = enrol(user)
    token = _challenge(api_client, user)["mfa_token"]
    services.user_set_password(user=user, new_password="Another-Horse-Battery-7")
    response = api_client.post(LOGIN_MFA, {"mfa_token": token, "code": totp_code(secret)})
    assert response.json()["error"]["code"] == "MFA_CHALLENGE_INVALID"


def test_api_bad_input_is_422(api_client):
    response = api_client.post(LOGIN_MFA, {"mfa_token": ""})
    assert response.status_code == 422
    assert {d["field"] for d in response.json()["error"]["details"]} == {"mfa_token", "code"}


def test_clock_fixture_is_in_the_middle_of_a_step():
    assert 9 <= timezone.now().timestamp() % 30 <= 11
