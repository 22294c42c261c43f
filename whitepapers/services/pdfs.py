"""Generated whitepaper PDFs (WeasyPrint): render outside any transaction, store only if current."""

from functools import partial

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
    """Render the PDF from the body (WeasyPrint) unless ``body_hash`` says it is current; with it
    the landing page's cover image (``generated_cover``, Pillow: ``whitepapers.covers``) and the
    PDF's ``page_count``.

    Rendering happens outside any transaction; the result is stored only if the content did not
    change meanwhile (else the task enqueued by that change renders it). Raises
    :class:`WhitepaperNotFound`, :class:`WhitepaperUnavailable` (no body).
    """
    from whitepapers.covers import render_cover
    from whitepapers.pdf import cover_date, render_pdf_document

    whitepaper = Whitepaper.objects.alive().select_related("author", "cover_image").filter(pk=whitepaper_id).first()
    if whitepaper is None:
        raise WhitepaperNotFound()
    if not has_body(whitepaper):
        raise WhitepaperUnavailable(_("There is no body to generate a PDF from."))
    digest = whitepaper_content_hash(whitepaper)
    if not force and digest == whitepaper.body_hash and whitepaper.generated_file:
        return whitepaper
    rendered = render_pdf_document(whitepaper)
    pdf = rendered.data
    language = whitepaper.language or "en"
    author = whitepaper.author
    cover = render_cover(
        title=whitepaper.title_for(language),
        date=cover_date(whitepaper, language),
        summary=whitepaper.summary_for(language),
        author=f"{author.first_name} {author.last_name}" if author else "",
    )
    with transaction.atomic():
        locked = Whitepaper.objects.select_for_update(of=("self",)).select_related("author").get(pk=whitepaper_id)
        if whitepaper_content_hash(locked) != digest:
            return locked
        old = locked.generated_file.name if locked.generated_file else ""
        old_cover = locked.generated_cover.name if locked.generated_cover else ""
        locked.generated_file.save(f"{locked.slug}.pdf", ContentFile(pdf), save=False)
        locked.generated_cover.save(f"{locked.slug}.png", ContentFile(cover), save=False)
        locked.body_hash = digest
        locked.pdf_generated_at = timezone.now()
        locked.page_count = rendered.pages
        locked.save(
            update_fields=[
                "generated_file",
                "generated_cover",
                "page_count",
                "body_hash",
                "pdf_generated_at",
                "updated_at",
            ]
        )
        log_action(locked, "whitepapers.whitepaper.pdf_generated", data={"bytes": len(pdf), "pages": rendered.pages})
        for name, storage in ((old, locked.generated_file.storage), (old_cover, locked.generated_cover.storage)):
            if name:
                transaction.on_commit(partial(storage.delete, name))
    return locked


def whitepaper_ensure_pdf(*, whitepaper: Whitepaper) -> Whitepaper:
    """Make sure a downloadable PDF exists: the uploaded file, or a current generated one."""
    if whitepaper.file:
        return whitepaper
    if not has_body(whitepaper):
        raise WhitepaperUnavailable()
    return whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
