"""Spec 004's researcher service on top of consultants and bookings.

A researcher IS a ``consultants.Consultant`` with a :class:`ResearcherProfile` (affiliation,
achievements, research areas, bibliometrics, ORCID and OpenAlex ids); their sessions ARE
``bookings.ConsultationBooking`` rows (``paper_id`` says which paper a session is about).
:class:`Paper` holds a researcher's publications, :class:`OutreachRequest` an e-mail invitation to
a researcher who is not on the platform yet, :class:`CollectionJob` one background fetch of public
researcher data from OpenAlex.

Identifiers are stored bare: ORCID ``0000-0002-1825-0097``, OpenAlex ``A5023888391`` /
``W2741809807`` / ``I136199984``, ROR ``https://ror.org/00f54p054``, DOI ``10.1038/nature12373``
(lower case, without ``https://doi.org/``).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consultants.models import Consultant
from consultants.validators import validate_string_list
from magnetiq.translation import language_choices

ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")

validate_orcid = RegexValidator(ORCID_RE, _("Use the bare ORCID iD, e.g. 0000-0002-1825-0097."), "invalid_orcid")
validate_openalex_author = RegexValidator(r"^A\d+$", _("Use an OpenAlex author id such as A5023888391."))
validate_openalex_work = RegexValidator(r"^W\d+$", _("Use an OpenAlex work id such as W2741809807."))
validate_openalex_institution = RegexValidator(r"^I\d+$", _("Use an OpenAlex institution id such as I136199984."))
validate_doi = RegexValidator(DOI_RE, _("Use a DOI such as 10.1038/nature12373."), "invalid_doi")


def validate_achievements(value) -> None:
    """A list of at most 50 non-empty strings of at most 500 characters (awards, publications…)."""
    if value in (None, []):
        return
    if not isinstance(value, list) or len(value) > 50:
        raise ValidationError(_("Expected a list of at most 50 texts."), code="invalid_achievements")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or len(item) > 500:
            raise ValidationError(
                _("Entry %(number)s must be a text of 1–500 characters."),
                code="invalid_achievements",
                params={"number": index + 1},
            )


class ResearcherSource(models.TextChoices):
    OPENALEX = "openalex", _("Collected from OpenAlex")
    INVITATION = "invitation", _("Registered through an invitation")
    STAFF = "staff", _("Entered by staff")


class ResearcherProfileQuerySet(models.QuerySet):
    def public(self):
        """Profiles whose consultant is public (alive and ``active``): the only ones visitors see."""
        return self.filter(consultant__in=Consultant.objects.public())

    def search(self, q: str | None):
        """Every word of ``q`` in the name, affiliation, a research area or an expertise tag."""
        qs = self
        for word in (q or "").split():
            qs = qs.filter(
                Q(consultant__first_name__icontains=word)
                | Q(consultant__last_name__icontains=word)
                | Q(affiliation__icontains=word)
                | Q(research_areas__icontains=word)
                | Q(consultant__expertise_areas__icontains=word)
            )
        return qs


class ResearcherProfile(models.Model):
    """The researcher side of a consultant (spec 004 ``Researcher``: affiliation, achievements).

    ``research_areas``: topics (from OpenAlex or the researcher); ``h_index``, ``i10_index``,
    ``citation_count``, ``works_count``: OpenAlex's counts when collected (``None`` otherwise).
    ``source``/``collected_at``: where the data came from and when it was last fetched.
    """

    consultant = models.OneToOneField(Consultant, on_delete=models.CASCADE, related_name="researcher_profile")
    affiliation = models.CharField(max_length=255, blank=True, help_text=_("University or institution."))
    institution_openalex_id = models.CharField(max_length=20, blank=True, validators=[validate_openalex_institution])
    institution_ror = models.URLField(max_length=100, blank=True, help_text=_("e.g. https://ror.org/00f54p054"))
    achievements = models.JSONField(default=list, blank=True, validators=[validate_achievements])
    research_areas = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    h_index = models.PositiveIntegerField(null=True, blank=True)
    i10_index = models.PositiveIntegerField(null=True, blank=True)
    citation_count = models.PositiveIntegerField(null=True, blank=True)
    works_count = models.PositiveIntegerField(null=True, blank=True)
    orcid = models.CharField(max_length=19, blank=True, validators=[validate_orcid])
    openalex_id = models.CharField(max_length=20, blank=True, validators=[validate_openalex_author])
    source = models.CharField(max_length=20, choices=ResearcherSource.choices, default=ResearcherSource.STAFF)
    collected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResearcherProfileQuerySet.as_manager()

    class Meta:
        ordering = ["consultant__last_name", "consultant__first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["openalex_id"],
                condition=~Q(openalex_id=""),
                name="researcher_openalex_id_unique",
                violation_error_message="Another researcher has this OpenAlex id.",
            ),
            models.UniqueConstraint(
                fields=["orcid"],
                condition=~Q(orcid=""),
                name="researcher_orcid_unique",
                violation_error_message="Another researcher has this ORCID iD.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultant.full_name} ({self.affiliation or 'no affiliation'})"


class Paper(models.Model):
    """A publication of a researcher (the researcher is its primary author on this platform).

    ``doi`` and ``openalex_id`` are each unique when present; ``url``: the landing page.
    """

    researcher = models.ForeignKey(ResearcherProfile, on_delete=models.CASCADE, related_name="papers")
    title = models.CharField(max_length=1000)
    doi = models.CharField(max_length=255, blank=True, validators=[validate_doi])
    openalex_id = models.CharField(max_length=20, blank=True, validators=[validate_openalex_work])
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    venue = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    abstract = models.TextField(blank=True)
    cited_by_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["doi"], condition=~Q(doi=""), name="paper_doi_unique", violation_error_message="DOI taken."
            ),
            models.UniqueConstraint(
                fields=["openalex_id"],
                condition=~Q(openalex_id=""),
                name="paper_openalex_id_unique",
                violation_error_message="Another paper has this OpenAlex id.",
            ),
        ]
        indexes = [models.Index(fields=["researcher", "year"], name="paper_researcher_year")]

    def __str__(self) -> str:
        return self.title[:120]

    def save(self, *args, **kwargs):
        # Normalisation only: DOIs compare case-insensitively.
        self.doi = (self.doi or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        """The id a session stores in ``paper_id``: the DOI, else the OpenAlex id, else ``paper-<pk>``."""
        return self.doi or self.openalex_id or f"paper-{self.pk}"


class OutreachState(models.TextChoices):
    """Spec 004 ``OutreachRequest.status``: ``pending`` (invitation queued or sent), ``accepted`` (the
    researcher registered), ``declined`` (they said no), ``email_failed`` (the mail could not be sent)."""

    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EMAIL_FAILED = "email_failed", _("E-mail failed")


class OutreachRequest(models.Model):
    """An invitation to a researcher who is not on the platform yet (spec 004 "Create Outreach Request").

    ``token_nonce`` is part of the signed invitation token: a resend issues a new nonce, so only the
    latest link works. ``invitation_sent_at``: when the last invitation left; ``token_used_at``: when
    it was redeemed (once). ``consultant``: the researcher created by the registration.
    """

    researcher_name = models.CharField(max_length=200, blank=True)
    researcher_email = models.EmailField(max_length=255)
    paper = models.ForeignKey(Paper, null=True, blank=True, on_delete=models.SET_NULL, related_name="outreach")
    context = models.CharField(max_length=500, blank=True, help_text=_("The paper or topic the client asks about."))
    message = models.TextField(blank=True, max_length=5000)
    language = models.CharField(max_length=7, choices=language_choices, default="en")
    state = models.CharField(max_length=20, choices=OutreachState.choices, default=OutreachState.PENDING)
    token_nonce = models.CharField(max_length=32, blank=True, editable=False)
    token_issued_at = models.DateTimeField(null=True, blank=True)
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="outreach_requests"
    )
    consultant = models.ForeignKey(
        Consultant, null=True, blank=True, on_delete=models.SET_NULL, related_name="outreach_requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="outreach_state_created")]

    def __str__(self) -> str:
        return f"{self.researcher_email} ({self.state})"

    def save(self, *args, **kwargs):
        self.researcher_email = (self.researcher_email or "").strip().lower()
        super().save(*args, **kwargs)


class CollectionKind(models.TextChoices):
    BY_AUTHOR = "by_author", _("By author (name, ORCID or OpenAlex id)")
    BY_INSTITUTION = "by_institution", _("By institution (name, ROR or OpenAlex id)")


class CollectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class CollectionJob(models.Model):
    """One background fetch from OpenAlex (spec 004 "Collect Researcher Data", "… by Institution").

    ``query``: the name, ORCID, OpenAlex id or institution asked for; ``params``: the rest of the
    request (``limit``, ``affiliation``, ``paper_title``, ``position``, ``email``). Counts are set
    when the job finishes; ``error`` says why it failed.
    """

    kind = models.CharField(max_length=20, choices=CollectionKind.choices)
    query = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=CollectionStatus.choices, default=CollectionStatus.PENDING)
    researchers_found = models.PositiveIntegerField(default=0)
    researchers_created = models.PositiveIntegerField(default=0)
    researchers_updated = models.PositiveIntegerField(default=0)
    papers_saved = models.PositiveIntegerField(default=0)
    researchers = models.ManyToManyField(ResearcherProfile, blank=True, related_name="collection_jobs")
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.query} ({self.status})"
