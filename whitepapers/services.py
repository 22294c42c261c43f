"""Every write of the whitepapers app: whitepapers, PDFs, download links, e-mail submissions.

The admin, the API, the pages, the tasks and the commands all call these functions. Each runs in
``transaction.atomic``, calls ``full_clean()`` before saving and logs state changes to the audit trail.
"""

import hashlib
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify

from consultants.models import Consultant
from content.portable_text import to_plain_text
from leads.models import CONSENT_WORDING_VERSION, Lead
from leads.services import lead_capture, lead_record_action, truncate_ip
from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from magnetiq.links import absolute_url
from magnetiq.mail import send_templated_mail

from . import conf, inbox
from .exceptions import (
    DownloadLinkGone,
    DownloadLinkNotFound,
    InvalidPdf,
    SubmissionStateError,
    WhitepaperNotFound,
    WhitepaperUnavailable,
)
from .models import (
    DownloadLinkEmail,
    DownloadToken,
    EmailAttachment,
    EmailSubmission,
    SubmissionStatus,
    Whitepaper,
    WhitepaperDownload,
)

logger = logging.getLogger(__name__)

#: Fields a caller may set; counters, hashes and generated files are written by their own flows.
EDITABLE_FIELDS = frozenset(
    {
        "slug",
        "title",
        "summary",
        "body",
        "body_markdown",
        "author",
        "category",
        "tags",
        "language",
        "cover_image",
        "file",
        "is_featured",
        "is_active",
        "published_at",
    }
)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
TOKEN_SALT = "whitepapers.download-token"  # noqa: S105 (an HMAC salt, not a secret)


# --- whitepapers --------------------------------------------------------------------------------


def validate_pdf_upload(file) -> None:
    """Raise :class:`InvalidPdf` (422, field ``file``) unless ``file`` is a PDF within the size limit."""
    if file is None:
        return
    size = getattr(file, "size", None)
    if size is not None and size > conf.max_file_bytes():
        raise InvalidPdf(
            f"The PDF is larger than {conf.max_file_bytes()} bytes.",
            details=[{"field": "file", "message": "The file is too large.", "code": "too_large"}],
        )
    file.seek(0)
    head = file.read(5)
    file.seek(0)
    if head != b"%PDF-":
        raise InvalidPdf(details=[{"field": "file", "message": "The file is not a PDF.", "code": "invalid_pdf"}])


