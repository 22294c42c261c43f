from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


def _login(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_twenty_wrong_passwords_from_one_ip_lock_out(api_client):
    UserFactory(email="victim@example.com")
    statuses = [_login(api_client, "victim@example.com", f"guess-{i}").status_code for i in range(20)]
    assert statuses == [401] * 5 + [429] * 15
    locked = _login(api_client, "victim@example.com", PASSWORD)
    assert locked.status_code == 429
    body = locked.json()
    assert body["success"] is False
    assert body["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(locked["Retry-After"]) <= 60
    # Another user from another IP is unaffected.
    UserFactory(email="bystander@example.com")
    assert _login(api_client, "bystander@example.com", PASSWORD, ip="10.0.0.2").status_code == 200


def test_same_ip_is_locked_for_other_emails_too(api_client):
    UserFactory(email="other@example.com")
    for i in range(5):
        assert _login(api_client, f"nobody{i}@example.com", "x").status_code == 401
    assert _login(api_client, "other@example.com", PASSWORD).status_code == 429


def test_guesses_spread_over_twenty_ips_still_trip_the_email_limit(api_client):
    UserFactory(email="victim@example.com")
    statuses = [
        _login(api_client, "victim@example.com", f"guess-{i}", ip=f"192.0.2.{i + 1}").status_code for i in range(20)
    ]
    assert statuses == [401] * 5 + [429] * 15
    assert _login(api_client, "VICTIM@example.com", PASSWORD, ip="198.51.100.7").status_code == 429


def test_forged_forwarded_for_does_not_reset_the_count(api_client):
    UserFactory(email="victim@example.com")
    statuses = [
        api_client.post(
            LOGIN,
            {"email": f"n{i}@example.com", "password": "x"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(7)
    ]
    assert statuses == [401] * 5 + [429] * 2


def test_lock_ends_after_the_window_and_success_clears_email_failures(api_client):
    UserFactory(email="victim@example.com")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for i in range(5):
            _login(api_client, "victim@example.com", f"guess-{i}")
        assert _login(api_client, "victim@example.com", PASSWORD).status_code == 429
        traveller.shift(timedelta(seconds=121))
        assert _login(api_client, "victim@example.com", PASSWORD, ip="10.0.0.3").status_code == 200
        for i in range(4):
            assert _login(api_client, "victim@example.com", f"again-{i}", ip="10.0.0.3").status_code == 401
        assert _login(api_client, "victim@example.com", PASSWORD, ip="10.0.0.4").status_code == 200


def test_admin_login_blocked_by_axes_after_five_failures(client):
    UserFactory(email="staff@example.com", role=Role.ADMIN)
    statuses = [
        client.post("/admin/login/", {"username": "staff@example.com", "password": f"guess-{i}"}).status_code
        for i in range(5)
    ]
    # The form again with an error, until the fifth failure locks the account out.
    assert statuses == [200] * 4 + [429]
    blocked = client.post("/admin/login/", {"username": "staff@example.com", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session
