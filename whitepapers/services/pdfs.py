"""Generated whitepaper PDFs (WeasyPrint): render outside any transaction, store only if current."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magnetiq.audit import log_action
from whitepapers.exceptions import (
    WhitepaperNotFound,
    WhitepaperUnavailable,
)
from whitepapers.models import (
    Whitepaper,
)

from .whitepapers import has_body, whitepaper_content_hash


def whitepaper_generate_pdf(*, whitepaper_id: int, force: bool = False) -> Whitepaper:
    """Render the PDF from the body (WeasyPrint) unless ``body_hash`` says it is current.

    Rendering happens outside any transaction; the result is stored only if the content did not
    change meanwhile (else the task enqueued by that change renders it). Raises
    :class:`WhitepaperNotFound`, :class:`WhitepaperUnavailable` (no body).
    """
    from whitepapers.pdf import render_pdf

    whitepaper = Whitepaper.objects.alive().select_related("author", "cover_image").filter(pk=whitepaper_id).first()
    if whitepaper is None:
        raise WhitepaperNotFound()
    if not has_body(whitepaper):
        raise WhitepaperUnavailable(_("There is no body to generate a PDF from."))
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
