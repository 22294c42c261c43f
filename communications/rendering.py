"""Templates → e-mail: variables, responsive HTML with inlined CSS, plain text, tracking links.

A template is prepared once per (template, language) into a :class:`PreparedMail`: the Portable
Text body rendered by ``content.portable_text`` (HTML; Markdown for the text part, so links keep
their address), wrapped in ``communications/email/campaign.html`` and its ``<style>`` inlined into
``style`` attributes by css-inline (mail programs drop ``<style>`` blocks; the media query for
phones stays in the head). Every ``{{ variable }}`` becomes a private-use marker before rendering
(no renderer escapes or drops it) and each recipient only costs one substitution pass
(:meth:`PreparedMail.personalise`), which keeps a 2 000-recipient campaign close to plain SMTP speed.

Variables (:data:`VARIABLES`): ``first_name``, ``last_name``, ``full_name``, ``email``,
``unsubscribe_url``, ``preferences_url``, ``site_url``. Any other name is refused when the
template is saved (:func:`check_variables`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from content.portable_text import to_html, to_markdown
from magnetiq.links import site_url

from .exceptions import UnknownTemplateVariable

#: The variables a template may use, with the sample values of ``/html`` and ``/preview``.
VARIABLES: dict[str, str] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "unsubscribe_url": "https://example.com/email/unsubscribe/sample",
    "preferences_url": "https://example.com/email/preferences/sample/",
    "site_url": "https://example.com",
}
_NAMES = list(VARIABLES)
_VARIABLE_RE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# Private-use characters: no renderer escapes, encodes or strips them.
_MARK_RE = re.compile("\ue000(\\d+)\ue001")
_LINK_MARK_RE = re.compile("\ue002(\\d+)\ue003")
_HREF_RE = re.compile(r'href="(https?://[^"]+)"', re.IGNORECASE)
_INLINER = css_inline.CSSInliner(keep_style_tags=True)


def _mark(index: int) -> str:
    return f"\ue000{index}\ue001"


def _strings(value: Any, path: str):
    """Every string inside ``value`` with a dotted path to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")


def check_variables(*, subject: dict, body: dict, preheader: dict | None = None) -> None:
    """Refuse a ``{{ name }}`` that is not in :data:`VARIABLES`.

    Raises :class:`UnknownTemplateVariable` (422) whose ``details`` list one entry per unknown use:
    ``field`` is where it stands (``"subject.de"``, ``"body.en"``, ``"preheader.en"``) and
    ``message`` names the variable.
    """
    details = []
    for name, value in (("subject", subject), ("body", body), ("preheader", preheader or {})):
        for language, content in (value or {}).items():
            for _path, text in _strings(content, ""):
                for match in _VARIABLE_RE.finditer(text):
                    variable = match.group(1)
                    if variable not in VARIABLES:
                        message = translation.gettext("Unknown variable {{ %(name)s }}; known: %(known)s.") % {
                            "name": variable,
                            "known": ", ".join(VARIABLES),
                        }
                        details.append({"field": f"{name}.{language}", "message": message, "code": "unknown_variable"})
    if details:
        raise UnknownTemplateVariable(details[0]["message"], details=details)


