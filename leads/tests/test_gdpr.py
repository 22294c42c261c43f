"""GDPR: erasure leaves no personal data anywhere in the database; the personal-data export."""

import io
import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from leads.exceptions import LeadErased
from leads.models import Lead, LeadConsent, LeadEvent
from leads.services import (
    lead_capture,
    lead_erase,
    lead_export_personal_data,
    lead_qualify,
    lead_record_action,
    lead_score_adjust,
    lead_update,
)
from leads.signals import lead_erased
from leads.tests.factories import LeadFactory
from magnetiq.models import AuditLogEntry

pytestmark = pytest.mark.django_db

EMAIL = "grace.hopper@navy.example"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff@magnetiq.example", "pw-123456789", role="admin")


def captured_lead(staff):
    lead = lead_capture(
        email=EMAIL,
        first_name="Grace",
        last_name="Hopper",
        company="Navy Computing",
        website="https://hopper.example",
        phone="+1 555 0100",
        source="whitepaper",
        consent_terms=True,
        consent_marketing=True,
    )
    lead_record_action(
        lead=lead,
        action="whitepaper_download",
        data={
            "whitepaper_id": 7,
            "utm_source": "linkedin",
            "ip": "198.51.100.23",
            "referrer": f"https://mail.example/?to={EMAIL}",
            "email": EMAIL,
            "name": "Grace Hopper",
        },
    )
    lead_record_action(lead=lead, action="webinar_registration", data={"webinar_id": 3})
    lead_score_adjust(lead=lead, points=5, reason="Called Grace Hopper at Navy Computing", actor=staff)
    lead_qualify(lead=lead, qualified=True, actor=staff)
    return lead


def dump_database() -> str:
    """Every row of every table, as JSON. Models whose table does not exist (an app that another
    engineer has not migrated yet) are excluded by name; they cannot hold data anyway."""
    tables = set(connection.introspection.table_names())
    missing = [
        model._meta.label for model in apps.get_models(include_auto_created=False) if model._meta.db_table not in tables
    ]
    out = io.StringIO()
    call_command("dumpdata", *[f"--exclude={label}" for label in missing], stdout=out)
    return out.getvalue()


def test_erase_leaves_no_personal_data_anywhere(staff):
    lead = captured_lead(staff)
    lead_update(lead=lead, data={"tags": ["vip", "navy"]}, actor=staff)
    before = dump_database()
    for value in (EMAIL, "Grace", "Hopper", "Navy Computing", "hopper.example", "555 0100", "198.51.100"):
        assert value in before  # the search below would find them if they stayed

    lead_erase(lead=lead, actor=staff)

    after = dump_database()
    for value in (EMAIL, "Grace", "Hopper", "Navy Computing", "hopper.example", "555 0100", "198.51.100"):
        assert value not in after
    lead.refresh_from_db()
    assert lead.email == f"erased-{lead.pk}@erased.invalid"
    assert (lead.first_name, lead.last_name, lead.company, lead.website, lead.phone) == ("", "", "", "", "")
    assert lead.erased_at is not None
    assert lead.qualified_by is None
    assert lead.tags == []
    assert LeadConsent.objects.count() == 0
    # Anonymous counts stay: the events, their actions and points, and the score.
    events = list(LeadEvent.objects.filter(lead=lead).order_by("id").values_list("action", "points", "data"))
    assert events == [
        ("whitepaper_download", 10, {"whitepaper_id": 7, "utm_source": "linkedin"}),
        ("webinar_registration", 15, {"webinar_id": 3}),
        ("manual_adjustment", 5, {}),
    ]
    assert lead.score == 30 == LeadEvent.objects.aggregate(total=Sum("points"))["total"]
    assert AuditLogEntry.objects.for_object(lead).first().data == {
        "events_kept": 3,
        "consents_deleted": 2,
        "odoo_id": None,
    }


def test_after_erasure_the_address_can_be_captured_as_a_new_lead(staff):
    lead = captured_lead(staff)
    lead_erase(lead=lead, actor=staff)
    again = lead_capture(email=EMAIL, source="webinar", consent_terms=True)
    assert again.pk != lead.pk
    assert Lead.objects.active().get().pk == again.pk


def test_erase_is_idempotent_and_an_erased_lead_takes_no_actions(staff):
    lead = captured_lead(staff)
    first = lead_erase(lead=lead, actor=staff)
    second = lead_erase(lead=lead, actor=staff)
    assert first.erased_at == second.erased_at
    assert AuditLogEntry.objects.filter(action="leads.lead.erased").count() == 1
    with pytest.raises(LeadErased):
        lead_record_action(lead=lead, action="booking")
    with pytest.raises(LeadErased):
        lead_qualify(lead=lead, qualified=False, actor=staff)


def test_erase_sends_the_signal_with_the_old_address(staff):
    lead = LeadFactory(email="signal@example.com")
    received = []

    def receiver(sender, lead, email, **kwargs):
        received.append((sender, lead.pk, email, lead.email))

    lead_erased.connect(receiver)
    try:
        lead_erase(lead=lead, actor=None)
    finally:
        lead_erased.disconnect(receiver)
    assert received == [(Lead, lead.pk, "signal@example.com", f"erased-{lead.pk}@erased.invalid")]


def test_personal_data_export_holds_everything(staff):
    with time_machine.travel(datetime(2026, 11, 5, 8, 0, tzinfo=UTC), tick=False):
        lead = captured_lead(staff)
        exported = lead_export_personal_data(lead=lead)

    json.dumps(exported)  # JSON-ready
    assert exported["lead"] == {
        "id": lead.pk,
        "email": EMAIL,
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "Navy Computing",
        "website": "https://hopper.example",
        "phone": "+1 555 0100",
        "job_title": "",
        "language": "en",
        "source": "whitepaper",
        "tags": [],
        "score": 30,
        "is_qualified": True,
        "qualified_at": "2026-11-05T08:00:00+00:00",
        "odoo_id": None,
        "created_at": "2026-11-05T08:00:00+00:00",
        "updated_at": "2026-11-05T08:00:00+00:00",
        "erased_at": None,
    }
    assert exported["consents"] == [
        {
            "kind": kind,
            "granted": True,
            "wording_version": "2026-11",
            "source": "whitepaper",
            "recorded_at": "2026-11-05T08:00:00+00:00",
        }
        for kind in ("terms", "marketing")
    ]
    assert [(e["action"], e["points"]) for e in exported["events"]] == [
        ("whitepaper_download", 10),
        ("webinar_registration", 15),
        ("manual_adjustment", 5),
    ]
    assert exported["events"][0]["data"]["ip"] == "198.51.100.0"
    assert exported["events"][2]["data"] == {"reason": "Called Grace Hopper at Navy Computing"}
    assert exported["exported_at"] == "2026-11-05T08:00:00+00:00"
