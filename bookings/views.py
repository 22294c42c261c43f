"""Booking pages: book a consultant, see/reschedule/cancel a booking, own bookings.

- ``/consultants/<slug>/book/`` (``bookings:book``): step 1 picks a type, a day and a slot (query
  string, works without JavaScript; slots in the visitor's zone with its offset), step 2 takes the
  details and POSTs to :func:`bookings.services.booking_create`. A slot taken meanwhile shows the
  picker again with a message and fresh slots.
- ``/bookings/<reference>/?token=`` (``bookings:manage``): the booking in the visitor's and the
  consultant's zone; ``…/reschedule/`` and ``…/cancel/`` change it through the services. Who may see
  and who may change it is :mod:`bookings.access` (the manage token, or the signed-in owner, the
  consultant or staff); a wrong or outdated token is the site's 404 page, staff who may only read
  get the 403 page on the change pages.
- ``/account/bookings/`` (``bookings:account``): the old address of a signed-in client's bookings,
  redirected to the account page (``portal:account``).

Text follows the page language (``request.LANGUAGE_CODE``, through gettext); the booking keeps that
language for its e-mails. Times are written on the visitor's clock (``{{ dt|clock_time }}``, the
``time_format`` cookie), prices with :func:`magnetiq.formatting.format_money`. Business errors of
the services become messages, never a 500.
"""

import json
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import BaseThrottle

from consultants.models import Consultant
from magnetiq.exceptions import ApplicationError, InvalidInput
from magnetiq.formatting import format_money
from magnetiq.links import absolute_url
from magnetiq.timezones import selectable_timezones
from magnetiq.translation import request_language

from . import conf, discounts
from .access import BookingAccess, booking_for_reading
from .availability import available_slots, slots_by_day
from .exceptions import (
    BookingLinkExpired,
    BookingNotFound,
    BookingPolicyWindowClosed,
    BookingUnavailable,
)
from .forms import (
    DEFAULT_DURATION,
    DURATIONS,
    TYPE_LABELS,
    BookingDetailsForm,
    CancelForm,
    SlotPickerForm,
    minutes_label,
    offered_types,
    parse_start,
    slot_value,
)
from .ics import booking_ics, google_calendar_url, outlook_calendar_url
from .links import booking_for_page_change, format_day, format_when, given_token, manage_url, pay_url, utc_offset
from .models import BookingPaymentStatus, BookingStatus, BookingType, CancelledBy, ConsultationBooking
from .policy import (
    cancellation_refund_amount,
    inside_window_note,
    policy_text,
    refund_arrival_text,
    slot_inside_change_window,
)
from .services import booking_can_change, booking_cancel, booking_create, booking_price, booking_reschedule
from .tokens import manage_token

#: How many days ahead step 1 looks for the first day with a free slot when no day is given.
FIRST_FREE_DAY_SEARCH = 14

#: The visitor-facing name of each status (the model's labels are the API's).
STATUS_LABELS = {
    BookingStatus.PENDING_PAYMENT: gettext_lazy("Awaiting payment"),
    BookingStatus.CONFIRMED: gettext_lazy("Confirmed"),
    BookingStatus.COMPLETED: gettext_lazy("Completed"),
    BookingStatus.CANCELLED: gettext_lazy("Cancelled"),
    BookingStatus.NO_SHOW: gettext_lazy("No-show"),
}


# --- helpers ------------------------------------------------------------------------------------


def _contact_email() -> str:
    return settings.CONTACT_EMAIL


def _zone(name: str | None, fallback: str) -> str:
    return name if name in selectable_timezones() else fallback


def _price(consultant: Consultant, booking_type: str, duration: int | None) -> str:
    minutes = duration or 30
    amount = booking_price(consultant=consultant, booking_type=booking_type, duration_minutes=minutes)
    return pgettext("price", "Free") if amount == 0 else format_money(amount, consultant.currency)