def whitepaper_content_hash(whitepaper: Whitepaper) -> str:
    """SHA-256 of everything the generated PDF shows (title, summary, body, author, cover, language)."""
    author = whitepaper.author
    payload = {
        "title": whitepaper.title,
        "summary": whitepaper.summary,
        "body": whitepaper.body,
        "body_markdown": whitepaper.body_markdown,
        "language": whitepaper.language,
        "author": [author.first_name, author.last_name, author.title] if author else None,
        "cover": whitepaper.cover_image_id,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def has_body(whitepaper: Whitepaper) -> bool:
    return any((whitepaper.body or {}).values()) or any((whitepaper.body_markdown or {}).values())


def search_text(whitepaper: Whitepaper) -> str:
    """Titles, summaries and bodies in every language as one plain string (for ``search``)."""
    parts: list[str] = []
    for value in (whitepaper.title, whitepaper.summary, whitepaper.body_markdown):
        parts.extend(str(text) for text in (value or {}).values() if text)
    for blocks in (whitepaper.body or {}).values():
        if blocks:
            parts.append(to_plain_text(blocks))
    parts.append(whitepaper.category or "")
    parts.extend(whitepaper.tags or [])
    return "\n".join(part for part in parts if part)


def _clean_and_save(whitepaper: Whitepaper) -> None:
    # Empty JSON boxes of the admin form arrive as None; the columns hold empty values instead.
    for name, empty in (("summary", dict), ("body", dict), ("body_markdown", dict), ("tags", list)):
        if getattr(whitepaper, name) is None:
            setattr(whitepaper, name, empty())
    whitepaper.search_text = search_text(whitepaper)
    whitepaper.full_clean()
    whitepaper.save()


def _schedule_pdf(whitepaper: Whitepaper) -> None:
    """Enqueue PDF generation after commit when the body changed since the last PDF."""
    if has_body(whitepaper) and whitepaper_content_hash(whitepaper) != whitepaper.body_hash:
        from .tasks import generate_whitepaper_pdf

        whitepaper_id = whitepaper.pk
        transaction.on_commit(lambda: generate_whitepaper_pdf.enqueue(whitepaper_id))


@transaction.atomic
def whitepaper_create(*, actor=None, **fields: Any) -> Whitepaper:
    """Create a whitepaper from ``fields`` (names of :data:`EDITABLE_FIELDS`).

    ``file`` (optional) must be a PDF (:class:`InvalidPdf`, 422). An active whitepaper without a
    ``published_at`` is published now. Field errors raise ``ValidationError`` (422); a taken slug
    is a ``ValidationError`` on ``slug``. The PDF is generated after commit when there is a body.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if fields.get("file") is None:
        fields.pop("file", None)
    validate_pdf_upload(fields.get("file"))
    whitepaper = Whitepaper(created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields)
    if whitepaper.is_active and whitepaper.published_at is None:
        whitepaper.published_at = timezone.now()
    _clean_and_save(whitepaper)
    log_action(whitepaper, "whitepapers.whitepaper.created", actor=actor, data={"slug": whitepaper.slug})
    _schedule_pdf(whitepaper)
    return whitepaper


@transaction.atomic
def whitepaper_update(*, whitepaper: Whitepaper, actor=None, **fields: Any) -> Whitepaper:
    """Change the given fields (``file=None`` removes the uploaded PDF). Errors as :func:`whitepaper_create`."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if fields.get("file") is not None:
        validate_pdf_upload(fields["file"])
    for name, value in fields.items():
        setattr(whitepaper, name, value if name != "file" else (value or ""))
    if whitepaper.is_active and whitepaper.published_at is None:
        whitepaper.published_at = timezone.now()
    _clean_and_save(whitepaper)
    log_action(whitepaper, "whitepapers.whitepaper.updated", actor=actor, data={"fields": sorted(fields)})
    _schedule_pdf(whitepaper)
    return whitepaper


def whitepaper_update_content(*, whitepaper: Whitepaper, markdown: dict, actor=None) -> Whitepaper:
    """Replace the body with Markdown from the editor (``{"en": "# …", "de": "…"}``).

    The Portable Text body of each language given is cleared, so the Markdown is what renders.
    """
    if not isinstance(markdown, dict) or not markdown.get("en", "").strip():
        raise InvalidInput(
            "The English Markdown is required.",
            details=[{"field": "markdown.en", "message": "The English Markdown is required.", "code": "required"}],
        )
    body = {lang: blocks for lang, blocks in (whitepaper.body or {}).items() if lang not in markdown}
    return whitepaper_update(whitepaper=whitepaper, actor=actor, body_markdown=markdown, body=body)


@transaction.atomic
def whitepaper_set_active(*, whitepaper: Whitepaper, active: bool, actor=None) -> Whitepaper:
    """Activate (publishing now if never published) or deactivate. Activating needs a PDF or a body
    (:class:`WhitepaperUnavailable`, 400)."""
    if active and not whitepaper.file and not has_body(whitepaper):
        raise WhitepaperUnavailable()
    whitepaper.is_active = active
    if active and whitepaper.published_at is None:
        whitepaper.published_at = timezone.now()
    whitepaper.save(update_fields=["is_active", "published_at", "updated_at"])
    log_action(whitepaper, f"whitepapers.whitepaper.{'activated' if active else 'deactivated'}", actor=actor)
    return whitepaper


@transaction.atomic
def whitepaper_set_featured(*, whitepaper: Whitepaper, featured: bool, actor=None) -> Whitepaper:
    whitepaper.is_featured = featured
    whitepaper.save(update_fields=["is_featured", "updated_at"])
    log_action(whitepaper, "whitepapers.whitepaper.featured", actor=actor, data={"featured": featured})
    return whitepaper


@transaction.atomic
def whitepaper_delete(*, whitepaper: Whitepaper, actor=None) -> Whitepaper:
    """Soft delete: the slug becomes free, the landing page and all download links answer 404."""
    whitepaper.deleted_at = timezone.now()
    whitepaper.is_active = False
    whitepaper.save(update_fields=["deleted_at", "is_active", "updated_at"])
    log_action(whitepaper, "whitepapers.whitepaper.deleted", actor=actor)
    return whitepaper


BULK_ACTIONS = ("activate", "deactivate", "feature", "unfeature", "delete")


@transaction.atomic
def whitepaper_bulk_action(*, ids: list[int], action: str, actor=None) -> dict:
    """Apply ``action`` (one of :data:`BULK_ACTIONS`) to each whitepaper of ``ids``.

    Returns ``{"processed": [ids], "failed": [{"id", "error"}]}``: a missing id or a whitepaper that
    cannot be activated is reported, the others are still changed.
    """
    if action not in BULK_ACTIONS:
        raise InvalidInput(
            f"Unknown action {action!r}.",
            details=[{"field": "action", "message": f"Use one of {', '.join(BULK_ACTIONS)}.", "code": "invalid"}],
        )
    found = {wp.pk: wp for wp in Whitepaper.objects.alive().filter(pk__in=ids)}
    processed, failed = [], []
    for pk in ids:
        whitepaper = found.get(pk)
        if whitepaper is None:
            failed.append({"id": pk, "error": "Whitepaper not found."})
            continue
        try:
            if action in ("activate", "deactivate"):
                whitepaper_set_active(whitepaper=whitepaper, active=action == "activate", actor=actor)
            elif action in ("feature", "unfeature"):
                whitepaper_set_featured(whitepaper=whitepaper, featured=action == "feature", actor=actor)
            else:
                whitepaper_delete(whitepaper=whitepaper, actor=actor)
        except WhitepaperUnavailable as exc:
            failed.append({"id": pk, "error": exc.message})
            continue
        processed.append(pk)
    return {"processed": processed, "failed": failed}


def whitepaper_register_view(*, whitepaper: Whitepaper) -> None:
    """Count one view in the database (no read-modify-write, so simultaneous views all count)."""
    Whitepaper.objects.filter(pk=whitepaper.pk).update(view_count=F("view_count") + 1)


def whitepaper_generate_pdf(*, whitepaper_id: int, force: bool = False) -> Whitepaper:
    """Render the PDF from the body (WeasyPrint) unless ``body_hash`` says it is current.

    Rendering happens outside any transaction; the result is stored only if the content did not
    change meanwhile (else the task enqueued by that change renders it). Raises
    :class:`WhitepaperNotFound`, :class:`WhitepaperUnavailable` (no body).
    """
    from .pdf import render_pdf

    whitepaper = Whitepaper.objects.alive().select_related("author", "cover_image").filter(pk=whitepaper_id).first()
    if whitepaper is None:
        raise WhitepaperNotFound()
    if not has_body(whitepaper):
        raise WhitepaperUnavailable("There is no body to generate a PDF from.")
    digest = whitepaper_content_hash(whitepaper)
    if not force and digest == whitepaper.body_hash and whitepaper.generated_file:
        return whitepaper
    pdf = render_pdf(whitepaper)
    with transaction.atomic():
        locked = Whitepaper.objects.select_for_update(of=("self",)).select_related("author").get(pk=whitepaper_id)
        if whitepaper_content_hash(locked) != digest:
            return locked
        old = locked.generated_file.name if locked.generated_file else ""
        locked.generated_file.save(f"{locked.slug}.pdf", ContentFile(pdf), save=False)
        locked.body_hash = digest
        locked.pdf_generated_at = timezone.now()
        locked.save(update_fields=["generated_file", "body_hash", "pdf_generated_at", "updated_at"])
        log_action(locked, "whitepapers.whitepaper.pdf_generated", data={"bytes": len(pdf)})
        if old:
            name, storage = old, locked.generated_file.storage
            transaction.on_commit(lambda: storage.delete(name))
    return locked


def whitepaper_ensure_pdf(*, whitepaper: Whitepaper) -> Whitepaper:
    """Make sure a downloadable PDF exists: the uploaded file, or a current generated one."""
    if whitepaper.file:
        return whitepaper
    if not has_body(whitepaper):
        raise WhitepaperUnavailable()
    return whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)


