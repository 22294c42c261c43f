"""Staff handling of disputes (spec 000 ``POST /admin/payments/disputes/{id}/resolve``) and the
query the payouts use to hold back disputed money.

Who decides what:

- Stripe decides a dispute's ``status`` (``needs_response`` → ``under_review`` → ``won``/``lost``);
  it reaches us through ``charge.dispute.*`` webhooks or a "Refresh from Stripe"
  (:func:`payments.services.dispute_refresh`). Staff never set it by hand.
- Staff *resolve* a dispute on our side: they record what they did — ``accepted`` (we do not contest
  it), ``evidence_submitted`` (evidence sent in Stripe's dashboard) or ``noted`` (any other
  remark) — with notes. :func:`dispute_resolve` stamps ``resolved_at``/``resolved_by`` and appends a
  dated line to ``notes``; it may be called again (each call adds a line and moves the stamp).
- A dispute holds back the consultant's payout for its booking while Stripe has it open
  (:data:`payments.models.OPEN_DISPUTE_STATUSES`), whether or not staff resolved it:
  :func:`bookings_with_open_disputes`.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import ConsultationBooking
from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from payments.models import Dispute


class DisputeResolution(models.TextChoices):
    ACCEPTED = "accepted", "Accepted (not contested)"
    EVIDENCE_SUBMITTED = "evidence_submitted", "Evidence submitted"
    NOTED = "noted", "Noted"


def dispute_resolve(*, dispute: Dispute, resolution: str, notes: str = "", actor=None) -> Dispute:
    """Record staff's handling of ``dispute``: ``resolution`` (:class:`DisputeResolution`) and ``notes``.

    Appends ``"<UTC time> <actor e-mail>: <resolution> — <notes>"`` to ``Dispute.notes`` and sets
    ``resolved_at`` (now) and ``resolved_by``. Stripe's status is left as it is. Raises
    ``InvalidInput`` (422) for an unknown resolution.
    """
    if resolution not in DisputeResolution.values:
        raise InvalidInput(
            _("Unknown resolution %(resolution)s.") % {"resolution": repr(resolution)},
            details=[{"field": "resolution", "message": _("Not a valid choice."), "code": "invalid_choice"}],
        )
    now = timezone.now()
    author = getattr(actor, "email", "") if getattr(actor, "is_authenticated", False) else "system"
    line = f"{now:%Y-%m-%d %H:%M} UTC {author}: {DisputeResolution(resolution).label}"
    if notes.strip():
        line += f" — {notes.strip()}"
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        dispute.notes = f"{dispute.notes}\n{line}".strip()
        dispute.resolved_at = now
        dispute.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
        dispute.full_clean(validate_constraints=False)
        dispute.save(update_fields=["notes", "resolved_at", "resolved_by", "updated_at"])
        log_action(
            dispute,
            "payments.dispute.resolved",
            actor=actor,
            data={"resolution": resolution, "status": dispute.status, "dispute_id": dispute.dispute_id},
        )
    return dispute


def bookings_with_open_disputes() -> models.QuerySet[ConsultationBooking]:
    """Bookings one of whose payments has a dispute Stripe still has open (the payouts skip these,
    the rule: "an open dispute holds back the consultant's payout for that booking")."""
    return ConsultationBooking.objects.filter(
        pk__in=Dispute.objects.open().filter(payment__booking__isnull=False).values("payment__booking_id")
    )
