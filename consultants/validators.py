"""Field rules for consultants, written once so every way in (admin, API, importer) applies the same rule.

The model fields carry these validators, so ``Consultant.full_clean()`` applies them; the admin
form, the API serializers (DRF copies model field validators) and the importer all go through it.
Each validator raises ``django.core.exceptions.ValidationError`` with a message fit for a person, in
the active language (gettext, with the values as ``params``).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from content.exceptions import PortableTextError
from content.portable_text import validate_localized
from magnetiq.timezones import is_known_timezone
from magnetiq.translation import validate_translations

MAX_TAG_LENGTH = 60
MAX_TAGS = 30


def validate_timezone(value: str) -> None:
    """An IANA time zone name known to ``zoneinfo`` (``"Europe/Berlin"``, ``"UTC"``)."""
    if not is_known_timezone(value):
        raise ValidationError(
            _("“%(value)s” is not a known time zone; use an IANA name like Europe/Berlin."),
            code="unknown_timezone",
            params={"value": value},
        )


def validate_string_list(value: Any) -> None:
    """A JSON list of at most 30 non-empty strings of at most 60 characters (tags, types, keywords)."""
    if value in (None, []):
        return
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of strings."), code="not_a_list")
    if len(value) > MAX_TAGS:
        raise ValidationError(_("At most %(limit)s entries."), code="too_long", params={"limit": MAX_TAGS})
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(
                _("Entry %(number)s must be a non-empty string."), code="empty_entry", params={"number": index + 1}
            )
        if len(item) > MAX_TAG_LENGTH:
            raise ValidationError(
                _("Entry %(number)s is longer than %(limit)s characters."),
                code="too_long",
                params={"number": index + 1, "limit": MAX_TAG_LENGTH},
            )


def validate_language_codes(value: Any) -> None:
    """A list of two-letter ISO 639-1 language codes, lower case (``["en", "de"]``)."""
    validate_string_list(value)
    for item in value or []:
        if len(item) != 2 or not item.isalpha() or not item.islower():
            raise ValidationError(
                _("“%(value)s” is not a two-letter lower-case language code."),
                code="invalid_language_code",
                params={"value": item},
            )


def validate_url_list(value: Any) -> None:
    """A list of absolute http(s) URLs (portfolio images)."""
    if value in (None, []):
        return
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of URLs."), code="not_a_list")
    check = URLValidator(schemes=["http", "https"])
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ValidationError(
                _("Entry %(number)s must be a URL string."), code="invalid_url", params={"number": index + 1}
            )
        try:
            check(item)
        except ValidationError:
            raise ValidationError(
                _("Entry %(number)s is not a valid http(s) URL."), code="invalid_url", params={"number": index + 1}
            ) from None


def validate_optional_portable_text(value: Any) -> None:
    """Translatable Portable Text ``{"en": [blocks], "de": [blocks]}`` that may be left empty.

    Empty (``None`` / ``{}``) is allowed; otherwise ``en`` is required and every language must be
    valid Portable Text. A ``PortableTextError`` becomes a ``ValidationError`` naming the language
    and the block. The rule of a consultant's bio and a webinar's description.
    """
    if value in (None, {}):
        return
    try:
        validate_localized(value)
    except PortableTextError as exc:
        raise ValidationError(exc.message, code="invalid_portable_text") from None


def validate_bio(value: Any) -> None:
    """A consultant's bio (spec 000 Consultant Model ``bio``): :func:`validate_optional_portable_text`."""
    validate_optional_portable_text(value)


def validate_meta_description(value: Any) -> None:
    """Optional translatable plain text ``{"en": "…", "de": "…"}``, each at most 300 characters."""
    try:
        validate_translations(value, required=False)
    except ValidationError as exc:
        # A fresh code: JSONField would swap its own "invalid JSON" text in for code "invalid".
        raise ValidationError(exc.messages[0], code="invalid_translation") from None
    for lang, text in (value or {}).items():
        if text and len(text) > 300:
            raise ValidationError(
                _("The %(language)s meta description is longer than %(limit)s characters."),
                code="too_long",
                params={"language": lang, "limit": 300},
            )


#: Image formats a consultant photo may have (Pillow's names): what every browser shows.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
#: The smallest side a photo may have, in pixels: the profile's 2x square (320 px) with some margin.
PHOTO_MIN_SIDE = 200
#: The largest side, in pixels, so a decompression bomb never reaches the thumbnailer.
PHOTO_MAX_SIDE = 6000


def validate_photo(value: Any) -> None:
    """A consultant photo: at most ``settings.CONSULTANT_PHOTO_MAX_BYTES`` bytes (default 5 MiB), a
    JPEG, PNG or WebP image that Pillow can read, each side 200–6000 pixels."""
    from django.conf import settings
    from PIL import Image, UnidentifiedImageError

    limit = settings.CONSULTANT_PHOTO_MAX_BYTES
    if value.size > limit:
        raise ValidationError(
            _("The photo is %(size)s MB; photos may have at most %(limit)s MB."),
            code="photo_too_large",
            params={"size": round(value.size / 1_048_576, 1), "limit": round(limit / 1_048_576, 1)},
        )
    position = value.tell() if hasattr(value, "tell") else 0
    try:
        value.seek(0)
        with Image.open(value) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("The file is not an image we can read."), code="photo_unreadable") from exc
    finally:
        value.seek(position)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(
            _("Photos must be JPEG, PNG or WebP images, not %(format)s."),
            code="photo_format",
            params={"format": image_format or "?"},
        )
    if min(width, height) < PHOTO_MIN_SIDE or max(width, height) > PHOTO_MAX_SIDE:
        raise ValidationError(
            _("The photo is %(width)s×%(height)s pixels; each side must be %(min)s to %(max)s pixels."),
            code="photo_dimensions",
            params={"width": width, "height": height, "min": PHOTO_MIN_SIDE, "max": PHOTO_MAX_SIDE},
        )
