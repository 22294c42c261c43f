"""The admin screens: lists, search and filters open; saves and actions go through the services."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from communications import services
from communications.models import Campaign, CampaignSend, CampaignStatus, EmailTemplate, SendStatus
from communications.tests.factories import CampaignFactory, consenting_leads
from leads.models import DoNotContact
from leads.selectors import is_contactable

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, email="boss@example.com"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "admin:communications_emailtemplate_changelist",
        "admin:communications_emailtemplate_add",
        "admin:communications_campaign_changelist",
        "admin:communications_campaign_add",
        "admin:communications_campaignsend_changelist",
        "admin:leads_donotcontact_changelist",
        "admin:leads_donotcontact_add",
    ],
)
def test_pages_open(admin_client, template, url):
    CampaignFactory(template=template)
    assert admin_client.get(reverse(url), {"q": "x"} if url.endswith("changelist") else {}).status_code == 200


def test_campaign_list_shows_progress_and_filters_uncertain(admin_client, template):
    consenting_leads(3)
    campaign = CampaignFactory(template=template)
    services.campaign_send(campaign=campaign)
    first = CampaignSend.objects.order_by("id").first()
    CampaignSend.objects.filter(pk=first.pk).update(
        status=SendStatus.SENDING, sending_at=timezone.now() - timedelta(hours=1)
    )
    page = admin_client.get(reverse("admin:communications_campaign_changelist")).content.decode()
    assert "0 sent · 0 failed · 2 left · 1 uncertain" in page
    sends = admin_client.get(reverse("admin:communications_campaignsend_changelist"), {"outcome": "uncertain"})
    assert first.email in sends.content.decode()


def test_actions_pause_resume_and_resolve_uncertain(admin_client, template):
    consenting_leads(2)
    campaign = CampaignFactory(template=template)
    services.campaign_send(campaign=campaign)
    url = reverse("admin:communications_campaign_changelist")
    admin_client.post(url, {"action": "pause", "_selected_action": [campaign.pk]})
    assert Campaign.objects.get().status == CampaignStatus.PAUSED
    admin_client.post(url, {"action": "resume", "_selected_action": [campaign.pk]})
    assert Campaign.objects.get().status == CampaignStatus.SENDING
    CampaignSend.objects.update(status=SendStatus.SENDING, sending_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        admin_client.post(url, {"action": "requeue_uncertain", "_selected_action": [campaign.pk]})
    assert set(CampaignSend.objects.values_list("status", flat=True)) == {SendStatus.QUEUED}


def test_template_form_refuses_unknown_variables(admin_client):
    response = admin_client.post(
        reverse("admin:communications_emailtemplate_add"),
        {
            "name": "Bad",
            "description": "",
            "subject": '{"en": "Hi {{ nickname }}"}',
            "preheader": "{}",
            "body": '{"en": [{"_type": "block", "_key": "a", "style": "normal", "markDefs": [], '
            '"children": [{"_type": "span", "_key": "b", "text": "x", "marks": []}]}]}',
        },
    )
    assert response.status_code == 200
    assert "nickname" in response.content.decode()
    assert not EmailTemplate.objects.exists()


def test_do_not_contact_added_and_removed_by_staff(admin_client):
    admin_client.post(
        reverse("admin:leads_donotcontact_add"),
        {"email": "Someone@Example.com", "reason": "manual", "note": "asked by phone"},
    )
    entry = DoNotContact.objects.get()
    assert (entry.email, entry.source, entry.created_by.email) == ("someone@example.com", "admin", "boss@example.com")
    assert not is_contactable("someone@example.com")
    admin_client.post(reverse("admin:leads_donotcontact_delete", args=[entry.pk]), {"post": "yes"})
    assert is_contactable("someone@example.com")
