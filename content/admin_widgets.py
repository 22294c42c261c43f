"""Admin form fields for multilingual content, zoned times and amounts, shared by every app's admin.

- :class:`PortableTextMarkdownField`: rich text stored as ``{"en": [blocks], "de": [blocks]}``
  edited as Markdown, one text box per language of ``settings.LANGUAGES`` (read when the form is
  built, so a language added to the settings gets its box). Markdown is read back by
  :func:`content.portable_text.from_markdown.markdown_to_blocks`; what it cannot store is a form
  error naming it. A language whose stored text holds something the editor cannot show (media,
  call-to-action blocks …) is shown read-only with a note and kept exactly as stored.
- :class:`TranslatedTextField`: plain text ``{"en": "…", "de": "…"}``, one input per language.
- :class:`ZonedSplitDateTimeField`: an aware datetime shown and entered in a given IANA zone,
  the zone written next to the input.

Without JavaScript the languages are stacked fieldsets; ``static/js/admin-translations.js`` turns
them into tabs and fetches the preview of a Markdown box from :data:`PREVIEW_URL_NAME` (a staff
view in ``content.admin``). Forms using the Markdown field mix in :class:`StoredValuesFormMixin`
so keys and read-only languages are carried over from the stored value.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from content.exceptions import PortableTextError
from content.portable_text import validate_blocks
from content.portable_text.from_markdown import (
    UnsupportedMarkdown,
    blocks_to_markdown,
    markdown_to_blocks,
    unsupported_in_blocks,
)

#: The admin URL name of the Markdown preview (registered by ``content.admin.PageAdmin``).
PREVIEW_URL_NAME = "admin:content_markdown_preview"

_MEDIA = forms.Media(js=["js/admin-translations.js"], css={"all": ["css/admin-translations.css"]})


def site_languages() -> list[tuple[str, str]]:
    """``settings.LANGUAGES`` as ``[(code, name)]``, read when called."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class _TranslationsWidget(forms.Widget):
    """One box per language, named ``<name>__<code>``; the value is ``{code: text}``."""

    template_name = "admin/widgets/translations.html"
    markdown = False

    def __init__(self, attrs=None, *, rows: int = 1):
        super().__init__(attrs)
        self.rows = rows
        #: Per language, what the editor cannot show (set by the field before rendering).
        self.locked: dict[str, list[str]] = {}

    @property
    def media(self):
        return _MEDIA

    def value_from_datadict(self, data, files, name):
        return {code: data.get(f"{name}__{code}", "") for code, _name in site_languages()}

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}__{code}" in data for code, _name in site_languages())

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {}
        base_id = context["widget"]["attrs"].get("id") or name
        preview_url = ""
        if self.markdown:
            try:
                preview_url = reverse(PREVIEW_URL_NAME)
            except NoReverseMatch:
                preview_url = ""
        context["widget"].update(
            languages=[
                {
                    "code": code,
                    "label": label,
                    "name": f"{name}__{code}",
                    "id": f"{base_id}__{code}",
                    "value": value.get(code) or "",
                    "locked": self.locked.get(code, []),
                }
                for code, label in site_languages()
            ],
            rows=self.rows,
            markdown=self.markdown,
            preview_url=preview_url,
        )
        return context


class TranslationsInput(_TranslationsWidget):
    """Single-line inputs (titles)."""


class TranslationsTextarea(_TranslationsWidget):
    """Multi-line plain text (summaries, descriptions)."""

    def __init__(self, attrs=None, *, rows: int = 3):
        super().__init__(attrs, rows=rows)


class MarkdownTranslationsWidget(_TranslationsWidget):
    """Markdown text areas with a preview button each."""

    markdown = True

    def __init__(self, attrs=None, *, rows: int = 14):
        super().__init__(attrs, rows=rows)


