"""Disputes (RELIABILITY S-8) and the refund lifecycle (S-7) through genuinely signed webhooks, with
the handler re-fetching the dispute/refund through the real ``stripe`` SDK from recorded Stripe
responses on 127.0.0.1 (localstripe has no disputes and only ever-succeeded refunds)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import BookingPaymentStatus, BookingStatus
from bookings.services import booking_confirm
from payments.models import (
    Dispute,
    DisputeStatus,
    LedgerEntry,
    Payment,
    PaymentIntentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
    WebhookStatus,
)
from payments.services import ledger_record, payment_refundable
from payouts.services.earnings import session_earnings

from .conftest import event_body, hold, sign

URL = "/api/v1/public/payment/webhooks/stripe"
DISPUTE_PI, DISPUTE_CH, DISPUTE = "pi_3QRecordedDispute1", "ch_3QRecordedDispute1", "dp_1QRecordedDispute"
REFUND_PI, REFUND_CH = "pi_3QRecordedRefund01", "ch_3QRecordedRefund01"
RE_1, RE_2 = "re_3QRecordedRefund01", "re_3QRecordedRefund02"

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def _deliver(event_id: str, type_: str, obj: dict):
        body = event_body(event_id, type_, obj)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body))

    return _deliver


def paid(consultant, *, payment_intent_id: str, charge_id: str) -> Payment:
    """A confirmed booking paid 100.00 USD with its ledger row (what a succeeded payment leaves)."""
    booking = hold(consultant)
    payment = Payment.objects.create(
        booking=booking,
        payment_intent_id=payment_intent_id,
        charge_id=charge_id,
        amount=Decimal("100.00"),
        currency="USD",
        status=PaymentIntentStatus.SUCCEEDED,
        idempotency_key=f"booking-{booking.reference}-pi-v1",
        succeeded_at=timezone.now(),
    )
    booking_confirm(booking=booking, payment_intent_id=payment_intent_id)
    ledger_record(
        kind="payment",
        amount=Decimal("100.00"),
        currency="USD",
        source_id=charge_id,
        occurred_at=timezone.now(),
        booking=booking,
        payment=payment,
    )
    ledger_record(
        kind="fee",
        amount=Decimal("-3.20"),
        currency="USD",
        source_id=charge_id,
        occurred_at=timezone.now(),
        booking=booking,
        payment=payment,
    )
    return payment


def ledger() -> list[tuple[str, Decimal, str]]:
    """The ledger without the fee row every paid booking has (−3.20, fixed in :func:`paid`)."""
    return sorted(LedgerEntry.objects.exclude(kind="fee").values_list("kind", "amount", "source_id"))


class TestDisputes:
    @pytest.fixture
    def payment(self, recorded_stripe, consultant):
        return paid(consultant, payment_intent_id=DISPUTE_PI, charge_id=DISPUTE_CH)

    def _open(self, recorded_stripe, deliver, payment):
        recorded_stripe.route("GET", f"/v1/disputes/{DISPUTE}", "dispute_needs_response.json")
        # The payload says "won": the handler must not trust it, only Stripe's answer.
        response = deliver("evt_dp_created", "charge.dispute.created", {"id": DISPUTE, "status": "won"})
        assert response.status_code == 200
        assert WebhookEvent.objects.get(event_id="evt_dp_created").status == WebhookStatus.PROCESSED

    def test_created_suspends_the_booking_and_holds_back_the_payout(self, recorded_stripe, deliver, payment):
        self._open(recorded_stripe, deliver, payment)

        dispute = Dispute.objects.get()
        assert (dispute.dispute_id, dispute.status, dispute.amount, dispute.currency, dispute.reason) == (
            DISPUTE,
            DisputeStatus.NEEDS_RESPONSE,
            Decimal("100.00"),
            "USD",
            "fraudulent",
        )
        assert dispute.payment_id == payment.pk
        assert payment.has_open_dispute is True
        assert list(Dispute.objects.open()) == [dispute]
        assert ledger() == [("dispute", Decimal("-100.00"), DISPUTE), ("payment", Decimal("100.00"), DISPUTE_CH)]
        [earning] = session_earnings([payment.booking])
        assert (earning.held_back, earning.net) == ("open dispute", Decimal("0.00"))
        assert [(r.method, r.path) for r in recorded_stripe.requests] == [("GET", f"/v1/disputes/{DISPUTE}")]
        assert recorded_stripe.requests[0].headers["authorization"] == "Bearer sk_test_recorded"

    def test_closed_won_restores(self, recorded_stripe, deliver, payment):
        self._open(recorded_stripe, deliver, payment)
        recorded_stripe.route("GET", f"/v1/disputes/{DISPUTE}", "dispute_won.json")

        assert deliver("evt_dp_closed", "charge.dispute.closed", {"id": DISPUTE}).status_code == 200
        # A late duplicate of the "created" event re-fetches "won" and changes nothing.
        assert deliver("evt_dp_created_again", "charge.dispute.created", {"id": DISPUTE}).status_code == 200

        dispute = Dispute.objects.get()
        assert dispute.status == DisputeStatus.WON
        assert payment.has_open_dispute is False
        assert Dispute.objects.open().count() == 0
        assert ledger() == [
            ("dispute", Decimal("-100.00"), DISPUTE),
            ("dispute_reversal", Decimal("100.00"), DISPUTE),
            ("payment", Decimal("100.00"), DISPUTE_CH),
        ]
        [earning] = session_earnings([payment.booking])
        assert (earning.held_back, earning.disputes) == ("", Decimal("0.00"))

    def test_closed_lost_stays_lost(self, recorded_stripe, deliver, payment):
        self._open(recorded_stripe, deliver, payment)
        recorded_stripe.route("GET", f"/v1/disputes/{DISPUTE}", "dispute_lost.json")

        assert deliver("evt_dp_closed", "charge.dispute.closed", {"id": DISPUTE, "status": "won"}).status_code == 200

        assert Dispute.objects.get().status == DisputeStatus.LOST
        assert payment.has_open_dispute is False
        assert ledger() == [("dispute", Decimal("-100.00"), DISPUTE), ("payment", Decimal("100.00"), DISPUTE_CH)]
        [earning] = session_earnings([payment.booking])
        assert (earning.disputes, earning.net) == (Decimal("100.00"), Decimal("0.00"))

    def test_closed_before_created_ends_in_the_same_state(self, recorded_stripe, deliver, payment):
        recorded_stripe.route("GET", f"/v1/disputes/{DISPUTE}", "dispute_won.json")
        assert deliver("evt_dp_closed", "charge.dispute.closed", {"id": DISPUTE}).status_code == 200
        assert deliver("evt_dp_created", "charge.dispute.created", {"id": DISPUTE}).status_code == 200
        assert Dispute.objects.get().status == DisputeStatus.WON
        assert [k for k, _, _ in ledger()] == ["dispute", "dispute_reversal", "payment"]

    def test_stripe_unreachable_marks_the_event_failed_with_nothing_applied(self, recorded_stripe, deliver, payment):
        recorded_stripe.route("GET", f"/v1/disputes/{DISPUTE}", b'{"error": {"type": "api_error"}}', status=500)
        assert deliver("evt_dp_created", "charge.dispute.created", {"id": DISPUTE}).status_code == 200
        event = WebhookEvent.objects.get()
        assert (event.status, event.attempts) == (WebhookStatus.FAILED, 1)
        assert event.error.startswith("PaymentProviderUnavailable: ")
        assert Dispute.objects.count() == 0
        assert [k for k, _, _ in ledger()] == ["payment"]


class TestRefundLifecycle:
    @pytest.fixture
    def payment(self, recorded_stripe, consultant):
        return paid(consultant, payment_intent_id=REFUND_PI, charge_id=REFUND_CH)

    def test_pending_then_failed_reverts_and_records_the_reversal(self, recorded_stripe, deliver, payment):
        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_pending.json")
        assert deliver("evt_re_created", "refund.created", {"id": RE_1, "status": "succeeded"}).status_code == 200

        refund = Refund.objects.get()
        assert (refund.refund_id, refund.status, refund.amount) == (RE_1, RefundStatus.PENDING, Decimal("40.00"))
        assert payment_refundable(Payment.objects.get()) == Decimal("60.00")
        assert ledger() == [("payment", Decimal("100.00"), REFUND_CH), ("refund", Decimal("-40.00"), RE_1)]

        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_failed.json")
        assert deliver("evt_re_failed", "refund.failed", {"id": RE_1}).status_code == 200

        refund.refresh_from_db()
        assert (refund.status, refund.failure_reason) == (RefundStatus.FAILED, "expired_or_canceled_card")
        payment.refresh_from_db()
        assert (payment.amount_refunded, payment_refundable(payment)) == (Decimal("0.00"), Decimal("100.00"))
        booking = payment.booking
        booking.refresh_from_db()
        assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, BookingPaymentStatus.COMPLETED)
        assert ledger() == [
            ("payment", Decimal("100.00"), REFUND_CH),
            ("refund", Decimal("-40.00"), RE_1),
            ("refund_reversal", Decimal("40.00"), RE_1),
        ]
        assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == Decimal("96.80")

    def test_charge_refund_updated_failed_does_the_same(self, recorded_stripe, deliver, payment):
        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_pending.json")
        deliver("evt_re_created", "refund.created", {"id": RE_1})
        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_failed.json")
        assert deliver("evt_re_upd", "charge.refund.updated", {"id": RE_1, "status": "failed"}).status_code == 200
        assert Refund.objects.get().status == RefundStatus.FAILED
        assert [k for k, _, _ in ledger()] == ["payment", "refund", "refund_reversal"]

    def test_a_late_pending_event_after_failed_does_not_revive_the_refund(self, recorded_stripe, deliver, payment):
        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_pending.json")
        deliver("evt_re_created", "refund.created", {"id": RE_1})
        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_failed.json")
        deliver("evt_re_failed", "refund.failed", {"id": RE_1})
        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_pending.json")  # a stale read
        deliver("evt_re_updated_old", "refund.updated", {"id": RE_1})
        assert Refund.objects.get().status == RefundStatus.FAILED
        assert [k for k, _, _ in ledger()] == ["payment", "refund", "refund_reversal"]

    def test_duplicate_refund_events_are_summed_per_unique_refund_id(self, recorded_stripe, deliver, payment):
        recorded_stripe.route("GET", f"/v1/refunds/{RE_2}", "refund_second_succeeded.json")
        recorded_stripe.route("GET", f"/v1/refunds/{RE_1}", "refund_pending.json")
        recorded_stripe.route("GET", "/v1/payment_intents/" + REFUND_PI, _intent(REFUND_PI, REFUND_CH))
        recorded_stripe.route("GET", "/v1/refunds", "refunds_list.json")
        for event_id, type_, obj in [
            ("evt_1", "refund.created", {"id": RE_2}),
            ("evt_2", "refund.updated", {"id": RE_2}),
            ("evt_1", "refund.created", {"id": RE_2}),  # the same event delivered again
            ("evt_3", "refund.created", {"id": RE_1}),
            ("evt_4", "charge.refunded", {"id": REFUND_CH, "payment_intent": REFUND_PI}),
            ("evt_5", "charge.refunded", {"id": REFUND_CH, "payment_intent": REFUND_PI}),
        ]:
            assert deliver(event_id, type_, obj).status_code == 200

        assert sorted(Refund.objects.values_list("refund_id", "status", "amount")) == [
            (RE_1, RefundStatus.PENDING, Decimal("40.00")),
            (RE_2, RefundStatus.SUCCEEDED, Decimal("25.00")),
        ]
        payment.refresh_from_db()
        assert payment.amount_refunded == Decimal("25.00")
        assert payment_refundable(payment) == Decimal("35.00")
        assert ledger() == [
            ("payment", Decimal("100.00"), REFUND_CH),
            ("refund", Decimal("-40.00"), RE_1),
            ("refund", Decimal("-25.00"), RE_2),
        ]
        assert WebhookEvent.objects.count() == 5
        assert set(WebhookEvent.objects.values_list("status", flat=True)) == {WebhookStatus.PROCESSED}


def _intent(pi: str, charge: str) -> dict:
    """A succeeded PaymentIntent as Stripe returns it (only the fields the gateway reads matter)."""
    return {
        "id": pi,
        "object": "payment_intent",
        "amount": 10000,
        "amount_received": 10000,
        "currency": "usd",
        "status": "succeeded",
        "client_secret": f"{pi}_secret_recorded",
        "customer": None,
        "latest_charge": charge,
        "last_payment_error": None,
        "metadata": {},
        "created": 1795000000,
        "livemode": False,
    }
