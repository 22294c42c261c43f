"""The staff endpoints under /api/v1/admin/coupons/fraud… and …/security…: answers, the error
shape for bad input, IPv6, pagination and audit entries."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from fraud import services
from fraud.models import Attempt, BlockedIP, FlaggedUser, Source, Whitelist
from magnetiq.models import AuditLogEntry

from .factories import AttemptFactory, BlockedIPFactory, FlaggedUserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/admin/coupons"


def error_of(response) -> dict:
    body = response.json()
    assert body["success"] is False
    return body["error"]


# --- fraud-detection and reports ----------------------------------------------------------------


def test_fraud_detection_lists_suspicious_ips_emails_blocks_and_high_risk(admin_api, settings):
    settings.FRAUD_SUSPICIOUS_AFTER_FAILURES = 3
    for n in range(3):
        AttemptFactory(ip="203.0.113.7", email_normalised="guesser@example.com", subject=f"C{n}")
    AttemptFactory(ip="198.51.100.1", email_normalised="ok@example.com")
    AttemptFactory(ip="2001:db8::5", success=True, reason="", risk=80)
    AttemptFactory(ip="198.51.100.2", created_at=timezone.now() - timedelta(days=8), risk=90)
    BlockedIPFactory(network="203.0.113.7/32", source=Source.AUTO)

    response = admin_api.get(f"{BASE}/fraud-detection")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["period"] == "7d"
    assert [(r["ip"], r["failures"], r["codes"], r["blocked"]) for r in data["suspicious_ips"]] == [
        ("203.0.113.7", 3, 3, True)
    ]
    assert [(r["email"], r["failures"], r["flagged"]) for r in data["suspicious_emails"]] == [
        ("guesser@example.com", 3, False)
    ]
    assert [b["ip"] for b in data["recent_auto_blocks"]] == ["203.0.113.7"]
    assert [a["ip"] for a in data["high_risk_attempts"]] == ["2001:db8::5"]


def test_fraud_detection_filters_by_scope_and_period(admin_api, settings):
    settings.FRAUD_SUSPICIOUS_AFTER_FAILURES = 1
    AttemptFactory(ip="203.0.113.1", scope="coupon_info")
    AttemptFactory(ip="203.0.113.2", scope="coupon_validate", created_at=timezone.now() - timedelta(hours=30))
    data = admin_api.get(f"{BASE}/fraud-detection", {"scope": "coupon_info", "period": "24h"}).json()["data"]
    assert [r["ip"] for r in data["suspicious_ips"]] == ["203.0.113.1"]
    data = admin_api.get(f"{BASE}/fraud-detection", {"period": "30d"}).json()["data"]
    assert {r["ip"] for r in data["suspicious_ips"]} == {"203.0.113.1", "203.0.113.2"}


@pytest.mark.parametrize("query", [{"period": "1y"}, {"period": "7"}, {"scope": "x" * 65}])
def test_bad_report_query_is_422_in_the_error_shape(admin_api, query):
    for url in (f"{BASE}/fraud-detection", f"{BASE}/fraud/reports"):
        response = admin_api.get(url, query)
        assert response.status_code == 422
        assert error_of(response)["code"] == "VALIDATION_ERROR"


def test_fraud_report_figures_equal_independent_sums(api_as):
    day = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    rows = [
        # (success, reason, risk, ip, days back)
        (True, "", 0, "203.0.113.1", 0),
        (False, "unknown", 15, "203.0.113.1", 0),
        (False, "unknown", 45, "203.0.113.2", 0),
        (False, "expired", 65, "203.0.113.2", 1),
        (False, "unknown", 100, "2001:db8::1", 1),
        (True, "", 20, "203.0.113.3", 2),
    ]
    for success, reason, risk, ip, back in rows:
        AttemptFactory(success=success, reason=reason, risk=risk, ip=ip, created_at=day - timedelta(days=back))
    AttemptFactory(created_at=day - timedelta(days=10))  # outside 7d
    BlockedIPFactory(network="203.0.113.2/32", source=Source.AUTO)
    FlaggedUserFactory()

    with time_machine.travel(day + timedelta(hours=1), tick=False):
        # The token is made inside the travel: one issued "later" would not be valid yet.
        data = api_as(Role.ADMIN).get(f"{BASE}/fraud/reports", {"period": "7d"}).json()["data"]

    totals = data["totals"]
    assert totals["attempts"] == len(rows)
    assert totals["successes"] == sum(1 for r in rows if r[0])
    assert totals["failures"] == sum(1 for r in rows if not r[0])
    assert totals["average_risk"] == round(sum(r[2] for r in rows) / len(rows), 1)
    assert totals["high_risk_attempts"] == sum(1 for r in rows if r[2] >= 60)
    assert (totals["auto_blocks"], totals["active_blocks"], totals["active_flags"]) == (1, 1, 1)
    assert data["by_reason"] == [{"reason": "unknown", "count": 3}, {"reason": "expired", "count": 1}]
    assert [(d["attempts"], d["failures"]) for d in data["by_day"]] == [(1, 0), (2, 2), (3, 2)]
    assert data["by_day"][-1]["date"] == day.date().isoformat()
    assert data["risk_distribution"] == [
        {"bucket": "0-19", "count": 2},
        {"bucket": "20-39", "count": 1},
        {"bucket": "40-59", "count": 1},
        {"bucket": "60-79", "count": 1},
        {"bucket": "80-100", "count": 1},
    ]
    assert data["top_ips"][0] == {"ip": "203.0.113.2", "attempts": 2, "failures": 2}
    assert {r["ip"] for r in data["top_ips"]} == {"203.0.113.1", "203.0.113.2", "2001:db8::1"}


# --- flag-user, whitelist, reset-user ---------------------------------------------------------


def test_flag_user_by_email_and_by_account(admin_api):
    response = admin_api.post(f"{BASE}/fraud/flag-user", {"email": "A.nn+x@googlemail.com", "reason": "chargebacks"})
    assert response.status_code == 201
    assert response.json()["data"]["email"] == "ann@gmail.com"
    user = UserFactory()
    response = admin_api.post(f"{BASE}/fraud/flag-user", {"user_id": user.pk})
    assert response.status_code == 201
    assert response.json()["data"]["user_id"] == user.pk
    assert FlaggedUser.objects.active().count() == 2
    assert AuditLogEntry.objects.filter(action="fraud.flaggeduser.flag", actor=admin_api.user).count() == 2
    # Again: the flag in force, no second row.
    assert admin_api.post(f"{BASE}/fraud/flag-user", {"email": "ann@gmail.com"}).status_code == 201
    assert FlaggedUser.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "IDENTITY_REQUIRED"),
        ({"email": ""}, 422, "IDENTITY_REQUIRED"),
        ({"email": "not an address"}, 422, "VALIDATION_ERROR"),
        ({"user_id": 0}, 422, "VALIDATION_ERROR"),
        ({"user_id": "abc"}, 422, "VALIDATION_ERROR"),
        ({"user_id": 999999}, 404, "USER_NOT_FOUND"),
        ({"email": "a@example.com", "reason": "x" * 256}, 422, "VALIDATION_ERROR"),
    ],
)
def test_flag_user_bad_input(admin_api, body, status, code):
    response = admin_api.post(f"{BASE}/fraud/flag-user", body, format="json")
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_whitelist_add_lifts_auto_flags_and_remove(admin_api):
    user = UserFactory(email="tester@example.com")
    FlaggedUserFactory(user=user, email_normalised="", source=Source.AUTO)
    manual = FlaggedUserFactory(email_normalised="tester@example.com", source=Source.MANUAL)

    response = admin_api.post(f"{BASE}/fraud/whitelist", {"user_id": user.pk, "reason": "QA"})

    assert response.status_code == 201
    assert response.json()["data"]["email"] == "tester@example.com"
    assert list(FlaggedUser.objects.active()) == [manual]
    assert admin_api.post(f"{BASE}/fraud/whitelist", {"user_id": user.pk}).status_code == 201
    assert Whitelist.objects.count() == 1

    assert admin_api.delete(f"{BASE}/fraud/whitelist/{user.pk}").status_code == 204
    assert not Whitelist.objects.exists()
    assert AuditLogEntry.objects.filter(action="fraud.whitelist.remove").count() == 1
    response = admin_api.delete(f"{BASE}/fraud/whitelist/{user.pk}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "WHITELIST_ENTRY_NOT_FOUND"


def test_whitelist_unknown_user_and_bad_body(admin_api):
    assert error_of(admin_api.post(f"{BASE}/fraud/whitelist", {"user_id": 999999}))["code"] == "USER_NOT_FOUND"
    assert admin_api.post(f"{BASE}/fraud/whitelist", {}).status_code == 422
    assert admin_api.delete(f"{BASE}/fraud/whitelist/abc").status_code == 404


def test_reset_user_clears_counters_flags_and_failures(admin_api, settings):
    settings.FRAUD_ATTEMPT_RATE_EMAIL = "1/hour"
    settings.FRAUD_FLAG_AFTER_FAILURES = 2
    settings.FRAUD_BLOCK_AFTER_FAILURES = 100
    user = UserFactory(email="ann@example.com")
    services.attempt_guard(scope="coupon_validate", ip="203.0.113.1", email="ann@example.com")
    for n in range(2):
        services.attempt_record(
            scope="coupon_validate", ip=f"203.0.113.{n}", email="ann+x@example.com", success=False, reason="unknown"
        )
    assert FlaggedUser.objects.active().count() == 1

    response = admin_api.post(f"{BASE}/security/reset-user", {"user_id": user.pk})

    assert response.status_code == 200
    assert response.json()["data"] == {"failures_cleared": 2, "flags_lifted": 1, "counters_reset": 1}
    assert Attempt.objects.failures().count() == 0
    assert Attempt.objects.count() == 2
    services.attempt_guard(scope="coupon_validate", ip="203.0.113.9", email="ann@example.com")
    assert AuditLogEntry.objects.filter(action="fraud.identity.reset", object_id=str(user.pk)).count() == 1
    # One new failure does not flag again: the cleared ones no longer count.
    services.attempt_record(scope="coupon_validate", ip="203.0.113.9", email="ann@example.com", success=False)
    assert FlaggedUser.objects.active().count() == 0


def test_reset_user_bad_input(admin_api):
    assert error_of(admin_api.post(f"{BASE}/security/reset-user", {}))["code"] == "IDENTITY_REQUIRED"
    assert error_of(admin_api.post(f"{BASE}/security/reset-user", {"user_id": 999999}))["code"] == "USER_NOT_FOUND"
    assert admin_api.post(f"{BASE}/security/reset-user", {"email": "@@"}).status_code == 422


# --- rate-limits ------------------------------------------------------------------------------


def test_rate_limits_show_configuration_and_counters(api_as, settings):
    settings.FRAUD_ATTEMPT_RATE_IP = "5/min"
    settings.FRAUD_ATTEMPT_SCOPE_RATES = {"coupon_info": {"ip": "3/min"}}
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        for _ in range(3):
            services.attempt_guard(scope="coupon_info", ip="2001:db8::7")
        services.attempt_record(scope="coupon_info", ip="2001:db8::7", success=False)
        admin_api = api_as(Role.ADMIN)
        data = admin_api.get(f"{BASE}/security/rate-limits").json()["data"]
        asked = admin_api.get(f"{BASE}/security/rate-limits", {"ip": "2001:db8::7"}).json()["data"]

    assert data["limits"]["default"]["ip"] == {"limit": 5, "period_seconds": 60}
    scope = next(s for s in data["limits"]["scopes"] if s["scope"] == "coupon_info")
    assert scope["ip"] == {"limit": 3, "period_seconds": 60}
    assert data["limits"]["auto_block"]["after_failures"] == settings.FRAUD_BLOCK_AFTER_FAILURES
    counter = next(c for c in data["counters"] if c["subject"] == "2001:db8::7")
    assert (counter["scope"], counter["kind"], counter["count"], counter["limit"], counter["limited"]) == (
        "coupon_info",
        "ip",
        3.0,
        3,
        True,
    )
    assert [c["count"] for c in asked["counters"] if c["scope"] == "coupon_info"] == [3.0]


# --- blocked-ips, block-ip --------------------------------------------------------------------


def test_block_ip_ipv4_ipv6_and_network(admin_api):
    response = admin_api.post(f"{BASE}/security/block-ip", {"ip": "203.0.113.7", "duration_minutes": 60, "reason": "x"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["ip"], data["network"], data["is_network"], data["active"]) == (
        "203.0.113.7",
        "203.0.113.7/32",
        False,
        True,
    )
    response = admin_api.post(f"{BASE}/security/block-ip", {"ip": "2001:DB8:0:0::1"})
    assert response.json()["data"]["ip"] == "2001:db8::1"
    assert response.json()["data"]["expires_at"] is None
    response = admin_api.post(f"{BASE}/security/block-ip", {"ip": "2001:db8:aa::/48"})
    assert response.json()["data"]["is_network"] is True
    with pytest.raises(services.RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip="2001:db8:aa:1::9")
    assert AuditLogEntry.objects.filter(action="fraud.blockedip.block", actor=admin_api.user).count() == 3


def test_blocking_a_blocked_ip_again_changes_the_block(admin_api):
    admin_api.post(f"{BASE}/security/block-ip", {"ip": "203.0.113.7", "duration_minutes": 60})
    response = admin_api.post(f"{BASE}/security/block-ip", {"ip": "203.0.113.7", "reason": "for good"})
    assert response.status_code == 201
    block = BlockedIP.objects.get()
    assert (block.expires_at, block.reason) == (None, "for good")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"ip": "999.1.1.1"}, 400, "INVALID_IP_ADDRESS"),
        ({"ip": "not-an-ip"}, 400, "INVALID_IP_ADDRESS"),
        ({"ip": "2001:db8::zz"}, 400, "INVALID_IP_ADDRESS"),
        ({"ip": "10.0.0.0/8"}, 400, "INVALID_IP_ADDRESS"),
        ({"ip": "::/0"}, 400, "INVALID_IP_ADDRESS"),
        ({"ip": ""}, 422, "VALIDATION_ERROR"),
        ({}, 422, "VALIDATION_ERROR"),
        ({"ip": "203.0.113.7", "duration_minutes": 0}, 422, "VALIDATION_ERROR"),
        ({"ip": "203.0.113.7", "duration_minutes": 10**12}, 422, "VALIDATION_ERROR"),
    ],
)
def test_block_ip_bad_input(admin_api, body, status, code):
    response = admin_api.post(f"{BASE}/security/block-ip", body, format="json")
    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert not BlockedIP.objects.exists()


def test_unblock_ipv4_ipv6_and_network(admin_api):
    for network in ("203.0.113.7/32", "2001:db8::1/128", "198.51.100.0/24"):
        BlockedIPFactory(network=network)
    assert admin_api.delete(f"{BASE}/security/block-ip/203.0.113.7").status_code == 200
    response = admin_api.delete(f"{BASE}/security/block-ip/2001:db8:0::1")
    assert response.status_code == 200
    assert response.json()["data"]["active"] is False
    assert admin_api.delete(f"{BASE}/security/block-ip/198.51.100.0/24").status_code == 200
    assert BlockedIP.objects.active().count() == 0
    assert AuditLogEntry.objects.filter(action="fraud.blockedip.unblock").count() == 3
    response = admin_api.delete(f"{BASE}/security/block-ip/203.0.113.7")
    assert response.status_code == 404
    assert error_of(response)["code"] == "BLOCK_NOT_FOUND"
    response = admin_api.delete(f"{BASE}/security/block-ip/nonsense")
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_IP_ADDRESS"


def test_blocked_ips_list_is_paginated_and_filters_state(admin_api):
    now = timezone.now()
    for n in range(3):
        BlockedIPFactory(network=f"203.0.113.{n}/32")
    BlockedIPFactory(network="203.0.113.50/32", lifted_at=now)
    BlockedIPFactory(network="203.0.113.51/32", expires_at=now - timedelta(minutes=1))

    response = admin_api.get(f"{BASE}/security/blocked-ips", {"limit": 2})
    data = response.json()["data"]
    assert response.status_code == 200
    assert len(data["blocked_ips"]) == 2
    assert data["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    data = admin_api.get(f"{BASE}/security/blocked-ips", {"state": "all"}).json()["data"]
    assert data["pagination"]["total"] == 5
    assert admin_api.get(f"{BASE}/security/blocked-ips", {"state": "gone"}).status_code == 422
    assert admin_api.get(f"{BASE}/security/blocked-ips", {"page": 0}).status_code == 422


def test_other_staff_roles_are_refused(api_as):
    client = api_as(Role.PAYMENT_MANAGER)
    response = client.get(f"{BASE}/security/blocked-ips")
    assert response.status_code == 403
    assert error_of(response)["code"] == "PERMISSION_DENIED"
    assert api_as(Role.SUPER_ADMIN).get(f"{BASE}/security/blocked-ips").status_code == 200


def test_throttled_and_refused_errors_reach_the_api_shape():
    from magnetiq.api.exceptions import exception_handler

    response = exception_handler(services.AttemptsRateLimited(wait=7), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.data["error"]["code"] == "RATE_LIMITED"
    response = exception_handler(services.RequestRefused(), {})
    assert response.status_code == 403
    assert response.data["error"]["code"] == "REQUEST_REFUSED"
