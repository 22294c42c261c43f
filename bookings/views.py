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
- ``/account/bookings/`` (``bookings:account``): a signed-in client's bookings.

Text follows the page language (``request.LANGUAGE_CODE``, through gettext); the booking keeps that
language for its e-mails. Times are written on the visitor's clock (``{{ dt|clock_time }}``, the
``time_format`` cookie), prices with :func:`magnetiq.formatting.format_money`. Business errors of
the services become messages, never a 500.
"""

from datetime import date, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods

from consultants.models import Consultant
from magnetiq.exceptions import ApplicationError, InvalidInput
from magnetiq.formatting import format_money
from magnetiq.timezones import selectable_timezones
from magnetiq.translation import request_language

from . import conf
from .access import BookingAccess, booking_for_reading
from .availability import available_slots
from .exceptions import (
    BookingLinkExpired,
    BookingNotFound,
    BookingPolicyWindowClosed,
    BookingUnavailable,
)
from .forms import (
    TYPE_LABELS,
    BookingDetailsForm,
    CancelForm,
    SlotPickerForm,
    offered_types,
    parse_start,
    slot_value,
)
from .links import booking_for_page_change, format_day, format_when, given_token, manage_url, pay_url, utc_offset
from .models import BookingPaymentStatus, BookingStatus, BookingType, CancelledBy, ConsultationBooking
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
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


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
    """The context of the slot picker: a week of days (``days``: date, label, free count, link),
    the free ``slots`` of the selected ``day`` (value, ``start`` as an aware datetime in ``zone`` for
    ``{{ slot.start|clock_time }}``, offset) and week links; text in the active language.

    ``day`` (in ``zone``) is clamped to today…the end of the booking window; without one, the first
    day with a free slot in the next ``FIRST_FREE_DAY_SEARCH`` days is chosen. ``params`` are the
    other query parameters the day links keep (type, duration, tz, token). ``exclude``: the booking
    being rescheduled (its own time is not offered). About 3 queries per day shown.
    """
    now = timezone.now()
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    last = (now + timedelta(days=conf.get("WINDOW_DAYS"))).astimezone(tz).date()
    counts: dict[date, list] = {}

    def free(d: date) -> list:
        if d not in counts:
            counts[d] = _free_slots(consultant, d, zone, booking_type, duration, exclude) if today <= d <= last else []
        return counts[d]

    if day is None:
        day = next(
            (today + timedelta(days=i) for i in range(FIRST_FREE_DAY_SEARCH) if free(today + timedelta(days=i))),
            today,
        )
    day = min(max(day, today), last)
    week_start = day - timedelta(days=day.weekday())

    def link(d: date) -> str:
        return "?" + urlencode({**params, "date": d.isoformat()})

    days = []
    for offset in range(7):
        d = week_start + timedelta(days=offset)
        days.append(
            {
                "date": d,
                "weekday": date_format(d, "D"),
                "label": date_format(d, pgettext("day in the week strip (PHP date format)", "j M")),
                "count": len(free(d)),
                "free_label": ngettext("%(count)s free", "%(count)s free", len(free(d))) % {"count": len(free(d))},
                "selected": d == day,
                "url": link(d),
            }
        )
    slots = []
    for slot in free(day):
        local = slot.start.astimezone(tz)
        slots.append({"value": slot_value(slot.start), "start": local, "offset": utc_offset(local)})
    zone_offset = utc_offset(datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=12))
    previous_week = max(week_start - timedelta(days=7), today) if week_start > today else None
    next_week = week_start + timedelta(days=7) if week_start + timedelta(days=7) <= last else None
    return {
        "day": day,
        "day_label": format_day(day),
        "days": days,
        "slots": slots,
        "zone": zone,
        "times_in": _("Times in %(zone)s") % {"zone": f"{zone.replace('_', ' ')} ({zone_offset})"},
        "previous_week_url": link(previous_week) if previous_week else "",
        "next_week_url": link(next_week) if next_week else "",
        "hidden": {**params, "date": day.isoformat()},
        "min_date": today.isoformat(),
        "max_date": last.isoformat(),
    }


def _booking_to_read(request, reference: str) -> tuple[ConsultationBooking, str]:
    """The booking of ``reference`` if the request may see it (:mod:`bookings.access`: the current
    manage token, ``token`` in the query or the form, or the signed-in owner, consultant or staff
    allowed to read bookings), and the manage token for the page's links — ``""`` for a caller who
    may only read, so the page never hands them a link that would let them change it. Anything else
    is a 404, an outdated link of a rescheduled booking included, so a replaced link reveals nothing.
    """
    try:
        booking, access = booking_for_reading(reference=reference, user=request.user, token=given_token(request))
    except (BookingNotFound, BookingLinkExpired):
        raise Http404("No such booking.") from None
    return booking, manage_token(booking) if access >= BookingAccess.CHANGE else ""


def _actor(request):
    return request.user if request.user.is_authenticated else None


def _policy_text(booking: ConsultationBooking) -> str:
    hours = conf.get("GUEST_CHANGE_CUTOFF_HOURS")
    return ngettext(
        "This booking starts in less than %(hours)s hour, so it can no longer be changed or cancelled online. "
        "Please contact us at %(contact)s and quote the reference %(reference)s.",
        "This booking starts in less than %(hours)s hours, so it can no longer be changed or cancelled online. "
        "Please contact us at %(contact)s and quote the reference %(reference)s.",
        hours,
    ) % {"hours": hours, "contact": _contact_email(), "reference": booking.reference}


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
                messages.error(request, exc.message)
                return redirect(consultant.get_absolute_url())
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
            "duration": choice["duration"] or 60,
            "date": picker["day"],
            "tz": choice["tz"],
        },
        types=types,
    )
    return render(
        request,
        "bookings/book.html",
        {
            "consultant": consultant,
            "step": 1,
            "picker_form": form,
            "picker": picker,
            "params": params,
            "show_duration": len(types) > 1,
            "price": _price(consultant, choice["type"], choice["duration"]),
            "detect_zone": detect_zone,
            "heading": _book_heading(consultant),
        },
        status=status,
    )


def _render_step2(request, consultant, form, choice, *, status=200):
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
    context.update(
        token=token,
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
    the manage page's new address (the old token stops working)."""
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
                    _(
                        "Your booking was moved to %(when)s. This page has a new address; links from earlier "
                        "e-mails no longer work."
                    )
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
        manage_url=manage_url(booking),
    )
    return render(request, "bookings/cancel.html", context)


# --- account ------------------------------------------------------------------------------------


@login_required
def account(request):
    """``/account/bookings/``: the signed-in client's bookings (``client_user``), upcoming first
    (soonest first), then past ones (latest first), each with its manage link."""
    now = timezone.now()
    rows = []
    for booking in ConsultationBooking.objects.for_user(request.user).select_related("consultant"):
        rows.append(
            {
                "booking": booking,
                "when": format_when(booking.start, _zone(booking.timezone, "UTC")),
                "status_label": STATUS_LABELS.get(booking.status, booking.status),
                "type_label": TYPE_LABELS.get(booking.booking_type, booking.booking_type),
                "url": reverse("bookings:manage", args=[booking.reference]),
                "upcoming": booking.end > now,
            }
        )
    upcoming = sorted((r for r in rows if r["upcoming"]), key=lambda r: r["booking"].start)
    past = [r for r in rows if not r["upcoming"]]
    return render(
        request,
        "bookings/account.html",
        {"upcoming": upcoming, "past": past, "types": BookingType},
    )