def _free_slots(consultant, day: date, zone: str, booking_type: str, duration, exclude=None, now=None) -> list:
    slots = available_slots(
        consultant=consultant,
        day=day,
        tz=ZoneInfo(zone),
        booking_type=booking_type,
        duration_minutes=duration,
        now=now,
        exclude_booking_id=exclude.pk if exclude else None,
    )
    if exclude is not None:
        slots = [slot for slot in slots if slot.start != exclude.start]
    return slots


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def slot_picker(
    *,
    consultant: Consultant,
    zone: str,
    day: date | None,
    booking_type: str,
    duration: int | None,
    params: dict,
    exclude: ConsultationBooking | None = None,
) -> dict:
    """The context of the slot picker: a month calendar of the selected ``day``'s month (``weeks``:
    rows of seven cells Monday first, each ``{"date", "in_month", "count", "selected", "url",
    "label"}``, ``url`` empty for a day without a free slot), the free ``slots`` of ``day`` (value,
    ``start`` as an aware datetime in ``zone`` for ``{{ slot.start|clock_time }}``, offset, and
    ``late``: already inside the 24-hour window of :mod:`bookings.policy`) and month links; text in
    the active language.

    ``day`` (in ``zone``) is clamped to today…the end of the booking window; without one, the first
    day with a free slot in the next ``FIRST_FREE_DAY_SEARCH`` days is chosen. ``params`` are the
    other query parameters the day links keep (type, duration, tz, token). ``exclude``: the booking
    being rescheduled (its own time is not offered). Three queries for the month
    (:func:`bookings.availability.slots_by_day`), three more when no day is given.
    """
    now = timezone.now()
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    last = (now + timedelta(days=conf.get("WINDOW_DAYS"))).astimezone(tz).date()

    def free_between(first: date, final: date) -> dict[date, list]:
        found = slots_by_day(
            consultant=consultant,
            first_day=first,
            last_day=final,
            tz=tz,
            booking_type=booking_type,
            duration_minutes=duration,
            now=now,
            exclude_booking_id=exclude.pk if exclude else None,
            available_only=True,
        )
        skip = exclude.start if exclude is not None else None
        return {d: [state.slot for state in states if state.slot.start != skip] for d, states in found.items()}

    if day is None:
        ahead = free_between(today, today + timedelta(days=FIRST_FREE_DAY_SEARCH - 1))
        day = next((d for d, slots in ahead.items() if slots), today)
    day = min(max(day, today), last)
    month = _month_start(day)
    grid_start = month - timedelta(days=month.weekday())
    month_end = _add_months(month, 1) - timedelta(days=1)
    grid_end = month_end + timedelta(days=6 - month_end.weekday())
    free = free_between(grid_start, grid_end)

    def link(d: date) -> str:
        return "?" + urlencode({**params, "date": d.isoformat()})

    weeks: list[list[dict]] = []
    d = grid_start
    while d <= grid_end:
        count = len(free.get(d, []))
        cell = {
            "date": d,
            "in_month": d.month == month.month,
            "count": count,
            "selected": d == day,
            "url": link(d) if count else "",
            "label": format_day(d),
            "free_label": ngettext("%(count)s free time", "%(count)s free times", count) % {"count": count},
        }
        if d.weekday() == 0:
            weeks.append([])
        weeks[-1].append(cell)
        d += timedelta(days=1)
    weekdays = [date_format(grid_start + timedelta(days=i), "D") for i in range(7)]

    slots = []
    for slot in free.get(day, []):
        local = slot.start.astimezone(tz)
        slots.append(
            {
                "value": slot_value(slot.start),
                "start": local,
                "offset": utc_offset(local),
                "late": slot_inside_change_window(slot.start, now),
            }
        )
    zone_offset = utc_offset(datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=12))
    previous_month = _add_months(month, -1)
    next_month = _add_months(month, 1)
    return {
        "day": day,
        "day_label": format_day(day),
        "month_label": date_format(month, "F Y"),
        "weekdays": weekdays,
        "weeks": weeks,
        "slots": slots,
        "late_note": inside_window_note() if any(slot["late"] for slot in slots) else "",
        "zone": zone,
        "times_in": _("Times in %(zone)s") % {"zone": f"{zone.replace('_', ' ')} ({zone_offset})"},
        "previous_month_url": link(max(previous_month, today)) if month > _month_start(today) else "",
        "next_month_url": link(next_month) if next_month <= last else "",
        "hidden": {**params, "date": day.isoformat()},
        "min_date": today.isoformat(),
        "max_date": last.isoformat(),
    }


