"""Odoo export against recorded JSON-2 replies served over real HTTP on 127.0.0.1."""

import pytest
from django.test import override_settings

from leads.exceptions import OdooError, OdooExportInProgress, OdooNotConfigured
from leads.models import OdooStatus
from leads.services import lead_enqueue_odoo_export, lead_export_odoo, lead_qualify
from leads.tasks import export_lead_to_odoo
from leads.tests.factories import LeadFactory
from magnetiq.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def make_lead():
    return LeadFactory(
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        company="Engines",
        website="",
        phone="+44 1",
        source="whitepaper",
    )


def test_first_export_creates_and_reexport_updates_the_same_record(fake_odoo):
    lead = make_lead()
    fake_odoo.reply("crm_lead_create.json")
    fake_odoo.reply("crm_lead_write.json")

    lead_export_odoo(lead=lead)
    assert (lead.odoo_id, lead.odoo_status, lead.odoo_error, lead.odoo_attempts) == (42, "exported", "", 0)
    assert lead.odoo_synced_at is not None

    lead_qualify(lead=lead, qualified=True, actor=None)
    lead_export_odoo(lead=lead)
    assert lead.odoo_id == 42
    assert lead.odoo_status == OdooStatus.EXPORTED

    create, write = fake_odoo.requests
    assert create.path == "/json/2/crm.lead/create"
    assert create.headers["Authorization"] == "bearer test-api-key-0123"
    assert create.headers["X-Odoo-Database"] == "magnetiq-test"
    assert create.headers["Content-Type"] == "application/json; charset=utf-8"
    assert create.body == {
        "vals_list": [
            {
                "name": "Ada Lovelace (whitepaper)",
                "type": "lead",
                "contact_name": "Ada Lovelace",
                "email_from": "ada@example.com",
                "partner_name": "Engines",
                "phone": "+44 1",
                "description": f"Magnetiq lead #{lead.pk}. Source: whitepaper. Score: 0. Qualified: no.",
            }
        ]
    }
    assert write.path == "/json/2/crm.lead/write"
    assert write.body["ids"] == [42]
    assert (
        write.body["vals"]["description"] == f"Magnetiq lead #{lead.pk}. Source: whitepaper. Score: 0. Qualified: yes."
    )
    assert "vals_list" not in write.body
    actions = [entry.action for entry in AuditLogEntry.objects.for_object(lead)]
    assert actions.count("leads.lead.exported_to_odoo") == 2


def test_refusal_is_recorded_and_not_retried(fake_odoo):
    lead = make_lead()
    fake_odoo.reply("error_401_invalid_apikey.json", status=401)

    with pytest.raises(OdooError) as caught:
        lead_export_odoo(lead=lead)

    assert caught.value.transient is False
    assert caught.value.status == 502
    assert (lead.odoo_status, lead.odoo_id, lead.odoo_attempts) == ("failed", None, 1)
    assert lead.odoo_error == "Odoo answered 401 (werkzeug.exceptions.Unauthorized): Invalid apikey"
    assert AuditLogEntry.objects.for_object(lead).first().action == "leads.lead.odoo_export_failed"


@override_settings(LEADS={"ODOO_MAX_ATTEMPTS": 3})
def test_task_retries_transient_failures_a_bounded_number_of_times(fake_odoo):
    lead = make_lead()
    fake_odoo.reply("error_503_unavailable.json", status=503, times=3)

    assert export_lead_to_odoo.call(lead.pk) == "retrying"

    lead.refresh_from_db()
    assert len(fake_odoo.requests) == 3
    assert (lead.odoo_status, lead.odoo_attempts) == ("failed", 3)
    assert lead.odoo_error == (
        "Odoo answered 503 (odoo.exceptions.ConcurrencyError): Service temporarily unavailable, please retry."
    )


def test_task_succeeds_after_a_transient_failure(fake_odoo):
    lead = make_lead()
    fake_odoo.reply("error_503_unavailable.json", status=503)
    fake_odoo.reply("crm_lead_create.json")

    export_lead_to_odoo.call(lead.pk)

    lead.refresh_from_db()
    assert (lead.odoo_status, lead.odoo_id, lead.odoo_attempts, lead.odoo_error) == ("exported", 42, 0, "")
    assert [r.path for r in fake_odoo.requests] == ["/json/2/crm.lead/create"] * 2


def test_unreachable_odoo_is_a_transient_failure(settings):
    settings.ODOO_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.ODOO_DATABASE = "db"
    settings.ODOO_API_KEY = "key"
    lead = make_lead()
    with pytest.raises(OdooError) as caught:
        lead_export_odoo(lead=lead)
    assert caught.value.transient is True
    assert lead.odoo_status == "failed"
    assert lead.odoo_error.startswith("Odoo did not answer:")


def test_export_disabled_without_settings(settings):
    settings.ODOO_URL = ""
    settings.ODOO_DATABASE = "db"
    settings.ODOO_API_KEY = ""
    lead = make_lead()
    with pytest.raises(OdooNotConfigured) as caught:
        lead_export_odoo(lead=lead)
    assert caught.value.message == "The Odoo export is disabled: ODOO_URL, ODOO_API_KEY not set."
    assert lead.odoo_status == "failed"
    with pytest.raises(OdooNotConfigured):
        lead_enqueue_odoo_export(lead=lead)


def test_export_refused_while_another_is_running(fake_odoo):
    lead = make_lead()
    type(lead).objects.filter(pk=lead.pk).update(odoo_status="exporting", odoo_export_started_at=lead.created_at)
    with pytest.raises(OdooExportInProgress):
        lead_export_odoo(lead=lead)
    assert fake_odoo.requests == []


def test_enqueue_marks_queued_and_runs_the_task_after_commit(fake_odoo, django_capture_on_commit_callbacks):
    lead = make_lead()
    fake_odoo.reply("crm_lead_create.json")
    with django_capture_on_commit_callbacks(execute=True):
        lead_enqueue_odoo_export(lead=lead)
        assert lead.odoo_status == "queued"
    lead.refresh_from_db()
    assert (lead.odoo_status, lead.odoo_id) == ("exported", 42)
