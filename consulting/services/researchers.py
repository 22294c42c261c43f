"""Researchers: registration from an outreach invitation, and the upsert of researchers collected
from OpenAlex (with their papers)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.services import user_create, user_email_set_verified
from bookings.services import availability_set_weekly, message_to_blocks
from consultants.models import Consultant, ConsultantStatus
from consultants.services import consultant_create, consultant_update
from consulting import openalex_gateway as openalex
from consulting.models import (
    OutreachState,
    Paper,
    ResearcherProfile,
    ResearcherSource,
)
from magnetiq.audit import log_action

from .outreach import _outreach_for_token

logger = logging.getLogger(__name__)


PLACEHOLDER_EMAIL_DOMAIN = "researchers.invalid"


def _split_name(name: str) -> tuple[str, str]:
    parts = " ".join((name or "").split()).rsplit(" ", 1)
    if len(parts) == 2:
        return parts[0][:100], parts[1][:100]
    return parts[0][:100], "(unknown)"


@dataclass(frozen=True)
class Registration:
    user: Any
    consultant: Consultant
    profile: ResearcherProfile


@transaction.atomic
def researcher_register(
    *,
    token: str,
    password: str,
    name: str,
    email: str = "",
    bio: str = "",
    expertise: list[str] | None = None,
    achievements: list[str] | None = None,
    availability: dict[str, list[str]] | None = None,
    rate: Decimal | None = None,
    affiliation: str = "",
    timezone_name: str = "UTC",
    now: datetime | None = None,
) -> Registration:
    """Redeem an outreach invitation (spec 004 "Register Researcher").

    Creates the user (role ``consultant``, the invitation's e-mail as login and verified: the
    token was sent only there), the consultant (status
    ``pending``: staff review a profile before it is public) and the researcher profile, sets the
    weekly availability (spec 004 shape), and marks the outreach ``accepted``. When the invitation
    was about a paper of a researcher collected from OpenAlex who has no account yet, that
    consultant is linked instead of creating a second one. All in one transaction.

    Raises :class:`InvitationInvalid` (404 forged/superseded), ``InvitationExpired`` (410),
    :class:`InvitationUsed` / :class:`InvitationDeclined` (400), ``EmailTaken`` (409) and
    ``ValidationError``/``BookingInvalid`` (422) for bad profile fields.
    """
    now = now or timezone.now()
    outreach = _outreach_for_token(token)
    if email and email.strip().lower() != outreach.researcher_email:
        raise ValidationError({"email": _("Use the e-mail address the invitation was sent to.")})
    first_name, last_name = _split_name(name)
    user = user_create(
        email=outreach.researcher_email,
        role=Role.CONSULTANT,
        first_name=first_name,
        last_name=last_name,
        password=password,
    )
    # The token came only to that address: opening it proves the researcher owns it.
    user_email_set_verified(user=user)
    fields: dict[str, Any] = {
        "first_name": first_name,
        "last_name": last_name,
        "user": user,
        "bio": {"en": message_to_blocks(bio)} if bio else {},
        "expertise_areas": list(expertise or []),
        "hourly_rate": rate,
        "timezone": timezone_name,
        "company": affiliation[:200],
    }
    collected = outreach.paper.researcher if outreach.paper else None
    if collected is not None and collected.consultant.user_id is None and collected.consultant.deleted_at is None:
        consultant = consultant_update(
            consultant=collected.consultant, data={**fields, "email": outreach.researcher_email}
        )
        profile = collected
    else:
        consultant = consultant_create(email=outreach.researcher_email, status=ConsultantStatus.PENDING, **fields)
        profile = ResearcherProfile(consultant=consultant, source=ResearcherSource.INVITATION)
    profile.achievements = list(achievements or [])
    if affiliation:
        profile.affiliation = affiliation[:255]
    profile.full_clean()
    profile.save()
    if availability:
        availability_set_weekly(consultant=consultant, schedule=availability, actor=user)
    outreach.state = OutreachState.ACCEPTED
    outreach.token_used_at = now
    outreach.consultant = consultant
    outreach.save(update_fields=["state", "token_used_at", "consultant", "updated_at"])
    log_action(outreach, "consulting.outreach.accepted", actor=user, data={"consultant_id": consultant.pk})
    return Registration(user=user, consultant=consultant, profile=profile)


# --- researchers collected from OpenAlex --------------------------------------------------------


def _placeholder_email(openalex_id: str) -> str:
    """OpenAlex publishes no e-mail addresses; ``Consultant.email`` is required, so collected
    researchers get an address in the reserved ``.invalid`` domain (RFC 2606) until they register."""
    return f"openalex-{openalex_id.lower()}@{PLACEHOLDER_EMAIL_DOMAIN}"


def _save_papers(profile: ResearcherProfile, works: list[openalex.WorkRecord]) -> int:
    """Upsert the works of ``profile`` by OpenAlex id (then DOI). A work already held by another
    researcher stays theirs (the first collected author is its primary researcher). Returns how
    many papers were written."""
    saved = 0
    for work in works:
        paper = Paper.objects.filter(openalex_id=work.openalex_id).first()
        if paper is None and work.doi:
            paper = Paper.objects.filter(doi=work.doi).first()
        if paper is not None and paper.researcher_id != profile.pk:
            continue
        paper = paper or Paper(researcher=profile)
        doi_taken = bool(work.doi) and Paper.objects.filter(doi=work.doi).exclude(pk=paper.pk).exists()
        paper.title = work.title
        paper.openalex_id = work.openalex_id
        paper.doi = "" if doi_taken else work.doi
        paper.year = work.year
        paper.venue = work.venue
        paper.url = work.url
        paper.abstract = work.abstract
        paper.cited_by_count = work.cited_by_count
        try:
            paper.full_clean(validate_constraints=False)
        except ValidationError as error:
            logger.info("consulting.collect.paper_skipped work=%s errors=%s", work.openalex_id, error.messages)
            continue
        paper.save()
        saved += 1
    return saved


def researcher_upsert_from_openalex(
    *, author: openalex.AuthorRecord, works: list[openalex.WorkRecord], now: datetime | None = None
) -> tuple[ResearcherProfile, bool, int]:
    """Create or update the researcher of one OpenAlex author, with their papers; idempotent.

    Matched by OpenAlex id, then by ORCID. A new researcher is a ``pending`` consultant (staff
    review before they are public) with a placeholder e-mail (:func:`_placeholder_email`); a known
    one keeps the consultant as staff or the researcher left it, and gets fresh affiliation,
    counts, research areas and papers. Returns ``(profile, created, papers written)``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        profile = ResearcherProfile.objects.select_for_update().filter(openalex_id=author.openalex_id).first()
        if profile is None and author.orcid:
            profile = ResearcherProfile.objects.select_for_update().filter(orcid=author.orcid).first()
        created = profile is None
        if profile is None:
            first_name, last_name = _split_name(author.name)
            consultant = consultant_create(
                first_name=first_name,
                last_name=last_name,
                email=_placeholder_email(author.openalex_id),
                status=ConsultantStatus.PENDING,
                company=(author.institution.name if author.institution else "")[:200],
                expertise_areas=author.research_areas,
            )
            profile = ResearcherProfile(consultant=consultant, source=ResearcherSource.OPENALEX)
        profile.openalex_id = author.openalex_id
        if author.orcid and not ResearcherProfile.objects.filter(orcid=author.orcid).exclude(pk=profile.pk).exists():
            profile.orcid = author.orcid
        if author.institution:
            profile.affiliation = author.institution.name
            profile.institution_openalex_id = author.institution.openalex_id
            profile.institution_ror = author.institution.ror
        profile.research_areas = author.research_areas
        profile.h_index = author.h_index
        profile.i10_index = author.i10_index
        profile.citation_count = author.citation_count
        profile.works_count = author.works_count
        profile.collected_at = now
        profile.full_clean()
        profile.save()
        papers = _save_papers(profile, works)
        log_action(
            profile,
            "consulting.researcher.collected",
            data={"openalex_id": author.openalex_id, "created": created, "papers": papers},
        )
    return profile, created, papers