def _booking_to_read(request, reference: str) -> tuple[ConsultationBooking, str]:
    """The booking of ``reference`` if the request may see it (:mod:`bookings.access`: the current
    manage token, ``token`` in the query or the form, or the signed-in owner, consultant or staff
    allowed to read bookings), and the manage token for the page's links — ``""`` for a caller who
    may only read, so the page never hands them a link that would let them change it. Anything else
    is a 404, the link of a booking that is over included.
    """
    try:
        booking, access = booking_for_reading(reference=reference, user=request.user, token=given_token(request))
    except (BookingNotFound, BookingLinkExpired):
        raise Http404("No such booking.") from None
    return booking, manage_token(booking) if access >= BookingAccess.CHANGE else ""


def _actor(request):
    return request.user if request.user.is_authenticated else None


def _coupon_context(request) -> dict[str, str]:
    """What the discount provider records of the visitor: the client IP (as the API throttles see it)."""
    return {"ip": BaseThrottle().get_ident(request) or "", "referrer_url": request.headers.get("Referer", "")[:500]}


def _is_code_refusal(exc: ApplicationError) -> bool:
    """A discount code's refusal names the ``coupon_code`` field (shown beside it, not as a page error)."""
    return any(detail.get("field") == "coupon_code" for detail in exc.details)


def _quote(request, consultant, choice: dict, form) -> tuple[str, str]:
    """``(discounted price, refusal)`` for the code typed in the valid details ``form``: the price
    after the code, or the code's precise refusal in the page's language. Nothing is reserved."""
    code = (form.cleaned_data.get("coupon_code") or "").strip()
    if not code:
        return "", ""
    duration = choice["duration"] or 30
    list_amount = booking_price(consultant=consultant, booking_type=choice["type"], duration_minutes=duration)
    try:
        discount = discounts.get_provider().quote(
            discounts.DiscountRequest(
                code=code,
                consultant=consultant,
                booking_type=choice["type"],
                list_amount=list_amount,
                currency=consultant.currency,
                email=form.cleaned_data.get("email", ""),
                client_user=_actor(request),
                context=_coupon_context(request),
            )
        )
    except ApplicationError as exc:
        if not _is_code_refusal(exc):
            raise
        return "", exc.message
    return format_money(list_amount - discount.amount, consultant.currency), ""


def _policy_text(booking: ConsultationBooking) -> str:
    hours = conf.get("GUEST_CHANGE_CUTOFF_HOURS")
    return ngettext(
        "This booking starts in less than %(hours)s hour, so it can no longer be changed or cancelled online. "
        "Please contact us at %(contact)s and quote the reference %(reference)s.",
        "This booking starts in less than %(hours)s hours, so it can no longer be changed or cancelled online. "
        "Please contact us at %(contact)s and quote the reference %(reference)s.",
        hours,
    ) % {"hours": hours, "contact": _contact_email(), "reference": booking.reference}


def _late_text() -> str:
    hours = conf.get("GUEST_CHANGE_CUTOFF_HOURS")
    return ngettext(
        "This time starts in less than %(hours)s hour: once booked, it cannot be changed, cancelled or refunded.",
        "This time starts in less than %(hours)s hours: once booked, it cannot be changed, cancelled or refunded.",
        hours,
    ) % {"hours": hours}


def _taken() -> str:
    return _("That time was just taken — please pick another.")


def _slot_gone() -> str:
    return _("That time is no longer available — please pick another.")


