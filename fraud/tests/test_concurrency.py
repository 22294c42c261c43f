"""Parallel failures leave exactly one automatic block and one automatic flag (partial unique
constraints), and parallel guesses cannot slip past the throttle (atomic counters); on the SQLite
file database and on PostgreSQL (RELIABILITY: a real database and ``transaction=True``)."""

import pytest

from fraud import services
from fraud.exceptions import AttemptsRateLimited
from fraud.models import Attempt, BlockedIP, FlaggedUser
from magnetiq.models import AuditLogEntry
from magnetiq.tests.parallel import run_together

pytestmark = pytest.mark.django_db(transaction=True)

IP = "203.0.113.7"


def test_parallel_failures_from_one_ip_leave_one_block(settings):
    settings.FRAUD_BLOCK_AFTER_FAILURES = 3
    settings.FRAUD_FLAG_AFTER_FAILURES = 1000

    def guess(n):
        return lambda: services.attempt_record(
            scope="coupon_validate", ip=IP, email=f"g{n}@example.com", success=False, reason="unknown", subject=f"C{n}"
        )

    results = run_together([guess(n) for n in range(12)])

    assert [r for r in results if isinstance(r, Exception)] == []
    assert Attempt.objects.count() == 12
    assert BlockedIP.objects.filter(network=f"{IP}/32").count() == 1
    assert AuditLogEntry.objects.filter(action="fraud.blockedip.auto_block").count() == 1


def test_parallel_failures_of_one_identity_leave_one_flag(settings):
    settings.FRAUD_BLOCK_AFTER_FAILURES = 1000
    settings.FRAUD_FLAG_AFTER_FAILURES = 2

    def guess(n):
        return lambda: services.attempt_record(
            scope="coupon_validate",
            ip=f"198.51.100.{n}",
            email=f"a.nn+{n}@gmail.com",
            success=False,
            reason="unknown",
            subject=f"C{n}",
        )

    results = run_together([guess(n) for n in range(10)])

    assert [r for r in results if isinstance(r, Exception)] == []
    assert FlaggedUser.objects.filter(email_normalised="ann@gmail.com").count() == 1
    assert AuditLogEntry.objects.filter(action="fraud.flaggeduser.auto_flag").count() == 1


def test_parallel_guesses_pass_the_throttle_exactly_up_to_its_limit(settings):
    settings.FRAUD_ATTEMPT_RATE_IP = "5/hour"

    results = run_together([lambda: services.attempt_guard(scope="coupon_validate", ip=IP) for _ in range(20)])

    assert results.count(None) == 5
    assert sum(isinstance(r, AttemptsRateLimited) for r in results) == 15
