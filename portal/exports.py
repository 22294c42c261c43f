"""The signed-in person's personal-data export (GDPR Art. 15 and 20): one JSON document.

Shape (times ISO 8601 in UTC, amounts as decimal strings in the named currency)::

    {"format": "magnetiq-personal-data/1", "exported_at",
     "account": {id, email, first_name, last_name, role, date_joined, last_login,
                 email_addresses: [{email, verified, primary}]},
     "leads": [<leads.services.lead_export_personal_data of each lead of a verified address>],
     "bookings": [{reference, consultant, booking_type, start, end, duration_minutes, timezone,
                   language, status, client_name, client_email, client_phone, client_company,
                   questions, payment_amount, payment_currency, payment_status, created_at}],
     "webinar_registrations": [{webinar, starts_at, status, first_name, last_name, email,
                                company, registered_at, attended}],
     "whitepaper_downloads": [{whitepaper, downloaded_at}],
     "reviews": [{booking, consultant, rating, text, language, author_name, status, created_at}],
     "consultant": null | {profile fields, "researcher": null | {affiliation, achievements,
                                                                  research_areas},
                           "payouts": [{period_start, period_end, amount, currency, status,
                                        processed_date}]}}

The leads part is the leads app's own export (the one staff run for an access request), so both
give the same answer about a lead.
"""

from __future__ import annotations

import json
from typing import Any

from allauth.account.models import EmailAddress
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from consulting.models import ResearcherProfile
from leads.services import lead_export_personal_data
from reviews.models import Review

from . import selectors

FORMAT = "magnetiq-personal-data/1"

#: The consultant profile fields the export carries (what the person entered or was shown as).
CONSULTANT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company",
    "bio",
    "expertise_areas",
    "languages",
    "years_experience",
    "hourly_rate",
    "currency",
    "linkedin_url",
    "timezone",
    "status",
    "created_at",
)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _account(user) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "date_joined": _iso(user.created_at),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
    }


def _bookings(owner: selectors.Owner) -> list[dict[str, Any]]:
    return [
        {
            "reference": booking.reference,
            "consultant": booking.consultant.full_name,
            "booking_type": booking.booking_type,
            "start": _iso(booking.start),
            "end": _iso(booking.end),
            "duration_minutes": booking.duration_minutes,
            "timezone": booking.timezone,
            "language": booking.language,
            "status": booking.status,
            "client_name": booking.client_name,
            "client_email": booking.client_email,
            "client_phone": booking.client_phone,
            "client_company": booking.client_company,
            "questions": booking.questions,
            "payment_amount": str(booking.payment_amount),
            "payment_currency": booking.payment_currency,
            "payment_status": booking.payment_status,
            "created_at": _iso(booking.created_at),
        }
        for booking in selectors.account_bookings(owner).order_by("start", "pk")
    ]


def _registrations(owner: selectors.Owner) -> list[dict[str, Any]]:
    return [
        {
            "webinar": registration.webinar.title,
            "starts_at": _iso(registration.webinar.starts_at),
            "status": registration.status,
            "first_name": registration.first_name,
            "last_name": registration.last_name,
            "email": registration.email,
            "company": registration.company,
            "registered_at": _iso(registration.created_at),
            "attended": registration.attended,
        }
        for registration in selectors.account_registrations(owner)
    ]


def _downloads(owner: selectors.Owner) -> list[dict[str, Any]]:
    return [
        {"whitepaper": download.whitepaper.title, "downloaded_at": _iso(download.downloaded_at)}
        for download in selectors.account_downloads(owner)
    ]


def _reviews(owner: selectors.Owner) -> list[dict[str, Any]]:
    """The reviews written on their bookings (the rating page of each completed session)."""
    reviews = Review.objects.filter(booking__in=selectors.account_bookings(owner)).select_related(
        "booking", "consultant"
    )
    return [
        {
            "booking": review.booking.reference,
            "consultant": review.consultant.full_name,
            "rating": review.rating,
            "text": review.text,
            "language": review.language,
            "author_name": review.author_name,
            "status": review.status,
            "created_at": _iso(review.created_at),
        }
        for review in reviews.order_by("created_at", "pk")
    ]


def _consultant(user) -> dict[str, Any] | None:
    consultant = selectors.consultant_of(user)
    if consultant is None:
        return None
    profile: dict[str, Any] = {field: getattr(consultant, field) for field in CONSULTANT_FIELDS}
    profile["created_at"] = _iso(consultant.created_at)
    profile["hourly_rate"] = None if consultant.hourly_rate is None else str(consultant.hourly_rate)
    researcher = ResearcherProfile.objects.filter(consultant=consultant).first()
    profile["researcher"] = (
        None
        if researcher is None
        else {
            "affiliation": researcher.affiliation,
            "achievements": researcher.achievements,
            "research_areas": researcher.research_areas,
        }
    )
    profile["payouts"] = [
        {
            "period_start": _iso(payout.payout_period_start),
            "period_end": _iso(payout.payout_period_end),
            "amount": str(payout.amount),
            "currency": payout.currency,
            "status": payout.status,
            "processed_date": _iso(payout.processed_date),
        }
        for payout in consultant.payouts.order_by("payout_period_start", "pk")
    ]
    return profile


def personal_data_export(user) -> dict[str, Any]:
    """Everything Magnetiq holds about the signed-in ``user`` (see the module docstring's shape)."""
    owner = selectors.owner_of(user)
    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "account": _account(user),
        "leads": [lead_export_personal_data(lead=lead) for lead in selectors.account_leads(owner)],
        "bookings": _bookings(owner),
        "webinar_registrations": _registrations(owner),
        "whitepaper_downloads": _downloads(owner),
        "reviews": _reviews(owner),
        "consultant": _consultant(user),
    }


def personal_data_json(user) -> bytes:
    """:func:`personal_data_export` as indented UTF-8 JSON."""
    return json.dumps(personal_data_export(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
