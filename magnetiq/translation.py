"""The site's languages: translatable text stored as JSON ``{"en": …, "de": …}``, and the language of a request.

Content is edited in English first and translated later, so ``en`` is required and every other
language falls back to English when missing or empty (the content conventions of
``docs/architecture.md``). Rich text is Portable Text inside the same shape.
"""

from collections.abc import Iterator, Sequence
from typing import Any, overload

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def language_codes() -> tuple[str, ...]:
    """The codes of ``settings.LANGUAGES`` (``("en", "de")``), read now rather than at import."""
    return tuple(code for code, _ in settings.LANGUAGES)


def language_choices() -> list[tuple[str, str]]:
    """``settings.LANGUAGES`` as choices, read when called: pass the function itself as a model
    field's ``choices`` so a language added to the settings needs no migration."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class _LanguageCodes(Sequence[str]):
    """A read-only view of :func:`language_codes`: iterating, ``in`` and ``len`` read the settings on
    every use, so a language added to ``LANGUAGES`` (or a test's ``override_settings``) is seen by
    every module that imported :data:`LANGUAGE_CODES`."""

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index):
        return language_codes()[index]

    def __len__(self) -> int:
        return len(settings.LANGUAGES)

    def __iter__(self) -> Iterator[str]:
        return iter(language_codes())

    def __contains__(self, code: object) -> bool:
        return code in language_codes()

    def __repr__(self) -> str:
        return repr(language_codes())


LANGUAGE_CODES: Sequence[str] = _LanguageCodes()
# The language content is written in first and falls back to; also the language of the msgids.
DEFAULT_LANGUAGE = "en"


def request_language(request) -> str:
    """The language a page is rendered in: one of :data:`LANGUAGE_CODES` (``"en"``, ``"de"``).

    ``request.LANGUAGE_CODE``, which ``LocaleMiddleware`` sets from the URL prefix (``/de/…``), else the
    active language; anything the site does not offer falls back to ``"en"``.
    """
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    return language if language in LANGUAGE_CODES else DEFAULT_LANGUAGE


def pick_language(value: Any, lang: str | None) -> Any:
    """The ``lang`` entry of a translation dict, falling back to ``en``; ``None`` when absent.

    A non-dict value (legacy plain string) is returned unchanged.
    """
    if not isinstance(value, dict):
        return value
    if lang and value.get(lang) not in (None, "", []):
        return value[lang]
    return value.get(DEFAULT_LANGUAGE)


def validate_translations(value: Any, *, required: bool = True, allow_types: tuple = (str,)) -> None:
    """Check a translation dict: known language keys only, ``en`` present when ``required``.

    Raises ``django.core.exceptions.ValidationError`` naming the offending key.
    """
    if value in (None, {}) and not required:
        return
    if not isinstance(value, dict):
        raise ValidationError(
            _("Expected an object of translations like %(example)s."),
            code="invalid",
            params={"example": '{"en": "…", "de": "…"}'},
        )
    unknown = sorted(set(value) - set(LANGUAGE_CODES))
    if unknown:
        raise ValidationError(
            _("Unknown language %(unknown)s; use %(known)s."),
            code="invalid_language",
            params={"unknown": ", ".join(unknown), "known": ", ".join(LANGUAGE_CODES)},
        )
    if required and value.get(DEFAULT_LANGUAGE) in (None, "", []):
        raise ValidationError(
            _("The %(language)s text is required."), code="required", params={"language": DEFAULT_LANGUAGE}
        )
    for lang, text in value.items():
        if text is not None and not isinstance(text, allow_types):
            raise ValidationError(
                _("The %(language)s value has the wrong type."), code="invalid_type", params={"language": lang}
            )
