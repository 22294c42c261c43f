"""Admin of the payments app: smoke tests (changelists, search, filters, change pages), read-only
ledger and inbox, the "Refund…" confirmation page and the "Refresh from Stripe" actions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role, User
from payments.models import (
    Dispute,
    DisputeStatus,
    LedgerEntry,
    Payment,
    PaymentIntentStatus,
    Refund,
    RefundStatus,
    Subscription,
    WebhookEvent,
)
from payments.services import payment_create_for_booking
from payments.stripe_gateway import get_gateway

from .conftest import hold, next_slot
from .staff_helpers import confirmed_booking, ledger, local_payment, paid_booking, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_user("root@example.com", "pw-0123456789", role=Role.SUPER_ADMIN)
    client.force_login(user)
    return client


@pytest.fixture
def records(consultant):
    payment = local_payment(confirmed_booking(consultant), charge_id="ch_1")
    refund = Refund.objects.create(payment=payment, amount=Decimal("10.00"), currency="USD", refund_id="re_1")
    dispute = Dispute.objects.create(
        payment=payment, dispute_id="dp_1", amount=Decimal("100.00"), currency="USD", status="needs_response"
    )
    entry = ledger("payment", "100.00", payment.created_at, source="ch_1")
    event = WebhookEvent.objects.create(provider="stripe", event_id="evt_1", type="payment_intent.succeeded")
    subscription = Subscription.objects.create(
        customer_email="sub@example.com", customer_id="cus_1", subscription_id="sub_1", price_id="price_1"
    )
    return payment, refund, dispute, entry, event, subscription


def test_changelists_search_filters_and_change_pages(admin_client, records):
    payment, refund, dispute, entry, event, subscription = records
    urls = []
    for model, obj, query in (
        ("payment", payment, f"?q={payment.booking.reference}&status__exact=succeeded&provider__exact=stripe"),
        ("refund", refund, "?q=re_1&status__exact=pending"),
        ("dispute", dispute, "?q=dp_1&status__exact=needs_response"),
        ("ledgerentry", entry, "?q=ch_1&kind__exact=payment"),
        ("webhookevent", event, "?q=evt_1&status__exact=received"),
        ("subscription", subscription, "?q=sub@example.com"),
    ):
        changelist = reverse(f"admin:payments_{model}_changelist")
        urls += [changelist, changelist + query, reverse(f"admin:payments_{model}_change", args=[obj.pk])]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    searched = admin_client.get(reverse("admin:payments_payment_changelist") + "?q=clara@example.com")
    assert list(searched.context["cl"].result_list) == [payment]
    nothing = admin_client.get(reverse("admin:payments_payment_changelist") + "?q=nobody@example.com")
    assert list(nothing.context["cl"].result_list) == []


def test_money_records_cannot_be_added_edited_or_deleted(admin_client, records):
    payment, _refund, _dispute, entry, event, _subscription = records
    for model in ("payment", "refund", "dispute", "ledgerentry", "webhookevent", "subscription"):
        assert admin_client.get(reverse(f"admin:payments_{model}_add")).status_code == 403, model
    assert admin_client.get(reverse("admin:payments_payment_delete", args=[payment.pk])).status_code == 403
    # The ledger and the inbox are view-only: a POST to the change page changes nothing.
    admin_client.post(reverse("admin:payments_ledgerentry_change", args=[entry.pk]), {"amount": "1.00"})
    entry.refresh_from_db()
    assert entry.amount == Decimal("100.00")
    page = admin_client.get(reverse("admin:payments_webhookevent_change", args=[event.pk]))
    assert b'name="_save"' not in page.content
    page = admin_client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    assert b'name="amount"' not in page.content


def _action(client, model: str, action: str, pks, **extra):
    return client.post(
        reverse(f"admin:payments_{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks], **extra},
        follow=True,
    )


def test_refund_confirmation_page_defaults_to_the_refundable_amount(localstripe, consultant, admin_client):
    _booking, payment = paid_booking(consultant)
    Refund.objects.create(payment=payment, amount=Decimal("40.00"), currency="USD", status=RefundStatus.SUCCEEDED)

    page = _action(admin_client, "payment", "refund", [payment.pk])

    assert page.status_code == 200
    assert page.templates[0].name == "admin/payments/payment/refund_confirmation.html"
    assert page.context["form"]["amount"].value() == Decimal("60.00")
    assert 'id="refundable">$60.00</strong>' in page.content.decode()


def test_refund_action_refunds_through_the_service(localstripe, consultant, admin_client):
    _booking, payment = paid_booking(consultant)

    response = _action(
        admin_client, "payment", "refund", [payment.pk], post="yes", amount="25.00", reason="duplicate", note="Twice"
    )

    messages = [str(m) for m in response.context["messages"]]
    assert messages == [f"Refund of $25.00 for {payment.payment_intent_id}: Succeeded."]
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.note, refund.requested_by.email) == (
        Decimal("25.00"),
        "duplicate",
        "Twice",
        "root@example.com",
    )
    assert [r.amount for r in get_gateway().list_refunds(payment.payment_intent_id)] == [Decimal("25.00")]


def test_refund_action_errors_are_messages_not_500s(localstripe, consultant, admin_client):
    _booking, payment = paid_booking(consultant)

    too_much = _action(admin_client, "payment", "refund", [payment.pk], post="yes", amount="100.01", reason="other")
    assert too_much.status_code == 200
    assert [str(m) for m in too_much.context["messages"]] == [f"{payment}: At most 100.00 USD can still be refunded."]

    bad_form = _action(admin_client, "payment", "refund", [payment.pk], post="yes", amount="-1", reason="other")
    assert bad_form.templates[0].name == "admin/payments/payment/refund_confirmation.html"
    assert bad_form.context["form"].errors["amount"]

    unpaid = payment_create_for_booking(booking=hold(consultant, start=next_slot(hour=14), email="x@example.com"))
    refused = _action(admin_client, "payment", "refund", [unpaid.pk])
    assert [str(m) for m in refused.context["messages"]] == [f"{unpaid}: nothing left to refund."]
    two = _action(admin_client, "payment", "refund", [payment.pk, unpaid.pk])
    assert [str(m) for m in two.context["messages"]] == ["Select exactly one payment to refund."]
    assert Refund.objects.count() == 0


def test_refresh_actions_apply_stripes_state(localstripe, consultant, admin_client):
    _booking, payment = paid_booking(consultant)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentIntentStatus.PROCESSING)
    ghost = local_payment(None, payment_intent_id="pi_ghost", status=PaymentIntentStatus.PROCESSING)

    response = _action(admin_client, "payment", "refresh_from_stripe", [payment.pk, ghost.pk])

    payment.refresh_from_db()
    assert payment.status == PaymentIntentStatus.SUCCEEDED
    messages = [str(m) for m in response.context["messages"]]
    assert "1 payment refreshed from Stripe." in messages
    assert any(m.startswith(f"{ghost}: ") for m in messages)

    dispute = Dispute.objects.create(
        payment=payment, dispute_id="dp_gone", amount=payment.amount, currency="USD", status=DisputeStatus.UNDER_REVIEW
    )
    refused = _action(admin_client, "dispute", "refresh_from_stripe", [dispute.pk])
    assert next(str(m) for m in refused.context["messages"]).startswith(f"{dispute}: ")
    assert LedgerEntry.objects.filter(kind="dispute").count() == 0


def test_actions_follow_the_permissions(client, consultant):
    def login(*perms, email):
        user = staff_user(*perms, email=email)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)

    payment = local_payment(confirmed_booking(consultant))
    login("payments.view_payment", email="viewer@example.com")
    page = client.get(reverse("admin:payments_payment_changelist"))
    assert page.status_code == 200
    assert page.context["action_form"] is None
    assert client.get(reverse("admin:payments_payment_change", args=[payment.pk])).status_code == 200

    login("payments.view_payment", "payments.change_payment", email="operator@example.com")
    page = client.get(reverse("admin:payments_payment_changelist"))
    actions = [name for name, _label in page.context["action_form"].fields["action"].choices if name]
    assert actions == ["refresh_from_stripe"]
    refused = _action(client, "payment", "refund", [payment.pk], post="yes", amount="1.00", reason="other")
    assert refused.status_code == 200
    assert Refund.objects.count() == 0


def test_flagged_filter_lists_the_mismatched_payments(admin_client, consultant):
    flagged = local_payment(flagged_reason="Stripe has 50.00 USD, we expect 100.00 USD")
    fine = local_payment()
    url = reverse("admin:payments_payment_changelist")
    yes = admin_client.get(url + "?flagged=yes")
    assert yes.status_code == 200
    assert [p.pk for p in yes.context["cl"].result_list] == [flagged.pk]
    assert [p.pk for p in admin_client.get(url + "?flagged=no").context["cl"].result_list] == [fine.pk]
    detail = admin_client.get(reverse("admin:payments_payment_change", args=[flagged.pk]))
    assert "Stripe has 50.00 USD, we expect 100.00 USD" in detail.content.decode()


def test_a_staff_refund_in_the_admin_e_mails_the_client_how_much_and_when(
    localstripe, consultant, admin_client, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.CONTACT_EMAIL = "help@magnetiq.example"
    booking, payment = paid_booking(consultant)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _action(admin_client, "payment", "refund", [payment.pk], post="yes", amount="25.00", reason="other")

    [message] = [m for m in mail.outbox if m.to == ["clara@example.com"]]
    assert message.subject == "Your payment has been refunded"
    assert message.body == (
        "Hello Clara Client,\n\n"
        f"we have refunded $25.00 of your payment of $100.00 for the consultation with {consultant} "
        f"(reference {booking.reference}).\n\n"
        "The refund goes back to the card you paid with and reaches your account within 5–10 business days, "
        "depending on your bank.\n\n"
        "Questions? Write to us at help@magnetiq.example.\n"
    )
    assert Refund.objects.get().client_notified_at is not None