class _TranslationsField(forms.Field):
    """A ``{code: value}`` field; the stored value of the object comes from ``self.stored``."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(*args, **kwargs)
        self.stored: dict = {}

    def _extra_languages(self) -> dict:
        """Stored languages the site no longer offers: kept, never dropped by a save."""
        codes = {code for code, _name in site_languages()}
        return {code: text for code, text in self.stored.items() if code not in codes}

    def has_changed(self, initial, data):
        try:
            return self.clean(data) != (initial or {})
        except ValidationError:
            return True


class TranslatedTextField(_TranslationsField):
    """Plain text per language: ``{"en": "About us", "de": "Über uns"}``; empty languages are left out."""

    widget = TranslationsInput

    def prepare_value(self, value):
        return value if isinstance(value, dict) else {}

    def to_python(self, value):
        if not isinstance(value, dict):
            return {}
        texts = {code: text.strip() for code, text in value.items() if isinstance(text, str) and text.strip()}
        return {**self._extra_languages(), **texts}

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class TranslatedKeywordsField(TranslatedTextField):
    """Keywords per language, typed comma-separated: ``{"en": ["AI", "strategy"], "de": [...]}``."""

    def prepare_value(self, value):
        if not isinstance(value, dict):
            return {}
        return {code: ", ".join(words) if isinstance(words, list) else words for code, words in value.items()}

    def to_python(self, value):
        texts = super().to_python(value)
        return {
            code: [word.strip() for word in text.split(",") if word.strip()] if isinstance(text, str) else text
            for code, text in texts.items()
        }


class PortableTextMarkdownField(_TranslationsField):
    """Portable Text per language, edited as Markdown (see the module docstring)."""

    widget = MarkdownTranslationsWidget
    default_error_messages = {
        "unsupported": _("%(language)s: %(reason)s"),
        "invalid_text": _("%(language)s: %(reason)s"),
    }

    def _locked(self) -> dict[str, list[str]]:
        stored = self.stored if isinstance(self.stored, dict) else {}
        return {
            code: found
            for code, _name in site_languages()
            if stored.get(code) and (found := unsupported_in_blocks(stored[code]))
        }

    def prepare_value(self, value):
        """Stored blocks → Markdown per language; submitted Markdown (strings) is shown as typed."""
        widget = cast(MarkdownTranslationsWidget, self.widget)
        widget.locked = self._locked()
        if not isinstance(value, dict):
            return {}
        prepared = {}
        for code, text in value.items():
            if isinstance(text, str):
                prepared[code] = text
            elif code in widget.locked:
                prepared[code] = ""
            else:
                prepared[code] = blocks_to_markdown(text)
        return prepared

    def to_python(self, value):
        if not isinstance(value, dict):
            return {}
        locked = self._locked()
        labels = dict(site_languages())
        result = self._extra_languages()
        for code, _label in site_languages():
            if code in locked:
                result[code] = self.stored[code]
                continue
            text = value.get(code)
            if not isinstance(text, str) or not text.strip():
                continue
            try:
                blocks = markdown_to_blocks(text, previous=self.stored.get(code) or [])
                validate_blocks(blocks)
            except UnsupportedMarkdown as error:
                raise ValidationError(
                    self.error_messages["unsupported"],
                    code="unsupported",
                    params={"language": labels[code], "reason": str(error)},
                ) from None
            except PortableTextError as error:
                raise ValidationError(
                    self.error_messages["invalid_text"],
                    code="invalid_text",
                    params={"language": labels[code], "reason": error.message},
                ) from None
            result[code] = blocks
        return result

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class StoredValuesFormMixin:
    """For ModelForms with translation fields: hands each field the object's stored value, so a
    save keeps block keys, read-only languages and languages the site no longer offers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if isinstance(field, _TranslationsField):
                stored = self.initial.get(name)  # type: ignore[attr-defined]
                field.stored = stored if isinstance(stored, dict) else {}


class CommaSeparatedListField(forms.CharField):
    """A list of short texts typed on one line, comma-separated (``"AI, Strategy"`` → ``["AI", "Strategy"]``)."""

    def __init__(self, *args, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        return [item.strip() for item in text.split(",") if item.strip()]

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


# --- times in a zone -----------------------------------------------------------------------------


class ZonedSplitDateTimeWidget(admin_widgets.AdminSplitDateTime):
    """The admin's date and time inputs with the zone name written after them."""

    zone_name = "UTC"

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        return format_html('{}<span class="zoned-time-suffix">{}</span>', html, self.zone_name)


class ZonedSplitDateTimeField(forms.SplitDateTimeField):
    """An aware datetime entered as a date and a wall-clock time in ``zone`` (an IANA name).

    10:00 entered in ``America/New_York`` in January is stored as 15:00 UTC. A time that does not
    exist in the zone (the hour skipped when clocks go forward) or happens twice (the hour repeated
    when they go back) is a form error rather than a guess.
    """

    widget = ZonedSplitDateTimeWidget

    def __init__(self, *args, zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.set_zone(zone)

    def set_zone(self, zone: str) -> None:
        try:
            self.zone = zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = zoneinfo.ZoneInfo("UTC")
        self.widget.zone_name = self.zone.key

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value

    def has_changed(self, initial, data):
        """Changed when the instant differs (the inherited check compares the parts in UTC)."""
        try:
            value = self.clean(data)
        except ValidationError:
            return True
        return value != initial

    def compress(self, data_list):
        if not data_list:
            return None
        date, time = data_list
        if date in self.empty_values or time in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        return self.make_aware(dt.datetime.combine(date, time))

    def make_aware(self, naive: dt.datetime) -> dt.datetime:
        """``naive`` read as a wall-clock time in the field's zone; a form error if that time is
        skipped or repeated there."""
        first = naive.replace(tzinfo=self.zone, fold=0)
        second = naive.replace(tzinfo=self.zone, fold=1)
        if first.utcoffset() != second.utcoffset():
            skipped = first.astimezone(dt.UTC).astimezone(self.zone).replace(tzinfo=None) != naive
            message = (
                gettext("%(time)s does not exist in %(zone)s (the clocks skip it); enter another time.")
                if skipped
                else gettext("%(time)s happens twice in %(zone)s (the clocks go back); enter another time.")
            )
            raise ValidationError(
                message, code="ambiguous_time", params={"time": naive.strftime("%Y-%m-%d %H:%M"), "zone": self.zone.key}
            )
        return first.astimezone(dt.UTC)


def zone_of(value: Any, default: str = "UTC") -> str:
    """``value`` if it names an IANA zone, else ``default``."""
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return default
    return str(value)
