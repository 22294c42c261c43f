"""The discount hook of ``booking_create``: bookings asks a registered provider for a discount code's
effect and never imports the app that owns the codes (``coupons`` sits above bookings).

One provider is registered at start-up (``CouponsConfig.ready()`` calls :func:`register_provider`).
Bookings calls it twice for a code:

- :meth:`DiscountProvider.quote` before the write transaction: what the code takes off the list
  price, or the code's refusal (an ``ApplicationError`` with a stable code) — no write.
- :meth:`DiscountProvider.reserve` inside the booking's own transaction, after the booking row is
  saved: counts the use against the code's limits and records it. A refusal raised there rolls the
  whole booking (the hold) back, so a booking never exists with a discount nobody reserved.

Amounts are ``Decimal`` in the booking's currency, two places; the discount never exceeds the list
price. ``funded_by`` says who pays for the discount: ``platform`` (the consultant's earnings are
computed on the list price) or ``consultant`` (on the amount charged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext_lazy as _

from .exceptions import BookingInvalid

if TYPE_CHECKING:
    from consultants.models import Consultant

    from .models import ConsultationBooking


class FundedBy:
    """Who pays for a discount (``ConsultationBooking.discount_funded_by``)."""

    PLATFORM = "platform"
    CONSULTANT = "consultant"
    CHOICES = ((PLATFORM, "Platform"), (CONSULTANT, "Consultant"))


@dataclass(frozen=True)
class DiscountRequest:
    """A code to apply to a booking being made (or held).

    ``list_amount``: the price before any discount in ``currency`` (rate × minutes / 60);
    ``client_user``: the signed-in client or ``None``; ``context``: what the visitor's request tells
    about them (``ip``, ``session_id``, ``referrer_url``, ``utm_source``, ``utm_medium``,
    ``utm_campaign``), all optional strings; ``now``: the booking's clock (aware; ``None``: now).
    """

    code: str
    consultant: Consultant
    booking_type: str
    list_amount: Decimal
    currency: str
    email: str
    client_user: Any = None
    context: dict[str, str] = field(default_factory=dict)
    now: datetime | None = None

    @classmethod
    def for_booking(
        cls, booking, *, code: str, context: dict[str, str] | None = None, now: datetime | None = None
    ) -> DiscountRequest:
        """The request for ``code`` on a booking that exists already (a hold being paid): its
        consultant, type, list price, currency and client."""
        return cls(
            code=code,
            consultant=booking.consultant,
            booking_type=booking.booking_type,
            list_amount=booking.list_amount,
            currency=booking.payment_currency,
            email=booking.client_email,
            client_user=booking.client_user,
            context=dict(context or {}),
            now=now,
        )


@dataclass(frozen=True)
class Discount:
    """A code's effect: ``amount`` off ``list_amount`` (0 ≤ amount ≤ list), ``free`` when the booking
    costs nothing afterwards (a free session), ``funded_by`` of :class:`FundedBy`, ``code`` as stored."""

    code: str
    amount: Decimal
    funded_by: str
    free: bool = False


class DiscountProvider(Protocol):
    def quote(self, request: DiscountRequest) -> Discount:
        """The code's effect on ``request`` without writing anything; raises the code's refusal."""
        ...

    def reserve(self, request: DiscountRequest, booking: ConsultationBooking) -> Discount:
        """Count one use for the saved ``booking`` inside the caller's transaction; raises the refusal."""
        ...


_provider: DiscountProvider | None = None


def register_provider(provider: DiscountProvider) -> None:
    """Install the one discount provider (called from an ``AppConfig.ready()``; a second call replaces it)."""
    global _provider
    _provider = provider


def get_provider() -> DiscountProvider:
    """The registered provider; without one a code is refused as a field error (422)."""
    if _provider is None:
        raise BookingInvalid(
            _("Discount codes are not accepted."),
            details=[{"field": "coupon_code", "message": _("Discount codes are not accepted."), "code": "invalid"}],
        )
    return _provider
