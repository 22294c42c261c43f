"""Who a campaign goes to: the segment definition and the recipients it selects.

A segment is JSON (``Campaign.segment``)::

    {"audience": "leads" | "webinar_registrants" | "clients",
     "min_score": 40,                 # leads whose score is at least this (optional)
     "qualified": true,               # only qualified (true) or unqualified (false) leads (optional)
     "sources": ["whitepaper"],       # leads first captured by one of these (optional)
     "tags": ["manufacturing"],       # leads staff tagged with at least one of these (optional)
     "webinar_ids": [3, 7]}           # webinar_registrants: of these webinars only (optional)

``leads``: every lead matching the filters; ``webinar_registrants``: people registered or on the
waiting list of a webinar; ``clients``: people with a confirmed or completed booking. Whatever the
audience, a recipient is a lead (every capture form creates one) whose marketing consent is in force
(``leads.selectors.with_marketing_consent``) and whose address is not on the do-not-contact list;
the lead filters apply to every audience.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from bookings.models import BookingStatus, ConsultationBooking
from leads.models import Lead
from leads.selectors import suppressed_emails, with_marketing_consent
from leads.services import normalise_tags
from magnetiq.exceptions import InvalidInput
from webinars.models import ACTIVE_REGISTRATION_STATUSES, WebinarRegistration

AUDIENCES = ("leads", "webinar_registrants", "clients")
_KEYS = {"audience", "min_score", "qualified", "sources", "tags", "webinar_ids"}


def _invalid(key: str, message: str) -> InvalidInput:
    return InvalidInput(message, details=[{"field": f"segment.{key}", "message": message, "code": "invalid"}])


def validate_segment(segment) -> dict:
    """The segment normalised (unknown keys refused, types checked); raises :class:`InvalidInput`
    (422) with ``details[].field`` ``"segment.<key>"``."""
    if not isinstance(segment, dict):
        raise _invalid("audience", _("The segment must be a JSON object."))
    unknown = sorted(set(segment) - _KEYS)
    if unknown:
        raise _invalid(unknown[0], _("Unknown segment key."))
    audience = segment.get("audience", "leads")
    if audience not in AUDIENCES:
        raise _invalid("audience", _("Choose one of: %(choices)s.") % {"choices": ", ".join(AUDIENCES)})
    result: dict = {"audience": audience}
    min_score = segment.get("min_score")
    if min_score is not None:
        if isinstance(min_score, bool) or not isinstance(min_score, int) or abs(min_score) > 1_000_000:
            raise _invalid("min_score", _("Give a whole number."))
        result["min_score"] = min_score
    qualified = segment.get("qualified")
    if qualified is not None:
        if not isinstance(qualified, bool):
            raise _invalid("qualified", _("Give true or false."))
        result["qualified"] = qualified
    for key, kind in (("sources", str), ("webinar_ids", int)):
        values = segment.get(key)
        if values is None:
            continue
        if (
            not isinstance(values, list)
            or len(values) > 100
            or not all(isinstance(v, kind) and not isinstance(v, bool) for v in values)
            or any(isinstance(v, str) and not 0 < len(v) <= 50 for v in values)
            or any(isinstance(v, int) and not 0 < v < 2**63 for v in values)
        ):
            raise _invalid(key, _("Give a list of at most 100 values of the right type."))
        result[key] = values
    if "tags" in segment:
        try:
            # Tags are stored normalised (leads.services.normalise_tags): compare like with like.
            result["tags"] = normalise_tags(segment["tags"])
        except InvalidInput as error:
            raise _invalid("tags", error.message) from None
        if not result["tags"]:
            del result["tags"]
    if "webinar_ids" in result and audience != "webinar_registrants":
        raise _invalid("webinar_ids", _("Only a webinar audience can name webinars."))
    return result


@dataclass(frozen=True)
class Recipient:
    lead_id: int
    email: str
    first_name: str
    last_name: str
    language: str


def recipients(segment: dict) -> list[Recipient]:
    """The people the segment selects right now (see the module docstring), ordered by lead id;
    each address once."""
    segment = validate_segment(segment)
    leads = with_marketing_consent(Lead.objects.active())
    if "min_score" in segment:
        leads = leads.filter(score__gte=segment["min_score"])
    if "qualified" in segment:
        leads = leads.filter(is_qualified=segment["qualified"])
    if segment.get("sources"):
        leads = leads.filter(source__in=segment["sources"])
    rows = list(leads.order_by("id").values_list("id", "email", "first_name", "last_name", "language", "tags"))
    if segment.get("tags"):
        # Any of the tags. Matched here rather than in SQL: JSON containment is not portable
        # between SQLite and PostgreSQL, and the lead filters above have already narrowed the rows.
        wanted = set(segment["tags"])
        rows = [row for row in rows if wanted.intersection(row[5] or [])]
    if segment["audience"] == "webinar_registrants":
        registrations = WebinarRegistration.objects.filter(status__in=ACTIVE_REGISTRATION_STATUSES)
        if segment.get("webinar_ids"):
            registrations = registrations.filter(webinar_id__in=segment["webinar_ids"])
        allowed = {email.lower() for email in registrations.values_list("email", flat=True)}
        rows = [row for row in rows if row[1].lower() in allowed]
    elif segment["audience"] == "clients":
        bookings = ConsultationBooking.objects.filter(status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED])
        allowed = {email.lower() for email in bookings.values_list("client_email", flat=True)}
        rows = [row for row in rows if row[1].lower() in allowed]
    suppressed = suppressed_emails(row[1] for row in rows)
    seen: set[str] = set()
    result = []
    for lead_id, email, first_name, last_name, language, _tags in rows:
        email = email.strip().lower()
        if email in suppressed or email in seen:
            continue
        seen.add(email)
        result.append(Recipient(lead_id, email, first_name, last_name, language or "en"))
    return result