# --- download links -----------------------------------------------------------------------------


def raw_token_for(nonce: str) -> str:
    """The URL token of a nonce: an HMAC with the secret key, so the table alone cannot forge links."""
    return salted_hmac(TOKEN_SALT, nonce, algorithm="sha256").hexdigest()


def token_digest(raw: str) -> str:
    return hashlib.sha256((raw or "").encode()).hexdigest()


def download_url(raw_token: str) -> str:
    """Absolute URL of ``GET /api/v1/public/whitepapers/download/{token}``."""
    return absolute_url(reverse("api:public-whitepaper-download", args=[raw_token]))


def clean_utm(values: dict | None) -> dict:
    """Only the five ``utm_*`` keys, as strings of at most 200 characters."""
    values = values or {}
    return {key: str(values[key])[:200] for key in UTM_KEYS if values.get(key)}


def download_request(
    *,
    whitepaper: Whitepaper,
    email: str,
    consent_terms: bool,
    first_name: str = "",
    last_name: str = "",
    company: str = "",
    website: str = "",
    phone: str = "",
    consent_marketing: bool = False,
    language: str = "en",
    utm: dict | None = None,
    referrer: str = "",
    actor=None,
) -> tuple[DownloadToken, str]:
    """Capture the lead and issue (or renew) their download link for ``whitepaper``.

    Returns ``(token, raw_token)``; only the token's SHA-256 is stored. One link per (lead,
    whitepaper): asking again rotates it (a new raw value; the old link stops working) and resets
    its expiry (``WHITEPAPER_DOWNLOAD_TTL_DAYS``) and downloads (``WHITEPAPER_DOWNLOAD_MAX_USES``).
    The link is e-mailed to the lead after commit (:func:`download_link_send`, which may hold the
    e-mail back under the per-recipient cap; the returned link works either way). Raises
    :class:`WhitepaperNotFound` (not published), :class:`WhitepaperUnavailable`, and
    ``lead_capture``'s :class:`InvalidInput` (422: bad e-mail, ``consent_terms`` missing).
    """
    if not whitepaper.is_visible():
        raise WhitepaperNotFound()
    whitepaper_ensure_pdf(whitepaper=whitepaper)
    now = timezone.now()
    with transaction.atomic():
        lead = lead_capture(
            email=email,
            first_name=first_name,
            last_name=last_name,
            company=company,
            website=website,
            phone=phone,
            language=language,
            source="whitepaper",
            consent_terms=consent_terms,
            consent_marketing=consent_marketing,
            consent_version=CONSENT_WORDING_VERSION,
            actor=actor,
        )
        nonce = secrets.token_hex(16)
        raw = raw_token_for(nonce)
        values = {
            "nonce": nonce,
            "token_hash": token_digest(raw),
            "expires_at": now + conf.download_ttl(),
            "remaining_downloads": conf.download_max_uses(),
            "language": language,
            "utm": clean_utm(utm),
            "referrer": (referrer or "")[:500],
            "refreshed_at": now,
            "email_sent_at": None,
            "email_suppressed_at": None,
        }
        token, created = DownloadToken.objects.select_for_update().update_or_create(
            lead=lead, whitepaper=whitepaper, defaults=values
        )
        log_action(
            token,
            "whitepapers.download_token.issued" if created else "whitepapers.download_token.renewed",
            actor=actor,
            data={"whitepaper_id": whitepaper.pk},
        )
        from .tasks import send_download_link

        token_id = token.pk
        transaction.on_commit(lambda: send_download_link.enqueue(token_id))
    return token, raw


