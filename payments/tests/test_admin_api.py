"""Staff payments API (/api/v1/admin/payments): refunds (against localstripe), disputes, transactions
(filters, detail, status correction = refresh from Stripe), reconciliation, permissions."""

from datetime import time
from decimal import Decimal

import pytest

from bookings.models import BookingPaymentStatus, ConsultationBooking
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory
from magnetiq.models import AuditLogEntry
from payments.models import (
    Dispute,
    DisputeStatus,
    LedgerEntry,
    Payment,
    PaymentIntentStatus,
    Provider,
    Refund,
    RefundStatus,
)
from payments.services import payment_create_for_booking, refund_create
from payments.services.disputes_admin import bookings_with_open_disputes

from .conftest import hold, next_slot
from .staff_helpers import confirmed_booking, ledger, local_payment, paid_booking, staff_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/admin/payments"


@pytest.fixture
def manager(api_client):
    """A payment manager: every payments permission the staff API asks for."""
    api_client.force_authenticate(
        staff_user(
            "payments.view_payment",
            "payments.change_payment",
            "payments.view_refund",
            "payments.add_refund",
            "payments.view_dispute",
            "payments.change_dispute",
            "payments.view_ledgerentry",
            email="manager@example.com",
        )
    )
    return api_client


@pytest.fixture
def other(db):
    """A second bookable consultant (UTC, 09–17 every day, 200 USD an hour)."""
    c = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=10, hourly_rate=200)
    weekday_rules(c, start=time(9), end=time(17), weekdays=range(7))
    return c


# --- refunds ------------------------------------------------------------------------------------


def test_full_refund_by_booking_reference(localstripe, consultant, manager):
    booking, payment = paid_booking(consultant)

    response = manager.post(f"{URL}/refunds", {"booking_reference": booking.reference, "note": "Client asked"})

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["amount"] == "100.00"
    assert data["status"] == "succeeded"
    assert data["refund_id"].startswith("re_")
    assert (data["payment_id"], data["booking_reference"]) == (payment.pk, booking.reference)
    assert (data["reason"], data["note"], data["requested_by"]) == (
        "requested_by_customer",
        "Client asked",
        "manager@example.com",
    )
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    booking.refresh_from_db()
    assert booking.payment_status == BookingPaymentStatus.REFUNDED


def test_partial_refunds_then_too_much_then_nothing_left(localstripe, consultant, manager):
    _booking, payment = paid_booking(consultant)

    first = manager.post(f"{URL}/refunds", {"payment_id": payment.pk, "amount": "30.00", "reason": "duplicate"})
    assert first.status_code == 201
    assert (first.json()["data"]["amount"], first.json()["data"]["reason"]) == ("30.00", "duplicate")

    too_much = manager.post(f"{URL}/refunds", {"payment_intent_id": payment.payment_intent_id, "amount": "70.01"})
    assert too_much.status_code == 422
    assert too_much.json()["error"]["details"][0]["field"] == "amount"
    assert "70.00" in too_much.json()["error"]["message"]

    rest = manager.post(f"{URL}/refunds", {"payment_id": payment.pk})
    assert rest.json()["data"]["amount"] == "70.00"

    done = manager.post(f"{URL}/refunds", {"payment_id": payment.pk, "amount": "1.00"})
    assert done.status_code == 409
    assert done.json()["error"]["code"] == "REFUND_NOT_ALLOWED"
    assert Refund.objects.filter(status=RefundStatus.SUCCEEDED).count() == 2


