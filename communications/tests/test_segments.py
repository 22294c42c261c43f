"""Who a campaign reaches: the segment's audience and lead filters, always narrowed to people whose
marketing consent is in force and who are not on the do-not-contact list."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from communications.segments import recipients, validate_segment
from communications.tests.factories import consenting_leads
from leads.models import DoNotContactReason, Lead, LeadConsent
from leads.services import do_not_contact_add, lead_update
from magnetiq.exceptions import InvalidInput
from webinars.models import RegistrationStatus
from webinars.tests.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db


def emails(segment: dict) -> list[str]:
    return [person.email for person in recipients(segment)]


def test_lead_filters_score_qualified_and_source():
    high, low = consenting_leads(2, prefix="lead", score=50)
    Lead.objects.filter(pk=low.pk).update(score=10, source="webinar")
    Lead.objects.filter(pk=high.pk).update(is_qualified=True)
    assert emails({"audience": "leads"}) == ["lead0@example.com", "lead1@example.com"]
    assert emails({"audience": "leads", "min_score": 40}) == ["lead0@example.com"]
    assert emails({"audience": "leads", "qualified": False}) == ["lead1@example.com"]
    assert emails({"audience": "leads", "sources": ["webinar"]}) == ["lead1@example.com"]


def test_lead_tags_pick_leads_tagged_with_any_of_them_whatever_the_case():
    a, b, c = consenting_leads(3, prefix="tag")
    lead_update(lead=a, data={"tags": "Manufacturing, event-2026"}, actor=None)
    lead_update(lead=b, data={"tags": ["event-2026"]}, actor=None)
    assert Lead.objects.get(pk=a.pk).tags == ["event-2026", "manufacturing"]
    assert emails({"audience": "leads", "tags": ["MANUFACTURING"]}) == ["tag0@example.com"]
    assert emails({"audience": "leads", "tags": "manufacturing, event-2026"}) == [
        "tag0@example.com",
        "tag1@example.com",
    ]
    assert emails({"audience": "leads", "tags": ["none-of-them"]}) == []
    assert emails({"audience": "leads", "tags": []}) == ["tag0@example.com", "tag1@example.com", "tag2@example.com"]
    assert validate_segment({"tags": [" Event-2026 ", "event-2026"]}) == {"audience": "leads", "tags": ["event-2026"]}
    assert c.tags == []


def test_consent_and_the_do_not_contact_list_apply_to_every_audience():
    kept, refused, listed, withdrawn = (
        consenting_leads(1, prefix="kept")[0],
        consenting_leads(1, prefix="refused", marketing=False)[0],
        consenting_leads(1, prefix="listed")[0],
        consenting_leads(1, prefix="withdrawn")[0],
    )
    do_not_contact_add(email="LISTED0@example.com", reason=DoNotContactReason.HARD_BOUNCE)
    LeadConsent.objects.create(
        lead=withdrawn,
        kind="marketing",
        granted=False,
        wording_version="2026-11",
        source="portal",
        recorded_at=timezone.now() + timedelta(seconds=1),
    )
    webinar = WebinarFactory()
    for lead in (kept, refused, listed, withdrawn):
        RegistrationFactory(webinar=webinar, email=lead.email, lead=lead)
        BookingFactory(client_email=lead.email, start=datetime(2026, 6, 1, 9, tzinfo=UTC) + timedelta(hours=lead.pk))
    for audience in ("leads", "webinar_registrants", "clients"):
        assert emails({"audience": audience}) == ["kept0@example.com"], audience


def test_webinar_registrants_of_named_webinars_and_clients_with_bookings():
    ada, bob, cy = consenting_leads(3, prefix="p")
    first, second = WebinarFactory(), WebinarFactory()
    RegistrationFactory(webinar=first, email=ada.email)
    RegistrationFactory(webinar=second, email=bob.email)
    RegistrationFactory(webinar=second, email=cy.email, status=RegistrationStatus.CANCELLED)
    assert emails({"audience": "webinar_registrants"}) == ["p0@example.com", "p1@example.com"]
    assert emails({"audience": "webinar_registrants", "webinar_ids": [second.pk]}) == ["p1@example.com"]
    BookingFactory(client_email=cy.email)
    BookingFactory(client_email=bob.email, status=BookingStatus.CANCELLED, start=datetime(2026, 6, 2, 9, tzinfo=UTC))
    assert emails({"audience": "clients"}) == ["p2@example.com"]


@pytest.mark.parametrize(
    ("segment", "field"),
    [
        ([], "segment.audience"),
        ({"audience": "everyone"}, "segment.audience"),
        ({"tags": "x" * 51}, "segment.tags"),
        ({"tags": [1]}, "segment.tags"),
        ({"unknown": 1}, "segment.unknown"),
        ({"min_score": "40"}, "segment.min_score"),
        ({"qualified": "yes"}, "segment.qualified"),
        ({"sources": "whitepaper"}, "segment.sources"),
        ({"audience": "leads", "webinar_ids": [1]}, "segment.webinar_ids"),
    ],
)
def test_bad_segments_are_refused_naming_the_key(segment, field):
    with pytest.raises(InvalidInput) as caught:
        validate_segment(segment)
    assert caught.value.details[0]["field"] == field