def download_link_send(*, token_id: int) -> str:
    """E-mail a download link to its lead, at most once per issued link; return what happened.

    ``"sent"``; ``"suppressed"`` when the lead already got
    ``WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR`` download-link e-mails (any whitepaper) in the
    last 60 minutes, so the lead form cannot mail-bomb a stranger's address from rotating IPs
    (RELIABILITY A-15): ``email_suppressed_at`` is set, nothing is sent, and the visitor still has
    the link from the response; ``"skipped"`` for a missing token, an erased lead, or a link
    already e-mailed or suppressed. The lead row is locked before the count, so concurrent sends to
    one address (several workers, several whitepapers) are serialized and cannot both pass the
    cap; the lock order (lead, then token) is the one :func:`download_request` takes. The e-mail is
    claimed under those locks (``email_sent_at`` and its :class:`DownloadLinkEmail` row written) and
    sent after they are released (no transaction open during SMTP); a mail backend error undoes the
    claim and propagates, leaving the link unsent for a retry.
    """
    lead_id = DownloadToken.objects.filter(pk=token_id).values_list("lead_id", flat=True).first()
    if lead_id is None:
        return "skipped"
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        token = (
            DownloadToken.objects.select_for_update(of=("self",))
            .select_related("whitepaper")
            .filter(pk=token_id, lead_id=lead_id)
            .first()
        )
        if (
            lead is None
            or lead.is_erased
            or token is None
            or token.email_sent_at is not None
            or token.email_suppressed_at is not None
        ):
            return "skipped"
        now = timezone.now()
        cap = conf.max_emails_per_recipient_per_hour()
        recent = DownloadLinkEmail.objects.filter(lead=lead, sent_at__gt=now - timedelta(hours=1)).count()
        if recent >= cap:
            token.email_suppressed_at = now
            token.save(update_fields=["email_suppressed_at"])
            log_action(
                token,
                "whitepapers.download_token.email_suppressed",
                data={"whitepaper_id": token.whitepaper_id, "sent_last_hour": recent, "cap": cap},
            )
            logger.info(
                "Download link e-mail suppressed: lead %s already got %s in the last hour (cap %s); token %s",
                lead.pk,
                recent,
                cap,
                token.pk,
            )
            return "suppressed"
        whitepaper = token.whitepaper
        token.email_sent_at = now
        token.save(update_fields=["email_sent_at"])
        claim = DownloadLinkEmail.objects.create(lead=lead, whitepaper=whitepaper, sent_at=now)
    try:
        send_templated_mail(
            to=[lead.email],
            template="whitepapers/email/download_link",
            language=token.language,
            context={
                "first_name": lead.first_name,
                "title": whitepaper.title_for(token.language),
                "download_url": download_url(raw_token_for(token.nonce)),
                "expires_at": token.expires_at,
                "max_downloads": token.remaining_downloads,
            },
        )
    except Exception:
        with transaction.atomic():
            DownloadToken.objects.filter(pk=token.pk, email_sent_at=now).update(email_sent_at=None)
            DownloadLinkEmail.objects.filter(pk=claim.pk).delete()
        raise
    return "sent"


