"""Two workers on one campaign at the same moment (RELIABILITY C-9), on the file database: every
recipient exactly once, no row left queued, both workers did part of the work."""

from collections import Counter

import pytest

from communications import services
from communications.models import CampaignSend, CampaignStatus, SendStatus
from communications.tests.factories import CampaignFactory, consenting_leads
from magnetiq.tests.parallel import run_together


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_recipient_exactly_once(smtp_server, settings):
    settings.COMMUNICATIONS = {"BATCH_SIZE": 25}
    consenting_leads(500)
    campaign = CampaignFactory()
    services.campaign_send(campaign=campaign)

    results = run_together([lambda: services.campaign_process(campaign_id=campaign.pk)] * 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    per_address = Counter(r.lower() for m in smtp_server.messages for r in m.rcpt_tos)
    assert len(per_address) == 500 and set(per_address.values()) == {1}
    assert sum(r.sent for r in results) == 500
    assert all(r.sent > 0 for r in results)
    assert CampaignSend.objects.filter(campaign=campaign, status=SendStatus.SENT).count() == 500
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
