"""System checks of the project's own settings, run by ``manage.py check``, ``migrate`` (compose's
migrate step and ``make run`` run it before the web server starts) and ``runserver``.

:func:`check_smtp_settings` refuses SMTP settings that cannot deliver, with the setting to change.
It looks only when ``EMAIL_BACKEND`` is Django's SMTP backend (production's default); the console
backend of development and the tests' locmem backend have nothing to check.
:func:`check_outbox_settings` refuses retry settings of the outbox that cannot work.
"""

from ipaddress import ip_address

from django.conf import settings
from django.core.checks import Error, Tags, register

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
#: Mail submission with STARTTLS (RFC 6409; Brevo's smtp-relay.brevo.com:587).
SUBMISSION_PORT = 587
#: Submission over TLS from the first byte (RFC 8314).
IMPLICIT_TLS_PORT = 465


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


@register(Tags.compatibility)
def check_smtp_settings(app_configs=None, **kwargs) -> list[Error]:
    """``magnetiq.E101``…``E107``: host missing; STARTTLS and SSL both on; SSL on 587 or STARTTLS
    on 465; a user without a password or the reverse; no login on a submission port (587/465 relays
    such as Brevo's take mail only from an authenticated account); a password sent unencrypted to a
    host that is not this machine; a timeout that is not a positive number of seconds."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return []
    errors = []
    host = (settings.EMAIL_HOST or "").strip()
    port = settings.EMAIL_PORT
    use_tls, use_ssl = bool(settings.EMAIL_USE_TLS), bool(settings.EMAIL_USE_SSL)
    user, password = settings.EMAIL_HOST_USER or "", settings.EMAIL_HOST_PASSWORD or ""
    if not host:
        errors.append(
            Error(
                "EMAIL_HOST is empty while EMAIL_BACKEND is the SMTP backend: no e-mail can leave.",
                hint="Set EMAIL_HOST to the relay, e.g. smtp-relay.brevo.com.",
                id="magnetiq.E101",
            )
        )
    if use_tls and use_ssl:
        errors.append(
            Error(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both on; a connection uses one of them.",
                hint="Port 587: EMAIL_USE_TLS=true (STARTTLS). Port 465: EMAIL_USE_SSL=true.",
                id="magnetiq.E102",
            )
        )
    elif use_ssl and port == SUBMISSION_PORT:
        errors.append(
            Error(
                "EMAIL_USE_SSL is on with EMAIL_PORT 587; port 587 starts in plain text and upgrades with STARTTLS.",
                hint="Set EMAIL_USE_TLS=true and EMAIL_USE_SSL=false, or use port 465 for SSL.",
                id="magnetiq.E103",
            )
        )
    elif use_tls and port == IMPLICIT_TLS_PORT:
        errors.append(
            Error(
                "EMAIL_USE_TLS (STARTTLS) is on with EMAIL_PORT 465; port 465 expects TLS from the first byte.",
                hint="Set EMAIL_USE_SSL=true and EMAIL_USE_TLS=false, or use port 587 for STARTTLS.",
                id="magnetiq.E103",
            )
        )
    if bool(user) != bool(password):
        errors.append(
            Error(
                "Only one of EMAIL_HOST_USER and EMAIL_HOST_PASSWORD is set; Django logs in only with both.",
                hint="Set both (Brevo: the SMTP login and the SMTP key) or neither.",
                id="magnetiq.E104",
            )
        )
    elif not user and port in (SUBMISSION_PORT, IMPLICIT_TLS_PORT) and host and not _is_loopback(host):
        errors.append(
            Error(
                f"EMAIL_PORT {port} is a mail submission port, but no login is set: the relay will refuse the mail.",
                hint="Set EMAIL_HOST_USER and EMAIL_HOST_PASSWORD (Brevo: SMTP & API → SMTP).",
                id="magnetiq.E105",
            )
        )
    if user and password and not (use_tls or use_ssl) and host and not _is_loopback(host):
        errors.append(
            Error(
                f"The SMTP password would be sent unencrypted to {host}.",
                hint="Set EMAIL_USE_TLS=true (port 587) or EMAIL_USE_SSL=true (port 465).",
                id="magnetiq.E106",
            )
        )
    timeout = settings.EMAIL_TIMEOUT
    if timeout is None or isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        errors.append(
            Error(
                f"EMAIL_TIMEOUT is {timeout!r}; it must be a positive number of seconds "
                "(without one a stuck relay blocks a worker).",
                hint="E.g. EMAIL_TIMEOUT=10.",
                id="magnetiq.E107",
            )
        )
    return errors


#: SMTP commands one delivery may wait on (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA,
#: the message, QUIT): each may take ``EMAIL_TIMEOUT`` seconds.
SMTP_STEPS_PER_MESSAGE = 10


@register(Tags.compatibility)
def check_outbox_settings(app_configs=None, **kwargs) -> list[Error]:
    """``magnetiq.E108``: the outbox's retry settings (:mod:`magnetiq.mail`) are numbers that work:
    ``OUTBOUND_EMAIL_MAX_RETRIES`` ≥ 0, ``OUTBOUND_EMAIL_RETRY_MINUTES`` > 0, and
    ``OUTBOUND_EMAIL_STALE_MINUTES`` longer than the slowest delivery (10 × ``EMAIL_TIMEOUT``), or a
    send still talking to a slow relay would be taken back and sent a second time."""
    errors = []
    if settings.OUTBOUND_EMAIL_MAX_RETRIES < 0:
        errors.append(
            Error(
                f"OUTBOUND_EMAIL_MAX_RETRIES is {settings.OUTBOUND_EMAIL_MAX_RETRIES}; it counts retries (0 or more).",
                hint="E.g. OUTBOUND_EMAIL_MAX_RETRIES=3.",
                id="magnetiq.E108",
            )
        )
    if settings.OUTBOUND_EMAIL_RETRY_MINUTES <= 0:
        errors.append(
            Error(
                f"OUTBOUND_EMAIL_RETRY_MINUTES is {settings.OUTBOUND_EMAIL_RETRY_MINUTES}; "
                "the first wait must be positive.",
                hint="E.g. OUTBOUND_EMAIL_RETRY_MINUTES=1 (then 4 and 16 minutes).",
                id="magnetiq.E108",
            )
        )
    timeout = settings.EMAIL_TIMEOUT if isinstance(settings.EMAIL_TIMEOUT, int | float) else 0
    slowest = SMTP_STEPS_PER_MESSAGE * timeout / 60
    if slowest >= settings.OUTBOUND_EMAIL_STALE_MINUTES:
        errors.append(
            Error(
                f"OUTBOUND_EMAIL_STALE_MINUTES ({settings.OUTBOUND_EMAIL_STALE_MINUTES}) is not longer than "
                f"the slowest delivery ({slowest:g} minutes with EMAIL_TIMEOUT={settings.EMAIL_TIMEOUT}): "
                "a slow send would be sent a second time.",
                hint="Raise OUTBOUND_EMAIL_STALE_MINUTES or lower EMAIL_TIMEOUT.",
                id="magnetiq.E108",
            )
        )
    return errors
