"""Consultant photos: validation, the crops made on save, the <img> the pages show, demo portraits."""

import io
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from consultants.models import Consultant
from consultants.photos import (
    consultant_photo_set,
    consultant_photo_set_placeholder,
    photo_alt,
    photo_image,
    placeholder_portrait,
)
from consultants.tests.factories import ConsultantFactory
from consultants.validators import validate_photo

pytestmark = pytest.mark.django_db


STORAGE = Consultant._meta.get_field("photo").storage


@pytest.fixture(autouse=True)
def fresh_storage(settings):
    """A new in-memory storage per test (the setting change resets ``default_storage``)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


THUMBS = "consultants/photos/thumbs"


def thumbs() -> list[str]:
    return sorted(STORAGE.listdir(THUMBS)[1]) if STORAGE.exists(THUMBS) else []


def opened(name: str) -> Image.Image:
    with STORAGE.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
        return image


def image_bytes(size=(800, 600), fmt="JPEG", colour="#336699") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB" if fmt != "PNG" else "RGBA", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(data: bytes, name="portrait.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_saving_a_photo_makes_the_four_crops_at_their_exact_sizes():
    consultant = ConsultantFactory(first_name="Ada", last_name="Adler")
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes((1200, 800))))

    sizes = sorted((opened(f"{THUMBS}/{name}").size, opened(f"{THUMBS}/{name}").format) for name in thumbs())
    assert sizes == [((96, 96), "JPEG"), ((160, 160), "JPEG"), ((192, 192), "JPEG"), ((320, 320), "JPEG")]


def test_a_transparent_png_is_cropped_onto_white_jpegs():
    consultant = ConsultantFactory()
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes((400, 400), "PNG", (0, 0, 0, 0)), "p.png"))
    card = photo_image(consultant, "card")
    image = opened(unquote(card.src.removeprefix("/media/")))
    assert (image.format, image.size, image.getpixel((48, 48))) == ("JPEG", (96, 96), (255, 255, 255))


def test_photo_image_gives_srcset_size_and_alt_without_queries():
    consultant = ConsultantFactory(first_name="Ada", last_name="Adler", title="Cloud Architect")
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes()))
    consultant = Consultant.objects.get(pk=consultant.pk)

    with CaptureQueriesContext(connection) as queries:
        card = photo_image(consultant, "card")
        profile = photo_image(consultant, "profile")
    assert len(queries) == 0
    assert card.src.startswith("/media/consultants/photos/thumbs/")
    assert card.srcset == f"{card.src} 1x, {card.src.replace('96x96', '192x192')} 2x"
    assert (card.width, card.height, profile.width, profile.height) == (96, 96, 160, 160)
    assert card.alt == "Ada Adler, Cloud Architect"


def test_no_photo_no_image():
    assert photo_image(ConsultantFactory(), "card") is None


def test_alt_text_without_title_is_the_name():
    assert photo_alt(ConsultantFactory.build(first_name="Ada", last_name="Adler", title="")) == "Ada Adler"


def test_replacing_a_photo_deletes_the_old_file_and_crops():
    consultant = ConsultantFactory()
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes(colour="#ff0000"), "old.jpg"))
    first = consultant.photo.name
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes(colour="#00ff00"), "new.jpg"), previous=first)

    assert not STORAGE.exists(first)
    assert STORAGE.exists(consultant.photo.name)
    assert [name.split(".")[0] for name in thumbs()] == ["new"] * 4


def test_removing_a_photo():
    consultant = ConsultantFactory()
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes()))
    name = consultant.photo.name
    consultant_photo_set(consultant=consultant, photo=False, previous=name)

    assert Consultant.objects.get(pk=consultant.pk).photo.name == ""
    assert not STORAGE.exists(name)
    assert thumbs() == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not an image at all", "photo_unreadable"),
        (image_bytes(fmt="GIF"), "photo_format"),
        (image_bytes((150, 600)), "photo_dimensions"),
        (image_bytes((7000, 300)), "photo_dimensions"),
    ],
)
def test_bad_photos_are_refused_with_their_reason(data, code):
    with pytest.raises(ValidationError) as caught:
        validate_photo(upload(data))
    assert caught.value.code == code


def test_a_photo_over_the_byte_limit_is_refused(settings):
    settings.CONSULTANT_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        validate_photo(upload(image_bytes()))
    assert caught.value.code == "photo_too_large"


def test_the_service_refuses_a_bad_photo_and_keeps_none():
    consultant = ConsultantFactory()
    with pytest.raises(ValidationError) as caught:
        consultant_photo_set(consultant=consultant, photo=upload(b"junk"))
    assert "photo" in caught.value.message_dict
    assert Consultant.objects.get(pk=consultant.pk).photo.name == ""


def test_placeholder_portrait_is_initials_on_the_colour_of_the_name():
    data = placeholder_portrait("Ada Adler", "AA", size=200)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("JPEG", (200, 200))
        corner = image.getpixel((2, 2))
        centre_colours = {image.getpixel((x, 100)) for x in range(60, 140)}
    assert corner != (255, 255, 255)
    assert any(min(colour) > 200 for colour in centre_colours)  # white strokes of the letters
    assert placeholder_portrait("Ada Adler", "AA", size=200) == data


def test_demo_portraits_for_demo_consultants_only():
    demo = ConsultantFactory(first_name="Anna", last_name="Schmidt", email="anna.schmidt@magnetiq.example")
    other = ConsultantFactory(first_name="Zed", last_name="Zorn")

    call_command("make_demo_portraits", stdout=io.StringIO())
    call_command("make_demo_portraits", stdout=io.StringIO())

    demo.refresh_from_db()
    other.refresh_from_db()
    assert demo.photo.name == "consultants/photos/anna-schmidt.jpg"
    assert other.photo.name == ""
    assert [name.split(".")[0] for name in thumbs()] == ["anna-schmidt"] * 4


def test_placeholder_keeps_an_uploaded_photo():
    consultant = ConsultantFactory()
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes()))
    assert consultant_photo_set_placeholder(consultant=consultant) is False


def test_directory_card_and_profile_show_the_photo(client):
    consultant = ConsultantFactory(first_name="Ada", last_name="Adler", title="Cloud Architect")
    consultant_photo_set(consultant=consultant, photo=upload(image_bytes()))
    card = photo_image(consultant, "card")
    profile = photo_image(consultant, "profile")

    directory = client.get("/consultants/").content.decode()
    page = client.get("/consultants/ada-adler/").content.decode()

    assert (
        f'<img class="avatar" src="{card.src}" srcset="{card.srcset}" width="96" height="96" '
        'alt="Ada Adler, Cloud Architect" loading="lazy" decoding="async">'
    ) in directory
    assert (
        f'<img class="avatar avatar-large" src="{profile.src}" srcset="{profile.srcset}" width="160" height="160" '
        'alt="Ada Adler, Cloud Architect">'
    ) in page
    assert f'<meta property="og:image" content="http://127.0.0.1:3036{profile.src}">' in page


def test_card_without_photo_shows_initials(client):
    ConsultantFactory(first_name="Ada", last_name="Adler")
    html = client.get("/consultants/").content.decode()
    assert '<span class="avatar avatar-initials" aria-hidden="true">AA</span>' in html
