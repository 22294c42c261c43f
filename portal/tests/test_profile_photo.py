"""The consultant's photo on the self-service profile page (``/account/consultant/profile/``): upload
and removal through ``consultants.photos.consultant_photo_set``, its refusals as form errors."""

import io
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role
from accounts.tests.factories import UserFactory
from consultants.models import Consultant
from consultants.photos import consultant_photo_set, photo_image
from consultants.tests.factories import ConsultantFactory

pytestmark = pytest.mark.django_db

PAGE = "/account/consultant/profile/"
STORAGE = Consultant._meta.get_field("photo").storage


@pytest.fixture(autouse=True)
def fresh_storage(settings):
    """A new in-memory storage per test (the setting change resets ``default_storage``)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def consultant(client):
    user = UserFactory(email="anna@example.com", role=Role.CONSULTANT)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    return ConsultantFactory(
        user=user,
        email=user.email,
        first_name="Anna",
        last_name="Schmidt",
        title="Strategist",
        timezone="Europe/Berlin",
    )


def image_file(size=(640, 480), fmt="JPEG", name="me.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#336699").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def profile_data(consultant, **changes) -> dict:
    """The profile form as the page sends it, unchanged but for ``changes``."""
    data = {
        "title": consultant.title,
        "company": consultant.company,
        "phone": consultant.phone,
        "bio__en": "",
        "bio__de": "",
        "expertise_areas": ", ".join(consultant.expertise_areas) or "Strategy",
        "languages": ", ".join(consultant.languages) or "en",
        "years_experience": consultant.years_experience or "",
        "linkedin_url": consultant.linkedin_url,
        "timezone": consultant.timezone,
    }
    return {**data, **changes}


def reloaded(consultant) -> Consultant:
    return Consultant.objects.get(pk=consultant.pk)


def test_the_page_offers_the_upload_with_its_rules(client, consultant):
    page = client.get(PAGE).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="photo"' in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert "JPEG, PNG or WebP, at least 200 × 200 pixels, at most 5 MB; shown cut to a square." in page
    assert '<span class="avatar avatar-initials" aria-hidden="true">AS</span>' in page
    assert 'aria-describedby="id_photo_helptext"' in page and 'id="id_photo_helptext"' in page
    assert 'name="remove_photo"' not in page  # nothing to remove yet

    german = client.get("/de" + PAGE).content.decode()
    assert "JPEG, PNG oder WebP, mindestens 200 × 200 Pixel, höchstens 5 MB; als Quadrat zugeschnitten." in german
    assert "Neues Foto" in german


def test_an_uploaded_photo_is_shown_on_the_public_profile(client, consultant):
    response = client.post(PAGE, {**profile_data(consultant), "photo": image_file((900, 700))})

    assert response.status_code == 302
    consultant = reloaded(consultant)
    assert consultant.photo.name.startswith("consultants/photos/me")
    profile = photo_image(consultant, "profile")
    assert STORAGE.exists(unquote(profile.src.removeprefix("/media/")))  # the crops were made
    public = client.get(consultant.get_absolute_url()).content.decode()
    assert f'src="{profile.src}"' in public
    card = photo_image(consultant, "card")
    page = client.get(PAGE).content.decode()
    assert f'src="{card.src}"' in page and f'srcset="{card.srcset}"' in page
    assert "Your current photo (Anna Schmidt)" in page
    assert 'name="remove_photo"' in page


def test_a_new_photo_replaces_the_old_one_and_its_files(client, consultant):
    consultant_photo_set(consultant=consultant, photo=image_file(name="old.jpg"))
    old = reloaded(consultant).photo.name

    response = client.post(PAGE, {**profile_data(consultant), "photo": image_file(fmt="PNG", name="new.png")})

    assert response.status_code == 302
    assert reloaded(consultant).photo.name.startswith("consultants/photos/new")
    assert not STORAGE.exists(old)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: image_file((150, 600)), "The photo is 150×600 pixels; each side must be 200 to 6000 pixels."),
        (lambda: image_file(fmt="GIF", name="me.gif"), "Photos must be JPEG, PNG or WebP images, not GIF."),
        (
            lambda: SimpleUploadedFile("me.jpg", b"\xff\xd8\xff\xe0 not really a JPEG", content_type="image/jpeg"),
            "The file is not an image we can read.",
        ),
    ],
    ids=["too-small", "wrong-type", "corrupt"],
)
def test_a_refused_photo_is_a_form_error_and_keeps_the_old_photo(client, consultant, upload, message):
    consultant_photo_set(consultant=consultant, photo=image_file(name="old.jpg"))
    old = reloaded(consultant).photo.name

    response = client.post(PAGE, {**profile_data(consultant, title="Changed title"), "photo": upload()})

    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert f'src="{photo_image(reloaded(consultant), "card").src}"' in page  # the stored photo, not the upload
    consultant = reloaded(consultant)
    assert (consultant.photo.name, consultant.title) == (old, "Strategist")  # nothing saved
    assert STORAGE.exists(old)


def test_the_size_limit_is_the_setting_shown_and_enforced(client, consultant, settings):
    settings.CONSULTANT_PHOTO_MAX_BYTES = 1_572_864
    assert "at most 1.5 MB;" in client.get(PAGE).content.decode()
    noise = Image.merge("RGB", [Image.effect_noise((1200, 1200), 100) for _ in range(3)])
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    assert buffer.tell() > settings.CONSULTANT_PHOTO_MAX_BYTES

    response = client.post(
        PAGE, {**profile_data(consultant), "photo": SimpleUploadedFile("big.png", buffer.getvalue(), "image/png")}
    )

    assert response.status_code == 422
    assert "photos may have at most 1.5 MB." in response.content.decode()
    assert not reloaded(consultant).photo


def test_a_refusal_is_shown_in_german(client, consultant):
    response = client.post("/de" + PAGE, {**profile_data(consultant), "photo": image_file(fmt="GIF", name="me.gif")})
    assert response.status_code == 422
    assert "Fotos müssen JPEG-, PNG- oder WebP-Bilder sein, nicht GIF." in response.content.decode()


def test_removing_the_photo_brings_back_the_initials(client, consultant):
    consultant_photo_set(consultant=consultant, photo=image_file(name="old.jpg"))
    old = reloaded(consultant).photo.name

    response = client.post(PAGE, {**profile_data(consultant), "remove_photo": "on"})

    assert response.status_code == 302
    consultant = reloaded(consultant)
    assert not consultant.photo
    assert not STORAGE.exists(old)
    page = client.get(PAGE).content.decode()
    assert '<span class="avatar avatar-initials" aria-hidden="true">AS</span>' in page
    assert "consultants/photos/" not in page
    public = client.get(consultant.get_absolute_url()).content.decode()
    assert "consultants/photos/" not in public
    directory = client.get("/consultants/").content.decode()
    assert '<span class="avatar avatar-initials" aria-hidden="true">AS</span>' in directory


def test_upload_and_removal_together_are_refused(client, consultant):
    consultant_photo_set(consultant=consultant, photo=image_file(name="old.jpg"))
    old = reloaded(consultant).photo.name

    response = client.post(PAGE, {**profile_data(consultant), "remove_photo": "on", "photo": image_file()})

    assert response.status_code == 422
    assert "Choose a new photo or remove the current one, not both." in response.content.decode()
    assert reloaded(consultant).photo.name == old


def test_saving_the_profile_without_a_file_keeps_the_photo(client, consultant):
    consultant_photo_set(consultant=consultant, photo=image_file(name="old.jpg"))
    old = reloaded(consultant).photo.name

    response = client.post(PAGE, profile_data(consultant, title="New title"))

    assert response.status_code == 302
    consultant = reloaded(consultant)
    assert (consultant.photo.name, consultant.title) == (old, "New title")
