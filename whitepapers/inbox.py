"""Reading author e-mails: parse one message, check its attachments, walk a maildir, ``.eml`` files or IMAP.

Spec 000 "Email Submission Processing". Nothing here writes to the database
(``whitepapers.services.submissions.email_submission_import`` does). Attachments are judged by their bytes,
never by the sender's file name or MIME type: a PDF starts with ``%PDF-``; a DOCX is a ZIP holding
``word/document.xml`` whose *declared* uncompressed size and compression ratio are checked before
anything is decompressed (zip bombs are refused unread).
"""

import contextlib
import email
import email.policy
import hashlib
import imaplib
import io
import mailbox
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import conf
from .exceptions import InvalidEmailMessage

PDF_MIME = "application/pdf"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Compression ratio above which a ZIP entry is treated as a bomb (real DOCX XML compresses ~10:1).
MAX_ZIP_RATIO = 200


@dataclass
class ParsedAttachment:
    """``mime_type``: detected from the bytes (``""`` when refused); ``reason``: why it was refused."""

    filename: str
    size_bytes: int
    data: bytes
    mime_type: str = ""
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return not self.reason


@dataclass
class ParsedEmail:
    message_id: str
    sender_email: str
    sender_name: str
    subject: str
    body: str
    received_at: datetime
    attachments: list[ParsedAttachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_attachment(filename: str, data: bytes) -> tuple[str, str]:
    """``(mime_type, "")`` for an acceptable PDF or DOCX, else ``("", reason)``."""
    if len(data) > conf.max_file_bytes():
        return "", f"Larger than the limit of {conf.max_file_bytes()} bytes."
    if not data:
        return "", "Empty file."
    if data.startswith(b"%PDF-"):
        return PDF_MIME, ""
    if data.startswith(b"PK\x03\x04"):
        return _check_docx(data)
    return "", "Only PDF and DOCX files are accepted (checked by content, not by name)."


def _check_docx(data: bytes) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names:
                return "", "A ZIP file that is not a Word document (no word/document.xml)."
            declared = sum(entry.file_size for entry in entries)
            if declared > conf.max_unzipped_bytes():
                return "", f"Unpacks to {declared} bytes, more than {conf.max_unzipped_bytes()}: refused as a zip bomb."
            for entry in entries:
                if entry.compress_size and entry.file_size / entry.compress_size > MAX_ZIP_RATIO:
                    return "", f"{entry.filename} is compressed {entry.file_size // entry.compress_size}:1: refused."
                if entry.flag_bits & 0x1:
                    return "", "Encrypted ZIP entries are not accepted."
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return "", "A damaged ZIP/DOCX file."
    return DOCX_MIME, ""


def _address(message, header: str) -> tuple[str, str]:
    try:
        raw = message.get_all(header, [])
        pairs = getaddresses([str(value) for value in raw])
    except (TypeError, ValueError, IndexError):
        return "", ""
    for name, address in pairs:
        if "@" in address:
            return name.strip(), address.strip().lower()
    return "", ""


def _received_at(message) -> datetime:
    try:
        value = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None:
        return timezone.now()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _text_body(message) -> str:
    try:
        part = message.get_body(preferencelist=("plain",))
        if part is None:
            part = message.get_body(preferencelist=("html",))
        if part is None:
            return ""
        text = part.get_content()
    except (KeyError, LookupError, ValueError, AttributeError, UnicodeError):
        payload = message.get_payload(decode=True) if not message.is_multipart() else None
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return text.strip() if isinstance(text, str) else ""


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one RFC 5322 message. Raises :class:`InvalidEmailMessage` when it has no headers at all.

    A missing ``Message-ID`` becomes ``<sha256-of-the-bytes@magnetiq.invalid>`` so the same file
    imported twice is still recognised. Problems that don't stop the import (no sender) are listed
    in ``problems``.
    """
    if not raw or not raw.strip():
        raise InvalidEmailMessage(_("The message is empty."))
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except (TypeError, ValueError, IndexError) as exc:
        raise InvalidEmailMessage(_("The message cannot be parsed: %(exc)s") % {"exc": exc}) from exc
    if not message.keys():
        raise InvalidEmailMessage(_("The message has no headers."))
    problems = list(getattr(message, "defects", []))
    message_id = str(message.get("Message-ID", "") or "").strip()[:500]
    if not message_id:
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@magnetiq.invalid>"
    sender_name, sender_email = _address(message, "From")
    parsed = ParsedEmail(
        message_id=message_id,
        sender_email=sender_email,
        sender_name=sender_name[:200],
        subject=" ".join(str(message.get("Subject", "") or "").split())[:500],
        body=_text_body(message),
        received_at=_received_at(message),
        problems=[str(problem) for problem in problems],
    )
    if not sender_email:
        parsed.problems.append("No sender address (From).")
    for part in message.iter_attachments() if message.is_multipart() else []:
        filename = (part.get_filename() or "attachment").replace("/", "_").replace("\\", "_")[:255]
        try:
            data = part.get_payload(decode=True) or b""
        except (ValueError, TypeError, LookupError):
            data = b""
        mime_type, reason = check_attachment(filename, data)
        parsed.attachments.append(
            ParsedAttachment(filename=filename, size_bytes=len(data), data=data, mime_type=mime_type, reason=reason)
        )
    return parsed


def read_path(path: Path) -> Iterator[tuple[str, bytes]]:
    """``(label, raw bytes)`` of every message under ``path``: a maildir (``cur``/``new``), a folder
    of ``.eml`` files or one ``.eml`` file. Raises ``FileNotFoundError``/``NotADirectoryError``
    when ``path`` is unreadable."""
    if path.is_file():
        yield path.name, path.read_bytes()
        return
    if not path.is_dir():
        raise FileNotFoundError(f"No such file or folder: {path}")
    if (path / "cur").is_dir() and (path / "new").is_dir():
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            yield key, box.get_bytes(key)
        return
    for file in sorted(path.glob("*.eml")):
        yield file.name, file.read_bytes()


def read_imap(url: str) -> Iterator[tuple[str, bytes]]:
    """Unseen messages of the mailbox named by ``imap(s)://user:password@host[:port]/FOLDER``.

    Messages are fetched with ``BODY.PEEK[]`` (left unseen, so a failed import can be retried);
    de-duplication by Message-ID makes re-reading harmless.
    """
    parts = urlparse(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError("WHITEPAPER_IMAP_URL must look like imaps://user:password@host/INBOX")
    client_class = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    client = client_class(parts.hostname, parts.port or (993 if parts.scheme == "imaps" else 143))
    try:
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(unquote(parts.path.lstrip("/")) or "INBOX", readonly=True)
        status, data = client.search(None, "UNSEEN")
        for number in (data[0] or b"").split() if status == "OK" else []:
            status, fetched = client.fetch(number, "(BODY.PEEK[])")
            if status == "OK" and fetched and isinstance(fetched[0], tuple):
                yield f"imap:{number.decode()}", fetched[0][1]
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