def _to_marks(value: Any) -> Any:
    """A copy of ``value`` whose strings have each ``{{ name }}`` replaced by its marker."""
    if isinstance(value, str):
        return _VARIABLE_RE.sub(
            lambda m: _mark(_NAMES.index(m.group(1))) if m.group(1) in VARIABLES else m.group(0), value
        )
    if isinstance(value, dict):
        return {key: _to_marks(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_marks(item) for item in value]
    return value


def _localised(value: dict, language: str) -> Any:
    value = value or {}
    return value.get(language) or value.get("en") or next(iter(value.values()), None)


@dataclass
class PreparedMail:
    """One template in one language, rendered once, with markers where each recipient differs.

    ``links``: the distinct ``http(s)`` addresses of the body, in order: a click redirect names one
    by its index, so it can only lead to an address the template contains.
    """

    language: str
    subject: str
    text: str
    html: str
    links: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Split once at the markers, so a recipient costs one join instead of regex passes.
        self._subject = _split(self.subject)
        self._text = _split(self.text)
        self._html = _split(self.html)

    def personalise(
        self, values: dict[str, str], *, click_url=None, open_url: str | None = None
    ) -> tuple[str, str, str]:
        """``(subject, text, html)`` for one recipient. ``values``: the :data:`VARIABLES` values
        (missing ones are empty). ``click_url(index) -> str``: the tracked address of link
        ``index`` (``None``: links untouched); ``open_url``: the tracking pixel's address."""
        ordered = [values.get(name, "") for name in _NAMES]
        escaped = [html.escape(value, quote=True) for value in ordered]
        if click_url is None:
            targets = [html.escape(link, quote=True) for link in self.links]
        else:
            targets = [html.escape(click_url(index), quote=True) for index in range(len(self.links))]
        subject = _join(self._subject, ordered, [])
        text = _join(self._text, ordered, [])
        body = _join(self._html, escaped, targets)
        if open_url:
            src = html.escape(open_url, quote=True)
            pixel = f'<img src="{src}" width="1" height="1" alt="" style="display:block;border:0">'
            body = body.replace("</body>", f"{pixel}</body>", 1)
        return " ".join(subject.split()), text, body


_ANY_MARK_RE = re.compile("(\ue000\\d+\ue001|\ue002\\d+\ue003)")


def _split(value: str) -> list[str | tuple[bool, int]]:
    """``value`` cut at its markers: literal text, ``(False, variable index)``, ``(True, link index)``."""
    parts: list[str | tuple[bool, int]] = []
    for piece in _ANY_MARK_RE.split(value):
        if piece.startswith("\ue000") and piece.endswith("\ue001"):
            parts.append((False, int(piece[1:-1])))
        elif piece.startswith("\ue002") and piece.endswith("\ue003"):
            parts.append((True, int(piece[1:-1])))
        elif piece:
            parts.append(piece)
    return parts


def _join(parts: list[str | tuple[bool, int]], values: list[str], links: list[str]) -> str:
    return "".join(
        part if isinstance(part, str) else (links[part[1]] if part[0] else values[part[1]]) for part in parts
    )


def prepare(*, subject: dict, body: dict, preheader: dict | None, language: str) -> PreparedMail:
    """Render a template's ``language`` version (English when it has none) once; see the module."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    blocks = _to_marks(_localised(body, language) or [])
    subject_text = _to_marks(_localised(subject, language) or "")
    preheader_text = _to_marks(_localised(preheader or {}, language) or "")
    with translation.override(language):
        body_html = to_html(blocks)
        page = render_to_string(
            "communications/email/campaign.html",
            {
                "language": language,
                "subject": subject_text,
                "preheader": preheader_text,
                "body_html": body_html,
                "unsubscribe_url": _mark(_NAMES.index("unsubscribe_url")),
                "preferences_url": _mark(_NAMES.index("preferences_url")),
                "site_url": site_url(),
            },
        )
        footer = translation.gettext("Unsubscribe: %(url)s\nE-mail preferences: %(preferences)s") % {
            "url": _mark(_NAMES.index("unsubscribe_url")),
            "preferences": _mark(_NAMES.index("preferences_url")),
        }
    inlined = _INLINER.inline(page)
    links: list[str] = []

    def _link(match: re.Match) -> str:
        url = html.unescape(match.group(1))
        if url not in links:
            links.append(url)
        return f'href="\ue002{links.index(url)}\ue003"'

    inlined = _HREF_RE.sub(_link, inlined)
    text = f"{to_markdown(blocks).strip()}\n\n-- \n{footer}\n"
    return PreparedMail(language=language, subject=subject_text, text=text, html=inlined, links=links)


def sample_values() -> dict[str, str]:
    """The sample data of ``/html`` and ``/preview``."""
    return dict(VARIABLES)


def render_sample(
    *, subject: dict, body: dict, preheader: dict | None, language: str, values: dict[str, str] | None = None
) -> dict[str, str]:
    """``{"subject", "html", "text", "language"}`` with :func:`sample_values` overridden by ``values``
    (unknown keys ignored): what ``/html`` and ``/preview`` show."""
    prepared = prepare(subject=subject, body=body, preheader=preheader, language=language)
    data = sample_values()
    data.update({key: str(value) for key, value in (values or {}).items() if key in VARIABLES})
    subject_text, text, html_body = prepared.personalise(data)
    return {"subject": subject_text, "html": html_body, "text": text, "language": prepared.language}


__all__ = ["VARIABLES", "PreparedMail", "check_variables", "prepare", "render_sample", "sample_values"]
