"""Every write to a consultant's profile goes through here (the services room of ``docs/architecture.md``).

The admin, the ``/api/v1/admin/consultants`` endpoints and ``manage.py import_consultants`` call
these functions, so the rules hold whichever door a change comes through: field rules live on the
model (``consultants/validators.py``), ``full_clean()`` runs before every save, the e-mail is
unique among non-deleted consultants (→ :class:`ConsultantEmailTaken`, 409) and the slug is
generated from the name and de-duplicated.
"""

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from consultants.exceptions import ConsultantDeleted, ConsultantEmailTaken, ConsultantNotFound
from consultants.models import Consultant, ConsultantStatus
from magnetiq.slugs import unique_slug

logger = logging.getLogger(__name__)

#: The profile fields a staff edit may set (the admin API's writable fields, in its order).
CONSULTANT_PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "bio",
    "title",
    "company",
    "expertise_areas",
    "years_experience",
    "hourly_rate",
    "currency",
    "consultation_types",
    "languages",
    "linkedin_url",
    "profile_image_url",
    "portfolio_images",
    "resume_url",
    "is_featured",
    "is_verified",
    "verification_notes",
    "timezone",
    "availability_schedule",
    "booking_buffer_minutes",
    "max_bookings_per_day",
    "meta_description",
    "keywords",
)
#: The profile fields a consultant edits themself (their profile page); e-mail, rate, currency,
#: verification, featuring, booking limits and the search-engine texts stay with staff.
CONSULTANT_SELF_EDITABLE_FIELDS = (
    "title",
    "company",
    "phone",
    "bio",
    "expertise_areas",
    "languages",
    "years_experience",
    "linkedin_url",
    "timezone",
)
#: Fields a caller may set through create/update: the profile, plus what trusted flows set (the
#: account link, the status, the slug, the calendar, and the metrics the importer carries over).
#: Payment/KYC state and timestamps are written by their own flows, never by a profile edit; the
#: rating (``average_rating``, ``total_reviews``) only by :func:`consultant_set_rating`, from the
#: approved reviews.
EDITABLE_FIELDS = frozenset(
    {
        *CONSULTANT_PROFILE_FIELDS,
        "user",
        "status",
        "calendar_integration",
        "total_consultations",
        "response_time_hours",
        "slug",
    }
)