def test_refund_of_an_unpaid_payment_is_409(localstripe, held_booking, manager):
    payment = payment_create_for_booking(booking=held_booking)

    response = manager.post(f"{URL}/refunds", {"payment_id": payment.pk})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "REFUND_NOT_ALLOWED"
    by_booking = manager.post(f"{URL}/refunds", {"booking_reference": held_booking.reference})
    assert by_booking.status_code == 409
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "payment_id"),
        ({"payment_id": 1, "booking_reference": "x"}, 422, "payment_id"),
        ({"payment_id": 999999}, 404, None),
        ({"booking_reference": "nope"}, 404, None),
        ({"payment_id": 1, "amount": "0"}, 422, "amount"),
        ({"payment_id": 1, "amount": "abc"}, 422, "amount"),
        ({"payment_id": 1, "reason": "because"}, 422, "reason"),
    ],
)
def test_bad_refund_requests(manager, body, status, field):
    response = manager.post(f"{URL}/refunds", body, format="json")
    assert response.status_code == status, response.content
    if field:
        assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_refund_list_filters(manager, consultant, other):
    mine = local_payment(confirmed_booking(consultant))
    theirs = local_payment(confirmed_booking(other, email="bo@example.com"))
    Refund.objects.create(payment=mine, amount=Decimal("10.00"), currency="USD", status=RefundStatus.SUCCEEDED)
    Refund.objects.create(payment=theirs, amount=Decimal("20.00"), currency="USD", status=RefundStatus.FAILED)

    def amounts(**params):
        data = manager.get(f"{URL}/refunds", params).json()["data"]
        return sorted(r["amount"] for r in data["refunds"])

    assert amounts() == ["10.00", "20.00"]
    assert amounts(status="failed") == ["20.00"]
    assert amounts(consultant=consultant.pk) == ["10.00"]
    assert amounts(booking=theirs.booking.reference) == ["20.00"]
    assert amounts(payment=mine.pk) == ["10.00"]
    assert amounts(date_from="2000-01-01", date_to="2000-01-02") == []
    assert manager.get(f"{URL}/refunds", {"status": "bogus"}).status_code == 422


# --- disputes -----------------------------------------------------------------------------------


def _dispute(payment, status=DisputeStatus.NEEDS_RESPONSE, n=1):
    return Dispute.objects.create(
        payment=payment, dispute_id=f"dp_{n}", amount=payment.amount, currency=payment.currency, status=status
    )


def test_dispute_list_and_open_filter(manager, consultant):
    payment = local_payment(confirmed_booking(consultant))
    _dispute(payment, DisputeStatus.NEEDS_RESPONSE, 1)
    _dispute(payment, DisputeStatus.LOST, 2)

    data = manager.get(f"{URL}/disputes").json()["data"]
    assert data["pagination"]["total"] == 2
    assert [d["dispute_id"] for d in manager.get(f"{URL}/disputes", {"open": "true"}).json()["data"]["disputes"]] == [
        "dp_1"
    ]
    assert [d["dispute_id"] for d in manager.get(f"{URL}/disputes", {"status": "lost"}).json()["data"]["disputes"]] == [
        "dp_2"
    ]
    first = next(d for d in data["disputes"] if d["dispute_id"] == "dp_1")
    assert (first["is_open"], first["booking_reference"], first["amount"]) == (
        True,
        payment.booking.reference,
        "100.00",
    )


def test_resolve_records_staff_handling_but_stripe_keeps_the_status(manager, consultant):
    booking = confirmed_booking(consultant)
    dispute = _dispute(local_payment(booking))

    response = manager.post(
        f"{URL}/disputes/{dispute.pk}/resolve", {"resolution": "evidence_submitted", "notes": "Sent the invoice"}
    )

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["status"] == "needs_response"
    assert data["resolved_by"] == "manager@example.com"
    assert data["resolved_at"] is not None
    assert data["notes"].endswith("manager@example.com: Evidence submitted — Sent the invoice")
    again = manager.post(f"{URL}/disputes/{dispute.pk}/resolve", {"resolution": "noted"}).json()["data"]
    assert len(again["notes"].splitlines()) == 2
    assert AuditLogEntry.objects.filter(action="payments.dispute.resolved").count() == 2
    # Still open at Stripe: the payout of that booking stays held back.
    assert list(bookings_with_open_disputes()) == [booking]
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.WON)
    assert list(bookings_with_open_disputes()) == []


def test_resolve_errors(manager, consultant):
    dispute = _dispute(local_payment(confirmed_booking(consultant)))
    assert manager.post(f"{URL}/disputes/{dispute.pk}/resolve", {"resolution": "won"}).status_code == 422
    assert manager.post(f"{URL}/disputes/999999/resolve", {"resolution": "noted"}).status_code == 404


# --- transactions -------------------------------------------------------------------------------


def test_transaction_filters(manager, consultant, other):
    a = local_payment(confirmed_booking(consultant), amount="100.00")
    b = local_payment(confirmed_booking(other, email="bo@example.com"), amount="250.00", currency="EUR")
    c = local_payment(None, amount="40.00", status=PaymentIntentStatus.CANCELED, provider=Provider.PAYPAL)

    def ids(**params):
        response = manager.get(f"{URL}/transactions", params)
        assert response.status_code == 200, response.content
        return sorted(t["id"] for t in response.json()["data"]["transactions"])

    assert ids() == sorted([a.pk, b.pk, c.pk])
    assert ids(status="canceled") == [c.pk]
    assert ids(provider="paypal") == [c.pk]
    assert ids(currency="eur") == [b.pk]
    assert ids(consultant=consultant.pk) == [a.pk]
    assert ids(booking=b.booking.reference) == [b.pk]
    assert ids(min_amount="100", max_amount="250") == sorted([a.pk, b.pk])
    assert ids(min_amount="100.01") == [b.pk]
    assert ids(search=a.payment_intent_id) == [a.pk]
    assert ids(search="BO@example.com") == [b.pk]
    assert ids(date_from="2000-01-01", date_to="2000-12-31") == []
    assert manager.get(f"{URL}/transactions", {"min_amount": "lots"}).status_code == 422


