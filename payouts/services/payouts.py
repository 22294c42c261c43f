"""Building, executing and failing payouts; keeping the consultant's totals in step.

One core for every entry point: ``run_payouts`` (:func:`payouts_build_for_period`) and the manual
payout of the API (:func:`payout_create_manual`) both fill a payout through :func:`_payout_fill`;
the command, the admin action and the API send it through :func:`payout_execute`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import Consultant, PaymentSetupStatus
from consultants.services import consultant_set_totals
from magnetiq.audit import log_action
from payments.exceptions import PaymentProviderUnavailable, TransferFailed
from payments.models import LedgerKind, Payment, PaymentIntentStatus
from payments.services.ledger import ledger_record
from payouts.connect import connect_gateway
from payouts.exceptions import PaymentSetupIncomplete, PayoutExceedsOwed, PayoutNotPending
from payouts.models import (
    ZERO,
    ConsultantPayout,
    PayoutItem,
    PayoutKind,
    PayoutMethod,
    PayoutStatus,
)

from .earnings import (
    SessionEarning,
    cents,
    consultant_owed,
    paid_sessions,
    payout_balance,
    session_earnings,
    unpaid_sessions,
)


def _lock_consultant(consultant_id: int) -> Consultant:
    # Serialises every payout write of one consultant (two runs, a run and a manual payout).
    return Consultant.objects.select_for_update().get(pk=consultant_id)


def _payout_fill(payout: ConsultantPayout, sessions: list[SessionEarning], *, manual_amount: Decimal | None = None):
    """Add ``sessions`` as items of ``payout`` and recompute its breakdown from all its items.

    Advances: an earlier manual payout that paid ahead (a negative :func:`payout_balance`) is
    recovered from this payout's sessions, never below zero. A manual payout pays exactly
    ``manual_amount``; what it pays beyond its sessions is ``advance_paid``.
    """
    PayoutItem.objects.bulk_create(
        [
            PayoutItem(
                payout=payout,
                booking=s.booking,
                gross=s.gross,
                fee=s.fee,
                refunds=s.refunds,
                disputes=s.disputes,
                tax=s.tax,
                net=s.net,
            )
            for s in sessions
        ]
    )
    totals = payout.items.aggregate(
        gross=Sum("gross"),
        fee=Sum("fee"),
        refunds=Sum("refunds"),
        disputes=Sum("disputes"),
        tax=Sum("tax"),
        net=Sum("net"),
    )
    totals = {key: cents(value or ZERO) for key, value in totals.items()}
    advance = max(
        ZERO, -payout_balance(consultant=payout.consultant, currency=payout.currency, exclude_payout_id=payout.pk)
    )
    recovered = min(advance, totals["net"])
    paid_ahead = ZERO if manual_amount is None else manual_amount - totals["net"] + recovered
    payout.gross_earnings = totals["gross"]
    payout.platform_fee = totals["fee"]
    payout.tax_withholding = totals["tax"]
    payout.refunds_deducted = totals["refunds"]
    payout.disputes_deducted = totals["disputes"]
    payout.advance_recovered = recovered
    payout.advance_paid = paid_ahead
    payout.other_deductions = totals["refunds"] + totals["disputes"] + recovered
    payout.amount = totals["net"] - recovered + paid_ahead
    ids = list(payout.items.order_by("booking__start", "booking_id").values_list("booking_id", flat=True))
    payout.consultations_count = len(ids)
    payout.consultation_ids = ids
    payout.full_clean()
    payout.save()


@dataclass
class PeriodResult:
    """What ``run_payouts`` did for one consultant and currency: ``outcome`` is ``created``,
    ``updated`` (sessions added to a still pending payout), ``unchanged``, ``waiting`` (the
    period's payout was already sent; new sessions wait for a later period) or ``held`` (no
    payable session, only held-back ones)."""

    consultant: Consultant
    currency: str
    outcome: str
    payout: ConsultantPayout | None = None
    held_back: list[SessionEarning] = field(default_factory=list)


def payouts_build_for_period(
    *, period_start: datetime, period_end: datetime, consultant: Consultant, actor=None
) -> list[PeriodResult]:
    """Create or complete the consultant's scheduled payouts (one per currency) for the period.

    Sessions: the consultant's completed, paid sessions that started before ``period_end`` and are
    in no payout yet — the period's own plus earlier ones that were held back or completed late
    (so none is lost) — minus those held back (:mod:`.earnings`). Idempotent: a second run finds
    every session already in an item and reports ``unchanged``. Also recomputes the consultant's
    totals (:func:`consultant_totals_refresh`).
    """
    results: list[PeriodResult] = []
    with transaction.atomic():
        consultant = _lock_consultant(consultant.pk)
        earnings = session_earnings(unpaid_sessions(consultant=consultant, before=period_end))
        existing = {
            p.currency: p
            for p in ConsultantPayout.objects.filter(
                consultant=consultant,
                kind=PayoutKind.SCHEDULED,
                payout_period_start=period_start,
                payout_period_end=period_end,
            )
        }
        currencies = sorted({e.currency for e in earnings} | set(existing))
        for currency in currencies:
            mine = [e for e in earnings if e.currency == currency]
            payable = [e for e in mine if not e.held_back]
            held = [e for e in mine if e.held_back]
            payout = existing.get(currency)
            if not payable:
                results.append(PeriodResult(consultant, currency, "unchanged" if payout else "held", payout, held))
                continue
            if payout is not None and payout.status != PayoutStatus.PENDING:
                results.append(PeriodResult(consultant, currency, "waiting", payout, held))
                continue
            payout, created = ConsultantPayout.objects.get_or_create(
                consultant=consultant,
                kind=PayoutKind.SCHEDULED,
                payout_period_start=period_start,
                payout_period_end=period_end,
                currency=currency,
                defaults={
                    "payout_method": PayoutMethod.STRIPE,
                    "created_by": actor if getattr(actor, "is_authenticated", False) else None,
                },
            )
            _payout_fill(payout, payable)
            log_action(
                payout,
                "payouts.payout.created" if created else "payouts.payout.updated",
                actor=actor,
                data={"amount": str(payout.amount), "currency": currency, "bookings": [e.booking.pk for e in payable]},
            )
            results.append(PeriodResult(consultant, currency, "created" if created else "updated", payout, held))
        consultant_totals_refresh(consultant_id=consultant.pk)
    return results


def payout_create_manual(
    *, consultant_id: int, amount: Decimal, payout_method: str, notes: str = "", actor=None, currency: str | None = None
) -> ConsultantPayout:
    """A manual payout (spec 000 ``POST /admin/consultants/{id}/payouts``, ``PayoutRequest``).

    ``amount`` (> 0, in ``currency``, default the consultant's) may not exceed what is owed
    (:func:`.earnings.consultant_owed`), else :class:`PayoutExceedsOwed` (422). The payout takes
    the oldest payable sessions whose nets fit in the amount (plus any outstanding advance); the
    rest is paid ahead (``advance_paid``) and recovered from later payouts. Created ``pending``;
    send it with :func:`payout_execute`.
    """
    now = timezone.now()
    amount = Decimal(amount)
    if amount <= 0:
        raise PayoutExceedsOwed(_("The amount must be more than zero."), code="PAYOUT_AMOUNT_INVALID")
    with transaction.atomic():
        consultant = _lock_consultant(consultant_id)
        currency = (currency or consultant.currency).upper()
        owed = consultant_owed(consultant=consultant, currency=currency, now=now)
        if amount > owed:
            raise PayoutExceedsOwed(
                _("The consultant is owed %(owed)s %(currency)s; %(amount)s %(currency)s is more than that.")
                % {"owed": owed, "currency": currency, "amount": amount},
                details=[
                    {
                        "field": "amount",
                        "message": _("At most %(owed)s %(currency)s.") % {"owed": owed, "currency": currency},
                        "code": "max_value",
                    }
                ],
            )
        advance = max(ZERO, -payout_balance(consultant=consultant, currency=currency))
        budget = amount + advance
        chosen: list[SessionEarning] = []
        running = ZERO
        for session in session_earnings(unpaid_sessions(consultant=consultant, before=now)):
            if session.held_back or session.currency != currency:
                continue
            if running + session.net > budget:
                break
            chosen.append(session)
            running += session.net
        first = min(
            (s.booking.start for s in chosen), default=now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        )
        payout = ConsultantPayout(
            consultant=consultant,
            kind=PayoutKind.MANUAL,
            currency=currency,
            payout_period_start=min(first, now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)),
            payout_period_end=now,
            payout_method=payout_method,
            notes=notes,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        payout.save()
        _payout_fill(payout, chosen, manual_amount=amount)
        log_action(
            payout,
            "payouts.payout.created_manual",
            actor=actor,
            data={"amount": str(amount), "currency": currency, "method": payout_method, "owed": str(owed)},
        )
        consultant_totals_refresh(consultant_id=consultant.pk)
    return payout


def consultant_can_receive_transfers(consultant: Consultant) -> str:
    """Why the consultant cannot receive a Stripe transfer now ("" when they can)."""
    if not consultant.stripe_account_id:
        return "no Stripe account connected"
    if consultant.payment_setup_status != PaymentSetupStatus.COMPLETED:
        return f"payment set-up is {consultant.payment_setup_status}, not completed"
    if consultant.kyc_status == "rejected":
        return "KYC was rejected"
    return ""


def payout_execute(*, payout_id: int, actor=None) -> ConsultantPayout:
    """Send a pending (or processing, outcome unknown) Stripe payout as a Connect transfer.

    Steps: under a row lock check it is executable and the consultant can receive transfers
    (else :class:`PayoutNotPending` 409 / :class:`PaymentSetupIncomplete` 400, nothing sent) and
    mark it ``processing``; outside any transaction create the transfer with the idempotency key
    ``payout-<id>`` (a retry returns the same transfer); then record ``completed`` with the
    transfer id and a ``payout`` ledger entry (−amount, ``source_id`` = transfer id) — or
    ``failed`` with Stripe's reason. When Stripe cannot be reached the payout stays ``processing``
    and :class:`PaymentProviderUnavailable` (503) is raised: run it again. A zero payout (all
    recovered as advance) completes without a transfer.
    """
    with transaction.atomic():
        payout = ConsultantPayout.objects.select_for_update().select_related("consultant").get(pk=payout_id)
        if payout.status not in (PayoutStatus.PENDING, PayoutStatus.PROCESSING):
            raise PayoutNotPending(_("Payout #%(pk)s is %(status)s.") % {"pk": payout.pk, "status": payout.status})
        if payout.payout_method != PayoutMethod.STRIPE:
            raise PayoutNotPending(
                _("Payout #%(pk)s is paid by %(payout_method)s; only Stripe payouts are sent from here.")
                % {"pk": payout.pk, "payout_method": payout.payout_method},
                code="PAYOUT_METHOD_NOT_AUTOMATED",
            )
        reason = consultant_can_receive_transfers(payout.consultant)
        if reason:
            raise PaymentSetupIncomplete(_("Payment account setup required: %(reason)s.") % {"reason": reason})
        now = timezone.now()
        if payout.amount == 0:
            payout.status = PayoutStatus.COMPLETED
            payout.processed_date = now
            payout.save(update_fields=["status", "processed_date", "updated_at"])
            log_action(payout, "payouts.payout.completed", actor=actor, data={"amount": "0.00", "transfer": None})
            return payout
        if payout.status == PayoutStatus.PENDING:
            payout.status = PayoutStatus.PROCESSING
            payout.save(update_fields=["status", "updated_at"])
            log_action(payout, "payouts.payout.processing", actor=actor)
    destination = payout.consultant.stripe_account_id
    try:
        transfer = connect_gateway().create_transfer(
            amount=payout.amount,
            currency=payout.currency,
            destination=destination,
            idempotency_key=payout.idempotency_key,
            transfer_group=f"payout-{payout.pk}",
            metadata={"payout_id": str(payout.pk), "consultant_id": str(payout.consultant_id)},
        )
    except TransferFailed as exc:
        with transaction.atomic():
            payout = ConsultantPayout.objects.select_for_update().get(pk=payout.pk)
            payout.status = PayoutStatus.FAILED
            payout.processed_date = timezone.now()
            payout.failure_reason = f"{exc.stripe_code}: {exc.message}" if exc.stripe_code else str(exc.message)
            payout.save(update_fields=["status", "processed_date", "failure_reason", "updated_at"])
            log_action(payout, "payouts.payout.failed", actor=actor, data={"reason": payout.failure_reason})
        return payout
    except PaymentProviderUnavailable:
        raise
    with transaction.atomic():
        payout = ConsultantPayout.objects.select_for_update().select_related("consultant").get(pk=payout.pk)
        if payout.status == PayoutStatus.COMPLETED:
            return payout  # a racing call recorded it first (same key → same transfer)
        payout.status = PayoutStatus.COMPLETED
        payout.external_payout_id = transfer.id
        payout.processed_date = timezone.now()
        payout.failure_reason = ""
        payout.save(update_fields=["status", "external_payout_id", "processed_date", "failure_reason", "updated_at"])
        ledger_record(
            kind=LedgerKind.PAYOUT,
            amount=-payout.amount,
            currency=payout.currency,
            source_id=transfer.id,
            occurred_at=transfer.created or payout.processed_date,
            consultant=payout.consultant,
            memo=f"Payout #{payout.pk} to {destination}",
        )
        log_action(
            payout,
            "payouts.payout.completed",
            actor=actor,
            data={"amount": str(payout.amount), "transfer": transfer.id, "destination": destination},
        )
    return payout


def payout_mark_failed(*, payout_id: int, reason: str, actor=None) -> ConsultantPayout:
    """Staff give up on a pending payout (nothing was sent). Its sessions stay in its items and
    count as owed again, so a manual payout can pay them. :class:`PayoutNotPending` otherwise."""
    with transaction.atomic():
        payout = ConsultantPayout.objects.select_for_update().get(pk=payout_id)
        if payout.status != PayoutStatus.PENDING:
            raise PayoutNotPending(
                _("Payout #%(pk)s is %(status)s; only a pending payout can be marked failed.")
                % {"pk": payout.pk, "status": payout.status}
            )
        payout.status = PayoutStatus.FAILED
        payout.failure_reason = reason or "Marked failed by staff."
        payout.processed_date = timezone.now()
        payout.save(update_fields=["status", "failure_reason", "processed_date", "updated_at"])
        log_action(payout, "payouts.payout.failed", actor=actor, data={"reason": payout.failure_reason})
    return payout


def consultant_totals_refresh(*, consultant_id: int) -> Consultant:
    """Recompute ``total_consultations`` (completed sessions with a succeeded payment) and
    ``total_revenue`` (their payments minus refunds, in the consultant's currency) from the rows,
    never by incrementing, so a repeated run cannot drift."""
    consultant = Consultant.objects.get(pk=consultant_id)
    sessions = paid_sessions().filter(consultant_id=consultant_id)
    count = sessions.count()
    revenue = (
        Payment.objects.filter(
            booking__in=sessions.values("pk"), status=PaymentIntentStatus.SUCCEEDED, currency=consultant.currency
        ).aggregate(total=Sum(F("amount") - F("amount_refunded")))["total"]
        or ZERO
    )
    consultant_set_totals(consultant=consultant, total_consultations=count, total_revenue=revenue)
    return consultant
