"""``purge_fraud_attempts``: full IPs go after the retention period, the truncated form stays."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fraud.models import Attempt

from .factories import AttemptFactory

pytestmark = pytest.mark.django_db


def test_purge_truncates_only_attempts_past_the_retention(settings):
    settings.FRAUD_ATTEMPT_IP_RETENTION_DAYS = 30
    now = timezone.now()
    old = [
        AttemptFactory(ip="203.0.113.7", ip_truncated="203.0.113.0", created_at=now - timedelta(days=31)),
        AttemptFactory(ip="2001:db8:1:2::1", ip_truncated="2001:db8:1::", created_at=now - timedelta(days=90)),
        AttemptFactory(ip="198.51.100.4", ip_truncated="198.51.100.0", created_at=now - timedelta(days=30, minutes=1)),
    ]
    recent = AttemptFactory(ip="203.0.113.9", created_at=now - timedelta(days=29, hours=23))
    out = StringIO()

    call_command("purge_fraud_attempts", "--batch-size", "2", stdout=out)

    text = out.getvalue()
    assert "older than 30 day(s)" in text
    assert "2 attempt(s) truncated so far" in text and "3 attempt(s) truncated so far" in text
    assert text.strip().endswith("3 attempt(s) truncated.")
    for attempt in old:
        attempt.refresh_from_db()
        assert attempt.ip is None
    assert [a.ip_truncated for a in old] == ["203.0.113.0", "2001:db8:1::", "198.51.100.0"]
    recent.refresh_from_db()
    assert recent.ip == "203.0.113.9"
    # A second run finds nothing.
    out = StringIO()
    call_command("purge_fraud_attempts", stdout=out)
    assert out.getvalue().strip().endswith("0 attempt(s) truncated.")
    assert Attempt.objects.exclude(ip=None).count() == 1


def test_purge_follows_the_retention_setting(settings):
    settings.FRAUD_ATTEMPT_IP_RETENTION_DAYS = 1
    AttemptFactory(ip="203.0.113.7", created_at=timezone.now() - timedelta(days=2))
    call_command("purge_fraud_attempts", stdout=StringIO())
    assert Attempt.objects.get().ip is None


def test_bad_batch_size():
    with pytest.raises(CommandError):
        call_command("purge_fraud_attempts", "--batch-size", "0", stdout=StringIO())
