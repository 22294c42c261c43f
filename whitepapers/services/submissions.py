"""Author e-mail submissions: import (file, maildir, IMAP), process, approve into a whitepaper, reject."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from consultants.models import Consultant
from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from whitepapers import inbox
from whitepapers.exceptions import (
    SubmissionStateError,
)
from whitepapers.models import (
    EmailAttachment,
    EmailSubmission,
    SubmissionStatus,
    Whitepaper,
)

from .whitepapers import whitepaper_create


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
        raise InvalidInput(
            _("The e-mail cannot be stored: %(messages)s") % {"messages": "; ".join(exc.messages)}
        ) from exc
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
        raise SubmissionStateError(_("The submission is already %(status)s.") % {"status": submission.status})
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
        raise SubmissionStateError(_("Cannot publish this submission: %(error)s") % {"error": submission.error})
    with transaction.atomic():
        submission = (
            EmailSubmission.objects.select_for_update(of=("self",)).select_related("author").get(pk=submission.pk)
        )
        if submission.status != SubmissionStatus.PROCESSING:
            raise SubmissionStateError(_("The submission is already %(status)s.") % {"status": submission.status})
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
        raise SubmissionStateError(_("An approved submission cannot be rejected."))
    submission.status = SubmissionStatus.REJECTED
    if reason:
        submission.error = reason[:2000]
    submission.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    submission.save()
    log_action(submission, "whitepapers.email_submission.rejected", actor=actor, data={"reason": reason[:200]})
    return submission
