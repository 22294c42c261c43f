"""Disputes recorded from Stripe (``charge.dispute.*``), re-fetched and applied idempotently.

Money: Stripe withdraws the disputed amount when a dispute (not an inquiry, ``warning_*``) opens and
returns it when the dispute is won. The ledger gets one ``dispute`` row (−amount, source = dispute
id) for every non-inquiry dispute and one ``dispute_reversal`` (+amount) once it is won, whatever
order the events arrive in — so an open dispute holds the money back, ``won`` restores it and
``lost`` keeps it withdrawn (RELIABILITY S-8).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magnetiq.audit import log_action
from payments.exceptions import PaymentNotFound
from payments.models import Dispute, DisputeStatus, LedgerKind, Payment
from payments.stripe_gateway import DisputeInfo, get_gateway

from .ledger import ledger_record

INQUIRY_STATUSES = (
    DisputeStatus.WARNING_NEEDS_RESPONSE,
    DisputeStatus.WARNING_UNDER_REVIEW,
    DisputeStatus.WARNING_CLOSED,
)


def dispute_apply_stripe(*, info: DisputeInfo) -> Dispute:
    """Create or update the :class:`Dispute` for ``info`` (a fresh retrieve) and its ledger rows.

    Stripe's status is taken as it is (Stripe is the authority; a dispute is re-fetched, so an older
    event cannot set an older status). Raises :class:`PaymentNotFound` for an unknown charge.
    """
    with transaction.atomic():
        payment = None
        if info.payment_intent_id:
            payment = Payment.objects.select_for_update().filter(payment_intent_id=info.payment_intent_id).first()
        if payment is None and info.charge_id:
            payment = Payment.objects.select_for_update().filter(charge_id=info.charge_id).first()
        if payment is None:
            raise PaymentNotFound(_("No payment for dispute %(id)s.") % {"id": info.id})
        dispute = Dispute.objects.select_for_update().filter(dispute_id=info.id).first()
        old = dispute.status if dispute else ""
        if dispute is None:
            dispute = Dispute(payment=payment, dispute_id=info.id, created_at=info.created or timezone.now())
        dispute.charge_id = info.charge_id
        dispute.amount = info.amount
        dispute.currency = info.currency
        dispute.reason = info.reason[:50]
        dispute.status = info.status
        dispute.evidence_due_by = info.evidence_due_by
        dispute.full_clean(validate_constraints=False)
        dispute.save()
        if dispute.status != old:
            log_action(dispute, f"payments.dispute.{dispute.status}", data={"from": old, "payment": payment.pk})
        if dispute.status not in INQUIRY_STATUSES:
            ledger_record(
                kind=LedgerKind.DISPUTE,
                amount=-dispute.amount,
                currency=dispute.currency,
                source_id=dispute.dispute_id,
                occurred_at=dispute.created_at,
                booking=payment.booking,
                payment=payment,
                memo=f"Dispute {dispute.dispute_id} ({dispute.reason or 'no reason given'})",
            )
        if dispute.status == DisputeStatus.WON:
            ledger_record(
                kind=LedgerKind.DISPUTE_REVERSAL,
                amount=dispute.amount,
                currency=dispute.currency,
                source_id=dispute.dispute_id,
                occurred_at=timezone.now(),
                booking=payment.booking,
                payment=payment,
                memo=f"Dispute {dispute.dispute_id} won",
            )
    return dispute


def dispute_refresh(*, dispute_id: str) -> Dispute:
    """Re-fetch the dispute from Stripe and apply it."""
    return dispute_apply_stripe(info=get_gateway().retrieve_dispute(dispute_id))