def test_refundable_amount_counts_pending_refunds_in_list_and_detail(manager, consultant):
    """One rule (``payment_refundable``): a refund Stripe may still pay out reduces what is refundable
    before it succeeds; a failed one does not."""
    payment = local_payment(confirmed_booking(consultant), amount="100.00", amount_refunded=Decimal("10.00"))
    Refund.objects.create(
        payment=payment, amount=Decimal("10.00"), currency="USD", refund_id="re_ok", status=RefundStatus.SUCCEEDED
    )
    Refund.objects.create(
        payment=payment, amount=Decimal("30.00"), currency="USD", refund_id="re_wait", status=RefundStatus.PENDING
    )
    Refund.objects.create(
        payment=payment, amount=Decimal("50.00"), currency="USD", refund_id="re_no", status=RefundStatus.FAILED
    )
    unpaid = local_payment(None, amount="40.00", status=PaymentIntentStatus.PROCESSING)

    listed = manager.get(f"{URL}/transactions").json()["data"]["transactions"]
    detail = manager.get(f"{URL}/transactions/{payment.pk}").json()["data"]

    assert {t["id"]: t["refundable_amount"] for t in listed} == {payment.pk: "60.00", unpaid.pk: "0.00"}
    assert (detail["amount_refunded"], detail["refundable_amount"]) == ("10.00", "60.00")


def test_transaction_detail_has_refunds_disputes_and_ledger(manager, consultant):
    booking = confirmed_booking(consultant)
    payment = local_payment(booking, charge_id="ch_1")
    Refund.objects.create(payment=payment, amount=Decimal("10.00"), currency="USD", refund_id="re_1")
    _dispute(payment)
    entry = ledger("payment", "100.00", payment.created_at, source="ch_1")
    entry.payment = payment
    entry.save()

    data = manager.get(f"{URL}/transactions/{payment.pk}").json()["data"]

    assert (data["payment_intent_id"], data["booking_reference"], data["client_email"]) == (
        payment.payment_intent_id,
        booking.reference,
        "clara@example.com",
    )
    assert [r["refund_id"] for r in data["refunds"]] == ["re_1"]
    assert [d["dispute_id"] for d in data["disputes"]] == ["dp_1"]
    assert [(e["kind"], e["amount"]) for e in data["ledger_entries"]] == [("payment", "100.00")]
    assert data["has_open_dispute"] is True
    assert data["flagged_reason"] == ""
    assert manager.get(f"{URL}/transactions/999999").status_code == 404


def test_status_correction_refreshes_from_stripe(localstripe, consultant, manager):
    booking = hold(consultant, start=next_slot())
    payment = payment_create_for_booking(booking=booking)
    # Our row fell behind (say a lost webhook): Stripe has it requires_payment_method, we say processing.
    Payment.objects.filter(pk=payment.pk).update(status=PaymentIntentStatus.PROCESSING)

    response = manager.put(f"{URL}/transactions/{payment.pk}/status", {"note": "webhook lost"})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == "requires_payment_method"
    entry = AuditLogEntry.objects.get(action="payments.payment.status_checked")
    assert entry.data == {"from": "processing", "to": "requires_payment_method", "expected": "", "note": "webhook lost"}

    not_confirmed = manager.put(f"{URL}/transactions/{payment.pk}/status", {"status": "succeeded"})
    assert not_confirmed.status_code == 409
    assert not_confirmed.json()["error"]["code"] == "PAYMENT_STATUS_NOT_CONFIRMED"


def test_status_correction_never_moves_backwards(localstripe, consultant, manager):
    _booking, payment = paid_booking(consultant)

    backwards = manager.put(f"{URL}/transactions/{payment.pk}/status", {"status": "processing"})
    assert backwards.status_code == 409
    assert backwards.json()["error"]["code"] == "PAYMENT_STATUS_BACKWARDS"
    same = manager.put(f"{URL}/transactions/{payment.pk}/status", {"status": "succeeded"})
    assert same.status_code == 200
    paypal = local_payment(None, provider=Provider.PAYPAL)
    refused = manager.put(f"{URL}/transactions/{paypal.pk}/status", {})
    assert refused.json()["error"]["code"] == "PAYMENT_NOT_REFRESHABLE"
    assert manager.put(f"{URL}/transactions/{payment.pk}/status", {"status": "paid"}).status_code == 422


