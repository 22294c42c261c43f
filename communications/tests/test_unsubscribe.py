"""Unsubscribing: RFC 8058 one-click with the exact POST a mail client sends, the preference page
(en/de, no JavaScript), Brevo events → the do-not-contact list, GDPR erasure keeps only the hash."""

import json

import pytest
from django.test import Client

from communications import links, services
from communications.models import CampaignSend
from communications.tests.factories import CampaignFactory, consenting_leads
from leads.models import DoNotContact, DoNotContactReason, email_hash
from leads.selectors import is_contactable
from leads.services import do_not_contact_add, lead_erase
from payments.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(template):
    (_lead,) = consenting_leads(1, prefix="ada")
    campaign = CampaignFactory(template=template)
    services.campaign_send(campaign=campaign)
    return CampaignSend.objects.get(campaign=campaign)


def _path(url: str) -> str:
    return url.removeprefix("https://magnetiq.example")


def test_one_click_post_as_a_mail_client_sends_it(send):
    client = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token, as Gmail or Apple Mail
    response = client.generic(
        "POST",
        _path(links.unsubscribe_url(send.pk)),
        data=b"List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not response.cookies
    entry = DoNotContact.objects.get()
    assert (entry.email, entry.reason, entry.source) == ("ada0@example.com", "unsubscribed", "one_click")
    # A second POST (mail clients retry) changes nothing.
    again = client.generic(
        "POST",
        _path(links.unsubscribe_url(send.pk)),
        data=b"List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert again.status_code == 200 and DoNotContact.objects.count() == 1


def test_one_click_refuses_a_tampered_token_and_a_wrong_body(send):
    client = Client()
    url = _path(links.unsubscribe_url(send.pk))
    assert (
        client.post(
            url + "x", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 404
    )
    assert (
        client.post(url, "List-Unsubscribe=Nope", content_type="application/x-www-form-urlencoded").status_code == 400
    )
    assert not DoNotContact.objects.exists()


def test_get_of_the_unsubscribe_link_shows_the_preference_page(send):
    response = Client().get(_path(links.unsubscribe_url(send.pk)))
    assert response.status_code == 302
    assert response["Location"] == f"/email/preferences/{links.unsubscribe_token(send.pk)}/"


@pytest.mark.parametrize(
    ("language", "heading", "label"),
    [("en", "E-mail preferences", "Send me e-mails"), ("de", "E-Mail-Einstellungen", "Senden Sie mir E-Mails")],
)
def test_preference_page_shows_and_saves_without_javascript(send, language, heading, label):
    client = Client()
    url = _path(links.preferences_url(send.pk, language))
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert heading in html and label in html and "checked" in html and "ada0@example.com" in html
    saved = client.post(url, {})  # the box unticked
    assert saved.status_code == 200
    assert not is_contactable("ada0@example.com")
    assert "checked" not in saved.content.decode().split("<form")[1].split("</form>")[0]
    client.post(url, {"subscribed": "on"})
    assert is_contactable("ada0@example.com")


def test_resubscribing_cannot_lift_a_bounce(send):
    do_not_contact_add(email="ada0@example.com", reason=DoNotContactReason.HARD_BOUNCE)
    Client().post(_path(links.preferences_url(send.pk)), {"subscribed": "on"})
    assert not is_contactable("ada0@example.com")


@pytest.mark.parametrize(
    ("event", "reason"),
    [("hard_bounce", "hard_bounce"), ("spam", "complaint"), ("unsubscribed", "unsubscribed")],
)
def test_brevo_events_put_the_address_on_the_list(client, settings, django_capture_on_commit_callbacks, event, reason):
    settings.BREVO_WEBHOOK_SECRET = "brevo-secret"
    payload = {"event": event, "email": "Bounced@Example.com", "id": 77, "message-id": "<m1@magnetiq.example>"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/public/payment/webhooks/brevo",
            json.dumps(payload),
            content_type="application/json",
            HTTP_X_BREVO_SECRET="brevo-secret",
        )
    assert response.status_code == 200
    entry = DoNotContact.objects.get()
    assert (entry.email, entry.reason, entry.source) == ("bounced@example.com", reason, "brevo")
    assert WebhookEvent.objects.get().status == "processed"


def test_other_brevo_events_change_nothing(client, settings, django_capture_on_commit_callbacks):
    settings.BREVO_WEBHOOK_SECRET = "brevo-secret"
    payload = {"event": "delivered", "email": "ok@example.com", "id": 78}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/api/v1/public/payment/webhooks/brevo",
            json.dumps(payload),
            content_type="application/json",
            HTTP_X_BREVO_SECRET="brevo-secret",
        )
    assert not DoNotContact.objects.exists()
    assert WebhookEvent.objects.get().status == "ignored"


def test_gdpr_erasure_deletes_send_rows_and_keeps_only_the_hash(send):
    do_not_contact_add(email="ada0@example.com", reason=DoNotContactReason.UNSUBSCRIBED)
    lead_erase(lead=send.lead, actor=None)
    assert not CampaignSend.objects.exists()
    entry = DoNotContact.objects.get()
    assert entry.email == "" and entry.email_hash == email_hash("ada0@example.com")
    assert not is_contactable("ADA0@example.com ")


def test_gdpr_erasure_of_an_unlisted_person_lists_the_hash(send):
    lead_erase(lead=send.lead, actor=None)
    entry = DoNotContact.objects.get()
    assert (entry.email, entry.source) == ("", "gdpr_erasure")
    # The person is not mailed again even if captured anew later.
    consenting_leads(1, prefix="ada")
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)
    assert not CampaignSend.objects.filter(campaign=campaign).exists()


def test_tracking_records_open_and_click_once_and_scores_the_lead(template):
    (lead,) = consenting_leads(1, prefix="tracked")
    campaign = CampaignFactory(template=template, track=True)
    services.campaign_send(campaign=campaign)
    send = CampaignSend.objects.get()
    client = Client()
    pixel = client.get(_path(links.open_url(send.pk)))
    assert pixel.status_code == 200 and pixel["Content-Type"] == "image/gif"
    client.get(_path(links.open_url(send.pk)))
    click = client.get(_path(links.click_url(send.pk, 0)))
    assert click.status_code == 302 and click["Location"] == "https://example.com/news"
    client.get(_path(links.click_url(send.pk, 0)))
    send.refresh_from_db()
    assert send.opened_at and send.clicked_at
    assert sorted(lead.events.values_list("action", flat=True)) == ["email_click", "email_open"]
    # Only links of the template: another index or a forged token is 404.
    assert client.get(_path(links.click_url(send.pk, 7))).status_code == 404
    assert client.get(_path(links.click_url(send.pk, 0)) + "0").status_code == 404


def test_untracked_campaigns_record_nothing(send):
    Client().get(_path(links.open_url(send.pk)))
    send.refresh_from_db()
    assert send.opened_at is None
