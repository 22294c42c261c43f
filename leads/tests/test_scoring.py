"""The activity and score ledger: lead_record_action, lead_score_adjust and their sums."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError
from django.db.models import Sum
from django.test import override_settings

from leads.models import Lead, LeadAction, LeadEvent
from leads.services import lead_record_action, lead_score_adjust, lead_score_set
from leads.tests.factories import LeadFactory
from magnetiq.exceptions import InvalidInput
from magnetiq.models import AuditLogEntry
from magnetiq.tests.parallel import run_together

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


def test_manual_adjustments_are_ledger_entries_and_the_sum_holds():
    lead = LeadFactory()
    for action in ["whitepaper_download", "email_open", "webinar_registration", "email_click", "booking"] * 4:
        lead_record_action(lead=lead, action=action)
    lead_score_adjust(lead=lead, points=-30, reason="Competitor", actor=None)
    lead_score_adjust(lead=lead, points=7, reason="Good call", actor=None)
    event = lead_score_set(lead=lead, score=100, reason="Reset after review", actor=None)

    assert event.points == 100 - (4 * 69 - 30 + 7)
    assert lead_score_set(lead=lead, score=100, reason="Again", actor=None) is None
    lead.refresh_from_db()
    assert lead.score == 100
    assert LeadEvent.objects.filter(lead=lead).aggregate(total=Sum("points"))["total"] == 100
    adjustments = LeadEvent.objects.filter(lead=lead, action="manual_adjustment").order_by("id")
    assert [(e.points, e.data["reason"]) for e in adjustments] == [
        (-30, "Competitor"),
        (7, "Good call"),
        (event.points, "Reset after review"),
    ]
    assert AuditLogEntry.objects.filter(action="leads.lead.score_adjusted").count() == 3


@pytest.mark.parametrize(
    ("points", "reason", "field"),
    [(0, "x", "points"), (1.5, "x", "points"), (True, "x", "points"), (5, "  ", "reason"), (5, "r" * 501, "reason")],
)
def test_manual_adjustment_validation(points, reason, field):
    lead = LeadFactory()
    with pytest.raises(InvalidInput) as caught:
        lead_score_adjust(lead=lead, points=points, reason=reason, actor=None)
    assert caught.value.details[0]["field"] == field
    assert LeadEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_simultaneous_actions_all_count():
    lead = LeadFactory()

    def run() -> None:
        for _ in range(3):
            lead_record_action(lead=Lead.objects.get(pk=lead.pk), action="email_click")

    assert run_together([run] * 4) == [None] * 4
    lead.refresh_from_db()
    assert lead.score == 36 == LeadEvent.objects.aggregate(total=Sum("points"))["total"]