def download_consume(*, raw_token: str, ip: str = "", referrer: str = "", now: datetime | None = None) -> DownloadToken:
    """Spend one download of the link ``raw_token`` and record it; return the token (with whitepaper).

    Unknown, forged, or belonging to a deleted/unpublished whitepaper or an erased lead →
    :class:`DownloadLinkNotFound` (404). Expired or used up → :class:`DownloadLinkGone` (410, with
    the landing page as ``request_new_link``). The count is spent by one conditional UPDATE
    (``remaining_downloads > 0``), so N simultaneous requests on one remaining download give one
    success. Records a ``whitepaper_download`` lead action (UTM, referrer, truncated IP).
    """
    now = now or timezone.now()
    with transaction.atomic():
        token = (
            DownloadToken.objects.select_related("whitepaper", "lead")
            .filter(token_hash=token_digest(raw_token))
            .first()
        )
        if token is None or token.lead.is_erased:
            raise DownloadLinkNotFound()
        whitepaper = token.whitepaper
        if not whitepaper.is_visible(now=now) or whitepaper.pdf is None:
            raise DownloadLinkNotFound()
        landing = download_landing_url(whitepaper, token.language)
        if token.expires_at <= now:
            raise DownloadLinkGone(
                "This download link has expired. Request a new one on the whitepaper's page.",
                code="DOWNLOAD_LINK_EXPIRED",
                landing_url=landing,
            )
        spent = DownloadToken.objects.filter(pk=token.pk, remaining_downloads__gt=0, expires_at__gt=now).update(
            remaining_downloads=F("remaining_downloads") - 1, download_count=F("download_count") + 1, last_used_at=now
        )
        if not spent:
            raise DownloadLinkGone(
                "This download link has been used up. Request a new one on the whitepaper's page.",
                code="DOWNLOAD_LIMIT_REACHED",
                landing_url=landing,
            )
        Whitepaper.objects.filter(pk=whitepaper.pk).update(download_count=F("download_count") + 1)
        WhitepaperDownload.objects.create(
            whitepaper=whitepaper, lead=token.lead, token=token, downloaded_at=now, utm=token.utm
        )
        lead_record_action(
            lead=token.lead,
            action="whitepaper_download",
            subject=whitepaper,
            occurred_at=now,
            data={
                "whitepaper_id": whitepaper.pk,
                **token.utm,
                "referrer": (referrer or token.referrer)[:500],
                "ip": truncate_ip(ip),
            },
        )
    token.refresh_from_db()
    return token


