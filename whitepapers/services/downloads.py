"""Gated download links: a lead asks with consent, receives an e-mailed one-time link, downloads once."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from leads.models import CONSENT_WORDING_VERSION, Lead
from leads.services import lead_capture, lead_record_action, truncate_ip
from magnetiq.audit import log_action
from magnetiq.links import absolute_url
from magnetiq.mail import send_templated_mail
from whitepapers import conf
from whitepapers.exceptions import (
    DownloadLinkGone,
    DownloadLinkNotFound,
    WhitepaperNotFound,
)
from whitepapers.models import (
    DownloadLinkEmail,
    DownloadToken,
    Whitepaper,
    WhitepaperDownload,
)

from .pdfs import whitepaper_ensure_pdf

logger = logging.getLogger(__name__)


UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
TOKEN_SALT = "whitepapers.download-token"  # noqa: S105 (an HMAC salt, not a secret)


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
        from whitepapers.tasks import send_download_link

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
    cap; the lock order (lead, then token) is the one :func:`download_request` takes. The claim
    (``email_sent_at`` and its :class:`DownloadLinkEmail` row) and the e-mail's outbox row (key
    ``whitepapers.download_link:<token id>:<nonce>``) are written in that one transaction, so the
    e-mail leaves after the commit, once, retried by the outbox (:mod:`magnetiq.mail`) when the
    relay fails for a while.
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
        DownloadLinkEmail.objects.create(lead=lead, whitepaper=whitepaper, sent_at=now)
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
            key=f"whitepapers.download_link:{token.pk}:{token.nonce}",
        )
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
                _("This download link has expired. Request a new one on the whitepaper's page."),
                code="DOWNLOAD_LINK_EXPIRED",
                landing_url=landing,
            )
        spent = DownloadToken.objects.filter(pk=token.pk, remaining_downloads__gt=0, expires_at__gt=now).update(
            remaining_downloads=F("remaining_downloads") - 1, download_count=F("download_count") + 1, last_used_at=now
        )
        if not spent:
            raise DownloadLinkGone(
                _("This download link has been used up. Request a new one on the whitepaper's page."),
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
