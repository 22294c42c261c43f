"""The app's settings: ``settings.COMMUNICATIONS`` (a dict; every key optional) over these defaults.

* ``BATCH_SIZE`` — rows a worker claims at once and sends over one SMTP connection (100);
* ``MAX_ATTEMPTS`` — tries of one recipient before it is ``failed`` (5);
* ``BACKOFF_SECONDS`` — wait after the first transient failure, doubled after each further one
  (60 s, 120 s, 240 s …), capped at ``BACKOFF_MAX_SECONDS`` (3 600);
* ``PAUSE_AFTER_FAILURES`` — failed sends in a row after which the campaign is paused (20);
* ``CLAIM_LEASE_MINUTES`` — how long a worker owns the queued rows it claimed (10): a worker that
  dies leaves them to the next one after this;
* ``SENDING_LEASE_MINUTES`` — a row ``sending`` for longer is "uncertain" (10; far above
  ``EMAIL_TIMEOUT``, the longest an SMTP conversation may hang);
* ``UNSUBSCRIBE_MAILTO`` — the address of the ``mailto:`` in ``List-Unsubscribe`` (default:
  ``unsubscribe@`` the domain of ``DEFAULT_FROM_EMAIL``);
* ``FROM_EMAIL`` — the campaigns' sender (default ``DEFAULT_FROM_EMAIL``).
"""

from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings


@dataclass(frozen=True)
class Config:
    batch_size: int
    max_attempts: int
    backoff_seconds: int
    backoff_max_seconds: int
    pause_after_failures: int
    claim_lease: timedelta
    sending_lease: timedelta
    unsubscribe_mailto: str
    from_email: str


def config() -> Config:
    values = getattr(settings, "COMMUNICATIONS", {}) or {}
    from_email = values.get("FROM_EMAIL") or settings.DEFAULT_FROM_EMAIL
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
    return Config(
        batch_size=int(values.get("BATCH_SIZE", 100)),
        max_attempts=int(values.get("MAX_ATTEMPTS", 5)),
        backoff_seconds=int(values.get("BACKOFF_SECONDS", 60)),
        backoff_max_seconds=int(values.get("BACKOFF_MAX_SECONDS", 3600)),
        pause_after_failures=int(values.get("PAUSE_AFTER_FAILURES", 20)),
        claim_lease=timedelta(minutes=int(values.get("CLAIM_LEASE_MINUTES", 10))),
        sending_lease=timedelta(minutes=int(values.get("SENDING_LEASE_MINUTES", 10))),
        unsubscribe_mailto=values.get("UNSUBSCRIBE_MAILTO") or f"unsubscribe@{domain}",
        from_email=from_email,
    )