def download_landing_url(whitepaper: Whitepaper, language: str = "en") -> str:
    return absolute_url(whitepaper.get_absolute_url(language))


# --- e-mail submissions ------------------------------------------------------------------------


def email_submission_import(*, raw: bytes, source: str = "file", actor=None) -> tuple[EmailSubmission, bool]:
    """Store one author e-mail as a ``queued`` submission; return ``(submission, created)``.

    An e-mail whose Message-ID is already stored is skipped (``created`` false). Refused
    attachments are recorded with their reason and no file. An e-mail without a sender is stored
    ``failed``. Raises :class:`InvalidEmailMessage` (422) only when the bytes are no e-mail at all.
    """
    parsed = inbox.parse_email(raw)
    existing = EmailSubmission.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            submission = EmailSubmission(
                message_id=parsed.message_id,
                sender_email=parsed.sender_email,
                sender_name=parsed.sender_name,
                subject=parsed.subject,
                body=parsed.body,
                received_at=parsed.received_at,
                source=source,
                status=SubmissionStatus.QUEUED if parsed.sender_email else SubmissionStatus.FAILED,
                error="No sender address (From)." if not parsed.sender_email else "",
            )
            submission.full_clean()
            submission.save()
            for item in parsed.attachments:
                attachment = EmailAttachment(
                    submission=submission,
                    filename=item.filename,
                    mime_type=item.mime_type or "application/octet-stream",
                    size_bytes=item.size_bytes,
                    accepted=item.accepted,
                    refusal_reason=item.reason[:300],
                )
                if item.accepted:
                    attachment.file.save(item.filename, ContentFile(item.data), save=False)
                attachment.save()
            log_action(
                submission,
                "whitepapers.email_submission.imported",
                actor=actor,
                data={"source": source, "refused": [a.filename for a in parsed.attachments if not a.accepted]},
            )
    except IntegrityError:
        # A simultaneous import of the same Message-ID won the insert.
        return EmailSubmission.objects.get(message_id=parsed.message_id), False
    except ValidationError as exc:
        raise InvalidInput(f"The e-mail cannot be stored: {'; '.join(exc.messages)}") from exc
    return submission, True


def _pdf_attachment(submission: EmailSubmission) -> EmailAttachment | None:
    return submission.attachments.filter(accepted=True, mime_type=inbox.PDF_MIME).first()


