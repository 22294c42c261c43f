"""The API login's limits (accounts.throttling): per (IP, account), per IP, per account from
untrusted IPs; counted before the password is checked, so parallel guesses cannot beat them.

Every test runs on a frozen clock just after a window starts, so the counts and ``Retry-After``
are exact on any day.
"""

from datetime import timedelta

import pytest
import time_machine

from accounts.models import Role
from magnetiq.tests.parallel import post_in_parallel, widen_backlog, window_start

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def clock():
    """Frozen 10 s into a fresh one-minute window; ``clock.shift(timedelta)`` moves it."""
    with time_machine.travel(window_start(offset=10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def small_ip_ceiling(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_ip": "8/min"},
    }


def _login(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_twenty_wrong_passwords_from_one_ip_lock_that_pair_out(api_client, clock):
    UserFactory(email="victim@example.com")
    statuses = [_login(api_client, "victim@example.com", f"guess-{i}").status_code for i in range(20)]
    assert statuses == [401] * 5 + [429] * 15
    locked = _login(api_client, "victim@example.com", PASSWORD)
    assert locked.status_code == 429
    body = locked.json()
    assert body["success"] is False
    assert body["error"]["code"] == "RATE_LIMITED"
    # 50 s left in this window, then the capped count (5) weighs 5 * (1 - x/60) until x = 12 s.
    assert locked["Retry-After"] == "62"
    clock.shift(timedelta(seconds=62))
    assert _login(api_client, "victim@example.com", PASSWORD).status_code == 200


def test_another_account_behind_the_same_ip_still_logs_in(api_client, clock):
    # The old rule locked the whole IP after 5 failures, for every account behind it (an office NAT).
    UserFactory(email="colleague@example.com")
    UserFactory(email="victim@example.com")
    for i in range(20):
        _login(api_client, "victim@example.com", f"guess-{i}")
    assert _login(api_client, "colleague@example.com", PASSWORD).status_code == 200


def test_attacker_on_another_ip_cannot_lock_the_victim_out(api_client, clock):
    # The old rule locked the e-mail for everyone after 5 failures from anywhere.
    UserFactory(email="victim@example.com")
    statuses = [_login(api_client, "victim@example.com", f"g{i}", ip="203.0.113.66").status_code for i in range(20)]
    assert statuses == [401] * 5 + [429] * 15
    assert _login(api_client, "victim@example.com", PASSWORD, ip="198.51.100.7").status_code == 200


def test_one_ip_spraying_many_accounts_hits_the_ip_ceiling(api_client, clock, small_ip_ceiling):
    UserFactory(email="colleague@example.com")
    statuses = [_login(api_client, f"nobody{i}@example.com", "x").status_code for i in range(10)]
    assert statuses == [401] * 8 + [429] * 2
    assert _login(api_client, "colleague@example.com", PASSWORD).status_code == 429
    assert _login(api_client, "colleague@example.com", PASSWORD, ip="10.0.0.2").status_code == 200


def test_hammering_one_account_does_not_use_up_the_ip_ceiling(api_client, clock, small_ip_ceiling):
    UserFactory(email="colleague@example.com")
    statuses = [_login(api_client, "victim@example.com", f"g{i}").status_code for i in range(30)]
    assert statuses == [401] * 5 + [429] * 25
    assert _login(api_client, "colleague@example.com", PASSWORD).status_code == 200


def test_guesses_spread_over_twenty_ips_trip_the_account_ceiling_but_not_for_a_trusted_ip(api_client, clock):
    UserFactory(email="victim@example.com")
    assert _login(api_client, "victim@example.com", PASSWORD, ip="198.51.100.7").status_code == 200
    statuses = [
        _login(api_client, "victim@example.com", f"guess-{i}", ip=f"192.0.2.{i + 1}").status_code for i in range(20)
    ]
    assert statuses == [401] * 10 + [429] * 10
    assert _login(api_client, "VICTIM@example.com", PASSWORD, ip="198.51.100.99").status_code == 429
    assert _login(api_client, "victim@example.com", PASSWORD, ip="198.51.100.7").status_code == 200


def test_forged_forwarded_for_does_not_reset_the_count(api_client, clock):
    UserFactory(email="victim@example.com")
    statuses = [
        api_client.post(
            LOGIN,
            {"email": "victim@example.com", "password": "x"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(7)
    ]
    assert statuses == [401] * 5 + [429] * 2


def test_success_clears_the_pairs_failures_and_the_lock_ends_with_the_window(api_client, clock):
    UserFactory(email="victim@example.com")
    for i in range(4):
        assert _login(api_client, "victim@example.com", f"typo-{i}").status_code == 401
    assert _login(api_client, "victim@example.com", PASSWORD).status_code == 200
    statuses = [_login(api_client, "victim@example.com", f"again-{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    clock.shift(timedelta(seconds=121))
    assert _login(api_client, "victim@example.com", PASSWORD).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_twenty_parallel_wrong_passwords_check_exactly_five(live_server):
    with time_machine.travel(window_start(), tick=True):
        UserFactory(email="victim@example.com")
        bodies = [{"email": "victim@example.com", "password": f"guess-{i}"} for i in range(20)]
        statuses = post_in_parallel(f"{widen_backlog(live_server)}{LOGIN}", bodies)
        assert sorted(statuses) == [401] * 5 + [429] * 15
        # The bystander behind the same IP (the live server sees 127.0.0.1 for everyone).
        UserFactory(email="colleague@example.com")
        assert post_in_parallel(
            f"{live_server.url}{LOGIN}", [{"email": "colleague@example.com", "password": PASSWORD}]
        ) == [200]


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_twenty_parallel_guesses_from_twenty_ips_check_exactly_ten(live_server, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with time_machine.travel(window_start(), tick=True):
        UserFactory(email="victim@example.com")
        bodies = [{"email": "victim@example.com", "password": f"guess-{i}"} for i in range(20)]
        headers = [{"X-Forwarded-For": f"192.0.2.{i + 1}"} for i in range(20)]
        statuses = post_in_parallel(f"{widen_backlog(live_server)}{LOGIN}", bodies, headers)
        assert sorted(statuses) == [401] * 10 + [429] * 10


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
