"""Admin screens of the fraud controls: changelists with filters and search, adding through the
services, the unblock, unflag and block actions, the whitelist delete."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from fraud.models import BlockedIP, FlaggedUser, Source, Whitelist
from magnetiq.models import AuditLogEntry

from .factories import AttemptFactory, BlockedIPFactory, FlaggedUserFactory, WhitelistFactory

pytestmark = pytest.mark.django_db


def url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:fraud_{model}_{view}", args=args)


def test_changelists_filters_and_search(admin_client):
    AttemptFactory(subject="SPRING25", risk=70)
    BlockedIPFactory(network="203.0.113.7/32")
    BlockedIPFactory(network="203.0.113.8/32", expires_at=timezone.now() - timedelta(minutes=1))
    FlaggedUserFactory(email_normalised="ann@example.com")
    WhitelistFactory(user=UserFactory(email="listed@example.com"))
    cases = {
        "attempt": [{}, {"q": "SPRING"}, {"risk": "60"}, {"success__exact": "0"}, {"scope": "coupon_validate"}],
        "blockedip": [{}, {"q": "203.0.113"}, {"state": "active"}, {"state": "expired"}, {"state": "lifted"}],
        "flaggeduser": [{}, {"q": "ann"}, {"state": "active"}, {"source__exact": "manual"}],
        "whitelist": [{}, {"q": "listed"}],
    }
    for model, queries in cases.items():
        for query in queries:
            assert admin_client.get(url(model), query).status_code == 200, (model, query)
    response = admin_client.get(url("blockedip"), {"state": "expired"})
    assert [b.network for b in response.context["cl"].result_list] == ["203.0.113.8/32"]
    response = admin_client.get(url("attempt"), {"risk": "60"})
    assert [a.subject for a in response.context["cl"].result_list] == ["SPRING25"]


def test_attempts_are_read_only(admin_client):
    attempt = AttemptFactory()
    assert admin_client.get(url("attempt", "add")).status_code == 403
    assert admin_client.get(url("attempt", "change", attempt.pk)).status_code == 200
    assert admin_client.post(url("attempt", "delete", attempt.pk), {"post": "yes"}).status_code == 403


def test_add_block_goes_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        url("blockedip", "add"), {"network": "2001:DB8::1", "duration_minutes": "30", "reason": "guessing"}
    )
    assert response.status_code == 302
    block = BlockedIP.objects.get()
    assert (block.network, block.source, block.created_by) == ("2001:db8::1/128", Source.MANUAL, admin_user)
    assert block.expires_at is not None
    assert AuditLogEntry.objects.filter(action="fraud.blockedip.block").count() == 1
    # The same network again: the block in force changes, no second row, no form error.
    response = admin_client.post(url("blockedip", "add"), {"network": "2001:db8::1", "reason": "for good"})
    assert response.status_code == 302
    assert BlockedIP.objects.get().expires_at is None


def test_add_block_refuses_a_bad_network(admin_client):
    response = admin_client.post(url("blockedip", "add"), {"network": "10.0.0.0/8"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["network"]
    assert not BlockedIP.objects.exists()


def test_unblock_and_unflag_actions(admin_client):
    block = BlockedIPFactory(network="203.0.113.7/32")
    flag = FlaggedUserFactory()
    admin_client.post(url("blockedip"), {"action": "unblock", ACTION_CHECKBOX_NAME: [block.pk]})
    admin_client.post(url("flaggeduser"), {"action": "unflag", ACTION_CHECKBOX_NAME: [flag.pk]})
    block.refresh_from_db()
    flag.refresh_from_db()
    assert block.lifted_at is not None and flag.lifted_at is not None
    assert AuditLogEntry.objects.filter(action__in=["fraud.blockedip.unblock", "fraud.flaggeduser.unflag"]).count() == 2
    # Lifting again changes nothing.
    admin_client.post(url("blockedip"), {"action": "unblock", ACTION_CHECKBOX_NAME: [block.pk]})
    assert AuditLogEntry.objects.filter(action="fraud.blockedip.unblock").count() == 1


def test_block_ips_of_attempts_action(admin_client):
    first = AttemptFactory(ip="203.0.113.7")
    second = AttemptFactory(ip="203.0.113.7")
    third = AttemptFactory(ip="2001:db8::9")
    admin_client.post(url("attempt"), {"action": "block_ips", ACTION_CHECKBOX_NAME: [first.pk, second.pk, third.pk]})
    assert set(BlockedIP.objects.active().values_list("network", flat=True)) == {"203.0.113.7/32", "2001:db8::9/128"}


def test_add_flag_and_whitelist_and_remove(admin_client):
    user = UserFactory(email="tester@example.com")
    response = admin_client.post(url("flaggeduser", "add"), {"email_normalised": "A.nn+x@gmail.com", "reason": "abuse"})
    assert response.status_code == 302
    assert FlaggedUser.objects.get().email_normalised == "ann@gmail.com"
    response = admin_client.post(url("flaggeduser", "add"), {"reason": "nobody"})
    assert response.status_code == 200
    assert FlaggedUser.objects.count() == 1

    response = admin_client.post(url("whitelist", "add"), {"user": user.pk, "reason": "QA"})
    assert response.status_code == 302
    entry = Whitelist.objects.get()
    response = admin_client.post(url("whitelist", "delete", entry.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Whitelist.objects.exists()
    assert AuditLogEntry.objects.filter(action__startswith="fraud.whitelist.").count() == 2
