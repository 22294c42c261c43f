"""Admin smoke tests and the lead actions (qualify, Odoo export and retry, CSV, GDPR erase)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from leads.models import Lead
from leads.services import lead_record_action
from leads.tests.factories import LeadConsentFactory, LeadFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:leads_lead_changelist")


@pytest.fixture
def lead():
    lead = LeadFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    LeadConsentFactory(lead=lead)
    lead_record_action(lead=lead, action="whitepaper_download", subject="whitepaper 7", data={"utm_source": "x"})
    return lead


def action(client, name, *leads, **extra):
    return client.post(CHANGELIST, {"action": name, ACTION_CHECKBOX_NAME: [lead.pk for lead in leads], **extra})


def test_changelist_search_filters_and_change_page(admin_client, lead):
    LeadFactory(email="other@example.com", first_name="Grace", last_name="Hopper")
    response = admin_client.get(CHANGELIST, {"q": "lovelace"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [lead]
    for params in ({"is_qualified__exact": "1"}, {"erased": "yes"}, {"odoo_status__exact": "failed"}, {"source": "x"}):
        assert admin_client.get(CHANGELIST, params).status_code == 200
    response = admin_client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "whitepaper 7" in content and "2026-11" in content
    assert admin_client.get(reverse("admin:leads_lead_add")).status_code == 403


def test_change_form_goes_through_the_service(admin_client, lead):
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    form = {
        "first_name": "Augusta Ada",
        "last_name": "Lovelace",
        "company": "",
        "website": "",
        "phone": "",
        "job_title": "Countess",
        "language": "en",
        "leadconsent_set-TOTAL_FORMS": "0",
    }
    response = admin_client.get(url)
    management = {
        key: value
        for formset in response.context["inline_admin_formsets"]
        for key, value in formset.formset.management_form.initial.items()
        for key in [f"{formset.formset.prefix}-{key}"]
    }
    response = admin_client.post(url, {**form, **management, "tags": "Event-2026,  manufacturing , event-2026"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.first_name, lead.job_title, lead.company) == ("Augusta Ada", "Countess", "")
    assert lead.tags == ["event-2026", "manufacturing"]
    assert "event-2026, manufacturing" in admin_client.get(url).content.decode()

    response = admin_client.post(url, {**form, **management, "tags": "x" * 51})
    assert response.status_code == 200
    assert "A tag has at most 50 characters" in response.content.decode()
    lead.refresh_from_db()
    assert lead.tags == ["event-2026", "manufacturing"]


def test_qualify_action(admin_client, lead):
    response = action(admin_client, "qualify", lead)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.is_qualified is True


def test_export_csv_action(admin_client, lead):
    response = action(admin_client, "export_csv", lead)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("id,email,first_name,last_name")
    assert lines[1].startswith(f"{lead.pk},ada@example.com,Ada,Lovelace")


def test_export_to_odoo_and_retry_failed(admin_client, lead, fake_odoo, django_capture_on_commit_callbacks):
    fake_odoo.reply("error_401_invalid_apikey.json", status=401)
    with django_capture_on_commit_callbacks(execute=True):
        action(admin_client, "export_to_odoo", lead)
    lead.refresh_from_db()
    assert lead.odoo_status == "failed"
    assert "Invalid apikey" in admin_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()

    fake_odoo.reply("crm_lead_create.json")
    with django_capture_on_commit_callbacks(execute=True):
        response = action(admin_client, "retry_failed_odoo_export", lead)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.odoo_status, lead.odoo_id, lead.odoo_error) == ("exported", 42, "")


def test_export_action_reports_disabled_export(admin_client, lead, settings):
    settings.ODOO_URL = ""
    response = admin_client.post(CHANGELIST, {"action": "export_to_odoo", ACTION_CHECKBOX_NAME: [lead.pk]}, follow=True)
    assert "The Odoo export is disabled" in response.content.decode()
    lead.refresh_from_db()
    assert lead.odoo_status == "not_exported"


def test_erase_action_asks_for_confirmation_first(admin_client, lead):
    response = action(admin_client, "erase_personal_data", lead)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Erase the personal data of 1 lead?" in content and "<strong>This cannot be undone.</strong>" in content
    lead.refresh_from_db()
    assert lead.erased_at is None

    response = action(admin_client, "erase_personal_data", lead, post="yes")
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.email == f"erased-{lead.pk}@erased.invalid"
    assert Lead.objects.active().count() == 0
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 lead erased."]


def test_erase_confirmation_counts_and_speaks_german(admin_client, lead):
    other = LeadFactory(email="grace@example.com", odoo_id=42)
    response = action(admin_client, "erase_personal_data", lead, other)
    content = response.content.decode()
    assert "Erase the personal data of 2 leads?" in content
    assert "Exported to Odoo, where the data must be deleted separately: crm.lead 42." in content
    with translation.override("de"):
        german = render_to_string(
            "admin/leads/lead/erase_confirmation.html", response.context_data, request=response.wsgi_request
        )
    assert "Die personenbezogenen Daten von 2 Leads löschen?" in german
    assert "<strong>Das kann nicht rückgängig gemacht werden.</strong>" in german
    assert 'value="Ja, ihre personenbezogenen Daten löschen"' in german


def test_qualify_action_reports_a_plural(admin_client, lead):
    other = LeadFactory(email="grace@example.com")
    response = action(admin_client, "qualify", lead, other)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 leads qualified."]


def test_erase_needs_the_delete_permission(client, django_user_model, lead):
    staff = django_user_model.objects.create_user(email="s@magnetiq.example", password="x" * 12)
    staff.groups.clear()
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_lead", "change_lead"]))
    client.force_login(staff)
    response = action(client, "erase_personal_data", lead, post="yes")
    assert response.status_code == 302  # back to the list: the action is not offered to this user
    lead.refresh_from_db()
    assert lead.erased_at is None
    assert "erase_personal_data" not in client.get(CHANGELIST).content.decode()
