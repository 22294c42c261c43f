"""Consultant photos: the square crops the pages show, and the demo consultants' portraits.

A photo is uploaded in the admin or by the consultant on their self-service profile page (``Consultant.photo``,
checked by ``validators.validate_photo``).
When a photo is stored (:func:`consultant_photo_set`, or a full save of the model, through
easy-thumbnails' ``saved_file`` signal) easy-thumbnails makes every size of
``settings.THUMBNAIL_ALIASES["consultants.Consultant.photo"]`` at once (96 and 192 px for the card,
160 and 320 px for the profile; :func:`consultant_photo_thumbnails_generate`). Pages then only compute
the crops' names (:func:`photo_image`): no query and no write on a public GET, so a cached page
never waits for Pillow.

Demo consultants get a generated portrait (their initials on a colour taken from their name,
:func:`placeholder_portrait`), made with Pillow when the demo data is loaded.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from easy_thumbnails.files import get_thumbnailer
from PIL import Image, ImageDraw, ImageFont

from .models import Consultant

ALIAS_TARGET = "consultants.Consultant.photo"
#: The crops a page shows, as (1x alias, 2x alias).
SIZES = {"card": ("card", "card_2x"), "profile": ("profile", "profile_2x")}
#: Background colours of the generated portraits: dark enough for white initials (contrast ≥ 4.5:1).
PORTRAIT_COLOURS = ("#1d4ed8", "#0f766e", "#7c2d12", "#6d28d9", "#be123c", "#374151", "#15803d", "#9a3412")
PORTRAIT_SIZE = 640
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class PhotoImage:
    """What an ``<img>`` needs: ``src`` (1x), ``srcset`` (1x and 2x), pixel ``width``/``height``, ``alt``."""

    src: str
    srcset: str
    width: int
    height: int
    alt: str


def photo_alt(consultant: Consultant) -> str:
    """The alt text: the consultant's name and title (``"Anna Schmidt, Partner, Strategy"``)."""
    if consultant.title:
        return _("%(name)s, %(title)s") % {"name": consultant.full_name, "title": consultant.title}
    return consultant.full_name


def photo_image(consultant: Consultant, size: str) -> PhotoImage | None:
    """The ``size`` (``"card"`` or ``"profile"``) crop of the consultant's photo, or ``None`` without one.

    Computes the names easy-thumbnails gives the crops it made on save; reads neither the database
    nor the disk. Raises ``KeyError`` for an unknown ``size``.
    """
    if not consultant.photo:
        return None
    one, two = SIZES[size]
    aliases = settings.THUMBNAIL_ALIASES[ALIAS_TARGET]
    thumbnailer = get_thumbnailer(consultant.photo)
    storage = thumbnailer.thumbnail_storage
    url_1x = storage.url(thumbnailer.get_thumbnail_name(aliases[one]))
    url_2x = storage.url(thumbnailer.get_thumbnail_name(aliases[two]))
    width, height = aliases[one]["size"]
    return PhotoImage(
        src=url_1x, srcset=f"{url_1x} 1x, {url_2x} 2x", width=width, height=height, alt=photo_alt(consultant)
    )


def consultant_photo_thumbnails_generate(*, consultant: Consultant) -> list[str]:
    """Make every crop of the consultant's photo, replacing older files of the same name; returns
    their storage names (``consultants/photos/thumbs/<photo>.96x96_…jpg``, …). Idempotent.

    Called when a save stores a new photo; callable again when the sizes change.
    """
    if not consultant.photo:
        return []
    thumbnailer = get_thumbnailer(consultant.photo)
    names = []
    for options in settings.THUMBNAIL_ALIASES[ALIAS_TARGET].values():
        thumbnail = thumbnailer.generate_thumbnail(options)
        thumbnailer.save_thumbnail(thumbnail)
        names.append(thumbnail.name)
    return names


def _delete_photo(name: str) -> None:
    """Delete a stored photo and its crops (their names are computed as :func:`photo_image` does)."""
    storage = Consultant._meta.get_field("photo").storage
    thumbnailer = get_thumbnailer(storage, name)
    for options in settings.THUMBNAIL_ALIASES[ALIAS_TARGET].values():
        thumbnailer.thumbnail_storage.delete(thumbnailer.get_thumbnail_name(options))
    storage.delete(name)


def consultant_photo_set(*, consultant: Consultant, photo, previous: str = "") -> Consultant:
    """Store ``photo`` (an uploaded image file; ``None``/``False`` removes the photo) and make its crops.

    ``previous``: the storage name of the photo before this change (the admin form's initial
    value); its file and crops are deleted once another photo, or none, replaces it. An upload the
    model save already stored (the admin's change form assigns it to the instance) is kept as is.
    The file must pass ``validators.validate_photo``: raises ``ValidationError`` otherwise.
    """
    current = consultant.photo
    already_stored = bool(current) and current._committed and current.name != previous
    if photo and not already_stored:
        consultant.photo = photo
        consultant.clean_fields(exclude=[field.name for field in Consultant._meta.fields if field.name != "photo"])
        consultant.save(update_fields=["photo", "updated_at"])
        consultant_photo_thumbnails_generate(consultant=consultant)
    elif not photo:
        consultant.photo = None
        consultant.save(update_fields=["photo", "updated_at"])
    if previous and previous != (consultant.photo.name if consultant.photo else ""):
        _delete_photo(previous)
    return consultant


def on_saved_file(sender, fieldfile, **kwargs) -> None:
    """easy-thumbnails' ``saved_file`` receiver: the crops of a consultant photo that a full save of
    the model (the admin's change form, through ``consultant_update``) just stored."""
    if sender is Consultant and fieldfile.field.name == "photo":
        consultant_photo_thumbnails_generate(consultant=fieldfile.instance)


def placeholder_portrait(name: str, initials: str, *, size: int = PORTRAIT_SIZE) -> bytes:
    """A ``size``×``size`` JPEG: ``initials`` in white on a colour chosen by ``name`` (same name, same colour)."""
    colour = PORTRAIT_COLOURS[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(PORTRAIT_COLOURS)]
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(_FONT, size // 3)
    except OSError:
        font = ImageFont.load_default(size // 3)
    draw.text((size / 2, size / 2), initials or "?", fill="#ffffff", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def consultant_photo_set_placeholder(*, consultant: Consultant, replace: bool = False) -> bool:
    """Give a consultant without a photo (or any, with ``replace``) a generated portrait; saves it and
    its crops. Returns whether a portrait was stored."""
    if consultant.photo and not replace:
        return False
    content = ContentFile(placeholder_portrait(consultant.full_name, consultant.initials))
    consultant.photo.save(f"{consultant.slug or consultant.pk}.jpg", content, save=False)
    consultant.save(update_fields=["photo", "updated_at"])
    consultant_photo_thumbnails_generate(consultant=consultant)
    return True
