"""Every write to bookings: create, confirm, cancel, reschedule, complete, no-show, staff status.

One consultant, one time (RELIABILITY C-1…C-4, docs/reliability.md): every service that takes a time
runs inside ``transaction.atomic()``, first locks the consultant row (``select_for_update``: real on
PostgreSQL; on SQLite the IMMEDIATE transaction already serialises writers), frees expired holds of
that consultant, re-checks the time with :func:`bookings.availability.consultant_has_free_slot` and
only then writes. The partial unique constraint ``booking_one_active_per_start`` (and, on PostgreSQL,
the exclusion constraint ``booking_no_active_overlap`` against overlapping times, C-5) is the last
line: its ``IntegrityError`` becomes :class:`BookingUnavailable` (409) like a failed re-check, raised
after the ``atomic`` block has rolled back, so the caller's connection stays usable.

Policy (spec 004 "Cancel Session"): a guest — anyone who is neither staff holding
``bookings.change_consultationbooking`` nor the consultant's own user — may cancel or reschedule
until ``GUEST_CHANGE_CUTOFF_HOURS`` (24) before the start; later → :class:`BookingPolicyWindowClosed`.

Each state change writes a :class:`BookingChange`, an audit entry (``log_action``) and, after
commit, a signal of ``bookings.signals``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import Consultant
from content.portable_text import validate_blocks
from magnetiq.audit import log_action
from magnetiq.exceptions import NotFound
from magnetiq.timezones import is_known_timezone
from magnetiq.translation import LANGUAGE_CODES

from . import conf, discounts, signals
from .availability import consultant_has_free_slot, duration_for
from .exceptions import (
    BookingInvalid,
    BookingPaymentRequired,
    BookingPolicyWindowClosed,
    BookingStateConflict,
    BookingUnavailable,
)
from .models import (
    AvailabilityOverride,
    AvailabilityRule,
    BookingChange,
    BookingChangeKind,
    BookingPaymentStatus,
    BookingStatus,
    CancelledBy,
    ConsultationBooking,
    MeetingPlatform,
    OverrideKind,
    Weekday,
)

if TYPE_CHECKING:
    from magnetiq.exceptions import Message

MAX_MESSAGE_CHARS = 5000
MAX_QUESTIONS = 20
MAX_QUESTION_CHARS = 1000


# --- helpers ------------------------------------------------------------------------------------


def _invalid(field: str, message: Message, code: str = "invalid") -> BookingInvalid:
    return BookingInvalid(message, details=[{"field": field, "message": message, "code": code}])


def message_to_blocks(value: Any, *, language: str = "en") -> list[dict]:
    """The client's message as Portable Text blocks.

    Accepts nothing (→ ``[]``), plain text (one paragraph per blank-line separated part), a list
    of blocks (validated) or spec 000's ``{"en": [blocks], "de": [...]}`` (the entry of
    ``language``, else ``en``, else the first). Raises :class:`BookingInvalid` or
    ``PortableTextError`` (422).
    """
    if value in (None, "", [], {}):
        return []
    if isinstance(value, str):
        if len(value) > MAX_MESSAGE_CHARS:
            raise _invalid(
                "client_message", _("At most %(limit)s characters.") % {"limit": MAX_MESSAGE_CHARS}, "max_length"
            )
        paragraphs = [part.strip() for part in value.replace("\r\n", "\n").split("\n\n") if part.strip()]
        return [
            {
                "_type": "block",
                "style": "normal",
                "markDefs": [],
                "children": [{"_type": "span", "text": p, "marks": []}],
            }
            for p in paragraphs
        ]
    if isinstance(value, dict):
        picked = value.get(language, value.get("en", next(iter(value.values()))))
        return message_to_blocks(picked, language=language) if isinstance(picked, str) else _checked_blocks(picked)
    return _checked_blocks(value)


def _checked_blocks(value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise _invalid("client_message", _("Send plain text or a list of Portable Text blocks."))
    validate_blocks(value, field="client_message")
    return value


def _clean_questions(questions: Any) -> list[str]:
    if questions in (None, ""):
        return []
    if isinstance(questions, str):
        questions = [questions]
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise _invalid("questions", _("Questions are a list of texts."))
    cleaned = [q.strip() for q in questions if q.strip()]
    if len(cleaned) > MAX_QUESTIONS:
        raise _invalid("questions", _("At most %(limit)s questions.") % {"limit": MAX_QUESTIONS}, "max_length")
    if any(len(q) > MAX_QUESTION_CHARS for q in cleaned):
        raise _invalid(
            "questions",
            _("A question has at most %(limit)s characters.") % {"limit": MAX_QUESTION_CHARS},
            "max_length",
        )
    return cleaned


def _check_timezone(name: str) -> str:
    if not is_known_timezone(name):
        raise _invalid(
            "timezone", _("“%(name)s” is not a known time zone; use an IANA name like Europe/Berlin.") % {"name": name}
        )
    return name


def booking_price(*, consultant: Consultant, booking_type: str, duration_minutes: int) -> Decimal:
    """What the booking costs in ``consultant.currency``: hourly rate × minutes / 60, two places;
    ``0.00`` when the consultant has no rate or the type is in ``FREE_BOOKING_TYPES``."""
    rate = consultant.hourly_rate
    if not rate or booking_type in conf.get("FREE_BOOKING_TYPES"):
        return Decimal("0.00")
    return (rate * duration_minutes / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def actor_is_privileged(actor, booking: ConsultationBooking) -> bool:
    """Staff allowed to change bookings, or the booking's consultant: not bound by the 24 h rule."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.has_perm("bookings.change_consultationbooking"):
        return True
    return bool(booking.consultant.user_id and booking.consultant.user_id == actor.pk)


