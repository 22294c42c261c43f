"""The ``/communication/email/*`` endpoints of spec/endpoints.txt: served, documented, in the
project's envelope and errors, and reached by exactly the roles ``accounts/roles.py`` grants."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from accounts.models import Role
from communications.models import Campaign, CampaignSend, CampaignStatus, EmailTemplate
from communications.tests.factories import CampaignFactory, EmailTemplateFactory, blocks, consenting_leads
from magnetiq.api.schema import SchemaGenerator

pytestmark = pytest.mark.django_db

ENDPOINTS_TXT = Path(settings.BASE_DIR).parent / "shared" / "spec" / "endpoints.txt"
#: The e-mail lines of spec/endpoints.txt (copied, so the test runs where the spec is absent too).
SPEC = """
GET    /api/v1/communication/email/campaigns
POST   /api/v1/communication/email/campaigns
DELETE /api/v1/communication/email/campaigns/{id}
GET    /api/v1/communication/email/campaigns/{id}
PUT    /api/v1/communication/email/campaigns/{id}
POST   /api/v1/communication/email/campaigns/{id}/send
GET    /api/v1/communication/email/templates
POST   /api/v1/communication/email/templates
DELETE /api/v1/communication/email/templates/{id}
GET    /api/v1/communication/email/templates/{id}
PUT    /api/v1/communication/email/templates/{id}
GET    /api/v1/communication/email/templates/{id}/html
POST   /api/v1/communication/email/templates/{id}/preview
"""
ENDPOINTS = [tuple(line.split()) for line in SPEC.strip().splitlines()]

SA, AD, CM, PM, AV, ED, VI, CO, CL = (
    Role.SUPER_ADMIN,
    Role.ADMIN,
    Role.CONSULTANT_MANAGER,
    Role.PAYMENT_MANAGER,
    Role.ANALYTICS_VIEWER,
    Role.EDITOR,
    Role.VIEWER,
    Role.CONSULTANT,
    Role.CLIENT,
)
ALL_ROLES = (SA, AD, CM, PM, AV, ED, VI, CO, CL)
WRITERS = {SA, AD, ED}
READERS = {SA, AD, ED, AV}


def test_the_list_is_the_spec_s():
    if not ENDPOINTS_TXT.exists():
        pytest.skip("spec/endpoints.txt is not beside the project")
    spec = [
        tuple(line.split("#")[0].split())
        for line in ENDPOINTS_TXT.read_text().splitlines()
        if "/communication/email/" in line
    ]
    assert sorted(spec) == sorted(ENDPOINTS)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_is_served_and_documented(method, path, api_as):
    concrete = re.sub(r"\{[a-z_]+\}", "999", path)
    try:
        match = resolve(concrete)
    except Resolver404:  # pragma: no cover - the assertion below names it
        match = None
    assert match is not None and match.url_name != "not-found", path
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][path][method.lower()]
    assert operation["security"] and operation.get("summary")
    # Answered by the view in the project's shapes: a list, or the JSON 404/422, never a 500.
    response = getattr(api_as(SA), method.lower())(concrete, {}, format="json")
    assert response.status_code in ((200,) if "{" not in path and method == "GET" else (404, 422))
    assert response.json()["success"] is (response.status_code == 200)


# (name, method, url, body, success status, roles allowed)
MATRIX = [
    ("templates list", "get", "/api/v1/communication/email/templates", None, 200, READERS),
    (
        "template create",
        "post",
        "/api/v1/communication/email/templates",
        lambda: {"name": "T", "subject": {"en": "Hi"}, "body": {"en": blocks("Body")}},
        201,
        WRITERS,
    ),
    ("template get", "get", "/api/v1/communication/email/templates/{template}", None, 200, READERS),
    ("template update", "put", "/api/v1/communication/email/templates/{template}", lambda: {"name": "U"}, 200, WRITERS),
    ("template delete", "delete", "/api/v1/communication/email/templates/{unused}", None, 204, WRITERS),
    ("template html", "get", "/api/v1/communication/email/templates/{template}/html", None, 200, READERS),
    ("template preview", "post", "/api/v1/communication/email/templates/{template}/preview", dict, 200, READERS),
    ("campaigns list", "get", "/api/v1/communication/email/campaigns", None, 200, READERS),
    (
        "campaign create",
        "post",
        "/api/v1/communication/email/campaigns",
        lambda: {"name": "C", "template": EmailTemplate.objects.first().pk},
        201,
        WRITERS,
    ),
    ("campaign get", "get", "/api/v1/communication/email/campaigns/{campaign}", None, 200, READERS),
    ("campaign update", "put", "/api/v1/communication/email/campaigns/{campaign}", lambda: {"name": "D"}, 200, WRITERS),
    ("campaign delete", "delete", "/api/v1/communication/email/campaigns/{campaign}", None, 204, WRITERS),
    ("campaign send", "post", "/api/v1/communication/email/campaigns/{campaign}/send", dict, 200, WRITERS),
]


@pytest.mark.parametrize(
    ("role", "endpoint"),
    [pytest.param(role, e, id=f"{role}-{e[0].replace(' ', '-')}") for e in MATRIX for role in ALL_ROLES],
)
def test_role_matrix(role, endpoint, api_as):
    name, method, url, body, success, allowed = endpoint
    template = EmailTemplateFactory()
    url = url.format(
        template=template.pk, unused=EmailTemplateFactory().pk, campaign=CampaignFactory(template=template).pk
    )
    response = getattr(api_as(role), method)(url, body() if body else None, format="json")
    if role in allowed:
        assert response.status_code == success, (name, role, response.content[:300])
    else:
        assert response.status_code == 403, (name, role, response.status_code)
        assert response.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("endpoint", MATRIX, ids=[e[0] for e in MATRIX])
def test_no_token_is_401(endpoint, client):
    from rest_framework.test import APIClient

    name, method, url, _body, _success, _allowed = endpoint
    response = getattr(APIClient(), method)(url.format(template=1, unused=1, campaign=1), {}, format="json")
    assert response.status_code == 401, name


def test_template_lifecycle_and_unknown_variable_error(api_as):
    client = api_as(ED)
    refused = client.post(
        "/api/v1/communication/email/templates",
        {"name": "N", "subject": {"en": "Hi {{ firstname }}"}, "body": {"en": blocks("x")}},
        format="json",
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "UNKNOWN_TEMPLATE_VARIABLE"
    assert error["details"][0]["field"] == "subject.en" and "firstname" in error["details"][0]["message"]

    created = client.post(
        "/api/v1/communication/email/templates",
        {
            "name": "Welcome",
            "subject": {"en": "Hi {{ first_name }}", "de": "Hallo {{ first_name }}"},
            "body": {"en": blocks("Welcome {{ first_name }}"), "de": blocks("Willkommen {{ first_name }}")},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert "unsubscribe_url" in data["variables"]
    html = client.get(f"/api/v1/communication/email/templates/{data['id']}/html?language=de").json()["data"]
    assert html["subject"] == "Hallo Ada" and "Willkommen Ada" in html["html"] and html["language"] == "de"
    preview = client.post(
        f"/api/v1/communication/email/templates/{data['id']}/preview",
        {"language": "en", "data": {"first_name": "Grace"}},
        format="json",
    ).json()["data"]
    assert preview["subject"] == "Hi Grace" and "Welcome Grace" in preview["text"]
    listed = client.get("/api/v1/communication/email/templates").json()["data"]
    assert [t["id"] for t in listed["templates"]] == [data["id"]]
    assert client.delete(f"/api/v1/communication/email/templates/{data['id']}").status_code == 204
    assert client.get(f"/api/v1/communication/email/templates/{data['id']}").status_code == 404


def test_campaign_create_send_and_state_rules(api_as, template):
    consenting_leads(3)
    client = api_as(ED)
    created = client.post(
        "/api/v1/communication/email/campaigns",
        {"name": "News", "template": template.pk, "segment": {"audience": "leads", "min_score": 0}, "send_rate": 120},
        format="json",
    )
    assert created.status_code == 201, created.content
    campaign = created.json()["data"]
    assert (campaign["status"], campaign["send_rate"]) == ("draft", 120)
    bad = client.put(
        f"/api/v1/communication/email/campaigns/{campaign['id']}", {"segment": {"audience": "everyone"}}, format="json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "segment.audience"

    sent = client.post(f"/api/v1/communication/email/campaigns/{campaign['id']}/send", {}, format="json")
    assert sent.status_code == 200
    data = sent.json()["data"]
    assert data["status"] == "sending" and data["recipients_count"] == 3
    assert data["progress"] == {"total": 3, "queued": 3, "sending": 0, "sent": 0, "failed": 0, "uncertain": 0}
    assert CampaignSend.objects.count() == 3
    # Sending again, editing or deleting a campaign that is sending: 409.
    again = client.post(f"/api/v1/communication/email/campaigns/{campaign['id']}/send", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "CAMPAIGN_STATE"
    assert (
        client.put(f"/api/v1/communication/email/campaigns/{campaign['id']}", {"name": "x"}, format="json").status_code
        == 409
    )
    assert client.delete(f"/api/v1/communication/email/campaigns/{campaign['id']}").status_code == 409
    # Its template cannot be deleted while it is in use.
    in_use = client.delete(f"/api/v1/communication/email/templates/{template.pk}")
    assert in_use.status_code == 409 and in_use.json()["error"]["code"] == "EMAIL_TEMPLATE_IN_USE"
    assert client.get("/api/v1/communication/email/campaigns?status=sending").json()["data"]["pagination"]["total"] == 1


def test_send_with_a_future_time_schedules(api_as, template):
    campaign = CampaignFactory(template=template)
    response = api_as(AD).post(
        f"/api/v1/communication/email/campaigns/{campaign.pk}/send",
        {"scheduled_at": "2999-01-01T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 422  # beyond the supported range
    response = api_as(AD).post(
        f"/api/v1/communication/email/campaigns/{campaign.pk}/send",
        {"scheduled_at": "2199-01-01T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["data"]["status"] == "scheduled"
    assert Campaign.objects.get().status == CampaignStatus.SCHEDULED
    assert not CampaignSend.objects.exists()
