"""Whitepapers, their download tokens and downloads, and author e-mail submissions.

Spec 000 "Whitepapers - Public API", "Whitepapers - Admin API" and "Email Submission Processing".
Translatable text is JSON ``{"en": …, "de": …}``; the body is Portable Text per language
(``body``) or Markdown per language (``body_markdown``, from the admin's Markdown editor).
Files (uploaded or generated PDFs, e-mail attachments) live in :mod:`whitepapers.storage`, which
has no URL: visitors get them only through a :class:`DownloadToken`.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.exceptions import PortableTextError
from content.models import slug_format
from content.portable_text import validate_blocks
from magnetiq.translation import language_choices, pick_language, validate_translations

from .storage import private_storage


def validate_title(value) -> None:
    validate_translations(value, required=True)


def validate_optional_text(value) -> None:
    validate_translations(value, required=False)


def validate_tags(value) -> None:
    """A list of distinct, non-empty strings of at most 50 characters."""
    if not isinstance(value, list) or not all(isinstance(tag, str) and tag.strip() for tag in value):
        raise ValidationError(_("Tags must be a list of non-empty strings."), code="invalid_tags")
    if any(len(tag) > 50 for tag in value):
        raise ValidationError(_("A tag has at most 50 characters."), code="invalid_tags")


def whitepaper_upload_to(instance: "Whitepaper", filename: str) -> str:
    """A server-made name: the client's file name never reaches the storage."""
    return f"whitepapers/{uuid.uuid4().hex}.pdf"


def generated_upload_to(instance: "Whitepaper", filename: str) -> str:
    return f"whitepapers/generated/{uuid.uuid4().hex}.pdf"


def attachment_upload_to(instance: "EmailAttachment", filename: str) -> str:
    extension = {"application/pdf": "pdf"}.get(instance.mime_type, "docx")
    return f"email-attachments/{uuid.uuid4().hex}.{extension}"


class WhitepaperQuerySet(models.QuerySet):
    def alive(self):
        """Not soft-deleted (what staff see)."""
        return self.filter(deleted_at__isnull=True)

    def published(self, *, now=None):
        """What visitors see: alive, active and ``published_at`` reached."""
        return self.alive().filter(is_active=True, published_at__lte=now or timezone.now())

    def search(self, q: str | None):
        """Every word of ``q`` appears in a title, summary or body (any language)."""
        qs = self
        for word in (q or "").split():
            qs = qs.filter(search_text__icontains=word)
        return qs

    def with_tag(self, tag: str):
        """Whitepapers whose ``tags`` hold ``tag`` as a whole entry (case-insensitive)."""
        import json

        return self.filter(tags__icontains=json.dumps(tag.strip()))


