"""Campaigns sent through a real SMTP server (aiosmtpd on loopback): each recipient exactly once,
also when the worker dies mid-way; suppressed and non-consenting addresses get nothing; transient
failures are retried with backoff; too many failures in a row pause the campaign."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.mail.backends.smtp import EmailBackend
from django.core.management import call_command
from django.utils import timezone

from communications import services
from communications.models import CampaignSend, CampaignStatus, SendStatus
from communications.tests.factories import CampaignFactory, consenting_leads
from leads.models import DoNotContactReason, LeadConsent
from leads.services import do_not_contact_add

pytestmark = pytest.mark.django_db


def _per_address(smtp) -> Counter:
    return Counter(rcpt.lower() for message in smtp.messages for rcpt in message.rcpt_tos)


class KilledWorker(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the worker may catch it."""


class DyingBackend(EmailBackend):
    """Django's SMTP backend that "dies" right after the server accepted message number ``die_after``
    (the worst moment: delivered, not yet recorded)."""

    delivered = 0
    die_after: int | None = None

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        type(self).delivered += sent
        if type(self).die_after is not None and type(self).delivered >= type(self).die_after:
            type(self).die_after = None
            raise KilledWorker()
        return sent


@pytest.mark.slow
def test_two_thousand_recipients_each_get_exactly_one_message(smtp_server):
    consenting_leads(2000)
    consenting_leads(5, prefix="refused", marketing=False)
    unsubscribed, bounced, complained = consenting_leads(3, prefix="gone")
    do_not_contact_add(email=unsubscribed.email, reason=DoNotContactReason.UNSUBSCRIBED)
    do_not_contact_add(email=bounced.email, reason=DoNotContactReason.HARD_BOUNCE)
    do_not_contact_add(email=complained.email.upper(), reason=DoNotContactReason.COMPLAINT)
    campaign = CampaignFactory()

    services.campaign_send(campaign=campaign)
    results = services.campaigns_run(seconds=60)

    per_address = _per_address(smtp_server)
    assert len(per_address) == 2000
    assert set(per_address.values()) == {1}
    assert all(address.startswith("person") for address in per_address)
    assert results[campaign.pk].sent == 2000
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert CampaignSend.objects.filter(campaign=campaign, status=SendStatus.SENT).count() == 2000
    # The worker's run kept one SMTP connection for all its batches.
    assert len({message.peer for message in smtp_server.messages}) == 1


@pytest.mark.slow
def test_a_worker_killed_mid_way_and_restarted_sends_the_rest_once(smtp_server, settings):
    settings.EMAIL_BACKEND = "communications.tests.test_sending.DyingBackend"
    DyingBackend.delivered, DyingBackend.die_after = 0, 737
    consenting_leads(2000)
    unsubscribed = consenting_leads(1, prefix="gone")[0]
    do_not_contact_add(email=unsubscribed.email, reason=DoNotContactReason.UNSUBSCRIBED)
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)

    with pytest.raises(KilledWorker):
        services.campaigns_run(seconds=60)
    assert len(smtp_server.messages) == 737
    # A restarted worker sends everyone left; the row in flight when the worker died stays
    # "sending" and is not sent again once its lease has passed.
    services.campaigns_run(seconds=60)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        services.campaigns_run(seconds=60)
        counts = campaign.sends.progress()

    per_address = _per_address(smtp_server)
    assert len(per_address) == 2000
    assert max(per_address.values()) == 1
    assert unsubscribed.email not in per_address
    # The one message in flight when the worker died arrived but was never recorded: it is shown
    # as uncertain and was not sent again.
    assert counts == {"total": 2000, "queued": 0, "sending": 0, "uncertain": 1, "sent": 1999, "failed": 0}
    uncertain = CampaignSend.objects.get(campaign=campaign, status=SendStatus.SENDING)
    assert per_address[uncertain.email] == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_rows_claimed_by_a_worker_that_vanished_wait_for_the_claim_lease(smtp_server):
    consenting_leads(5)
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)
    # A worker claimed three rows and was killed (SIGKILL: no clean-up ran).
    _token, claimed = services.sends_claim(campaign_id=campaign.pk, limit=3, now=timezone.now())
    assert len(claimed) == 3

    services.campaigns_run(seconds=10)
    assert len(smtp_server.messages) == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        services.campaigns_run(seconds=10)
    per_address = _per_address(smtp_server)
    assert len(per_address) == 5 and set(per_address.values()) == {1}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_two_workers_at_once_never_send_a_recipient_twice(smtp_server):
    consenting_leads(300)
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)
    first_token, first = services.sends_claim(campaign_id=campaign.pk, limit=100, now=timezone.now())
    second_token, second = services.sends_claim(campaign_id=campaign.pk, limit=100, now=timezone.now())
    assert first_token != second_token
    assert not {row.pk for row in first} & {row.pk for row in second}


