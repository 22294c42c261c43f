"""A real SMTP server on loopback for the tests: mail goes out through Django's SMTP backend and
arrives over a socket, so what a test checks is what a relay would have received.

:class:`SMTPTestServer` runs aiosmtpd (RFC 5321) on ``127.0.0.1`` at a port the system picks, in a
thread of its own, and keeps every accepted message in memory::

    with SMTPTestServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        send_mail(...)
    (received,) = smtp.messages
    assert received.message["Subject"] == "Hello"
    assert received.rcpt_tos == ["ada@example.com"]

Inside pytest the ``smtp_server`` fixture (conftest.py) does the settings part for one test.

Failures are asked for ahead: :meth:`SMTPTestServer.fail_next` answers the next ``count`` DATA
commands with a reply code instead of accepting them (a 4xx is transient, RFC 5321 section 4.2.1:
the client may try again later; a 5xx is permanent), :meth:`SMTPTestServer.reject_recipient`
refuses one address at RCPT TO every time (a hard bounce), and ``credentials`` makes MAIL FROM wait
for a successful AUTH (PLAIN or LOGIN, without TLS: loopback only).
"""

import asyncio
import email
import email.policy
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cached_property
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

#: Settings that point Django's SMTP backend at a server on loopback (plain SMTP, no TLS, no login).
DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the server accepted.

    ``mail_from`` and ``rcpt_tos`` are the SMTP envelope (MAIL FROM, every accepted RCPT TO, in
    order), not the headers; ``raw`` is the DATA exactly as received (CRLF line ends, no dot
    stuffing); ``peer`` is the client's ``(host, port)``, the same for every message sent over one
    connection, so ``len({m.peer for m in messages})`` counts connections; ``login`` is the user
    name the connection authenticated as (``None`` without AUTH).
    """

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    peer: tuple[str, int]
    login: str | None = None
    received_at: float = field(default_factory=time.monotonic)

    @cached_property
    def message(self) -> EmailMessage:
        """The DATA parsed with ``email.policy.default``: headers decoded (RFC 2047) to ``str``,
        ``get_body(("html",))``, ``iter_attachments()`` and ``get_content()`` available."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        """The decoded ``Subject`` header (``""`` when there is none)."""
        return str(self.message["Subject"] or "")

    def text(self) -> str:
        """The ``text/plain`` body (decoded), ``""`` when the message has none."""
        part = self.message.get_body(("plain",))
        return part.get_content() if part is not None else ""

    def html(self) -> str:
        """The ``text/html`` body (decoded), ``""`` when the message has none."""
        part = self.message.get_body(("html",))
        return part.get_content() if part is not None else ""

    def attachments(self) -> list[tuple[str | None, str, bytes]]:
        """``(filename, content type, decoded bytes)`` of every attachment, in order."""
        return [
            (part.get_filename(), part.get_content_type(), cast(bytes, part.get_payload(decode=True) or b""))
            for part in self.message.iter_attachments()
        ]


class _Handler:
    """aiosmtpd's handler hooks; every decision reads the owning server's state under its lock."""

    def __init__(self, server: "SMTPTestServer") -> None:
        self.server = server

    async def handle_MAIL(self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]):
        if self.server.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]):
        with self.server._lock:
            refusal = self.server._rejected.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        with self.server._lock:
            self.server.attempts += 1
            if self.server._failures:
                return self.server._failures.popleft()
            login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
            peer = cast(tuple[str, int], tuple(session.peer[:2]) if session.peer else ("", 0))
            self.server.messages.append(
                ReceivedMessage(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=cast(bytes, envelope.original_content or envelope.content),
                    peer=peer,
                    login=login,
                )
            )
            self.server._arrived.notify_all()
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's thread controller listening on port 0: the port is read back from the bound
    socket before the start-up probe connects, so no free-port guess can race another process."""

    def _trigger_server(self) -> None:
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SMTPTestServer:
    """An aiosmtpd server on ``127.0.0.1`` (a free port) for the duration of a ``with`` block.

    ``credentials``: ``(user, password)`` the server demands through AUTH before MAIL FROM (a
    relay like Brevo's does); a wrong pair gets ``535``. ``messages`` is the list of
    :class:`ReceivedMessage` in arrival order; ``attempts`` counts DATA commands, accepted or
    failed. Thread-safe: Django's backend may send from several threads at once.
    """

    host = "127.0.0.1"

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.messages: list[ReceivedMessage] = []
        self.attempts = 0
        self.port = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._failures: deque[str] = deque()
        self._rejected: dict[str, str] = {}
        self._controller: _Controller | None = None

    # --- what the next deliveries get ------------------------------------------------------------

    def fail_next(self, count: int = 1, *, code: int = 451, text: str = "") -> None:
        """Answer the next ``count`` DATA commands with ``code`` (4xx transient, 5xx permanent)
        instead of accepting the message; later ones are accepted again. Calls queue up in order:
        ``fail_next(1, code=451); fail_next(1, code=550)`` fails the first with 451, the second
        with 550."""
        if not 400 <= code <= 599:
            raise ValueError(f"an SMTP failure code is 4xx or 5xx, not {code}")
        reply = f"{code} {text or ('4.3.0 Try again later' if code < 500 else '5.0.0 Message refused')}"
        with self._lock:
            self._failures.extend([reply] * count)

    def reject_recipient(self, address: str, *, code: int = 550, text: str = "5.1.1 No such user") -> None:
        """Refuse ``address`` (case-insensitive) at RCPT TO with ``code`` for as long as the server runs."""
        with self._lock:
            self._rejected[address.lower()] = f"{code} {text}"

    def clear(self) -> None:
        """Forget received messages, the attempt count and queued failures and rejections."""
        with self._lock:
            self.messages.clear()
            self.attempts = 0
            self._failures.clear()
            self._rejected.clear()

    # --- reading what arrived ---------------------------------------------------------------------

    def wait_for(self, count: int, *, timeout: float = 10) -> list[ReceivedMessage]:
        """Block until at least ``count`` messages arrived and return a copy of the list.

        Raises ``TimeoutError`` naming how many came when ``timeout`` seconds pass first.
        """
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout):
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived within {timeout} s")
            return list(self.messages)

    def received_by(self, address: str) -> list[ReceivedMessage]:
        """The messages whose envelope included ``address`` (case-insensitive)."""
        with self._lock:
            return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def django_settings(self) -> dict[str, Any]:
        """The Django settings that send through this server with the SMTP backend."""
        user, password = self.credentials or ("", "")
        return {
            "EMAIL_BACKEND": DJANGO_SMTP_BACKEND,
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": user,
            "EMAIL_HOST_PASSWORD": password,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 10,
        }

    # --- lifecycle ----------------------------------------------------------------------------------

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any):
        if isinstance(data, LoginPassword) and self.credentials is not None:
            user, password = self.credentials
            if (data.login.decode(), data.password.decode()) == (user, password):
                return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def __enter__(self) -> "SMTPTestServer":
        self._controller = _Controller(
            _Handler(self),
            hostname=self.host,
            port=0,
            ready_timeout=10,
            # AUTH offered over plain SMTP: the server only ever listens on loopback.
            auth_require_tls=False,
            authenticator=self._authenticate,
        )
        self._controller.start()
        self.port = self._controller.port
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        assert self._controller is not None
        self._controller.stop()
        self._controller = None
