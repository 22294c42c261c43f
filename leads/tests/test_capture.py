"""lead_capture: validation, upsert, consents and the race of two captures of a new address."""

from datetime import UTC, datetime
from functools import partial

import pytest
import time_machine
from django.utils import translation

from leads.models import ConsentKind, Lead, LeadConsent
from leads.services import lead_capture, truncate_ip
from magnetiq.exceptions import InvalidInput
from magnetiq.models import AuditLogEntry
from magnetiq.tests.parallel import run_together

pytestmark = pytest.mark.django_db


def capture(**overrides):
    values = {"email": "Ada@Example.com", "source": "whitepaper", "consent_terms": True}
    values.update(overrides)
    return lead_capture(**values)


def test_capture_creates_lead_with_normalised_email_and_terms_consent():
    with time_machine.travel(datetime(2026, 11, 3, 9, 30, tzinfo=UTC), tick=False):
        lead = capture(first_name=" Ada ", last_name="Lovelace", company="Engines", language="de")

    lead.refresh_from_db()
    assert lead.email == "ada@example.com"
    assert (lead.first_name, lead.last_name, lead.company, lead.language) == ("Ada", "Lovelace", "Engines", "de")
    assert lead.source == "whitepaper"
    assert lead.score == 0
    consents = list(lead.consents.values_list("kind", "granted", "wording_version", "source", "recorded_at"))
    assert consents == [("terms", True, "2026-11", "whitepaper", datetime(2026, 11, 3, 9, 30, tzinfo=UTC))]
    assert AuditLogEntry.objects.for_object(lead).get().action == "leads.lead.created"


def test_second_capture_updates_the_same_lead_without_blanking_known_fields():
    first = capture(first_name="Ada", company="Engines", phone="+44 1")
    second = capture(
        email="  ADA@example.COM ",
        first_name="",
        company="Babbage & Co",
        website="https://babbage.example",
        source="webinar",
        consent_marketing=True,
        consent_version="2027-01",
    )

    assert second.pk == first.pk
    assert Lead.objects.count() == 1
    second.refresh_from_db()
    assert (second.first_name, second.company, second.phone, second.website) == (
        "Ada",
        "Babbage & Co",
        "+44 1",
        "https://babbage.example",
    )
    assert second.source == "whitepaper"  # the first capture's source is kept
    assert sorted(second.consents.values_list("kind", "wording_version", "source")) == [
        ("marketing", "2027-01", "webinar"),
        ("terms", "2026-11", "whitepaper"),
        ("terms", "2027-01", "webinar"),
    ]
    assert [e.action for e in AuditLogEntry.objects.for_object(second)] == ["leads.lead.updated", "leads.lead.created"]


def test_marketing_consent_recorded_only_when_given():
    lead = capture(consent_marketing=False)
    assert list(lead.consents.values_list("kind", flat=True)) == [ConsentKind.TERMS]


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "two@@example.com"])
def test_invalid_email_is_refused(email):
    with pytest.raises(InvalidInput) as caught:
        capture(email=email)
    assert caught.value.status == 422
    assert caught.value.details[0]["field"] == "email"
    assert Lead.objects.count() == 0


def test_terms_consent_is_required():
    with pytest.raises(InvalidInput) as caught:
        capture(consent_terms=False)
    assert caught.value.details == [
        {"field": "consent_terms", "message": "You must accept the terms to continue.", "code": "required"}
    ]
    assert Lead.objects.count() == 0
    assert LeadConsent.objects.count() == 0


def test_capture_errors_speak_the_visitors_language():
    with translation.override("de"), pytest.raises(InvalidInput) as caught:
        capture(consent_terms=False)
    assert caught.value.details == [
        {
            "field": "consent_terms",
            "message": "Sie müssen die Bedingungen akzeptieren, um fortzufahren.",
            "code": "required",
        }
    ]
    with translation.override("de"), pytest.raises(InvalidInput) as caught:
        capture(email="not-an-email")
    assert caught.value.message == "Geben Sie eine gültige E-Mail-Adresse ein."


def test_too_long_value_is_a_field_error_not_a_crash():
    with pytest.raises(InvalidInput) as caught:
        capture(first_name="x" * 101)
    assert caught.value.details[0]["field"] == "first_name"


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.3", "10.1.2.0"),
        ("2001:db8:1:2::1", "2001:db8:1::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("", ""),
        ("garbage", ""),
    ],
)
def test_truncate_ip(ip, expected):
    assert truncate_ip(ip) == expected


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_captures_of_a_new_address_make_one_lead():
    leads = run_together([partial(capture, email="race@example.com", first_name=name) for name in ("One", "Two")])

    assert [type(lead) for lead in leads] == [Lead, Lead], leads
    assert leads[0].pk == leads[1].pk
    assert Lead.objects.filter(email="race@example.com").count() == 1
    assert LeadConsent.objects.filter(lead_id=leads[0].pk, kind="terms").count() == 2