def _cancelled_by(actor, booking: ConsultationBooking) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        if booking.consultant.user_id and booking.consultant.user_id == actor.pk:
            return CancelledBy.CONSULTANT
        if actor.has_perm("bookings.change_consultationbooking"):
            return CancelledBy.STAFF
    return CancelledBy.CLIENT


def booking_can_change(booking: ConsultationBooking, *, actor=None, now: datetime | None = None) -> bool:
    """Whether ``actor`` (None: an anonymous guest) may still cancel or reschedule ``booking``:
    it is active, and the actor is privileged or the start is at least 24 h away."""
    if not booking.is_active:
        return False
    if actor_is_privileged(actor, booking):
        return True
    return booking.guest_may_change_at(now or timezone.now())


def _check_guest_window(booking: ConsultationBooking, actor, now: datetime) -> None:
    if actor_is_privileged(actor, booking):
        return
    if not booking.guest_may_change_at(now):
        raise BookingPolicyWindowClosed()


def _lock_consultant(consultant_id: int) -> Consultant:
    """Lock the consultant row for the rest of the transaction (the booking mutex)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The consultant lock must be taken inside transaction.atomic().")
    return Consultant.objects.select_for_update().get(pk=consultant_id)


def _lock_booking(booking: ConsultationBooking) -> ConsultationBooking:
    return ConsultationBooking.objects.select_for_update().select_related("consultant").get(pk=booking.pk)


def _record(booking, kind, *, actor=None, old_status="", old_start=None, old_end=None, note="", now=None):
    BookingChange.objects.create(
        booking=booking,
        kind=kind,
        old_status=old_status,
        new_status=booking.status,
        old_start=old_start,
        old_end=old_end,
        new_start=booking.start,
        new_end=booking.end,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        created_at=now or timezone.now(),
    )


def _expire(booking: ConsultationBooking, now: datetime) -> None:
    """Turn one locked, expired hold into a cancelled booking (frees its slot)."""
    old_status = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = CancelledBy.SYSTEM
    booking.cancellation_reason = "The payment hold expired."
    booking.sequence += 1
    booking.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "sequence", "updated_at"]
    )
    _record(booking, BookingChangeKind.HOLD_EXPIRED, old_status=old_status, now=now)
    log_action(booking, "bookings.booking.hold_expired", data={"reference": booking.reference})
    signals.send_after_commit(signals.booking_hold_expired, ConsultationBooking, booking_id=booking.pk)


def _release_expired_for(consultant_id: int, now: datetime, *, keep_pk: int | None = None) -> int:
    """Expire the lapsed holds of one (locked) consultant, except ``keep_pk``."""
    expired = ConsultationBooking.objects.expired_holds(now).filter(consultant_id=consultant_id).exclude(pk=keep_pk)
    count = 0
    for booking in expired.select_for_update():
        _expire(booking, now)
        count += 1
    return count


# --- services -----------------------------------------------------------------------------------


def booking_create(
    *,
    consultant: Consultant,
    start: datetime,
    client_name: str,
    client_email: str,
    booking_type: str = "30for30",
    duration_minutes: int | None = None,
    visitor_timezone: str = "UTC",
    language: str = "en",
    client_phone: str = "",
    client_company: str = "",
    client_message: Any = None,
    questions: Any = None,
    meeting_platform: str = MeetingPlatform.MANUAL,
    client_user=None,
    paper_id: str = "",
    coupon_code: str = "",
    coupon_context: dict[str, str] | None = None,
    created_by_staff=None,
    hold_until: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> ConsultationBooking:
    """Book ``start`` (aware) with a public consultant.

    Free bookings (no rate, or a free type) are ``confirmed`` at once and send
    ``booking_confirmed``; priced ones are ``pending_payment`` with ``hold_expires_at = now +
    HOLD_MINUTES`` and ``payment_amount = rate × minutes / 60`` in the consultant's currency.
    ``client_message``: plain text, Portable Text blocks or ``{"en": blocks}``; ``questions``: a
    list of texts. Raises :class:`NotFound` (consultant not public), :class:`BookingInvalid` /
    ``PortableTextError`` (422), :class:`BookingUnavailable` (409: not a free slot, or lost a race).

    A time an active booking already covers is refused before the write transaction (one read); the
    booking is built and validated before it too, so the locked part only checks the time and writes.

    ``coupon_code``: a discount code, applied through the registered provider of
    :mod:`bookings.discounts` (its refusal is raised with the provider's stable code before anything is
    written); the use is reserved inside this booking's transaction, so a refusal there rolls the hold
    back. ``payment_amount`` is then the amount charged, ``discount_amount`` what the code took off;
    a booking the code makes free is confirmed at once. ``coupon_context``: the visitor's ``ip``,
    ``session_id``, ``referrer_url`` and ``utm_*`` for the provider's records.

    ``created_by_staff``: the staff member booking for the client (kept on the booking);
    ``hold_until``: when a priced booking's hold ends instead of ``now + HOLD_MINUTES`` (aware, after
    ``now``) — both set by :func:`booking_create_for_client`.
    """
    now = now or timezone.now()
    if hold_until is not None and (hold_until.tzinfo is None or hold_until <= now):
        raise _invalid("hold_until", _("The hold must end after now."))
    if not consultant.is_public:
        raise NotFound(_("No such consultant."))
    minutes = duration_for(booking_type, duration_minutes)
    if start.tzinfo is None:
        raise _invalid("scheduled_date", _("Give the time with a UTC offset or Z."))
    if language not in LANGUAGE_CODES:
        raise _invalid("language", _("Use one of %(languages)s.") % {"languages": ", ".join(LANGUAGE_CODES)})
    if meeting_platform not in MeetingPlatform.values:
        raise _invalid(
            "meeting_platform", _("Use one of %(choices)s.") % {"choices": ", ".join(MeetingPlatform.values)}
        )
    _check_timezone(visitor_timezone)
    blocks = message_to_blocks(client_message, language=language)
    cleaned_questions = _clean_questions(questions)
    start = start.astimezone(UTC)
    list_amount = booking_price(consultant=consultant, booking_type=booking_type, duration_minutes=minutes)
    discount_request = discount = None
    code = (coupon_code or "").strip()
    if code:
        discount_request = discounts.DiscountRequest(
            code=code,
            consultant=consultant,
            booking_type=booking_type,
            list_amount=list_amount,
            currency=consultant.currency,
            email=(client_email or "").strip().lower(),
            client_user=client_user if getattr(client_user, "is_authenticated", False) else None,
            context=dict(coupon_context or {}),
            now=now,
        )
        discount = discounts.get_provider().quote(discount_request)
    amount = list_amount - discount.amount if discount else list_amount
    free = amount == 0
    # A time an active booking already covers is refused by one read, without queueing for the
    # write lock (on SQLite every writer waits for the one before): the losers of a race for one
    # slot. Only the full check under the lock below decides that a time is free; the unique
    # constraint stays the last line.
    end = start + timedelta(minutes=minutes)
    if ConsultationBooking.objects.active(now).filter(consultant=consultant).overlapping(start, end).exists():
        raise BookingUnavailable()
    booking = ConsultationBooking(
        consultant=consultant,
        client_user=client_user if getattr(client_user, "is_authenticated", False) else None,
        created_by_staff=created_by_staff if getattr(created_by_staff, "is_authenticated", False) else None,
        booking_type=booking_type,
        start=start,
        end=end,
        duration_minutes=minutes,
        timezone=visitor_timezone,
        language=language,
        client_name=(client_name or "").strip(),
        client_email=(client_email or "").strip().lower(),
        client_phone=(client_phone or "").strip(),
        client_company=(client_company or "").strip(),
        client_message=blocks,
        questions=cleaned_questions,
        paper_id=paper_id or "",
        meeting_platform=meeting_platform,
        payment_amount=amount,
        payment_currency=consultant.currency,
        discount_amount=discount.amount if discount else Decimal("0.00"),
        discount_code=discount.code if discount else "",
        discount_funded_by=discount.funded_by if discount else "",
        payment_status=BookingPaymentStatus.NOT_REQUIRED if free else BookingPaymentStatus.PENDING,
        status=BookingStatus.CONFIRMED if free else BookingStatus.PENDING_PAYMENT,
        confirmed_at=now if free else None,
        hold_expires_at=None if free else (hold_until or now + timedelta(minutes=conf.get("HOLD_MINUTES"))),
    )
    booking.full_clean(validate_constraints=False)

    try:
        with transaction.atomic():
            locked = _lock_consultant(consultant.pk)
            _release_expired_for(locked.pk, now)
            if not consultant_has_free_slot(consultant=locked, start=start, duration_minutes=minutes, now=now):
                raise BookingUnavailable()
            booking.consultant = locked
            booking.save()
            if discount_request is not None:
                reserved = discounts.get_provider().reserve(discount_request, booking)
                if reserved != discount:
                    # The code changed between the quote and the reservation (staff edited it).
                    raise BookingStateConflict(
                        _("The discount code changed while you were booking; please try again."),
                        code="DISCOUNT_CHANGED",
                    )
            _record(booking, BookingChangeKind.CREATED, actor=actor, now=now)
            log_action(
                booking,
                "bookings.booking.created",
                actor=actor,
                data={"reference": booking.reference, "status": booking.status, "start": start.isoformat()},
            )
            if free:
                signals.send_after_commit(signals.booking_confirmed, ConsultationBooking, booking_id=booking.pk)
    except IntegrityError:
        raise BookingUnavailable() from None
    return booking


def booking_apply_discount(
    *,
    booking: ConsultationBooking,
    coupon_code: str,
    coupon_context: dict[str, str] | None = None,
    now: datetime | None = None,
) -> ConsultationBooking:
    """Apply a discount code to a booking that is still held for payment (spec 000
    ``POST /public/coupons/apply``, the payment page).

    Only a ``pending_payment`` booking with an unexpired hold, no code yet and no PaymentIntent
    started (its amount would no longer match) takes a code; else :class:`BookingStateConflict`
    (409 ``DISCOUNT_NOT_APPLICABLE``). The provider of :mod:`bookings.discounts` reserves the use in
    this transaction (its refusal is raised, nothing changes); ``payment_amount`` becomes the
    discounted amount. A code that makes the booking free confirms it (``booking_confirmed``).
    """
    now = now or timezone.now()
    code = (coupon_code or "").strip()
    if not code:
        raise _invalid("coupon_code", _("Enter a discount code."), "required")
    with transaction.atomic():
        booking = _lock_booking(booking)
        if (
            booking.status != BookingStatus.PENDING_PAYMENT
            or booking.hold_expires_at is None
            or booking.hold_expires_at <= now
            or booking.discount_code
            or booking.payment_intent_id
        ):
            raise BookingStateConflict(
                _("A discount code can only be added to a held booking before its payment starts."),
                code="DISCOUNT_NOT_APPLICABLE",
            )
        request = discounts.DiscountRequest.for_booking(booking, code=code, context=coupon_context, now=now)
        discount = discounts.get_provider().reserve(request, booking)
        old_status = booking.status
        booking.discount_amount = discount.amount
        booking.discount_code = discount.code
        booking.discount_funded_by = discount.funded_by
        booking.payment_amount = request.list_amount - discount.amount
        if booking.payment_amount == 0:
            booking.status = BookingStatus.CONFIRMED
            booking.payment_status = BookingPaymentStatus.NOT_REQUIRED
            booking.confirmed_at = now
            booking.hold_expires_at = None
            booking.sequence += 1
        booking.save()
        log_action(
            booking,
            "bookings.booking.discount_applied",
            data={"reference": booking.reference, "code": discount.code, "discount": str(discount.amount)},
        )
        if booking.status == BookingStatus.CONFIRMED:
            _record(booking, BookingChangeKind.CONFIRMED, old_status=old_status, note="Free with a code.", now=now)
            signals.send_after_commit(signals.booking_confirmed, ConsultationBooking, booking_id=booking.pk)
    return booking


def booking_create_for_client(
    *, staff, start: datetime, now: datetime | None = None, **fields: Any
) -> ConsultationBooking:
    """Book for a client on their behalf (a phone booking), through :func:`booking_create`: the same
    slot rules, the same 409 :class:`BookingUnavailable`, the same e-mails.

    ``staff``: the signed-in staff member (holding ``bookings.add_consultationbooking``, checked by
    the API and the admin); recorded as the booking's ``created_by_staff``, as the actor of its
    ``created`` history entry and in the audit log. ``fields``: the client and session arguments of
    :func:`booking_create` (``consultant``, ``client_name``, ``client_email``, ``booking_type``, …;
    no ``client_user``: the client is not the one signed in). A free session is confirmed at once
    (confirmation e-mail); a priced one is held for ``STAFF_HOLD_HOURS`` (48, never past the start)
    and, after commit, :data:`signals.booking_payment_requested` e-mails the client the payment link:
    the client pays online like any visitor, so the payment, the ledger and the reports are the usual
    ones. Raises what :func:`booking_create` raises.
    """
    now = now or timezone.now()
    # A time in the past (or without an offset) gets the usual refusal from booking_create.
    hold_until = (
        min(now + timedelta(hours=conf.get("STAFF_HOLD_HOURS")), start) if start.tzinfo and start > now else None
    )
    booking = booking_create(start=start, created_by_staff=staff, hold_until=hold_until, actor=staff, now=now, **fields)
    if booking.status == BookingStatus.PENDING_PAYMENT:
        signals.send_after_commit(signals.booking_payment_requested, ConsultationBooking, booking_id=booking.pk)
    return booking


def booking_confirm(
    *,
    booking: ConsultationBooking,
    payment_intent_id: str | None = None,
    actor=None,
    now: datetime | None = None,
) -> ConsultationBooking:
    """Confirm a ``pending_payment`` booking (called by payments once paid, or by staff).

    Re-checks the time under the consultant lock: an unexpired hold still owns it; an expired one
    (not yet released) is confirmed only if the time is still free. A hold already released by
    expiry (cancelled by ``system``, unpaid) is revived the same way when ``payment_intent_id`` is
    given — a succeeded payment that arrived late ("confirms the booking if the time is
    still free"). Confirming a confirmed booking returns it unchanged (idempotent). Raises
    :class:`BookingStateConflict` (cancelled by a person, completed, …, or an expired hold without a
    payment: payments must refund) or :class:`BookingUnavailable` (the time is taken meanwhile).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _lock_consultant(booking.consultant_id)
            booking = _lock_booking(booking)
            if booking.status == BookingStatus.CONFIRMED:
                return booking
            if booking.status != BookingStatus.PENDING_PAYMENT and not (
                payment_intent_id and booking_revivable_by_payment(booking)
            ):
                raise BookingStateConflict(
                    _("A %(status)s booking cannot be confirmed.") % {"status": booking.get_status_display().lower()}
                )
            _release_expired_for(booking.consultant_id, now, keep_pk=booking.pk)
            if not consultant_has_free_slot(
                consultant=booking.consultant,
                start=booking.start,
                duration_minutes=booking.duration_minutes,
                now=now,
                exclude_booking_id=booking.pk,
                check_notice=False,
            ):
                raise BookingUnavailable()
            old_status = booking.status
            revived = old_status == BookingStatus.CANCELLED
            booking.status = BookingStatus.CONFIRMED
            booking.confirmed_at = now
            booking.hold_expires_at = None
            if revived:
                booking.cancelled_at = None
                booking.cancelled_by = ""
                booking.cancellation_reason = ""
            if payment_intent_id:
                booking.payment_intent_id = payment_intent_id
            booking.payment_status = (
                BookingPaymentStatus.COMPLETED if booking.payment_amount else BookingPaymentStatus.NOT_REQUIRED
            )
            booking.sequence += 1
            booking.save()
            _record(
                booking,
                BookingChangeKind.CONFIRMED,
                actor=actor,
                old_status=old_status,
                note="Paid after the hold expired; the time was still free." if revived else "",
                now=now,
            )
            log_action(
                booking,
                "bookings.booking.confirmed",
                actor=actor,
                data={"reference": booking.reference, "payment_intent_id": payment_intent_id, "revived": revived},
            )
            signals.send_after_commit(signals.booking_confirmed, ConsultationBooking, booking_id=booking.pk)
    except IntegrityError:
        raise BookingUnavailable() from None
    return booking


def booking_revivable_by_payment(booking: ConsultationBooking) -> bool:
    """Whether ``booking`` was cancelled only because its payment hold expired (by ``system``, still
    unpaid): a payment that succeeds afterwards may take the time back if it is free. A booking
    cancelled by the client, the consultant or staff is never revived (its payment is refunded)."""
    return (
        booking.status == BookingStatus.CANCELLED
        and booking.cancelled_by == CancelledBy.SYSTEM
        and booking.payment_amount > 0
        and booking.payment_status in (BookingPaymentStatus.PENDING, BookingPaymentStatus.FAILED)
    )


def booking_expire_hold(*, booking: ConsultationBooking, now: datetime | None = None) -> bool:
    """Release one booking's hold if it is ``pending_payment`` and expired; ``True`` if released."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking)
        # ``booking_pending_has_hold`` gives every pending booking a hold expiry; the None test narrows the type.
        if booking.status != BookingStatus.PENDING_PAYMENT or booking.hold_expires_at is None:
            return False
        if booking.hold_expires_at > now:
            return False
        _expire(booking, now)
        return True


def bookings_release_expired_holds(*, now: datetime | None = None) -> int:
    """Expire every lapsed hold (status → ``cancelled``, by ``system``); returns how many.

    Idempotent and safe next to live traffic: each hold is re-read under its row lock, so a booking
    confirmed in the meantime is left alone. Run by ``manage.py release_expired_holds`` and the task.
    """
    now = now or timezone.now()
    count = 0
    for booking in ConsultationBooking.objects.expired_holds(now).only("pk").order_by("pk"):
        count += booking_expire_hold(booking=booking, now=now)
    return count


def booking_cancel(
    *,
    booking: ConsultationBooking,
    actor=None,
    reason: str = "",
    now: datetime | None = None,
) -> ConsultationBooking:
    """Cancel an active booking and free its time.

    A guest (``actor`` None, or a client) may cancel until 24 h before the start, staff and the
    consultant at any time. Raises :class:`BookingPolicyWindowClosed` (400) and
    :class:`BookingStateConflict` (409: already cancelled, completed or no-show).
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status not in (BookingStatus.PENDING_PAYMENT, BookingStatus.CONFIRMED):
            raise BookingStateConflict(
                _("A %(status)s booking cannot be cancelled.") % {"status": booking.get_status_display().lower()}
            )
        _check_guest_window(booking, actor, now)
        old_status = booking.status
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = _cancelled_by(actor, booking)
        booking.cancellation_reason = (reason or "").strip()[:2000]
        booking.sequence += 1
        booking.save()
        _record(
            booking,
            BookingChangeKind.CANCELLED,
            actor=actor,
            old_status=old_status,
            note=booking.cancellation_reason,
            now=now,
        )
        log_action(
            booking,
            "bookings.booking.cancelled",
            actor=actor,
            data={"reference": booking.reference, "by": booking.cancelled_by, "old_status": old_status},
        )
        signals.send_after_commit(
            signals.booking_cancelled, ConsultationBooking, booking_id=booking.pk, cancelled_by=booking.cancelled_by
        )
    return booking


def booking_reschedule(
    *,
    booking: ConsultationBooking,
    new_start: datetime,
    actor=None,
    now: datetime | None = None,
) -> ConsultationBooking:
    """Move an active booking to ``new_start`` (same duration) in one transaction.

    The new time is checked under the consultant lock and taken; the old one is freed by the same
    update. ``sequence`` and ``reschedule_count`` go up (manage links keep working), the sent
    reminders are reset. Guests until 24 h before the *current* start. Raises
    :class:`BookingPolicyWindowClosed`, :class:`BookingStateConflict` (not active),
    :class:`BookingInvalid` (same time, naive time), :class:`BookingUnavailable` (time not free).
    Nothing changes when it raises.
    """
    now = now or timezone.now()
    if new_start.tzinfo is None:
        raise _invalid("scheduled_date", _("Give the time with a UTC offset or Z."))
    try:
        with transaction.atomic():
            _lock_consultant(booking.consultant_id)
            booking = _lock_booking(booking)
            if not booking.is_active:
                raise BookingStateConflict(
                    _("A %(status)s booking cannot be rescheduled.") % {"status": booking.get_status_display().lower()},
                    code="BOOKING_NOT_RESCHEDULABLE",
                )
            _check_guest_window(booking, actor, now)
            if new_start == booking.start:
                raise _invalid("scheduled_date", _("The booking is already at this time."), "unchanged")
            _release_expired_for(booking.consultant_id, now, keep_pk=booking.pk)
            if not consultant_has_free_slot(
                consultant=booking.consultant,
                start=new_start,
                duration_minutes=booking.duration_minutes,
                now=now,
                exclude_booking_id=booking.pk,
            ):
                raise BookingUnavailable()
            old_start, old_end = booking.start, booking.end
            booking.start = new_start.astimezone(UTC)
            booking.end = booking.start + timedelta(minutes=booking.duration_minutes)
            booking.sequence += 1
            booking.reschedule_count += 1
            booking.reminder_24h_sent_at = None
            booking.reminder_1h_sent_at = None
            booking.attendance_confirmed_at = None
            booking.save()
            _record(
                booking,
                BookingChangeKind.RESCHEDULED,
                actor=actor,
                old_status=booking.status,
                old_start=old_start,
                old_end=old_end,
                now=now,
            )
            log_action(
                booking,
                "bookings.booking.rescheduled",
                actor=actor,
                data={
                    "reference": booking.reference,
                    "old_start": old_start.isoformat(),
                    "new_start": booking.start.isoformat(),
                },
            )
            signals.send_after_commit(
                signals.booking_rescheduled,
                ConsultationBooking,
                booking_id=booking.pk,
                previous_start=old_start,
                previous_end=old_end,
            )
    except IntegrityError:
        raise BookingUnavailable() from None
    return booking


def _finish(booking, *, status, kind, action, actor, now, allow_before_start=False):
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status == status:
            return booking
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingStateConflict(
                _("Only a confirmed booking can become %(label)s; this one is %(status)s.")
                % {"label": status.label.lower(), "status": booking.get_status_display().lower()}
            )
        if not allow_before_start and now < booking.start:
            raise BookingStateConflict(_("The meeting has not started yet."), code="BOOKING_NOT_STARTED")
        old_status = booking.status
        booking.status = status
        if status == BookingStatus.COMPLETED:
            booking.completed_at = now
        booking.sequence += 1
        booking.save()
        _record(booking, kind, actor=actor, old_status=old_status, now=now)
        log_action(booking, action, actor=actor, data={"reference": booking.reference})
        if status == BookingStatus.COMPLETED:
            signals.send_after_commit(signals.booking_completed, ConsultationBooking, booking_id=booking.pk)
    return booking


def booking_complete(*, booking: ConsultationBooking, actor=None, now: datetime | None = None) -> ConsultationBooking:
    """Mark a confirmed booking whose start has passed as ``completed`` (idempotent).
    Raises :class:`BookingStateConflict` (not confirmed, or not started yet)."""
    return _finish(
        booking,
        status=BookingStatus.COMPLETED,
        kind=BookingChangeKind.COMPLETED,
        action="bookings.booking.completed",
        actor=actor,
        now=now or timezone.now(),
    )


def booking_mark_no_show(
    *, booking: ConsultationBooking, actor=None, now: datetime | None = None
) -> ConsultationBooking:
    """Mark a confirmed booking whose start has passed as ``no_show`` (idempotent).
    Raises :class:`BookingStateConflict` (not confirmed, or not started yet)."""
    return _finish(
        booking,
        status=BookingStatus.NO_SHOW,
        kind=BookingChangeKind.NO_SHOW,
        action="bookings.booking.no_show",
        actor=actor,
        now=now or timezone.now(),
    )


def booking_confirm_attendance(*, booking: ConsultationBooking, now: datetime | None = None) -> ConsultationBooking:
    """The visitor confirms they will attend (spec 000 ``POST /public/bookings/{id}/confirm``).

    Idempotent for a confirmed booking; :class:`BookingPaymentRequired` (400) while it waits for
    payment (a visitor cannot skip paying, RELIABILITY C-12); :class:`BookingStateConflict` otherwise.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status == BookingStatus.PENDING_PAYMENT:
            raise BookingPaymentRequired()
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingStateConflict(
                _("A %(status)s booking cannot be confirmed.") % {"status": booking.get_status_display().lower()}
            )
        if booking.attendance_confirmed_at is None:
            booking.attendance_confirmed_at = now
            booking.save(update_fields=["attendance_confirmed_at", "updated_at"])
            log_action(booking, "bookings.booking.attendance_confirmed", data={"reference": booking.reference})
    return booking


def booking_mark_accepted(*, booking: ConsultationBooking, actor=None, now: datetime | None = None) -> bool:
    """Record that the consultant accepted ``booking`` (``accepted_at``, an aware UTC datetime), once:
    an accepted booking keeps its first time. Whether a booking may be accepted is the caller's rule
    (spec 004 "Accept Session": ``consulting.services.session_accept``). Returns ``True`` when this
    call set it. Runs in the caller's transaction if there is one; locks the booking row."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.accepted_at is not None:
            return False
        booking.accepted_at = now
        booking.save(update_fields=["accepted_at", "updated_at"])
        log_action(booking, "bookings.booking.accepted", actor=actor, data={"reference": booking.reference})
    return True


def _set_payment_status(booking_id: int, status: str, *, when: dict[str, Any]) -> bool:
    with transaction.atomic():
        booking = ConsultationBooking.objects.select_for_update().filter(pk=booking_id, **when).first()
        if booking is None or booking.payment_status == status:
            return False
        old = booking.payment_status
        booking.payment_status = status
        booking.save(update_fields=["payment_status", "updated_at"])
        log_action(
            booking,
            "bookings.booking.payment_status_changed",
            data={"reference": booking.reference, "from": old, "to": status},
        )
    return True


def booking_mark_payment_failed(*, booking_id: int) -> bool:
    """A payment attempt of a held booking failed (a declined card): ``payment_status`` →
    ``failed`` while the booking still waits for payment (``pending_payment``); the hold stays, so the
    visitor may try another card. Any other booking is left alone. Returns ``True`` when it changed."""
    return _set_payment_status(booking_id, BookingPaymentStatus.FAILED, when={"status": BookingStatus.PENDING_PAYMENT})


def booking_record_refund(*, booking_id: int, fully_refunded: bool) -> bool:
    """Keep ``payment_status`` in step with the succeeded refunds of the booking's payment (the
    payments app's ledger): fully refunded → ``refunded`` (from ``completed``, ``refunded`` or a
    still ``pending`` one whose late payment was refunded at once); partly → ``completed`` (a paid
    booking whose refund was reversed). Free or failed bookings are left alone. Returns ``True``
    when it changed; a change to ``refunded`` sends ``booking_refunded``."""
    if fully_refunded:
        paid = [BookingPaymentStatus.COMPLETED, BookingPaymentStatus.REFUNDED, BookingPaymentStatus.PENDING]
        changed = _set_payment_status(booking_id, BookingPaymentStatus.REFUNDED, when={"payment_status__in": paid})
        if changed:
            signals.send_after_commit(signals.booking_refunded, ConsultationBooking, booking_id=booking_id)
        return changed
    paid = [BookingPaymentStatus.COMPLETED, BookingPaymentStatus.REFUNDED]
    return _set_payment_status(booking_id, BookingPaymentStatus.COMPLETED, when={"payment_status__in": paid})


def booking_set_payment_intent(*, booking_id: int, payment_intent_id: str) -> None:
    """Remember the Stripe PaymentIntent (``pi_…``) the booking is being paid with, so its page and
    the webhooks find it. The payments app keeps the payment itself; this is the booking's pointer."""
    ConsultationBooking.objects.filter(pk=booking_id).exclude(payment_intent_id=payment_intent_id).update(
        payment_intent_id=payment_intent_id, updated_at=timezone.now()
    )


def booking_update_status(
    *,
    booking: ConsultationBooking,
    status: str,
    actor=None,
    reason: str = "",
    now: datetime | None = None,
) -> ConsultationBooking:
    """Staff change of status (``PUT /business/bookings/{id}/status``), through the matching service:
    ``confirmed`` → :func:`booking_confirm`, ``cancelled`` → :func:`booking_cancel`, ``completed`` →
    :func:`booking_complete`, ``no_show`` → :func:`booking_mark_no_show`. The same status is a no-op;
    ``pending_payment`` cannot be set, and a held priced booking is confirmed only by its payment
    (:class:`BookingPaymentRequired`, 400). Raises what those services raise, or :class:`BookingInvalid`.
    """
    if status == booking.status:
        return booking
    if status == BookingStatus.CONFIRMED:
        if booking.status == BookingStatus.PENDING_PAYMENT and booking.payment_amount > 0:
            # Confirming it here would mark it paid with no payment in the ledger and the reports:
            # the client pays through the payment page (the e-mailed link for a phone booking).
            raise BookingPaymentRequired()
        return booking_confirm(booking=booking, actor=actor, now=now)
    if status == BookingStatus.CANCELLED:
        return booking_cancel(booking=booking, actor=actor, reason=reason, now=now)
    if status == BookingStatus.COMPLETED:
        return booking_complete(booking=booking, actor=actor, now=now)
    if status == BookingStatus.NO_SHOW:
        return booking_mark_no_show(booking=booking, actor=actor, now=now)
    raise _invalid("status", _("Set confirmed, cancelled, completed or no_show."), "invalid_choice")


# --- availability -------------------------------------------------------------------------------


def availability_seed_default(
    *, consultant: Consultant, start_time: time, end_time: time, weekdays=range(5), actor=None
) -> list[AvailabilityRule]:
    """Give ``consultant`` the interval ``start_time``–``end_time`` on ``weekdays`` (Monday = 0) in
    their own zone, unless they already have rules (then nothing changes and ``[]`` is returned)."""
    with transaction.atomic():
        _lock_consultant(consultant.pk)
        if AvailabilityRule.objects.filter(consultant=consultant).exists():
            return []
        rules = []
        for weekday in weekdays:
            rule = AvailabilityRule(consultant=consultant, weekday=weekday, start_time=start_time, end_time=end_time)
            rule.full_clean()
            rule.save()
            rules.append(rule)
        log_action(consultant, "bookings.availability.seeded", actor=actor, data={"rules": len(rules)})
    return rules


def availability_set_weekly(
    *, consultant: Consultant, schedule: dict[str, list[str]], actor=None
) -> list[AvailabilityRule]:
    """Replace the consultant's weekly rules by ``schedule`` (spec 004 shape: ``{"monday":
    ["09:00-12:00", "13:00-17:00"], …}``; wall-clock times in the consultant's zone; missing days are
    off). Existing bookings are untouched. Raises :class:`BookingInvalid` (422) for a bad day, a bad
    ``HH:MM-HH:MM`` range or overlapping intervals of one day."""
    names = {label.lower(): value for value, label in Weekday.choices}
    parsed: list[tuple[int, time, time]] = []
    if not isinstance(schedule, dict):
        raise _invalid("schedule", _('Send {"monday": ["09:00-17:00"], …}.'))
    for day, ranges in schedule.items():
        if str(day).lower() not in names:
            raise _invalid(f"schedule.{day}", _("Unknown weekday; use monday … sunday."))
        if not isinstance(ranges, list):
            raise _invalid(f"schedule.{day}", _("A list of HH:MM-HH:MM ranges."))
        day_ranges = []
        for index, text in enumerate(ranges):
            try:
                first, last = str(text).split("-")
                start, end = time.fromisoformat(first.strip()), time.fromisoformat(last.strip())
            except ValueError:
                raise _invalid(f"schedule.{day}.{index}", _("Use HH:MM-HH:MM.")) from None
            if end <= start:
                raise _invalid(f"schedule.{day}.{index}", _("The range must end after it starts."))
            day_ranges.append((start, end))
        day_ranges.sort()
        for (_start, previous_end), (next_start, _end) in pairwise(day_ranges):
            if next_start < previous_end:
                raise _invalid(f"schedule.{day}", _("Ranges of one day must not overlap."))
        parsed.extend((names[str(day).lower()], start, end) for start, end in day_ranges)
    with transaction.atomic():
        _lock_consultant(consultant.pk)
        AvailabilityRule.objects.filter(consultant=consultant).delete()
        rules = [
            AvailabilityRule.objects.create(consultant=consultant, weekday=weekday, start_time=start, end_time=end)
            for weekday, start, end in parsed
        ]
        log_action(consultant, "bookings.availability.updated", actor=actor, data={"schedule": schedule})
    return rules


def availability_override_add(
    *,
    consultant: Consultant,
    day: date,
    kind: str = OverrideKind.UNAVAILABLE,
    start_time: time | None = None,
    end_time: time | None = None,
    note: str = "",
    actor=None,
) -> AvailabilityOverride:
    """Change one date of the consultant's schedule (their local date): ``unavailable`` without
    times is the whole day off, ``unavailable`` with times blocks that window, ``extra`` (times
    required) adds hours on top of the weekly schedule. Bookings already made are untouched.

    Raises :class:`BookingInvalid` (422) for an unknown ``kind``, only one of the two times, an end
    not after the start, ``extra`` without times, or a note longer than 200 characters.
    """
    if kind not in OverrideKind.values:
        raise _invalid("kind", _("Choose a day off or extra hours."))
    if (start_time is None) != (end_time is None):
        raise _invalid("end_time", _("Give both times, or neither for the whole day."))
    if start_time is not None and end_time is not None and end_time <= start_time:
        raise _invalid("end_time", _("The range must end after it starts."))
    if kind == OverrideKind.EXTRA and start_time is None:
        raise _invalid("start_time", _("Extra hours need a start and an end."))
    note = (note or "").strip()
    if len(note) > 200:
        raise _invalid("note", _("At most 200 characters."), code="max_length")
    with transaction.atomic():
        _lock_consultant(consultant.pk)
        override = AvailabilityOverride(
            consultant=consultant, date=day, kind=kind, start_time=start_time, end_time=end_time, note=note
        )
        override.full_clean()
        override.save()
        log_action(
            consultant,
            "bookings.availability.override_added",
            actor=actor,
            data={"date": day.isoformat(), "kind": kind, "override_id": override.pk},
        )
    return override


def availability_override_delete(*, consultant: Consultant, override_id: int, actor=None) -> None:
    """Remove one of the consultant's date overrides (the weekly schedule applies again that day).
    Raises :class:`NotFound` (404) when ``override_id`` is not one of this consultant's."""
    with transaction.atomic():
        _lock_consultant(consultant.pk)
        override = AvailabilityOverride.objects.filter(consultant=consultant, pk=override_id).first()
        if override is None:
            raise NotFound(_("No such day off or extra hours."))
        data = {"date": override.date.isoformat(), "kind": override.kind, "override_id": override.pk}
        override.delete()
        log_action(consultant, "bookings.availability.override_deleted", actor=actor, data=data)


#: The invoice recipient's name and company a paid booking keeps after the client's erasure: an
#: invoice names its recipient (§ 14 (4) UStG) and is kept for the retention period (§ 147 AO).
ERASED_NAME = "(erased)"


def booking_client_erase(*, email: str, user=None, now: datetime | None = None) -> tuple[int, int]:
    """Erase the client's personal data from their bookings (GDPR Art. 17), for ``email`` (the
    lower-cased address of guest bookings) and, when given, the bookings ``user`` owns.

    Bookings that still hold a future time (confirmed or held, not yet over) are left as they are:
    the session is a contract in progress, cancelled first through :func:`booking_cancel`. On every
    other booking the e-mail becomes ``erased-<id>@erased.invalid`` and phone, message, questions,
    rating and feedback are cleared; the name and company are kept on a booking that took money
    (the invoice's recipient, § 14 (4) UStG, kept for § 147 AO) and replaced on a free one. Times,
    status and amounts stay, so reports and payouts do not change. Returns ``(erased, kept)``: how
    many bookings were erased and how many upcoming ones were left. Idempotent.
    """
    now = now or timezone.now()
    email = (email or "").strip().lower()
    query = Q(client_email=email) if email else Q(pk__in=[])
    if user is not None:
        query |= Q(client_user=user)
    erased = kept = 0
    with transaction.atomic():
        for booking in ConsultationBooking.objects.select_for_update().filter(query).order_by("pk"):
            if booking.status in (BookingStatus.CONFIRMED, BookingStatus.PENDING_PAYMENT) and booking.end > now:
                kept += 1
                continue
            placeholder = f"erased-{booking.pk}@erased.invalid"
            if booking.client_email == placeholder:
                continue
            paid = booking.payment_amount > 0 and booking.payment_status in (
                BookingPaymentStatus.COMPLETED,
                BookingPaymentStatus.REFUNDED,
            )
            booking.client_email = placeholder
            booking.client_phone = ""
            booking.client_message = []
            booking.questions = []
            booking.client_rating = None
            booking.client_feedback = ""
            if not paid:
                booking.client_name = ERASED_NAME
                booking.client_company = ""
            booking.save(
                update_fields=[
                    "client_email",
                    "client_phone",
                    "client_message",
                    "questions",
                    "client_rating",
                    "client_feedback",
                    "client_name",
                    "client_company",
                    "updated_at",
                ]
            )
            log_action(booking, "bookings.booking.client_erased", data={"kept_invoice_name": paid})
            erased += 1
    return erased, kept


def availability_weekly(consultant: Consultant) -> dict[str, list[str]]:
    """The consultant's weekly rules in the spec 004 shape ``{"monday": ["09:00-17:00"], …}``."""
    out: dict[str, list[str]] = {label.lower(): [] for _, label in Weekday.choices}
    for rule in AvailabilityRule.objects.filter(consultant=consultant).order_by("weekday", "start_time"):
        out[Weekday(rule.weekday).label.lower()].append(f"{rule.start_time:%H:%M}-{rule.end_time:%H:%M}")
    return out