def _check_fields(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "email" in data and isinstance(data["email"], str):
        data["email"] = data["email"].strip().lower()
    for name in ("expertise_areas", "consultation_types", "keywords"):
        if isinstance(data.get(name), list):
            data[name] = _dedupe_tags(data[name])
    return data


def _dedupe_tags(tags: Iterable[Any]) -> list[Any]:
    """Strip whitespace and drop case-insensitive repeats, keeping the first spelling and the order."""
    seen: set[str] = set()
    out: list[Any] = []
    for tag in tags:
        if not isinstance(tag, str):
            out.append(tag)  # left for the validator to reject with a proper message
            continue
        tag = tag.strip()
        if tag.lower() not in seen:
            seen.add(tag.lower())
            out.append(tag)
    return out


def email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    """Whether a non-deleted consultant other than ``exclude_pk`` uses ``email`` (any case)."""
    qs = Consultant.objects.alive().filter(email__iexact=(email or "").strip())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def consultant_unique_slug(first_name: str, last_name: str, *, exclude_pk: int | None = None) -> str:
    """``anna-schmidt``, or ``anna-schmidt-2``, ``-3``… when taken (soft-deleted ones keep theirs)."""
    return unique_slug(
        Consultant.objects.all(), f"{first_name} {last_name}", fallback="consultant", exclude_pk=exclude_pk
    )


def consultant_build(*, data: dict[str, Any], instance: Consultant | None = None) -> Consultant:
    """Apply ``data`` to ``instance`` (or a new consultant) and validate it, without saving.

    The single validation path (model validators, constraints, e-mail uniqueness) shared by the
    create/update services and the importer's dry pass. Raises ``ValidationError`` (a dict of
    field → messages) or :class:`ConsultantEmailTaken`.
    """
    _check_fields(data)
    data = _normalise(data)
    consultant = instance if instance is not None else Consultant()
    for name, value in data.items():
        setattr(consultant, name, value)
    if email_taken(consultant.email, exclude_pk=consultant.pk):
        raise ConsultantEmailTaken(
            details=[{"field": "email", "message": ConsultantEmailTaken.message, "code": "taken"}]
        )
    exclude = [] if consultant.slug else ["slug"]
    consultant.full_clean(exclude=exclude)
    return consultant


def _save(consultant: Consultant) -> Consultant:
    try:
        with transaction.atomic():
            consultant.save()
    except IntegrityError as exc:
        # Lost a race with another writer for the same e-mail: same answer as the check above.
        if "email" in str(exc).lower() or "consultant_email_unique_alive" in str(exc):
            raise ConsultantEmailTaken() from exc
        raise
    return consultant


@transaction.atomic
def consultant_create(*, first_name: str, last_name: str, email: str, **fields: Any) -> Consultant:
    """Create a consultant (status ``pending`` unless given); the slug comes from the name.

    ``fields``: any of :data:`EDITABLE_FIELDS`. Raises ``ValidationError`` per field,
    :class:`ConsultantEmailTaken` (409) when a non-deleted consultant has the e-mail.
    """
    data = {"first_name": first_name, "last_name": last_name, "email": email, **fields}
    consultant = consultant_build(data=data)
    if not consultant.slug:
        consultant.slug = consultant_unique_slug(consultant.first_name, consultant.last_name)
    _save(consultant)
    logger.info("consultant.created id=%s email=%s", consultant.pk, consultant.email)
    return consultant


@transaction.atomic
def consultant_update(*, consultant: Consultant, data: dict[str, Any]) -> Consultant:
    """Change the given fields of a non-deleted consultant and return it.

    A changed e-mail must stay unique (→ :class:`ConsultantEmailTaken`, 409); an explicit empty
    ``slug`` is regenerated from the (new) name. Raises ``ValidationError`` per field and
    :class:`ConsultantDeleted` for a soft-deleted consultant.
    """
    if consultant.deleted_at is not None:
        raise ConsultantDeleted()
    consultant_build(data=data, instance=consultant)
    if not consultant.slug:
        consultant.slug = consultant_unique_slug(consultant.first_name, consultant.last_name, exclude_pk=consultant.pk)
    _save(consultant)
    logger.info("consultant.updated id=%s fields=%s", consultant.pk, ",".join(sorted(data)))
    return consultant


@transaction.atomic
def consultant_set_status(*, consultant: Consultant, status: str, verification_notes: str | None = None) -> Consultant:
    """Move a consultant to ``status`` (any of ``ConsultantStatus``); only ``active`` ones are public.

    ``verification_notes``, when given, replaces the notes (why it was rejected or suspended).
    Raises ``ValidationError`` for an unknown status, :class:`ConsultantDeleted` when soft-deleted.
    """
    if status not in ConsultantStatus.values:
        raise ValidationError(
            {
                "status": _("Unknown status “%(status)s”; use one of %(choices)s.")
                % {"status": status, "choices": ", ".join(ConsultantStatus.values)}
            }
        )
    data: dict[str, Any] = {"status": status}
    if verification_notes is not None:
        data["verification_notes"] = verification_notes
    previous = consultant.status
    consultant = consultant_update(consultant=consultant, data=data)
    logger.info("consultant.status_changed id=%s from=%s to=%s", consultant.pk, previous, status)
    return consultant


@transaction.atomic
def consultant_feature(*, consultant: Consultant, featured: bool = True) -> Consultant:
    """Put a consultant on (or take them off) the featured list."""
    return consultant_update(consultant=consultant, data={"is_featured": featured})


@transaction.atomic
def consultant_delete(*, consultant: Consultant, now=None) -> Consultant:
    """Soft-delete: set ``deleted_at`` and status ``inactive`` (spec 000 "Deactivate consultant").

    The profile disappears from the directory and the staff API (404) while its bookings, payouts
    and reviews keep pointing at it; the e-mail becomes free for a new profile. Idempotent.
    """
    if consultant.deleted_at is None:
        consultant.deleted_at = now or timezone.now()
        consultant.status = ConsultantStatus.INACTIVE
        consultant.is_featured = False
        consultant.save(update_fields=["deleted_at", "status", "is_featured", "updated_at"])
        logger.info("consultant.deleted id=%s", consultant.pk)
    return consultant


_UNSET: Any = object()


def consultant_set_payout_state(
    *,
    consultant: Consultant,
    stripe_account_id: str = _UNSET,
    payment_setup_status: str = _UNSET,
    kyc_status: str = _UNSET,
    bank_account_verified: bool = _UNSET,
    verification_notes: str = _UNSET,
) -> list[str]:
    """Write the payout state the payouts app keeps on a consultant (the Stripe Connect account id,
    ``PaymentSetupStatus``, ``KYCStatus``, whether the bank account is verified, the KYC notes).

    Only the arguments given are written, and only when they differ; the caller holds the row lock
    and decides the transitions (``payouts.services.setup``). Returns the changed field names (empty
    when nothing changed). Raises ``ValidationError`` for a value outside the field's choices.
    """
    given = {
        "stripe_account_id": stripe_account_id,
        "payment_setup_status": payment_setup_status,
        "kyc_status": kyc_status,
        "bank_account_verified": bank_account_verified,
        "verification_notes": verification_notes,
    }
    changed = [name for name, value in given.items() if value is not _UNSET and getattr(consultant, name) != value]
    if not changed:
        return []
    # Validate every value before touching the instance, so a refused call leaves it as it was.
    # These are concrete columns, never reverse relations (which have no ``clean``).
    fields = {name: cast("Field[Any, Any]", Consultant._meta.get_field(name)) for name in changed}
    values = {name: field.clean(given[name], consultant) for name, field in fields.items()}
    for name, value in values.items():
        setattr(consultant, name, value)
    consultant.save(update_fields=[*changed, "updated_at"])
    logger.info("consultant.payout_state_changed id=%s fields=%s", consultant.pk, ",".join(changed))
    return changed


def consultant_set_totals(*, consultant: Consultant, total_consultations: int, total_revenue: Decimal) -> bool:
    """Store the consultant's figures as recounted from the rows by the payouts app: completed, paid
    sessions (a count) and their revenue (Decimal, the consultant's currency, payments minus
    refunds). Written only when they differ; returns ``True`` when they did."""
    if (consultant.total_consultations, consultant.total_revenue) == (total_consultations, total_revenue):
        return False
    consultant.total_consultations, consultant.total_revenue = total_consultations, total_revenue
    consultant.save(update_fields=["total_consultations", "total_revenue", "updated_at"])
    return True


def consultant_set_rating(*, consultant_id: int, average: Decimal | None, total: int) -> bool:
    """Store the consultant's rating as recomputed from the approved reviews by the reviews app:
    ``average`` (Decimal 1–5, two places; None without approved reviews) and ``total`` (how many).

    The caller holds the consultant's row lock (``select_for_update`` inside ``transaction.atomic``)
    and computed both figures from the rows under it, so concurrent moderations never store a stale
    pair. Written only when they differ; returns ``True`` when they did. Raises ``ValidationError``
    for an average outside 0–5.
    """
    if average is not None:
        average = average.quantize(Decimal("0.01"))
        if not Decimal(0) <= average <= Decimal(5):
            raise ValidationError({"average_rating": _("The average rating must be between 0 and 5.")})
    consultant = Consultant.objects.get(pk=consultant_id)
    if (consultant.average_rating, consultant.total_reviews) == (average, total):
        return False
    consultant.average_rating, consultant.total_reviews = average, total
    # A save (not a queryset update): the public pages' cache drops the profile on post_save.
    consultant.save(update_fields=["average_rating", "total_reviews", "updated_at"])
    logger.info("consultant.rating_set id=%s average=%s total=%s", consultant_id, average, total)
    return True


def consultant_get_alive(*, pk: int) -> Consultant:
    """A non-deleted consultant by id, or :class:`ConsultantNotFound` (404)."""
    consultant = Consultant.objects.alive().filter(pk=pk).first()
    if consultant is None:
        raise ConsultantNotFound()
    return consultant
