"""Admin smoke tests; saves, actions and deletes go through the services (codes upper-cased, soft
delete); the CSV exports carry usage, revenue and cost."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bookings.tests.factories import BookingFactory
from coupons.models import Coupon, CouponCampaign, CouponUsage, UsageStatus
from magnetiq.models import AuditLogEntry

from .factories import CampaignFactory, CouponFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser(email="root@magnetiq.example", password="x" * 12)
    client.force_login(user)
    return client


def redeemed(coupon, list_amount="100.00", discount="20.00") -> CouponUsage:
    booking = BookingFactory(payment_amount=Decimal(list_amount) - Decimal(discount), discount_amount=Decimal(discount))
    return CouponUsage.objects.create(
        coupon=coupon,
        booking=booking,
        status=UsageStatus.REDEEMED,
        email_normalised=booking.client_email,
        list_amount=Decimal(list_amount),
        discount_amount=Decimal(discount),
        final_amount=Decimal(list_amount) - Decimal(discount),
        currency="USD",
        funded_by="platform",
    )


def test_changelists_search_and_change_pages(admin_client):
    usage = redeemed(CouponFactory(campaign=CampaignFactory()))
    for name in ("coupon", "couponcampaign", "couponusage"):
        url = reverse(f"admin:coupons_{name}_changelist")
        assert admin_client.get(url).status_code == 200
        assert admin_client.get(url, {"q": "code"}).status_code == 200
    assert admin_client.get(reverse("admin:coupons_coupon_add")).status_code == 200
    change = admin_client.get(reverse("admin:coupons_coupon_change", args=[usage.coupon_id]))
    assert change.status_code == 200
    assert "$80.00" in change.content.decode() and "$20.00" in change.content.decode()
    assert admin_client.get(reverse("admin:coupons_couponusage_change", args=[usage.pk])).status_code == 200


def test_adding_a_coupon_goes_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:coupons_coupon_add"),
        {
            "code": "autumn-10",
            "internal_name": "Autumn",
            "description": '{"en": "Autumn"}',
            "notes": "",
            "is_active": "on",
            "discount_type": "percentage",
            "discount_value": "10",
            "currency": "",
            "minimum_order_value": "0",
            "funded_by": "platform",
            "max_uses_per_user": "1",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "applicable_to": "all",
            "service_type_restrictions": "[]",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    coupon = Coupon.objects.get()
    assert coupon.code == "AUTUMN-10"
    assert coupon.created_by.email == "root@magnetiq.example"


def test_actions_export_and_soft_delete(admin_client):
    coupon = CouponFactory(code="EXPORTME")
    redeemed(coupon)
    redeemed(coupon, "150.00", "30.00")
    url = reverse("admin:coupons_coupon_changelist")

    admin_client.post(url, {"action": "deactivate", "_selected_action": [coupon.pk]})
    coupon.refresh_from_db()
    assert not coupon.is_active and coupon.deactivated_at
    export = admin_client.post(url, {"action": "export_csv", "_selected_action": [coupon.pk]})
    assert export["Content-Type"].startswith("text/csv")
    assert export.content.decode().splitlines()[1] == "EXPORTME,Internal EXPORTME,0,USD,2,250.00,50.00,200.00"
    admin_client.post(reverse("admin:coupons_coupon_delete", args=[coupon.pk]), {"post": "yes"})
    assert Coupon.objects.get().deleted_at is not None


def test_campaign_export_and_resume(admin_client):
    campaign = CampaignFactory(name="Fair", paused_at="2026-06-01T00:00:00Z", paused_reason="cap")
    redeemed(CouponFactory(campaign=campaign))
    url = reverse("admin:coupons_couponcampaign_changelist")

    export = admin_client.post(url, {"action": "export_csv", "_selected_action": [campaign.pk]})
    admin_client.post(url, {"action": "resume", "_selected_action": [campaign.pk]})

    assert export.content.decode().splitlines()[1] == "Fair,USD,1,100.00,20.00,80.00"
    assert CouponCampaign.objects.get().paused_at is None


def test_resume_lifts_a_pause_and_names_the_campaigns_that_were_not_paused(admin_client):
    paused = CampaignFactory(name="Capped", paused_at="2026-06-01T00:00:00Z", paused_reason="cap")
    running = CampaignFactory(name="Running")
    url = reverse("admin:coupons_couponcampaign_changelist")

    response = admin_client.post(url, {"action": "resume", "_selected_action": [paused.pk, running.pk]}, follow=True)

    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown == [
        ("success", "Resumed 1 campaign: its codes can be redeemed again."),
        ("warning", "Not paused, so nothing to resume: Running."),
    ]
    paused.refresh_from_db()
    assert (paused.paused_at, paused.paused_reason) == (None, "")
    assert AuditLogEntry.objects.filter(action="coupons.campaign.resumed").count() == 1


def test_resume_of_campaigns_that_are_not_paused_only_says_so(admin_client):
    running = [CampaignFactory(name="Running"), CampaignFactory(name="Also running")]
    url = reverse("admin:coupons_couponcampaign_changelist")

    response = admin_client.post(url, {"action": "resume", "_selected_action": [c.pk for c in running]}, follow=True)

    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert shown == [("warning", "Not paused, so nothing to resume: Also running, Running.")]
    assert not AuditLogEntry.objects.filter(action="coupons.campaign.resumed").exists()


def test_the_campaign_list_shows_and_filters_the_paused_state(admin_client):
    CampaignFactory(name="Capped", paused_at="2026-06-01T00:00:00Z", paused_reason="12 redemptions within an hour")
    CampaignFactory(name="Running")
    url = reverse("admin:coupons_couponcampaign_changelist")

    every = admin_client.get(url)
    paused = admin_client.get(url, {"paused": "yes"})
    running = admin_client.get(url, {"paused": "no"})

    def names(response):
        return sorted(c.name for c in response.context["cl"].result_list)

    assert (names(every), names(paused), names(running)) == (["Capped", "Running"], ["Capped"], ["Running"])
    content = every.content.decode()
    assert '<td class="field-paused"><img src="/static/admin/img/icon-yes.svg" alt="True"></td>' in content
    assert '<td class="field-paused"><img src="/static/admin/img/icon-no.svg" alt="False"></td>' in content
    assert "12 redemptions within an hour" in content
    assert '<a href="?paused=yes"' in content