class Whitepaper(models.Model):
    """A gated whitepaper (spec 000 "Whitepapers").

        ``title``/``summary``: ``{"en": str, "de": str}`` (English title required). ``body``:
        ``{"en": [Portable Text blocks], "de": [...]}``; ``body_markdown``: ``{"en": str, "de": str}``
        (used for a language whose Portable Text is empty). ``file``: an uploaded PDF; without one,
        ``generated_file`` holds the PDF made from the body, and ``body_hash`` is the hash of the
        content it was made from (:func:`whitepapers.services.whitepapers.whitepaper_content_hash`). ``language``:
        the main language (the generated PDF's). ``page_count``: pages of the generated PDF;
    ``generated_cover``: the landing page's cover image (PNG, public media), both made with the PDF
    (``whitepapers.services.pdfs``). ``search_text``: titles, summaries and bodies as plain
        text, kept by the services for search.
    """

    slug = models.CharField(max_length=120, validators=[slug_format])
    title = models.JSONField(
        validators=[validate_title], help_text=_("English is required; other languages fall back to it.")
    )
    summary = models.JSONField(default=dict, blank=True, validators=[validate_optional_text])
    body = models.JSONField(default=dict, blank=True, help_text=_("The whitepaper's text, per language."))
    body_markdown = models.JSONField(default=dict, blank=True, validators=[validate_optional_text])
    author = models.ForeignKey(
        "consultants.Consultant", null=True, blank=True, on_delete=models.SET_NULL, related_name="whitepapers"
    )
    category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True, validators=[validate_tags])
    language = models.CharField(max_length=7, choices=language_choices, default="en")
    cover_image = models.ForeignKey(
        "content.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(
        storage=private_storage,
        upload_to=whitepaper_upload_to,
        max_length=255,
        blank=True,
        help_text=_("A finished PDF; without one, the PDF is made from the body."),
    )
    generated_file = models.FileField(
        storage=private_storage, upload_to=generated_upload_to, max_length=255, blank=True, editable=False
    )
    is_featured = models.BooleanField(default=False)
    is_active = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0, editable=False)
    download_count = models.PositiveIntegerField(default=0, editable=False)
    pdf_generated_at = models.DateTimeField(null=True, blank=True, editable=False)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    generated_cover = models.ImageField(upload_to="whitepapers/covers/", max_length=255, blank=True, editable=False)
    body_hash = models.CharField(max_length=64, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = WhitepaperQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(deleted_at__isnull=True),
                name="whitepapers_whitepaper_unique_live_slug",
                violation_error_message="Another whitepaper already uses this slug.",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "published_at"])]

    def __str__(self) -> str:
        return self.title_for("en") or self.slug

    def get_absolute_url(self, language: str = "en") -> str:
        prefix = "" if language == "en" else f"/{language}"
        return f"{prefix}/whitepapers/{self.slug}/"

    def clean(self) -> None:
        """Each language's Portable Text must be valid; English may come as Markdown instead."""
        body = self.body or {}
        if not isinstance(body, dict):
            raise ValidationError({"body": _('Expected {"en": [blocks], "de": [blocks]}.')})
        unknown = sorted(set(body) - {code for code, _ in settings.LANGUAGES})
        if unknown:
            raise ValidationError({"body": _("Unknown language %(languages)s.") % {"languages": ", ".join(unknown)}})
        if any(body.values()) and not body.get("en") and not (self.body_markdown or {}).get("en"):
            raise ValidationError({"body": _("The English (en) body is required (Portable Text or Markdown).")})
        for language, blocks in body.items():
            if not blocks:
                continue
            try:
                validate_blocks(blocks, field=f"body.{language}")
            except PortableTextError as exc:
                raise ValidationError({"body": exc.details[0]["message"] if exc.details else exc.message}) from exc

    def title_for(self, language: str | None) -> str:
        return pick_language(self.title, language) or ""

    def summary_for(self, language: str | None) -> str:
        return pick_language(self.summary or {}, language) or ""

    def blocks_for(self, language: str | None) -> list:
        """Portable Text blocks in ``language`` (empty list when that language has Markdown instead)."""
        body = self.body or {}
        if language and body.get(language):
            return body[language]
        if language and (self.body_markdown or {}).get(language):
            return []
        return body.get("en") or []

    def markdown_for(self, language: str | None) -> str:
        return pick_language(self.body_markdown or {}, language) or ""

    @property
    def pdf(self):
        """The file visitors download: the uploaded PDF, else the generated one (``None`` if neither)."""
        if self.file:
            return self.file
        if self.generated_file:
            return self.generated_file
        return None

    @property
    def conversion_rate(self) -> float:
        """Downloads per view (0 when never viewed)."""
        return round(self.download_count / self.view_count, 4) if self.view_count else 0.0

    def is_visible(self, *, now=None) -> bool:
        return (
            self.deleted_at is None
            and self.is_active
            and self.published_at is not None
            and self.published_at <= (now or timezone.now())
        )