# --- booking ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def book(request, slug: str):
    """``/consultants/<slug>/book/``: pick a slot (GET), enter details (GET with ``start``), confirm (POST).

    Query: ``type`` (30for30 default, others if the consultant offers them), ``duration`` (15–240
    minutes, other types), ``date`` (a day in the visitor's zone), ``tz`` (IANA zone; default the
    consultant's, a tiny script switches to the browser's), ``start`` (a slot, UTC ISO). A POST
    books through :func:`booking_create` and redirects to the manage page (free: confirmed) or, for
    a priced booking held for payment, to the payment page ``/bookings/<reference>/pay/``; a slot taken meanwhile
    (409 ``BOOKING_UNAVAILABLE``) shows the picker again with the message and fresh slots.
    """
    consultant = get_object_or_404(Consultant.objects.public(), slug=slug)
    lang = request_language(request)
    types = offered_types(consultant)

    if request.method == "POST":
        details = BookingDetailsForm(request.POST, types=types)
        if details.is_valid() and "check_code" in request.POST:
            # "Apply" next to the code: the same step again with the new price or the refusal.
            discounted, refusal = _quote(request, consultant, details.cleaned_data, details)
            if refusal:
                details.add_error("coupon_code", refusal)
            return _render_step2(request, consultant, details, details.cleaned_data, discounted=discounted)
        if details.is_valid():
            data = details.cleaned_data
            try:
                booking = booking_create(
                    consultant=consultant,
                    start=data["start"],
                    booking_type=data["type"],
                    duration_minutes=data["duration"],
                    visitor_timezone=data["tz"],
                    language=lang,
                    client_name=data["name"],
                    client_email=data["email"],
                    client_phone=data["phone"],
                    client_company=data["company"],
                    client_message=data["message"],
                    questions=data["questions"],
                    client_user=_actor(request),
                    coupon_code=data["coupon_code"],
                    coupon_context=_coupon_context(request),
                    actor=_actor(request),
                )
            except BookingUnavailable:
                messages.error(request, _taken())
                choice = {
                    "type": data["type"],
                    "duration": data["duration"],
                    "tz": data["tz"],
                    "date": data["start"].astimezone(ZoneInfo(data["tz"])).date(),
                }
                return _render_step1(request, consultant, types, choice, status=409)
            except InvalidInput as exc:
                for detail in exc.details or [{"message": exc.message}]:
                    details.add_error(None, detail["message"])
            except ApplicationError as exc:
                if not _is_code_refusal(exc):
                    messages.error(request, exc.message)
                    return redirect(consultant.get_absolute_url())
                details.add_error("coupon_code", exc.message)
            else:
                if booking.status != BookingStatus.CONFIRMED:
                    # A priced booking is a hold: straight on to the payment step.
                    return redirect(pay_url(booking))
                messages.success(
                    request,
                    _("Your booking is confirmed. We have sent the details with a calendar invite to %(email)s.")
                    % {"email": booking.client_email},
                )
                return redirect(manage_url(booking))
        if "start" in details.errors or "type" in details.errors or "tz" in details.errors:
            messages.error(request, _slot_gone())
            return _render_step1(request, consultant, types, _picker_choice(request, consultant, types))
        return _render_step2(request, consultant, details, details.cleaned_data, status=422)

    choice = _picker_choice(request, consultant, types)
    start = parse_start(request.GET.get("start"))
    if start is not None:
        free = _free_slots(
            consultant,
            start.astimezone(ZoneInfo(choice["tz"])).date(),
            choice["tz"],
            choice["type"],
            choice["duration"],
        )
        if any(slot.start == start for slot in free):
            initial = {
                "type": choice["type"],
                "duration": choice["duration"],
                "tz": choice["tz"],
                "start": slot_value(start),
            }
            user = request.user
            if user.is_authenticated:
                initial.update(name=f"{user.first_name} {user.last_name}".strip(), email=user.email)
            form = BookingDetailsForm(initial=initial, types=types)
            return _render_step2(request, consultant, form, {**choice, "start": start})
        messages.error(request, _slot_gone())
        choice["date"] = start.astimezone(ZoneInfo(choice["tz"])).date()
    return _render_step1(request, consultant, types, choice, detect_zone="tz" not in request.GET)


def _picker_choice(request, consultant, types) -> dict:
    form = SlotPickerForm(request.GET or None, types=types)
    return form.choice(default_zone=_zone(consultant.timezone, "UTC"))


