"""The activity and score ledger: lead_record_action, lead_score_adjust and their sums."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError
from django.db.models import Sum
from django.test import override_settings

from leads.models import Lead, LeadAction, LeadEvent
from leads.services import lead_record_action
from leads.tests.factories import LeadFactory
from magnetiq.exceptions import InvalidInput
from magnetiq.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def test_default_points_per_action():
    lead = LeadFactory()
    expected = {
        LeadAction.WHITEPAPER_DOWNLOAD: 10,
        LeadAction.WEBINAR_REGISTRATION: 15,
        LeadAction.WEBINAR_ATTENDANCE: 25,
        LeadAction.BOOKING: 40,
        LeadAction.EMAIL_OPEN: 1,
        LeadAction.EMAIL_CLICK: 3,
    }
    for action, points in expected.items():
        assert lead_record_action(lead=lead, action=action).points == points
    assert lead.score == 94
    lead.refresh_from_db()
    assert lead.score == 94


@override_settings(LEADS={"SCORE_POINTS": {"whitepaper_download": 7, "booking": 100}})
def test_points_come_from_settings():
    lead = LeadFactory()
    assert lead_record_action(lead=lead, action="whitepaper_download").points == 7
    assert lead_record_action(lead=lead, action="booking").points == 100
    assert lead_record_action(lead=lead, action="email_open").points == 1
    assert lead.score == 108


def test_explicit_points_subject_and_data():
    lead = LeadFactory()
    other = LeadFactory()  # any model row works as a subject
    when = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    event = lead_record_action(
        lead=lead,
        action="whitepaper_download",
        points=12,
        subject=other,
        occurred_at=when,
        data={"utm_source": "newsletter", "ip": "203.0.113.77", "referrer": "https://example.org/post"},
    )
    event.refresh_from_db()
    assert event.points == 12
    assert event.occurred_at == when
    assert event.subject_object == other
    assert event.data == {"utm_source": "newsletter", "ip": "203.0.113.0", "referrer": "https://example.org/post"}
    string_event = lead_record_action(lead=lead, action="booking", subject="booking MQ-7K2P")
    assert (string_event.subject, string_event.content_type) == ("booking MQ-7K2P", None)


def test_unknown_action_is_refused_and_changes_nothing():
    lead = LeadFactory()
    with pytest.raises(InvalidInput) as caught:
        lead_record_action(lead=lead, action="tweeted")
    assert caught.value.details[0]["field"] == "action"
    assert LeadEvent.objects.count() == 0
    lead.refresh_from_db()
    assert lead.score == 0


def test_database_refuses_a_second_lead_with_the_same_email_in_another_case():
    LeadFactory(email="dup@example.com")
    with pytest.raises(IntegrityError):
        Lead.objects.create(email="DUP@example.com", source="webinar")


def test_score_equals_sum_of_events_after_many_actions():
    lead = LeadFactory()
    for _ in range(5):
        lead_record_action(lead=lead, action="email_click")
    lead_record_action(lead=lead, action="booking", points=-4)
    lead.refresh_from_db()
    assert lead.score == LeadEvent.objects.filter(lead=lead).aggregate(total=Sum("points"))["total"] == 11
    assert AuditLogEntry.objects.count() == 0