@transaction.atomic
def email_submission_process(*, submission: EmailSubmission, actor=None) -> EmailSubmission:
    """Check a queued (or failed) submission: match the sender to a consultant and look for content.

    → ``processing`` when there is a PDF attachment or a body, else ``failed`` with ``error``.
    Approved or rejected submissions raise :class:`SubmissionStateError` (409).
    """
    submission = EmailSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status in (SubmissionStatus.APPROVED, SubmissionStatus.REJECTED):
        raise SubmissionStateError(f"The submission is already {submission.status}.")
    problems = []
    if not submission.sender_email:
        problems.append("No sender address (From).")
    submission.author = (
        Consultant.objects.alive().filter(email__iexact=submission.sender_email).first()
        if submission.sender_email
        else None
    )
    if _pdf_attachment(submission) is None and not submission.body.strip():
        problems.append("Neither a PDF attachment nor a body to publish.")
    if not submission.subject.strip():
        problems.append("No subject to use as the title.")
    submission.status = SubmissionStatus.FAILED if problems else SubmissionStatus.PROCESSING
    submission.error = " ".join(problems)
    submission.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    submission.save()
    log_action(
        submission, f"whitepapers.email_submission.{submission.status}", actor=actor, data={"error": submission.error}
    )
    return submission


def _free_slug(text: str) -> str:
    base = slugify(text)[:100].strip("-") or "whitepaper"
    slug, counter = base, 2
    while Whitepaper.objects.alive().filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def email_submission_approve(*, submission: EmailSubmission, actor=None) -> Whitepaper:
    """Publish a whitepaper from a submission: subject → title, body → summary (first paragraph)
    and Markdown body, PDF attachment → file, sender → author when a consultant has that e-mail.

    The submission is processed first (that result is kept even when approval then fails); a
    failed check raises :class:`SubmissionStateError` (409) with the reason. Returns the active
    whitepaper.
    """
    submission = email_submission_process(submission=submission, actor=actor)
    if submission.status != SubmissionStatus.PROCESSING:
        raise SubmissionStateError(f"Cannot publish this submission: {submission.error}")
    with transaction.atomic():
        submission = (
            EmailSubmission.objects.select_for_update(of=("self",)).select_related("author").get(pk=submission.pk)
        )
        if submission.status != SubmissionStatus.PROCESSING:
            raise SubmissionStateError(f"The submission is already {submission.status}.")
        pdf = _pdf_attachment(submission)
        upload = None
        if pdf is not None:
            with pdf.file.open("rb") as handle:
                upload = ContentFile(handle.read(), name=pdf.filename)
        body = submission.body.strip()
        summary = body.split("\n\n", 1)[0][:1000] if body else ""
        whitepaper = whitepaper_create(
            actor=actor,
            slug=_free_slug(submission.subject),
            title={"en": submission.subject},
            summary={"en": summary} if summary else {},
            body_markdown={"en": body} if body else {},
            author=submission.author,
            file=upload,
            is_active=True,
        )
        submission.status = SubmissionStatus.APPROVED
        submission.whitepaper = whitepaper
        submission.save(update_fields=["status", "whitepaper", "updated_at"])
        log_action(
            submission, "whitepapers.email_submission.approved", actor=actor, data={"whitepaper_id": whitepaper.pk}
        )
    return whitepaper


@transaction.atomic
def email_submission_reject(*, submission: EmailSubmission, actor=None, reason: str = "") -> EmailSubmission:
    """Reject a submission that is not approved yet (:class:`SubmissionStateError`, 409, otherwise)."""
    submission = EmailSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status == SubmissionStatus.APPROVED:
        raise SubmissionStateError("An approved submission cannot be rejected.")
    submission.status = SubmissionStatus.REJECTED
    if reason:
        submission.error = reason[:2000]
    submission.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    submission.save()
    log_action(submission, "whitepapers.email_submission.rejected", actor=actor, data={"reason": reason[:200]})
    return submission
