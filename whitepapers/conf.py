"""Settings of the whitepapers app, each with a default (override in the environment's settings).

- ``WHITEPAPER_PRIVATE_ROOT``: folder of the private files (PDFs, e-mail attachments); default
  ``BASE_DIR/var/private``, outside ``MEDIA_ROOT``.
- ``WHITEPAPER_DOWNLOAD_TTL_DAYS``: days a download link lives (default 7).
- ``WHITEPAPER_DOWNLOAD_MAX_USES``: downloads one link allows (default 5).
- ``WHITEPAPER_DOWNLOAD_THROTTLE``: rate of download requests per IP (default ``"10/min"``).
- ``WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR``: download-link e-mails one address gets per
  rolling hour, across all whitepapers (default 3); further requests get their link on the page only.
- ``WHITEPAPER_MAX_FILE_BYTES``: largest PDF upload or e-mail attachment (default 20 MiB).
- ``WHITEPAPER_MAX_UNZIPPED_BYTES``: largest declared uncompressed size of a DOCX (default 50 MiB).
- ``WHITEPAPER_IMAP_URL``: ``imaps://user:password@host/INBOX`` to import author e-mails over IMAP.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings


def private_root() -> Path:
    return Path(getattr(settings, "WHITEPAPER_PRIVATE_ROOT", settings.BASE_DIR / "var" / "private"))


def download_ttl() -> timedelta:
    return timedelta(days=getattr(settings, "WHITEPAPER_DOWNLOAD_TTL_DAYS", 7))


def download_max_uses() -> int:
    return int(getattr(settings, "WHITEPAPER_DOWNLOAD_MAX_USES", 5))


def download_throttle_rate() -> str:
    return getattr(settings, "WHITEPAPER_DOWNLOAD_THROTTLE", "10/min")


def max_emails_per_recipient_per_hour() -> int:
    return int(getattr(settings, "WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR", 3))


def max_file_bytes() -> int:
    return int(getattr(settings, "WHITEPAPER_MAX_FILE_BYTES", 20 * 1024 * 1024))


def max_unzipped_bytes() -> int:
    return int(getattr(settings, "WHITEPAPER_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024))


def imap_url() -> str:
    return getattr(settings, "WHITEPAPER_IMAP_URL", "") or ""
