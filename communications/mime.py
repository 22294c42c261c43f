"""The campaign message on the wire, built fast: headers and two base64 parts put together as bytes.

Why not Django's own ``EmailMultiAlternatives.message()``: it runs the ``email`` package's generator
(header folding, quoted-printable for long lines) for every recipient, which costs as much as the
SMTP conversation itself on loopback (about 5 ms a message here) and would halve a campaign's
throughput. A campaign's messages all have the same simple shape — ``multipart/alternative`` with a
UTF-8 text and an HTML part — so :class:`CampaignEmail` keeps Django's message class (the SMTP,
locmem and console backends send it as any other) and only replaces the step that serialises it:
the bodies are base64-encoded in C (``binascii``), the subject RFC 2047-encoded when it is not
ASCII (folded by ``email.header``), lines end in CRLF and stay far under the 998 characters of
RFC 5322 section 2.1.1 (base64 lines are 76).
"""

from __future__ import annotations

import base64
import secrets
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache

from django.core.mail import EmailMultiAlternatives


def _header_value(value: str) -> str:
    if value.isascii() and len(value) < 900:
        return value
    return Header(value, "utf-8", header_name="Subject").encode(linesep="\r\n")


@lru_cache(maxsize=256)
def bare_address(value: str) -> str:
    """``"Magnetiq <news@example.com>"`` → ``"news@example.com"`` (parsed once per distinct value)."""
    return parseaddr(value)[1]


@lru_cache(maxsize=256)
def _sender(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


def _address(value: str) -> str:
    # A recipient is a bare, validated address (leads store them so): nothing to parse or encode.
    if value.isascii() and "<" not in value and "," not in value:
        return value
    return _sender(value)


def _part(content_type: str, text: str) -> bytes:
    body = base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    return f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode() + body


class RawMessage:
    """What ``EmailMessage.message()`` returns for the backends: ``as_bytes(linesep=…)`` and
    ``as_string()``, plus item access to the headers (the locmem backend and tests read them)."""

    def __init__(self, data: bytes, headers: dict[str, str]):
        self._data = data
        self._headers = headers

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n", policy=None) -> bytes:
        return self._data if linesep == "\r\n" else self._data.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n", policy=None) -> str:
        return self.as_bytes(linesep=linesep).decode("ascii")

    def __getitem__(self, name: str) -> str | None:
        return self._headers.get(name)

    def get(self, name: str, default=None):
        return self._headers.get(name, default)


class CampaignEmail(EmailMultiAlternatives):
    """One recipient's campaign e-mail: ``body`` the text, one ``text/html`` alternative."""

    @property
    def from_email_address(self) -> str:
        """The bare address of ``from_email`` (the SMTP envelope's MAIL FROM)."""
        return bare_address(self.from_email)

    def message(self, *, policy=None) -> RawMessage:  # type: ignore[override]
        html = next((content for content, mimetype in self.alternatives if mimetype == "text/html"), "")
        boundary = f"=_{secrets.token_hex(12)}"
        headers = {
            "From": _sender(self.from_email),
            "To": ", ".join(_address(address) for address in self.to),
            "Subject": _header_value(self.subject),
            "Date": formatdate(usegmt=True),
            **{name: _header_value(value) for name, value in self.extra_headers.items()},
            "MIME-Version": "1.0",
            "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        }
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()
        parts = [_part("text/plain", self.body), _part("text/html", html)]
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
        return RawMessage(head + b"\r\n" + body + b"--" + boundary.encode() + b"--\r\n", headers)