def _book_heading(consultant: Consultant) -> str:
    return _("Book a consultation with %(name)s") % {"name": consultant.full_name}


def _consultant_time_label(consultant: Consultant) -> str:
    return _("%(name)s's time") % {"name": consultant.full_name}


def _price_table(consultant: Consultant, types: list[str]) -> dict:
    """``{type: {"has_duration": bool, "prices": {minutes: formatted price}}}`` for the step-1 script:
    the same :func:`booking_price` that the booking is charged with, for every duration offered."""
    table = {}
    for booking_type in types:
        has_duration = booking_type != BookingType.THIRTY_FOR_THIRTY
        minutes = DURATIONS if has_duration else [30]
        table[booking_type] = {
            "has_duration": has_duration,
            "prices": {str(m): _price(consultant, booking_type, m) for m in minutes},
        }
    return table


def _render_step1(request, consultant, types, choice, *, status=200, detect_zone=False):
    params = {"type": choice["type"], "tz": choice["tz"]}
    if choice["duration"]:
        params["duration"] = choice["duration"]
    picker = slot_picker(
        consultant=consultant,
        zone=choice["tz"],
        day=choice["date"],
        booking_type=choice["type"],
        duration=choice["duration"],
        params=params,
    )
    form = SlotPickerForm(
        initial={
            "type": choice["type"],
            "duration": choice["duration"] or DEFAULT_DURATION,
            "date": picker["day"],
            "tz": choice["tz"],
        },
        types=types,
    )
    minutes = choice["duration"] or 30
    return render(
        request,
        "bookings/book.html",
        {
            "consultant": consultant,
            "step": 1,
            "picker_form": form,
            "picker": picker,
            "params": params,
            "zones": selectable_timezones(),
            "has_duration": choice["duration"] is not None,
            "price": _price(consultant, choice["type"], choice["duration"]),
            "price_minutes": f"({minutes_label(minutes)})",
            "prices_json": json.dumps(_price_table(consultant, types)),
            "minute_labels_json": json.dumps({str(m): minutes_label(m) for m in [30, *DURATIONS]}),
            "policy_text": policy_text(),
            "detect_zone": detect_zone,
            "heading": _book_heading(consultant),
        },
        status=status,
    )


def _render_step2(request, consultant, form, choice, *, status=200, discounted=""):
    start = choice["start"]
    duration = choice["duration"] or 30
    back = {"type": choice["type"], "tz": choice["tz"], "date": start.astimezone(ZoneInfo(choice["tz"])).date()}
    if choice["duration"]:
        back["duration"] = choice["duration"]
    amount = booking_price(consultant=consultant, booking_type=choice["type"], duration_minutes=duration)
    return render(
        request,
        "bookings/book.html",
        {
            "consultant": consultant,
            "step": 2,
            "form": form,
            "type_label": TYPE_LABELS[choice["type"]],
            "duration": duration,
            "your_time": format_when(start, choice["tz"]),
            "consultant_time": format_when(start, consultant.timezone),
            "show_consultant_time": consultant.timezone != choice["tz"],
            "price": _price(consultant, choice["type"], choice["duration"]),
            "discounted_price": discounted,
            "policy_text": policy_text(),
            "late_text": _late_text() if slot_inside_change_window(start, timezone.now()) else "",
            "payment_note": _("This consultation is free and confirmed at once.")
            if amount == 0
            else ngettext(
                "After you confirm, the time is held for you for %(minutes)s minute while you pay by card "
                "on the next page.",
                "After you confirm, the time is held for you for %(minutes)s minutes while you pay by card "
                "on the next page.",
                conf.get("HOLD_MINUTES"),
            )
            % {"minutes": conf.get("HOLD_MINUTES")},
            "change_url": "?" + urlencode(back),
            "heading": _book_heading(consultant),
            "consultant_time_label": _consultant_time_label(consultant),
        },
        status=status,
    )


# --- manage -------------------------------------------------------------------------------------