def test_every_message_carries_one_click_unsubscribe_headers_and_personal_text(smtp_server):
    (_lead,) = consenting_leads(1, prefix="ada")
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)
    services.campaigns_run(seconds=10)

    (received,) = smtp_server.messages
    message = received.message
    send = CampaignSend.objects.get(campaign=campaign)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip(" <>") for part in message["List-Unsubscribe"].split(","))
    assert https.startswith("https://magnetiq.example/email/unsubscribe/")
    assert mailto == "mailto:unsubscribe@magnetiq.example?subject=unsubscribe"
    assert message["Message-ID"] == send.message_id
    assert received.subject == "Hello Name0"
    assert "Dear Name0, read our news." in received.text()
    html = received.html()
    assert 'href="https://example.com/news"' in html
    assert https in html
    assert "style=" in html  # inlined CSS
    assert "/email/o/" not in html  # no tracking unless the campaign opts in


def test_a_german_lead_gets_the_german_version(smtp_server):
    consenting_leads(1, prefix="de", language="de")
    services.campaign_send(campaign=CampaignFactory())
    services.campaigns_run(seconds=10)
    (received,) = smtp_server.messages
    assert received.subject == "Hallo Name0"
    assert "/de/email/preferences/" in received.html()


def test_a_withdrawn_marketing_consent_is_not_mailed(smtp_server):
    (lead,) = consenting_leads(1, prefix="withdrawn")
    LeadConsent.objects.create(
        lead=lead, kind="marketing", granted=False, wording_version="x", source="test", recorded_at=timezone.now()
    )
    consenting_leads(1, prefix="kept")
    services.campaign_send(campaign=CampaignFactory())
    services.campaigns_run(seconds=10)
    assert list(_per_address(smtp_server)) == ["kept0@example.com"]


def test_transient_failures_are_retried_with_backoff_and_permanent_ones_recorded(smtp_server):
    consenting_leads(3)
    smtp_server.fail_next(1, code=451)
    smtp_server.reject_recipient("person2@example.com")
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.campaigns_run(seconds=10)
    first = CampaignSend.objects.get(email="person0@example.com")
    assert (first.status, first.attempts) == (SendStatus.QUEUED, 1)
    assert first.next_attempt_at == start + timedelta(seconds=60)
    assert "451" in first.last_error
    rejected = CampaignSend.objects.get(email="person2@example.com")
    assert (rejected.status, rejected.attempts) == (SendStatus.FAILED, 1)
    assert "550" in rejected.last_error
    assert _per_address(smtp_server) == {"person1@example.com": 1}

    # Not yet due: nothing happens; a minute later the retry goes out and the campaign is done.
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        services.campaigns_run(seconds=10)
    assert len(smtp_server.messages) == 1
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        services.campaigns_run(seconds=10)
    assert _per_address(smtp_server) == {"person1@example.com": 1, "person0@example.com": 1}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_too_many_failures_in_a_row_pause_the_campaign(smtp_server, settings):
    settings.COMMUNICATIONS = {"PAUSE_AFTER_FAILURES": 3}
    consenting_leads(10)
    smtp_server.fail_next(3, code=451)
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)
    services.campaigns_run(seconds=10)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    assert "3 failed sends in a row" in campaign.pause_reason
    assert smtp_server.messages == []
    assert CampaignSend.objects.filter(campaign=campaign, status=SendStatus.QUEUED, claim_token="").count() == 10

    services.campaign_resume(campaign=campaign)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        services.campaigns_run(seconds=10)
    assert len(_per_address(smtp_server)) == 10


def test_a_scheduled_campaign_starts_at_its_time_through_the_command(smtp_server):
    consenting_leads(2)
    campaign = CampaignFactory()
    at = timezone.now() + timedelta(hours=2)
    services.campaign_send(campaign=campaign, scheduled_at=at)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    call_command("send_campaigns", "--seconds", "5")
    assert smtp_server.messages == []
    with time_machine.travel(at + timedelta(seconds=1)):
        call_command("send_campaigns", "--seconds", "5")
    assert len(smtp_server.messages) == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_send_rate_paces_the_messages(smtp_server, monkeypatch):
    consenting_leads(3)
    campaign = CampaignFactory(send_rate=60)
    services.campaign_send(campaign=campaign)
    sleeps = []
    monkeypatch.setattr("communications.services.time.sleep", sleeps.append)
    services.campaigns_run(seconds=10)
    assert len(smtp_server.messages) == 3
    # 60 per minute: the 2nd and 3rd message wait for their second.
    assert len(sleeps) == 2 and all(0 < pause <= 2 for pause in sleeps)
