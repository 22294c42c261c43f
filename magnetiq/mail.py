"""Templated e-mail in the recipient's language (HTML and plain text, optional attachments).

Called from tasks (which take ids and are idempotent), never straight from a request: services
enqueue the task with ``transaction.on_commit`` so nothing is sent for a rolled-back change, and
no SMTP conversation (``EMAIL_TIMEOUT`` seconds at most) holds a transaction's locks: sending
inside an open transaction is refused (:func:`magnetiq.vendors.assert_no_transaction`).
"""

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation

from .vendors import assert_no_transaction


def _render_text(name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping (a subject or text body is not HTML)."""
    return get_template(name).template.render(Context(context, autoescape=False))


def render_templated_mail(*, template: str, context: dict, language: str = "en") -> tuple[str, str, str]:
    """Render ``<template>_subject.txt``, ``<template>.txt`` (both unescaped) and ``<template>.html``
    (escaped) with ``language`` active (one of ``settings.LANGUAGES``, else ``LANGUAGE_CODE``), so
    their ``{% translate %}`` tags, date formats and ``|money`` follow it.

    Returns ``(subject, text, html)``; the subject is stripped to one line.
    """
    with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        subject = " ".join(_render_text(f"{template}_subject.txt", context).split())
        text = _render_text(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return subject, text, html


def send_templated_mail(
    *,
    to: Sequence[str],
    template: str,
    context: dict,
    language: str = "en",
    attachments: Iterable[tuple[str, bytes | str, str]] = (),
    reply_to: Sequence[str] = (),
    headers: dict | None = None,
) -> EmailMultiAlternatives:
    """Send one e-mail to ``to`` from ``DEFAULT_FROM_EMAIL`` and return the sent message.

    ``attachments``: ``(filename, content, mimetype)`` triples, e.g. ``("invite.ics", ics_bytes,
    "text/calendar; method=REQUEST")``. Raises the mail backend's errors (SMTP failures) so the
    calling task can record or retry them, and
    :class:`magnetiq.vendors.VendorCallInTransaction` when called inside a transaction.
    """
    assert_no_transaction("SMTP")
    subject, text, html = render_templated_mail(template=template, context=context, language=language)
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=list(to), reply_to=list(reply_to), headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
    return message