def _booking_context(booking: ConsultationBooking) -> dict:
    zone = _zone(booking.timezone, "UTC")
    return {
        "booking": booking,
        "status_label": STATUS_LABELS.get(booking.status, booking.get_status_display()),
        "type_label": TYPE_LABELS.get(booking.booking_type, booking.get_booking_type_display()),
        "your_time": format_when(booking.start, zone),
        "consultant_time": format_when(booking.start, booking.consultant.timezone),
        "show_consultant_time": booking.consultant.timezone != zone,
        "consultant_time_label": _consultant_time_label(booking.consultant),
        "heading": _("Your booking with %(name)s") % {"name": booking.consultant.full_name},
    }


def _payment_processing(booking: ConsultationBooking) -> bool:
    """Whether a payment of ``booking`` is still being processed at Stripe (the payments app's record):
    its outcome, not the hold, decides then, so the page must not tell the visitor to book again."""
    # "processing" is Stripe's PaymentIntent status, as the payments app stores it; payments sits above
    # bookings in the app layers, so its enum is not imported here.
    return booking.payments.filter(status="processing").exists()


def _confirmation_context(booking: ConsultationBooking, token: str) -> dict:
    """What a confirmed booking's page says for the visitor: where the e-mail went, how to add the
    meeting to a calendar (Google, Outlook on the web, the ``.ics`` file) and where it takes place."""
    if booking.status != BookingStatus.CONFIRMED:
        return {}
    link = absolute_url(manage_url(booking))
    if booking.confirmation_sent_at:
        emailed = _("We e-mailed the confirmation with a calendar invite to %(email)s.")
    else:
        emailed = _("We are e-mailing the confirmation with a calendar invite to %(email)s.")
    if booking.meeting_link:
        meeting = ""
    elif booking.confirmation_sent_at:
        meeting = _("%(name)s will e-mail you the meeting link before the meeting starts.") % {
            "name": booking.consultant.full_name
        }
    else:
        meeting = _("The meeting link comes with the confirmation e-mail.")
    return {
        "emailed_text": emailed % {"email": booking.client_email},
        "manage_link": link,
        "meeting_text": meeting,
        "google_calendar_url": google_calendar_url(booking, manage_url=link),
        "outlook_calendar_url": outlook_calendar_url(booking, manage_url=link),
        "ics_url": reverse("bookings:calendar-file", args=[booking.reference]) + "?" + urlencode({"token": token}),
    }


def _refund_text(booking: ConsultationBooking) -> str:
    """What a cancellation gives back, how much and when (:mod:`bookings.policy`); ``""`` for a free
    or unpaid booking."""
    paid = booking.payment_status in (BookingPaymentStatus.COMPLETED, BookingPaymentStatus.REFUNDED)
    if not paid or booking.payment_amount <= 0:
        return ""
    amount = cancellation_refund_amount(booking)
    if amount <= 0:
        hours = conf.get("GUEST_CHANGE_CUTOFF_HOURS")
        return ngettext(
            "It was cancelled less than %(hours)s hour before the start, so the payment of %(amount)s is not refunded.",
            "It was cancelled less than %(hours)s hours before the start, so the payment of %(amount)s is not "
            "refunded.",
            hours,
        ) % {"hours": hours, "amount": format_money(booking.payment_amount, booking.payment_currency)}
    values = {"amount": format_money(amount, booking.payment_currency), "when": refund_arrival_text()}
    if booking.payment_status == BookingPaymentStatus.REFUNDED:
        return _("The full payment of %(amount)s has been refunded to your card; it reaches your account %(when)s.") % (
            values
        )
    return _("The full payment of %(amount)s is refunded to your card; it reaches your account %(when)s.") % values


@require_http_methods(["GET"])
def calendar_file(request, reference: str):
    """``/bookings/<reference>/invite.ics?token=``: the booking's calendar file (``bookings.ics``,
    ``METHOD:REQUEST``, or ``CANCEL`` once cancelled) as a download, for whoever may read the booking."""
    booking, token = _booking_to_read(request, reference)
    method = "CANCEL" if booking.status == BookingStatus.CANCELLED else "REQUEST"
    content = booking_ics(booking, method=method, manage_url=absolute_url(manage_url(booking)) if token else "")
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


