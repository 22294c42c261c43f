"""The signed-in person's pages (English, German under ``/de/``), mounted at ``/account/``.

Client (any signed-in user): ``/account/`` bookings, webinar registrations and downloads;
``/account/consents/`` consents with withdrawal; ``/account/data/`` export and delete.
Consultant (a user linked to a consultant profile; anyone else gets 403):
``/account/consultant/sessions/``, ``schedule/``, ``earnings/``, ``profile/``.

Views only read (``portal.selectors``) and call the owning apps' services; a service's
:class:`~magnetiq.exceptions.ApplicationError` becomes a form error or a page message. Times are
shown in the booking's or consultant's zone, always named with its offset.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms import TYPE_LABELS
from bookings.links import format_when, manage_url
from bookings.models import BookingStatus
from bookings.services import (
    availability_override_add,
    availability_override_delete,
    availability_set_weekly,
    availability_weekly,
)
from bookings.views import STATUS_LABELS
from consultants.photos import consultant_photo_set, photo_image
from consultants.services.profiles import CONSULTANT_SELF_EDITABLE_FIELDS, consultant_update
from leads.models import ConsentKind
from leads.services import lead_consent_state, lead_consent_withdraw
from magnetiq.exceptions import ApplicationError
from magnetiq.translation import pick_language, request_language
from payouts.services import consultant_earnings as earnings_summary

from . import exports, selectors
from .forms import AccountDeleteForm, ConsentWithdrawForm, OverrideForm, PhotoForm, ProfileForm, WeeklyScheduleForm
from .services import account_erase

#: The visitor-facing names of the webinar registration statuses.
REGISTRATION_LABELS = {
    "registered": gettext_lazy("Registered"),
    "waitlisted": gettext_lazy("On the waiting list"),
    "cancelled": gettext_lazy("Cancelled"),
}


def _booking_row(booking, now) -> dict:
    """One booking for the account list: an owned booking links to its page (the owner may open
    it), a guest booking found by a verified address links with its manage token while it is ahead."""
    upcoming = booking.end > now
    if booking.client_user_id is not None:
        url = reverse("bookings:manage", args=[booking.reference])
    else:
        url = manage_url(booking) if upcoming else ""
    return {
        "booking": booking,
        "when": format_when(booking.start, booking.timezone or "UTC"),
        "status_label": STATUS_LABELS.get(booking.status, booking.status),
        "type_label": TYPE_LABELS.get(booking.booking_type, booking.booking_type),
        "url": url,
        "upcoming": upcoming,
        "as_guest": booking.client_user_id is None,
    }


def _account_context(request, active: str) -> dict:
    return {"active": active, "consultant": selectors.consultant_of(request.user)}


@login_required
def account(request):
    """``/account/``: upcoming bookings (soonest first), past ones (latest first), webinar
    registrations and whitepaper downloads."""
    owner = selectors.owner_of(request.user)
    lang = request_language(request)
    now = timezone.now()
    rows = [_booking_row(booking, now) for booking in selectors.account_bookings(owner)]
    registrations = [
        {
            "registration": registration,
            "title": pick_language(registration.webinar.title, lang),
            "when": format_when(registration.webinar.starts_at, registration.webinar.timezone or "UTC"),
            "status_label": REGISTRATION_LABELS.get(registration.status, registration.status),
            "cancel_url": registration.get_cancel_url()
            if registration.status != "cancelled" and registration.webinar.starts_at > now
            else "",
        }
        for registration in selectors.account_registrations(owner)
    ]
    downloads = [
        {
            "title": pick_language(download.whitepaper.title, lang),
            "url": download.whitepaper.get_absolute_url(lang),
            "when": download.downloaded_at,
        }
        for download in selectors.account_downloads(owner)
    ]
    return render(
        request,
        "portal/account.html",
        {
            **_account_context(request, "account"),
            "upcoming": sorted((r for r in rows if r["upcoming"]), key=lambda r: r["booking"].start),
            "past": [r for r in rows if not r["upcoming"]],
            "registrations": registrations,
            "downloads": downloads,
            "verified": owner.emails,
            "login_verified": request.user.email.strip().lower() in owner.emails,
        },
    )


#: The consultant-facing names of the payout states.
PAYOUT_LABELS = {
    "pending": gettext_lazy("Prepared"),
    "processing": gettext_lazy("On its way"),
    "completed": gettext_lazy("Paid"),
    "failed": gettext_lazy("Failed, we are on it"),
    "cancelled": gettext_lazy("Cancelled"),
}

#: The visitor-facing names of the consent kinds.
CONSENT_LABELS = {
    ConsentKind.TERMS: gettext_lazy("Terms and privacy policy"),
    ConsentKind.MARKETING: gettext_lazy("E-mails about new whitepapers, webinars and offers"),
}


@login_required
@require_http_methods(["GET", "POST"])
def consents(request):
    """``/account/consents/``: the consents of the account's addresses; POST withdraws the marketing
    consent of one of them (``leads.services.lead_consent_withdraw``)."""
    owner = selectors.owner_of(request.user)
    leads = {lead.pk: lead for lead in selectors.account_leads(owner)}
    if request.method == "POST":
        form = ConsentWithdrawForm(request.POST)
        lead = leads.get(form.cleaned_data["lead"]) if form.is_valid() else None
        if lead is None:
            messages.error(request, _("That consent is not one of yours."))
            return redirect("portal:consents")
        try:
            withdrawn = lead_consent_withdraw(
                lead=lead, kind=form.cleaned_data["kind"], source="account", actor=request.user
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if withdrawn is None:
                messages.info(request, _("That consent was already withdrawn."))
            else:
                messages.success(request, _("Your consent is withdrawn. We will not send you marketing e-mails."))
        return redirect("portal:consents")
    rows = []
    for lead in leads.values():
        for kind, consent in lead_consent_state(lead).items():
            rows.append(
                {
                    "lead": lead,
                    "kind": kind,
                    "label": CONSENT_LABELS.get(kind, kind),
                    "consent": consent,
                    "withdrawable": kind == ConsentKind.MARKETING and consent is not None and consent.granted,
                }
            )
    return render(
        request,
        "portal/consents.html",
        {**_account_context(request, "consents"), "rows": rows, "verified": owner.emails},
    )


@login_required
def data(request):
    """``/account/data/``: what the export holds, the download button and the way to deletion."""
    return render(request, "portal/data.html", _account_context(request, "data"))


@login_required
@require_POST
def data_export(request):
    """POST ``/account/data/export/``: the personal-data JSON (``portal.exports``) as a download.
    A POST, so a link elsewhere cannot make the browser fetch someone's data into a page."""
    body = exports.personal_data_json(request.user)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="magnetiq-personal-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request):
    """``/account/delete/``: the confirmation step; POST with the box ticked erases the account
    (``portal.services.account_erase``), signs the person out and shows the home page."""
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account_erase(user=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            logout(request)
            messages.success(request, _("Your account and personal data are deleted."))
            lang = request_language(request)
            return redirect("/" if lang == settings.LANGUAGE_CODE else f"/{lang}/")
    owner = selectors.owner_of(request.user)
    consultant = selectors.consultant_of(request.user)
    return render(
        request,
        "portal/delete.html",
        {
            **_account_context(request, "data"),
            "form": form,
            "blocked": selectors.has_upcoming_bookings(owner, consultant),
        },
        status=422 if request.method == "POST" and form.errors else 200,
    )


# --- consultant self-service ---------------------------------------------------------------------


def _consultant_or_403(request):
    consultant = selectors.consultant_of(request.user)
    if consultant is None:
        raise PermissionDenied(_("These pages are for consultants."))
    return consultant


def _consultant_context(request, consultant, active: str) -> dict:
    return {"active": active, "consultant": consultant}


@login_required
def consultant_sessions(request):
    """``/account/consultant/sessions/``: the consultant's sessions ahead, soonest first, each in
    the consultant's zone with a link to the booking page."""
    consultant = _consultant_or_403(request)
    zone = consultant.timezone or "UTC"
    rows = [
        {
            "booking": booking,
            "when": format_when(booking.start, zone),
            "status_label": STATUS_LABELS.get(booking.status, booking.status),
            "type_label": TYPE_LABELS.get(booking.booking_type, booking.booking_type),
            "url": reverse("bookings:manage", args=[booking.reference]),
            "awaiting_payment": booking.status == BookingStatus.PENDING_PAYMENT,
        }
        for booking in selectors.upcoming_sessions(consultant)
    ]
    return render(
        request,
        "portal/consultant_sessions.html",
        {**_consultant_context(request, consultant, "sessions"), "rows": rows, "zone": zone},
    )


def _place_errors(form, exc: ApplicationError, field_of=lambda name: name) -> None:
    placed = False
    for detail in exc.details:
        field = field_of(detail.get("field") or "")
        if field in form.fields:
            form.add_error(field, detail.get("message") or exc.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _schedule_field(name: str) -> str:
    """``schedule.monday.0`` (the service's error field) → ``monday`` (the form's)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "schedule" else name


@login_required
@require_http_methods(["GET", "POST"])
def consultant_schedule(request):
    """``/account/consultant/schedule/``: weekly hours (POST ``action=weekly`` →
    ``availability_set_weekly``), days off and extra hours (``action=override`` →
    ``availability_override_add``; ``action=remove`` → ``availability_override_delete``). A bad
    interval is shown on its day's field (422)."""
    consultant = _consultant_or_403(request)
    action = request.POST.get("action") if request.method == "POST" else None
    weekly = WeeklyScheduleForm(
        request.POST if action == "weekly" else None,
        initial=WeeklyScheduleForm.initial_from(availability_weekly(consultant)),
    )
    override = OverrideForm(request.POST if action == "override" else None)
    status = 200
    if action == "weekly" and weekly.is_valid():
        try:
            availability_set_weekly(consultant=consultant, schedule=weekly.schedule(), actor=request.user)
        except ApplicationError as exc:
            _place_errors(weekly, exc, _schedule_field)
        else:
            messages.success(request, _("Your weekly hours are saved."))
            return redirect("portal:consultant-schedule")
    elif action == "override" and override.is_valid():
        try:
            availability_override_add(consultant=consultant, actor=request.user, **override.cleaned_data)
        except ApplicationError as exc:
            _place_errors(override, exc)
        except ValidationError as exc:
            override.add_error(None, exc)
        else:
            messages.success(request, _("The date is saved."))
            return redirect("portal:consultant-schedule")
    elif action == "remove":
        try:
            availability_override_delete(
                consultant=consultant, override_id=int(request.POST.get("override") or 0), actor=request.user
            )
        except (ApplicationError, ValueError):
            messages.error(request, _("That date is not in your schedule."))
        else:
            messages.success(request, _("The date is removed."))
        return redirect("portal:consultant-schedule")
    if weekly.errors or override.errors:
        status = 422
    today = timezone.now().astimezone(ZoneInfo(consultant.timezone or "UTC")).date()
    overrides = consultant.availability_overrides.filter(date__gte=today).order_by("date", "start_time")
    return render(
        request,
        "portal/consultant_schedule.html",
        {
            **_consultant_context(request, consultant, "schedule"),
            "weekly": weekly,
            "override": override,
            "overrides": overrides,
            "zone": consultant.timezone or "UTC",
        },
        status=status,
    )


@login_required
def consultant_earnings(request):
    """``/account/consultant/earnings/``: earnings per currency (``payouts.services.consultant_earnings``,
    from the ledger) and the payouts, latest first."""
    consultant = _consultant_or_403(request)
    return render(
        request,
        "portal/consultant_earnings.html",
        {
            **_consultant_context(request, consultant, "earnings"),
            "currencies": earnings_summary(consultant=consultant, now=timezone.now()),
            "payouts": [
                {"payout": payout, "status_label": PAYOUT_LABELS.get(payout.status, payout.status)}
                for payout in consultant.payouts.order_by("-payout_period_start", "-pk")[:36]
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultant_profile(request):
    """``/account/consultant/profile/``: the fields a consultant edits themself
    (``CONSULTANT_SELF_EDITABLE_FIELDS``) through ``consultants.services.profiles.consultant_update``,
    and their photo (upload or removal) through ``consultants.photos.consultant_photo_set``, which
    checks the file (``validate_photo``) and makes the crops.

    Both writes are one transaction: a photo the service refuses (its ``ValidationError``, shown on
    the photo field) leaves the profile and the current photo as they were, with a 422.
    """
    consultant = _consultant_or_403(request)
    initial = {field: getattr(consultant, field) for field in CONSULTANT_SELF_EDITABLE_FIELDS}
    posted = request.method == "POST"
    form = ProfileForm(request.POST if posted else None, initial=initial)
    photo_form = PhotoForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid() and photo_form.is_valid():
        values = {field: form.cleaned_data[field] for field in CONSULTANT_SELF_EDITABLE_FIELDS}
        for name in ("title", "company", "phone", "linkedin_url"):
            values[name] = values[name] or ""
        photo = photo_form.change()
        previous = consultant.photo.name if consultant.photo else ""
        try:
            with transaction.atomic():
                consultant_update(consultant=consultant, data=values)
                if photo is not None and (photo or previous):
                    consultant_photo_set(consultant=consultant, photo=photo, previous=previous)
        except ValidationError as exc:
            # The refused values may still be on the instance: show what is stored.
            consultant.refresh_from_db()
            for field, errors in exc.message_dict.items():
                if field in photo_form.fields:
                    photo_form.add_error(field, errors)
                else:
                    form.add_error(field if field in form.fields else None, errors)
        except ApplicationError as exc:
            consultant.refresh_from_db()
            _place_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal:consultant-profile")
    return render(
        request,
        "portal/consultant_profile.html",
        {
            **_consultant_context(request, consultant, "profile"),
            "form": form,
            "photo_form": photo_form,
            "photo": photo_image(consultant, "card"),
        },
        status=422 if posted and (form.errors or photo_form.errors) else 200,
    )