# --- reconciliation -----------------------------------------------------------------------------


def test_reconciliation_lists_only_mismatches(localstripe, consultant, manager):
    _b1, clean = paid_booking(consultant, hour=10)
    refund_create(payment=clean, amount=Decimal("25.00"))
    _b2, drifted = paid_booking(consultant, hour=11, email="dora@example.com")
    refund_create(payment=drifted, amount=Decimal("10.00"))
    # Our records drift from Stripe's: the status, the refunded amount, a refund we never heard of.
    Payment.objects.filter(pk=drifted.pk).update(status=PaymentIntentStatus.PROCESSING, amount_refunded=Decimal("0.00"))
    Refund.objects.filter(payment=drifted).delete()
    LedgerEntry.objects.filter(payment=drifted, kind="refund").delete()
    ghost = local_payment(confirmed_booking(consultant, hour=12, email="eve@example.com"), payment_intent_id="pi_ghost")
    today = clean.created_at.date().isoformat()

    response = manager.get(f"{URL}/reconciliation", {"from": today, "to": today})

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["total_payments"], data["checked"], data["pages"]) == (3, 3, 1)
    by_pi = {p["payment_intent_id"]: {m["kind"]: m for m in p["mismatches"]} for p in data["payments"]}
    assert set(by_pi) == {drifted.payment_intent_id, "pi_ghost"}
    assert set(by_pi[drifted.payment_intent_id]) == {"status", "amount_refunded", "refund_missing_here", "ledger"}
    assert (
        by_pi[drifted.payment_intent_id]["status"]["ours"],
        by_pi[drifted.payment_intent_id]["status"]["stripe"],
    ) == (
        "processing",
        "succeeded",
    )
    assert by_pi[drifted.payment_intent_id]["amount_refunded"]["stripe"] == "10.00"
    assert set(by_pi["pi_ghost"]) == {"missing_at_stripe"}
    assert ghost.pk in [p["id"] for p in data["payments"]]
    # Our ledger lost the 10.00 refund of "drifted": 75 + 100 against Stripe's 75 + 90.
    assert data["totals"] == [{"currency": "USD", "ledger": "175.00", "stripe": "165.00", "difference": "10.00"}]

    csv_response = manager.get(f"{URL}/reconciliation", {"from": today, "to": today, "format": "csv"})
    assert csv_response["Content-Disposition"] == f'attachment; filename="reconciliation-{today}-{today}.csv"'
    assert len(csv_response.content.decode().strip().splitlines()) == 1 + 4 + 1

    page_two = manager.get(f"{URL}/reconciliation", {"from": today, "to": today, "limit": 2, "page": 2})
    assert (page_two.json()["data"]["checked"], page_two.json()["data"]["pages"]) == (1, 2)
    assert manager.get(f"{URL}/reconciliation", {"from": today, "to": today, "page": 9}).status_code == 422


# --- permissions --------------------------------------------------------------------------------


def test_each_endpoint_needs_its_permission(api_client, consultant):
    payment = local_payment(confirmed_booking(consultant))
    dispute = _dispute(payment)
    calls = [
        ("get", f"{URL}/transactions", {}),
        ("get", f"{URL}/transactions/{payment.pk}", {}),
        ("put", f"{URL}/transactions/{payment.pk}/status", {}),
        ("get", f"{URL}/refunds", {}),
        ("post", f"{URL}/refunds", {"payment_id": payment.pk}),
        ("get", f"{URL}/disputes", {}),
        ("post", f"{URL}/disputes/{dispute.pk}/resolve", {"resolution": "noted"}),
    ]
    for method, url, body in calls:
        assert getattr(api_client, method)(url, body, format="json").status_code == 401, url
    # A viewer of payments may read transactions but not refund, resolve or correct.
    api_client.force_authenticate(staff_user("payments.view_payment", "payments.view_refund", "payments.view_dispute"))
    expected = [200, 200, 403, 200, 403, 200, 403]
    got = [getattr(api_client, method)(url, body, format="json").status_code for method, url, body in calls]
    assert got == expected
    assert ConsultationBooking.objects.count() == 1