@require_http_methods(["GET"])
def manage(request, reference: str):
    """``/bookings/<reference>/?token=``: the booking, with reschedule and cancel links while the
    visitor may still change it (until 24 h before the start), else the policy message.

    A held booking shows a "Pay now" button to the payment page with the hold's expiry; once the
    hold expired (released or not) the page says so and links to booking again — unless a payment
    is still being processed, which then decides (a late success confirms if the time is free)."""
    booking, token = _booking_to_read(request, reference)
    context = _booking_context(booking)
    pending = booking.status == BookingStatus.PENDING_PAYMENT
    expired = (pending and not booking.is_active) or (
        booking.status == BookingStatus.CANCELLED and booking.cancelled_by == CancelledBy.SYSTEM
    )
    processing = (pending or expired) and _payment_processing(booking)
    if processing:
        context["status_label"] = STATUS_LABELS[BookingStatus.PENDING_PAYMENT]
    elif expired:
        context["status_label"] = _("Hold expired")
    may_change = bool(token)  # "" for a caller who may only read
    can_change = may_change and booking_can_change(booking, actor=_actor(request))
    query = "?" + urlencode({"token": token})
    payable = may_change and pending and booking.is_active and not processing
    context.update(_confirmation_context(booking, token) if may_change else {})
    context.update(
        token=token,
        step="pay" if payable else ("done" if booking.status == BookingStatus.CONFIRMED else ""),
        refund_text=_refund_text(booking) if booking.status == BookingStatus.CANCELLED and not expired else "",
        pending=pending,
        hold_text=_(
            "Reserved for you until %(until)s. Pay before then to confirm your booking; the time is yours "
            "once it is paid."
        )
        % {"until": format_when(booking.hold_expires_at, booking.timezone)}
        if payable
        else "",
        hold_expired=expired and not processing,
        payment_processing=processing,
        payment_refunded=booking.payment_status == BookingPaymentStatus.REFUNDED,
        book_again_url=reverse("bookings:book", args=[booking.consultant.slug]) if expired else "",
        amount=format_money(booking.payment_amount, booking.payment_currency) if booking.payment_amount else "",
        discount=format_money(booking.discount_amount, booking.payment_currency) if booking.discount_amount else "",
        discount_code=booking.discount_code,
        list_price=format_money(booking.list_amount, booking.payment_currency),
        can_change=can_change,
        policy_text=_policy_text(booking) if may_change and booking.is_active and not can_change else "",
        reschedule_url=reverse("bookings:reschedule", args=[booking.reference]) + query,
        cancel_url=reverse("bookings:cancel", args=[booking.reference]) + query,
        pay_url=reverse("payments:pay", args=[booking.reference]) + query if payable else "",
    )
    return render(request, "bookings/manage.html", context)


def _refuse_change(request, booking, exc: ApplicationError):
    """Turn a refused change into a message on the manage page."""
    if isinstance(exc, BookingPolicyWindowClosed):
        messages.error(request, _policy_text(booking))
    else:
        messages.error(request, exc.message)
    return redirect(manage_url(booking))