class DownloadToken(models.Model):
    """The download link of one lead for one whitepaper (unique per pair).

    The raw token (in the URL) is ``salted_hmac(nonce)`` and only its SHA-256 (``token_hash``) is
    looked up, so the table alone cannot forge a link. Capturing the same lead again for the same
    whitepaper rotates the nonce (the old link dies) and resets ``expires_at`` and
    ``remaining_downloads``. ``remaining_downloads`` is decremented by one conditional UPDATE per
    download, so it never goes below zero whatever the concurrency.

    Each issued link is e-mailed at most once: ``email_sent_at`` when it was, ``email_suppressed_at``
    when the per-recipient hourly cap held it back (RELIABILITY A-15); a renewal clears both.
    """

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="whitepaper_tokens")
    whitepaper = models.ForeignKey(Whitepaper, on_delete=models.CASCADE, related_name="download_tokens")
    nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    remaining_downloads = models.PositiveSmallIntegerField()
    download_count = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=5, default="en")
    utm = models.JSONField(default=dict, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    refreshed_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_suppressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "whitepaper"], name="whitepapers_token_unique_lead_whitepaper"),
            models.CheckConstraint(condition=Q(remaining_downloads__gte=0), name="whitepapers_token_remaining_gte_0"),
        ]

    def __str__(self) -> str:
        return f"Token {self.pk} for whitepaper {self.whitepaper_id}"


class DownloadLinkEmail(models.Model):
    """One download-link e-mail sent to a lead, whatever the whitepaper (RELIABILITY A-15).

    The per-recipient cap (``WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR``) counts these rows: a
    token's ``email_sent_at`` is not enough, since renewing a link overwrites it. Deleted with the
    lead's links on GDPR erasure.
    """

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    whitepaper = models.ForeignKey(Whitepaper, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["lead", "sent_at"])]

    def __str__(self) -> str:
        return f"Download link e-mail to lead {self.lead_id} at {self.sent_at:%Y-%m-%d %H:%M}"


class WhitepaperDownload(models.Model):
    """One served download (for analytics and the whitepaper's lead list).

    ``lead`` becomes ``NULL`` when the lead is erased (GDPR), keeping the anonymous count.
    """

    whitepaper = models.ForeignKey(Whitepaper, on_delete=models.CASCADE, related_name="downloads")
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="whitepaper_downloads"
    )
    token = models.ForeignKey(DownloadToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    downloaded_at = models.DateTimeField(default=timezone.now)
    utm = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        indexes = [models.Index(fields=["whitepaper", "downloaded_at"])]

    def __str__(self) -> str:
        return f"Download of whitepaper {self.whitepaper_id} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class SubmissionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"


class EmailSubmission(models.Model):
    """An author's e-mail proposing a whitepaper (spec 000 "Email Submission Processing").

    ``queued`` on import → ``processing`` once checked (author matched, a usable attachment or
    body) or ``failed`` with ``error`` → ``approved`` (``whitepaper`` set) or ``rejected``.
    ``message_id`` is unique: importing the same e-mail twice is skipped.
    """

    message_id = models.CharField(max_length=500, unique=True)
    sender_email = models.EmailField(max_length=255, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.QUEUED)
    error = models.TextField(blank=True)
    source = models.CharField(
        max_length=20,
        default="file",
        help_text=_("Where the e-mail came from: a file, a mail folder, the IMAP inbox or an upload."),
    )
    author = models.ForeignKey(
        "consultants.Consultant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    whitepaper = models.ForeignKey(
        Whitepaper, null=True, blank=True, on_delete=models.SET_NULL, related_name="email_submissions"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in SubmissionStatus]),
                name="whitepapers_submission_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.sender_email or 'unknown'}"


class EmailAttachment(models.Model):
    """An attachment of a submission. Refused ones keep their name, size and reason but no file."""

    submission = models.ForeignKey(EmailSubmission, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField(default=0)
    file = models.FileField(storage=private_storage, upload_to=attachment_upload_to, max_length=255, blank=True)
    accepted = models.BooleanField(default=False)
    refusal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
