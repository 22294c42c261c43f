"""Background work of the whitepapers app. Tasks take ids, load the row and call a service; both are
idempotent (re-running one does nothing new)."""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from magnetiq.mail import send_templated_mail

logger = logging.getLogger(__name__)


@task()
def generate_whitepaper_pdf(whitepaper_id: int) -> None:
    """(Re)generate the PDF when the body changed since the last one (``body_hash``)."""
    from .exceptions import WhitepaperNotFound, WhitepaperUnavailable
    from .services import whitepaper_generate_pdf

    try:
        whitepaper_generate_pdf(whitepaper_id=whitepaper_id)
    except (WhitepaperNotFound, WhitepaperUnavailable) as exc:
        # Deleted meanwhile, or the body was removed: nothing to render.
        logger.info("No PDF for whitepaper %s: %s", whitepaper_id, exc.message)


@task()
def send_download_link(token_id: int) -> None:
    """E-mail the lead their download link, once per issued link (``email_sent_at`` under a row lock)."""
    from .models import DownloadToken
    from .services import download_url, raw_token_for

    with transaction.atomic():
        token = (
            DownloadToken.objects.select_for_update(of=("self",))
            .select_related("lead", "whitepaper")
            .filter(pk=token_id)
            .first()
        )
        if token is None or token.email_sent_at is not None or token.lead.is_erased:
            return
        whitepaper = token.whitepaper
        raw = raw_token_for(token.nonce)
        send_templated_mail(
            to=[token.lead.email],
            template="whitepapers/email/download_link",
            language=token.language,
            context={
                "first_name": token.lead.first_name,
                "title": whitepaper.title_for(token.language),
                "download_url": download_url(raw),
                "expires_at": token.expires_at,
                "max_downloads": token.remaining_downloads,
            },
        )
        token.email_sent_at = timezone.now()
        token.save(update_fields=["email_sent_at"])
