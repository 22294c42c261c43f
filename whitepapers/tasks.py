"""Background work of the whitepapers app. Tasks take ids, load the row and call a service; both are
idempotent (re-running one does nothing new)."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def generate_whitepaper_pdf(whitepaper_id: int) -> None:
    """(Re)generate the PDF when the body changed since the last one (``body_hash``)."""
    from .exceptions import WhitepaperNotFound, WhitepaperUnavailable
    from .services.pdfs import whitepaper_generate_pdf

    try:
        whitepaper_generate_pdf(whitepaper_id=whitepaper_id)
    except (WhitepaperNotFound, WhitepaperUnavailable) as exc:
        # Deleted meanwhile, or the body was removed: nothing to render.
        logger.info("No PDF for whitepaper %s: %s", whitepaper_id, exc.message)


@task()
def send_download_link(token_id: int) -> None:
    """E-mail the lead their download link: once per issued link, within the per-recipient hourly cap."""
    from .services import download_link_send

    download_link_send(token_id=token_id)