@require_http_methods(["GET", "POST"])
def reschedule(request, reference: str):
    """``/bookings/<reference>/reschedule/?token=``: pick a new slot (``date``, ``tz``), confirm it
    (GET with ``new_start``), move the booking (POST → :func:`booking_reschedule`) and redirect to
    the manage page (the booking keeps its token: earlier links still work)."""
    booking, token = booking_for_page_change(request, reference)
    actor = _actor(request)
    if not booking_can_change(booking, actor=actor):
        if booking.is_active:
            messages.error(request, _policy_text(booking))
        return redirect(manage_url(booking))

    zone = _zone(request.POST.get("tz") or request.GET.get("tz"), _zone(booking.timezone, "UTC"))
    day = None
    if request.method == "POST":
        new_start = parse_start(request.POST.get("new_start"))
        status = 409
        if new_start is None:
            messages.error(request, _slot_gone())
            status = 422
        else:
            try:
                booking = booking_reschedule(booking=booking, new_start=new_start, actor=actor)
            except BookingUnavailable:
                messages.error(request, _taken())
                day = new_start.astimezone(ZoneInfo(zone)).date()
            except ApplicationError as exc:
                return _refuse_change(request, booking, exc)
            else:
                when = format_when(booking.start, booking.timezone)
                messages.success(
                    request,
                    _("Your booking was moved to %(when)s. The links in our earlier e-mails still lead here.")
                    % {"when": when},
                )
                return redirect(manage_url(booking))
    else:
        status = 200
        day_text = request.GET.get("date")
        try:
            day = date.fromisoformat(day_text) if day_text else None
        except ValueError:
            day = None
        new_start = parse_start(request.GET.get("new_start"))
        if new_start is not None:
            free = _free_slots(
                booking.consultant,
                new_start.astimezone(ZoneInfo(zone)).date(),
                zone,
                booking.booking_type,
                booking.duration_minutes,
                exclude=booking,
            )
            if any(slot.start == new_start for slot in free):
                context = _booking_context(booking)
                context.update(
                    token=token,
                    step="confirm",
                    new_start=slot_value(new_start),
                    new_time=format_when(new_start, zone),
                    zone=zone,
                    manage_url=manage_url(booking),
                    back_url="?"
                    + urlencode({"token": token, "tz": zone, "date": new_start.astimezone(ZoneInfo(zone)).date()}),
                )
                return render(request, "bookings/reschedule.html", context)
            messages.error(request, _slot_gone())
            day = new_start.astimezone(ZoneInfo(zone)).date()

    picker = slot_picker(
        consultant=booking.consultant,
        zone=zone,
        day=day,
        booking_type=booking.booking_type,
        duration=booking.duration_minutes,
        params={"token": token, "tz": zone},
        exclude=booking,
    )
    context = _booking_context(booking)
    context.update(
        token=token,
        step="pick",
        picker=picker,
        zones=selectable_timezones(),
        manage_url=manage_url(booking),
    )
    return render(request, "bookings/reschedule.html", context, status=status)


@require_http_methods(["GET", "POST"])
def cancel(request, reference: str):
    """``/bookings/<reference>/cancel/?token=``: a confirmation step (GET) and the cancellation
    (POST → :func:`booking_cancel`, optional reason), then back to the manage page."""
    booking, token = booking_for_page_change(request, reference)
    actor = _actor(request)
    if not booking_can_change(booking, actor=actor):
        if booking.is_active:
            messages.error(request, _policy_text(booking))
        return redirect(manage_url(booking))
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = booking_cancel(booking=booking, actor=actor, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            return _refuse_change(request, booking, exc)
        messages.success(request, _("Your booking is cancelled."))
        return redirect(manage_url(booking))
    context = _booking_context(booking)
    context.update(
        token=token,
        form=form,
        cancel_text=_("Do you want to cancel your booking on %(when)s? The time is released for others.")
        % {"when": format_when(booking.start, booking.timezone)},
        refund_preview=_refund_preview(booking),
        manage_url=manage_url(booking),
    )
    return render(request, "bookings/cancel.html", context)


def _refund_preview(booking: ConsultationBooking) -> str:
    """What cancelling now gives back; the cancel page is only open while the rule refunds in full
    (a guest within the window, or the consultant or staff at any time)."""
    paid = booking.payment_status == BookingPaymentStatus.COMPLETED
    if not paid or booking.payment_amount <= 0:
        return ""
    return _(
        "If you cancel now, the full payment of %(amount)s is refunded to your card; it reaches your account %(when)s."
    ) % {"amount": format_money(booking.payment_amount, booking.payment_currency), "when": refund_arrival_text()}


# --- account ------------------------------------------------------------------------------------


def account(request):
    """``/account/bookings/``: the old address of the client's bookings, which now live on the
    account page (``portal:account``: owned bookings plus guest bookings under a verified address,
    webinars, downloads); kept so bookmarks and links in older e-mails still arrive. Reached by URL
    name: the account pages sit in a higher app."""
    return redirect(reverse("portal:account"))
