"""The ledger: every money movement once (``LedgerEntry``, unique per ``(kind, source_id)``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from payments.models import LEDGER_SIGNS, LedgerEntry


def ledger_record(
    *,
    kind: str,
    amount: Decimal,
    currency: str,
    source_id: str,
    occurred_at: datetime,
    booking=None,
    consultant=None,
    payment=None,
    memo: str = "",
) -> LedgerEntry:
    """Record one money movement, or return the row already recorded for ``(kind, source_id)``.

    ``amount`` is signed from the platform's point of view (+ in, − out); pass it with the sign of
    :data:`payments.models.LEDGER_SIGNS` (``payment`` +150.00, ``fee`` −4.65, ``refund`` −50.00,
    ``payout`` −120.00; a zero fee is allowed). ``source_id`` is the provider object behind the
    movement (charge, balance transaction, refund, dispute, transfer id). Idempotent and safe under
    concurrency: a second call (or a racing one) returns the existing row unchanged, even if its
    other arguments differ. When ``consultant`` is not given it is taken from ``booking``. Raises
    ``ValueError`` for an unknown kind and Django's ``ValidationError`` for a wrong sign or currency.
    """
    if kind not in LEDGER_SIGNS:
        raise ValueError(f"Unknown ledger kind {kind!r}.")
    existing = LedgerEntry.objects.filter(kind=kind, source_id=source_id).first()
    if existing is not None:
        return existing
    if consultant is None and booking is not None:
        consultant = booking.consultant
    entry = LedgerEntry(
        kind=kind,
        amount=Decimal(amount).quantize(Decimal("0.01")),
        currency=currency.upper(),
        source_id=source_id,
        occurred_at=occurred_at,
        booking=booking,
        consultant=consultant,
        payment=payment,
        memo=memo[:300],
    )
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return LedgerEntry.objects.get(kind=kind, source_id=source_id)
    return entry
