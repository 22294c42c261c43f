"""The guard, the attempt record and its automatic rules, and the risk score."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from fraud import services
from fraud.exceptions import AttemptsRateLimited, RequestRefused
from fraud.models import Attempt, BlockedIP, FlaggedUser, Source
from magnetiq.models import AuditLogEntry

from .factories import AttemptFactory, BlockedIPFactory, FlaggedUserFactory, WhitelistFactory

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


def fail(ip=IP, email="", user_id=None, subject="GUESS", scope="coupon_validate"):
    return services.attempt_record(
        scope=scope, ip=ip, email=email, user_id=user_id, success=False, reason="unknown", subject=subject
    )


# --- attempt_guard: refusals ------------------------------------------------------------------


def test_guard_lets_a_clean_attempt_through():
    assert services.attempt_guard(scope="coupon_validate", ip=IP, email="ann@example.com") is None


def test_guard_refuses_a_blocked_ip_neutrally():
    BlockedIPFactory(network=f"{IP}/32")
    with pytest.raises(RequestRefused) as refused:
        services.attempt_guard(scope="coupon_validate", ip=IP)
    assert refused.value.status == 403
    assert refused.value.code == "REQUEST_REFUSED"
    assert "block" not in refused.value.message.lower()


def test_guard_refuses_an_ip_inside_a_blocked_network():
    BlockedIPFactory(network="203.0.113.0/24")
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip="203.0.113.200")
    services.attempt_guard(scope="coupon_validate", ip="203.0.114.1")


def test_guard_refuses_a_blocked_ipv6_address_and_network():
    BlockedIPFactory(network="2001:db8:1::/48")
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip="2001:db8:1:2::abcd")
    services.attempt_guard(scope="coupon_validate", ip="2001:db8:2::1")


def test_guard_treats_an_ipv4_mapped_address_as_ipv4():
    BlockedIPFactory(network=f"{IP}/32")
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip=f"::ffff:{IP}")


def test_expired_and_lifted_blocks_do_not_refuse():
    now = timezone.now()
    BlockedIPFactory(network=f"{IP}/32", expires_at=now - timedelta(seconds=1))
    BlockedIPFactory(network="203.0.113.0/24", lifted_at=now)
    services.attempt_guard(scope="coupon_validate", ip=IP)


def test_guard_refuses_a_flagged_email_in_any_spelling():
    FlaggedUserFactory(email_normalised="ann@gmail.com")
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip=IP, email="A.nn+spring@googlemail.com")


def test_guard_refuses_a_flagged_user():
    user = UserFactory()
    FlaggedUserFactory(user=user, email_normalised="")
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip=IP, user_id=user.pk)


def test_a_lifted_flag_no_longer_refuses():
    FlaggedUserFactory(email_normalised="ann@example.com", lifted_at=timezone.now())
    services.attempt_guard(scope="coupon_validate", ip=IP, email="ann@example.com")


def test_an_unparsable_ip_is_not_refused_but_still_throttled(settings):
    settings.FRAUD_ATTEMPT_RATE_IP = "2/min"
    for _ in range(2):
        services.attempt_guard(scope="coupon_validate", ip="unknown")
    with pytest.raises(AttemptsRateLimited):
        services.attempt_guard(scope="coupon_validate", ip="unknown")


# --- attempt_guard: throttles -----------------------------------------------------------------


def test_per_ip_throttle_answers_429_with_a_wait(settings):
    settings.FRAUD_ATTEMPT_RATE_IP = "3/min"
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        for n in range(3):
            services.attempt_guard(scope="coupon_validate", ip=IP, email=f"p{n}@example.com")
        with pytest.raises(AttemptsRateLimited) as limited:
            services.attempt_guard(scope="coupon_validate", ip=IP, email="other@example.com")
    assert limited.value.status == 429
    assert limited.value.code == "RATE_LIMITED"
    assert 1 <= limited.value.wait <= 120
    # Another IP is not affected, nor the same IP in another scope.
    services.attempt_guard(scope="coupon_validate", ip="198.51.100.1")
    services.attempt_guard(scope="coupon_info", ip=IP)


def test_per_email_throttle_counts_every_spelling_of_one_mailbox(settings):
    settings.FRAUD_ATTEMPT_RATE_EMAIL = "2/min"
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        services.attempt_guard(scope="coupon_validate", ip="198.51.100.1", email="ann@gmail.com")
        services.attempt_guard(scope="coupon_validate", ip="198.51.100.2", email="a.nn+1@gmail.com")
        with pytest.raises(AttemptsRateLimited):
            services.attempt_guard(scope="coupon_validate", ip="198.51.100.3", email="A.N.N@googlemail.com")


def test_an_attempt_refused_by_the_email_limit_gives_back_its_ip_count(settings):
    settings.FRAUD_ATTEMPT_RATE_IP = "3/min"
    settings.FRAUD_ATTEMPT_RATE_EMAIL = "1/min"
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        services.attempt_guard(scope="coupon_validate", ip=IP, email="ann@example.com")
        for _ in range(3):
            with pytest.raises(AttemptsRateLimited):
                services.attempt_guard(scope="coupon_validate", ip=IP, email="ann@example.com")
        # The IP has used 1 of 3: two more attempts with other addresses pass.
        services.attempt_guard(scope="coupon_validate", ip=IP, email="bob@example.com")
        services.attempt_guard(scope="coupon_validate", ip=IP, email="cy@example.com")
        with pytest.raises(AttemptsRateLimited):
            services.attempt_guard(scope="coupon_validate", ip=IP, email="dee@example.com")


def test_scope_overrides_apply(settings):
    settings.FRAUD_ATTEMPT_RATE_IP = "100/min"
    settings.FRAUD_ATTEMPT_SCOPE_RATES = {"coupon_info": {"ip": "1/min"}}
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        services.attempt_guard(scope="coupon_info", ip=IP)
        with pytest.raises(AttemptsRateLimited):
            services.attempt_guard(scope="coupon_info", ip=IP)
        services.attempt_guard(scope="coupon_validate", ip=IP)


# --- attempt_record ---------------------------------------------------------------------------


def test_record_stores_the_attempt_normalised_and_truncated():
    user = UserFactory()
    attempt = services.attempt_record(
        scope="coupon_validate",
        ip="2001:db8:1:2::1",
        email="Ann+x@Example.com",
        user_id=user.pk,
        success=False,
        reason="expired",
        subject="SPRING25",
    )
    attempt.refresh_from_db()
    assert attempt.ip == "2001:db8:1:2::1"
    assert attempt.ip_truncated == "2001:db8:1::"
    assert attempt.email_normalised == "ann@example.com"
    assert attempt.user == user
    assert (attempt.success, attempt.reason, attempt.subject) == (False, "expired", "SPRING25")
    assert 0 <= attempt.risk <= 100


def test_record_with_an_unparsable_ip_keeps_no_address():
    attempt = services.attempt_record(scope="coupon_validate", ip="unknown", success=True)
    assert (attempt.ip, attempt.ip_truncated) == (None, "")


def test_n_failures_block_the_ip_with_an_audit_entry(settings):
    settings.FRAUD_BLOCK_AFTER_FAILURES = 3
    settings.FRAUD_BLOCK_MINUTES = 90
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        fail(subject="A")
        fail(subject="B")
        assert not BlockedIP.objects.exists()
        fail(subject="C")
    block = BlockedIP.objects.get()
    assert block.network == f"{IP}/32"
    assert block.source == Source.AUTO
    assert block.expires_at == now + timedelta(minutes=90)
    assert AuditLogEntry.objects.filter(action="fraud.blockedip.auto_block", object_id=str(block.pk)).count() == 1
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip=IP)


def test_successes_and_other_ips_do_not_count_towards_a_block(settings):
    settings.FRAUD_BLOCK_AFTER_FAILURES = 2
    services.attempt_record(scope="coupon_validate", ip=IP, success=True, subject="OK")
    services.attempt_record(scope="coupon_validate", ip=IP, success=True, subject="OK")
    fail(ip="198.51.100.1")
    fail()
    assert not BlockedIP.objects.exists()


def test_failures_older_than_the_window_do_not_count(settings):
    settings.FRAUD_BLOCK_AFTER_FAILURES = 2
    settings.FRAUD_FAILURE_WINDOW_MINUTES = 10
    AttemptFactory(ip=IP, created_at=timezone.now() - timedelta(minutes=11))
    fail()
    assert not BlockedIP.objects.exists()
    fail()
    assert BlockedIP.objects.count() == 1


def test_after_a_block_expires_the_ip_starts_from_zero(settings):
    settings.FRAUD_BLOCK_AFTER_FAILURES = 2
    settings.FRAUD_BLOCK_MINUTES = 5
    settings.FRAUD_FAILURE_WINDOW_MINUTES = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail()
        fail()
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        services.attempt_guard(scope="coupon_validate", ip=IP)
        fail()
        # The failures before the first block are paid for: one new failure is not two.
        assert BlockedIP.objects.active().count() == 0
        fail()
        assert BlockedIP.objects.active().count() == 1
    first, second = BlockedIP.objects.order_by("created_at")
    assert first.lifted_at == first.expires_at
    assert second.lifted_at is None


def test_n_failures_of_one_identity_flag_it(settings):
    settings.FRAUD_FLAG_AFTER_FAILURES = 3
    settings.FRAUD_BLOCK_AFTER_FAILURES = 100
    for n in range(3):
        fail(ip=f"198.51.100.{n}", email=f"a.nn+{n}@gmail.com")
    flag = FlaggedUser.objects.get()
    assert (flag.email_normalised, flag.source) == ("ann@gmail.com", Source.AUTO)
    assert AuditLogEntry.objects.filter(action="fraud.flaggeduser.auto_flag").count() == 1
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip="192.0.2.1", email="ann@gmail.com")


def test_a_whitelisted_user_is_never_auto_flagged(settings):
    settings.FRAUD_FLAG_AFTER_FAILURES = 2
    settings.FRAUD_BLOCK_AFTER_FAILURES = 100
    user = UserFactory(email="tester@example.com")
    WhitelistFactory(user=user)
    for n in range(4):
        fail(ip=f"198.51.100.{n}", email="tester@example.com", user_id=user.pk)
    for n in range(4):
        fail(ip=f"198.51.100.{n}", email="tester@example.com")
    assert not FlaggedUser.objects.exists()
    services.attempt_guard(scope="coupon_validate", ip="192.0.2.1", email="tester@example.com", user_id=user.pk)


def test_a_signed_in_user_is_flagged_by_account(settings):
    settings.FRAUD_FLAG_AFTER_FAILURES = 2
    settings.FRAUD_BLOCK_AFTER_FAILURES = 100
    user = UserFactory()
    fail(ip="198.51.100.1", user_id=user.pk)
    fail(ip="198.51.100.2", user_id=user.pk)
    assert FlaggedUser.objects.get().user == user
    with pytest.raises(RequestRefused):
        services.attempt_guard(scope="coupon_validate", ip="192.0.2.1", user_id=user.pk)


# --- risk_assess ------------------------------------------------------------------------------


def test_risk_of_a_known_customer_is_zero():
    user = UserFactory()
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        risk = services.risk_assess(ip=IP, email=user.email, user_id=user.pk)
    assert risk == services.Risk(score=0, reasons=())


def test_risk_new_identity():
    risk = services.risk_assess(ip=IP, email="first@example.com", user_id=None)
    assert risk.reasons == ("new_identity",)
    assert risk.score == services.RISK_WEIGHTS["new_identity"]
    services.attempt_record(scope="coupon_validate", ip=IP, email="first@example.com", success=True, subject="X")
    assert services.risk_assess(ip=IP, email="First+2@example.com", user_id=None).reasons == ()


def test_risk_new_account():
    user = UserFactory()
    assert "new_identity" in services.risk_assess(ip=IP, email=user.email, user_id=user.pk).reasons


def test_risk_many_codes_from_one_ip(settings):
    settings.FRAUD_RISK_MANY_CODES = 3
    settings.FRAUD_RISK_WINDOW_MINUTES = 60
    AttemptFactory(ip=IP, subject="OLD", created_at=timezone.now() - timedelta(minutes=61))
    AttemptFactory(ip=IP, subject="A")
    AttemptFactory(ip=IP, subject="A")
    AttemptFactory(ip=IP, subject="B")
    assert "many_codes" not in services.risk_assess(ip=IP, email="", user_id=None).reasons
    AttemptFactory(ip=IP, subject="C")
    assert "many_codes" in services.risk_assess(ip=IP, email="", user_id=None).reasons


def test_risk_many_codes_by_one_identity_across_ips(settings):
    settings.FRAUD_RISK_MANY_CODES = 2
    AttemptFactory(ip="198.51.100.1", email_normalised="ann@example.com", subject="A")
    AttemptFactory(ip="198.51.100.2", email_normalised="ann@example.com", subject="B")
    assert "many_codes" in services.risk_assess(ip="192.0.2.1", email="Ann+z@example.com", user_id=None).reasons


def test_risk_disposable_email_domain_and_subdomain():
    assert "disposable_email" in services.risk_assess(ip=IP, email="x@mailinator.com", user_id=None).reasons
    assert "disposable_email" in services.risk_assess(ip=IP, email="x@eu.mailinator.com", user_id=None).reasons
    assert "disposable_email" not in services.risk_assess(ip=IP, email="x@example.com", user_id=None).reasons


def test_risk_many_identities_from_one_ip(settings):
    settings.FRAUD_RISK_MANY_IDENTITIES = 3
    AttemptFactory(ip=IP, email_normalised="a@example.com")
    AttemptFactory(ip=IP, email_normalised="b@example.com")
    assert "many_identities" not in services.risk_assess(ip=IP, email="a@example.com", user_id=None).reasons
    assert "many_identities" in services.risk_assess(ip=IP, email="c@example.com", user_id=None).reasons


def test_risk_is_capped_at_100_and_stored_on_the_attempt(settings):
    settings.FRAUD_RISK_MANY_CODES = 1
    settings.FRAUD_RISK_MANY_IDENTITIES = 2
    settings.FRAUD_BLOCK_AFTER_FAILURES = 100
    AttemptFactory(ip=IP, email_normalised="a@example.com", subject="A")
    risk = services.risk_assess(ip=IP, email="x@mailinator.com", user_id=None)
    assert set(risk.reasons) == {"new_identity", "many_codes", "disposable_email", "many_identities"}
    assert risk.score == 100
    attempt = fail(email="x@mailinator.com")
    assert attempt.risk == 100
    assert Attempt.objects.get(pk=attempt.pk).risk == 100
