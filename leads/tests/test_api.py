"""``/api/v1/admin/leads``: permissions, shapes, filters and each operation."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from leads.models import Lead, LeadEvent
from leads.services import lead_capture, lead_record_action
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/admin/leads"


def user_with(email: str, *codenames: str):
    """A user whose only permissions are ``codenames`` of the leads app, through a group."""
    user = get_user_model().objects.create_user(email=email, password="x" * 12)
    user.groups.clear()
    if codenames:
        group = Group.objects.create(name=f"test-{email}")
        group.permissions.set(Permission.objects.filter(content_type__app_label="leads", codename__in=codenames))
        user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def viewer():
    return user_with("viewer@magnetiq.example", "view_lead")


@pytest.fixture
def manager():
    return user_with("manager@magnetiq.example", "view_lead", "change_lead", "delete_lead")


@pytest.fixture
def lead():
    lead = lead_capture(
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        company="Engines",
        source="whitepaper",
        consent_terms=True,
        consent_marketing=True,
    )
    lead_record_action(lead=lead, action="whitepaper_download", subject="whitepaper 7", data={"whitepaper_id": 7})
    lead_record_action(lead=lead, action="webinar_registration", data={"webinar_id": 3})
    return lead


ENDPOINTS = [
    ("get", BASE, None, "view_lead"),
    ("get", BASE + "/{id}", None, "view_lead"),
    ("get", BASE + "/{id}/download-history", None, "view_lead"),
    ("get", BASE + "/{id}/personal-data", None, "view_lead"),
    ("put", BASE + "/{id}/score", {"points": 5, "reason": "call"}, "change_lead"),
    ("put", BASE + "/{id}/qualify", {"qualified": True}, "change_lead"),
    ("post", BASE + "/bulk-export", {"format": "csv"}, "view_lead"),
    ("delete", BASE + "/{id}", None, "delete_lead"),
]


@pytest.mark.parametrize(("method", "path", "payload", "needed"), ENDPOINTS)
def test_permissions(api_client, lead, method, path, payload, needed):
    url = path.format(id=lead.pk)
    assert getattr(api_client, method)(url, payload, format="json").status_code == 401

    outsider = user_with("outsider@magnetiq.example", *({"view_lead"} - {needed}))
    api_client.force_authenticate(outsider)
    response = getattr(api_client, method)(url, payload, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"

    allowed = user_with("allowed@magnetiq.example", "view_lead", needed)
    api_client.force_authenticate(allowed)
    assert getattr(api_client, method)(url, payload, format="json").status_code == 200


def test_list_shape_and_pagination(api_client, viewer, lead):
    api_client.force_authenticate(viewer)
    response = api_client.get(BASE, {"limit": 10})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"] == {"page": 1, "limit": 10, "total": 1, "pages": 1}
    (row,) = data["leads"]
    assert set(row) == {
        "id", "email", "first_name", "last_name", "full_name", "company", "website", "phone", "job_title",
        "language", "tags", "source", "score", "is_qualified", "qualified_at", "marketing_consent", "odoo_id",
        "odoo_status", "odoo_synced_at", "last_activity_at", "created_at", "updated_at",
    }  # fmt: skip
    assert (row["email"], row["full_name"], row["score"], row["marketing_consent"], row["odoo_status"]) == (
        "ada@example.com",
        "Ada Lovelace",
        25,
        True,
        "not_exported",
    )


def test_list_filters(api_client, viewer):
    with time_machine.travel(datetime(2026, 10, 1, 12, tzinfo=UTC), tick=False):
        old = LeadFactory(email="old@example.com", score=5, source="webinar", company="Old Corp")
    with time_machine.travel(datetime(2026, 11, 2, 12, tzinfo=UTC), tick=False):
        hot = LeadFactory(email="hot@example.com", score=80, is_qualified=True, source="whitepaper")
        mid = LeadFactory(email="mid@example.com", score=30, source="whitepaper")
    LeadFactory(email="gone@example.com", erased_at=datetime(2026, 11, 3, tzinfo=UTC))
    api_client.force_authenticate(viewer)

    def emails(**params):
        response = api_client.get(BASE, params)
        assert response.status_code == 200, response.json()
        return [row["email"] for row in response.json()["data"]["leads"]]

    assert emails() == ["mid@example.com", "hot@example.com", "old@example.com"]
    assert emails(min_score=30) == ["mid@example.com", "hot@example.com"]
    assert emails(max_score=30, min_score=10) == ["mid@example.com"]
    assert emails(qualified="true") == ["hot@example.com"]
    assert emails(qualified="false") == ["mid@example.com", "old@example.com"]
    assert emails(source="webinar") == ["old@example.com"]
    assert emails(created_from="2026-11-01") == ["mid@example.com", "hot@example.com"]
    assert emails(created_to="2026-10-31") == ["old@example.com"]
    assert emails(search="old corp") == ["old@example.com"]
    assert emails(ordering="-score") == ["hot@example.com", "mid@example.com", "old@example.com"]
    assert {old.pk, hot.pk, mid.pk} == set(Lead.objects.active().values_list("pk", flat=True))


def test_invalid_filter_is_422(api_client, viewer):
    api_client.force_authenticate(viewer)
    response = api_client.get(BASE, {"min_score": "lots"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "min_score"


def test_detail_with_consents_and_events(api_client, viewer, lead):
    api_client.force_authenticate(viewer)
    data = api_client.get(f"{BASE}/{lead.pk}").json()["data"]
    assert data["email"] == "ada@example.com"
    assert [(c["kind"], c["granted"]) for c in data["consents"]] == [("marketing", True), ("terms", True)]
    assert [(e["action"], e["points"], e["subject"]) for e in data["events"]] == [
        ("webinar_registration", 15, ""),
        ("whitepaper_download", 10, "whitepaper 7"),
    ]
    assert (data["odoo_error"], data["odoo_attempts"], data["qualified_by"]) == ("", 0, None)


def test_unknown_and_erased_leads_are_404(api_client, manager, lead):
    api_client.force_authenticate(manager)
    assert api_client.get(f"{BASE}/999999").json()["error"]["code"] == "LEAD_NOT_FOUND"
    assert api_client.delete(f"{BASE}/{lead.pk}").status_code == 200
    assert api_client.get(f"{BASE}/{lead.pk}").status_code == 404
    assert api_client.delete(f"{BASE}/{lead.pk}").status_code == 404


def test_download_history(api_client, viewer, lead):
    other = LeadFactory()
    lead_record_action(lead=lead, action="whitepaper_download", subject=other, data={"utm_source": "x"})
    api_client.force_authenticate(viewer)
    data = api_client.get(f"{BASE}/{lead.pk}/download-history").json()["data"]
    assert data["pagination"]["total"] == 2
    assert [(row["subject"], row["data"]) for row in data["downloads"]] == [
        (f"leads.lead#{other.pk}", {"utm_source": "x"}),
        ("whitepaper 7", {"whitepaper_id": 7}),
    ]


def test_score_points_and_absolute(api_client, manager, lead):
    api_client.force_authenticate(manager)
    response = api_client.put(f"{BASE}/{lead.pk}/score", {"points": -5, "reason": "Student"}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["score"] == 20
    assert response.json()["message"] == "Score updated"
    response = api_client.put(f"{BASE}/{lead.pk}/score", {"score": 50, "reason": "Reviewed"}, format="json")
    assert response.json()["data"]["score"] == 50
    assert list(LeadEvent.objects.filter(action="manual_adjustment").order_by("id").values_list("points", "actor")) == [
        (-5, manager.pk),
        (30, manager.pk),
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "x"}, "points"),
        ({"points": 1, "score": 2, "reason": "x"}, "points"),
        ({"points": 0, "reason": "x"}, "points"),
        ({"points": 5}, "reason"),
        ({"points": "many", "reason": "x"}, "points"),
    ],
)
def test_score_validation_is_422(api_client, manager, lead, payload, field):
    api_client.force_authenticate(manager)
    response = api_client.put(f"{BASE}/{lead.pk}/score", payload, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == field


def test_qualify_and_unqualify(api_client, manager, lead):
    api_client.force_authenticate(manager)
    data = api_client.put(f"{BASE}/{lead.pk}/qualify", {}, format="json").json()["data"]
    assert (data["is_qualified"], data["qualified_by"]) == (True, manager.pk)
    assert data["qualified_at"] is not None
    data = api_client.put(f"{BASE}/{lead.pk}/qualify", {"qualified": False}, format="json").json()["data"]
    assert (data["is_qualified"], data["qualified_by"], data["qualified_at"]) == (False, None, None)


def test_personal_data_export(api_client, viewer, lead):
    api_client.force_authenticate(viewer)
    data = api_client.get(f"{BASE}/{lead.pk}/personal-data").json()["data"]
    assert data["lead"]["email"] == "ada@example.com"
    assert len(data["consents"]) == 2
    assert [e["action"] for e in data["events"]] == ["whitepaper_download", "webinar_registration"]


def test_erase(api_client, manager, lead):
    api_client.force_authenticate(manager)
    response = api_client.delete(f"{BASE}/{lead.pk}")
    assert response.status_code == 200
    assert response.json()["message"] == "Personal data erased"
    lead.refresh_from_db()
    assert lead.email == f"erased-{lead.pk}@erased.invalid"
    assert response.json()["data"]["id"] == lead.pk


def test_export_odoo(api_client, manager, lead, fake_odoo):
    fake_odoo.reply("crm_lead_create.json")
    fake_odoo.reply("error_401_invalid_apikey.json", status=401)
    api_client.force_authenticate(manager)

    response = api_client.post(f"{BASE}/{lead.pk}/export-odoo")
    assert response.status_code == 200
    assert (response.json()["data"]["odoo_id"], response.json()["data"]["odoo_status"]) == (42, "exported")

    response = api_client.post(f"{BASE}/{lead.pk}/export-odoo")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "ODOO_ERROR"
    lead.refresh_from_db()
    assert (lead.odoo_id, lead.odoo_status) == (42, "failed")


def test_export_odoo_not_configured_is_503(api_client, manager, lead, settings):
    settings.ODOO_URL = ""
    api_client.force_authenticate(manager)
    response = api_client.post(f"{BASE}/{lead.pk}/export-odoo")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "ODOO_NOT_CONFIGURED"


def test_bulk_export_csv_by_ids_and_filters(api_client, viewer, lead):
    LeadFactory(email="cold@example.com", score=0, company='=HYPERLINK("http://evil")')
    api_client.force_authenticate(viewer)

    response = api_client.post(f"{BASE}/bulk-export", {"format": "csv", "ids": [lead.pk]}, format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="leads-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["email"], r["score"], r["is_qualified"]) for r in rows] == [("ada@example.com", "25", "no")]

    response = api_client.post(f"{BASE}/bulk-export", {"format": "csv", "filters": {"max_score": 0}}, format="json")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["email"], r["company"]) for r in rows] == [("cold@example.com", '\'=HYPERLINK("http://evil")')]


def test_bulk_export_invalid_input_is_422(api_client, viewer):
    api_client.force_authenticate(viewer)
    response = api_client.post(f"{BASE}/bulk-export", {"format": "xlsx"}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "format"
    response = api_client.post(f"{BASE}/bulk-export", {"format": "csv", "filters": {"min_score": "x"}}, format="json")
    assert response.status_code == 422


def test_bulk_export_odoo_enqueues(api_client, manager, viewer, lead, fake_odoo, django_capture_on_commit_callbacks):
    second = LeadFactory(email="second@example.com")
    fake_odoo.reply("crm_lead_create.json")
    fake_odoo.reply("crm_lead_create.json")  # Odoo would give another id; the fixture gives 42 ...
    api_client.force_authenticate(viewer)
    assert api_client.post(f"{BASE}/bulk-export", {"format": "odoo"}, format="json").status_code == 403

    api_client.force_authenticate(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"{BASE}/bulk-export", {"format": "odoo", "ids": [lead.pk, 999999]}, format="json")
    assert response.status_code == 202
    assert response.json()["data"] == {"queued": [lead.pk], "skipped": [{"id": 999999, "reason": "LEAD_NOT_FOUND"}]}
    lead.refresh_from_db()
    second.refresh_from_db()
    assert (lead.odoo_status, lead.odoo_id) == ("exported", 42)
    assert second.odoo_status == "not_exported"
    assert len(fake_odoo.requests) == 1
