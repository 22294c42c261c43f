"""The language of a request (``magnetiq.translation.request_language``) and the set of languages."""

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import RequestFactory, override_settings
from django.utils import translation

from magnetiq.translation import LANGUAGE_CODES, request_language, validate_translations


@pytest.mark.parametrize(("code", "expected"), [("en", "en"), ("de", "de"), ("fr", "en"), ("", "en")])
def test_request_language_is_an_offered_language(code, expected):
    request = RequestFactory().get("/")
    request.LANGUAGE_CODE = code

    with translation.override("en"):
        assert request_language(request) == expected


def test_request_language_without_locale_middleware_is_the_active_language():
    request = RequestFactory().get("/")

    with translation.override("de"):
        assert request_language(request) == "de"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "expected"), [("/webinars/", "en"), ("/de/webinars/", "de")])
def test_the_url_prefix_decides_the_page_language(client, path, expected):
    response = client.get(path, headers={"accept-language": "de" if expected == "en" else "en"})

    assert response.status_code == 200
    assert request_language(response.wsgi_request) == expected


@pytest.mark.django_db
def test_a_third_language_takes_only_a_po_file_and_a_line_in_languages(client, tmp_path):
    """French: a catalogue in a LOCALE_PATHS folder and ("fr", "Français") in LANGUAGES; no code changes."""
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "fr"}
    catalogue.append(polib.POEntry(msgid="Consultants", msgstr="Conseillers"))
    catalogue.append(polib.POEntry(msgid="Imprint", msgstr="Mentions légales"))
    folder = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue.save(str(folder / "django.po"))
    catalogue.save_as_mofile(str(folder / "django.mo"))
    languages = [*settings.LANGUAGES, ("fr", "Français")]

    with override_settings(LANGUAGES=languages, LOCALE_PATHS=[tmp_path / "locale", *settings.LOCALE_PATHS]):
        response = client.get("/fr/accounts/login/")
        html = response.content.decode()

        assert response.status_code == 200
        assert response["Content-Language"] == "fr"
        assert request_language(response.wsgi_request) == "fr"
        assert '<html lang="fr">' in html
        assert '<a href="/fr/consultants/">Conseillers</a>' in html
        assert '<a href="/fr/imprint/">Mentions légales</a>' in html
        assert 'href="/fr/accounts/login/" hreflang="fr" lang="fr" title="français" aria-current="true">FR</a>' in html
        assert 'href="/de/accounts/login/" hreflang="de" lang="de" title="Deutsch">DE</a>' in html
        assert tuple(LANGUAGE_CODES) == ("en", "de", "fr")
        assert "fr" in LANGUAGE_CODES

    assert "fr" not in LANGUAGE_CODES


def test_language_codes_follow_the_settings():
    assert tuple(LANGUAGE_CODES) == ("en", "de")
    assert LANGUAGE_CODES[0] == "en"
    assert len(LANGUAGE_CODES) == 2

    with override_settings(LANGUAGES=[("en", "English")]):
        assert list(LANGUAGE_CODES) == ["en"]
        assert "de" not in LANGUAGE_CODES


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "text", "home"),
    [
        ("/no-such-page-here/", "We could not find that page.", '<a href="/">Back to the home page</a>'),
        ("/de/no-such-page-here/", "Diese Seite haben wir nicht gefunden.", '<a href="/de/">Zurück zur Startseite</a>'),
    ],
)
def test_the_404_page_speaks_the_language_of_the_address(client, path, text, home):
    response = client.get(path)
    html = response.content.decode()

    assert response.status_code == 404
    assert f"<p>{text}</p>" in html
    assert home in html


def test_translation_dicts_are_checked_with_messages_in_the_active_language():
    with translation.override("de"):
        with pytest.raises(ValidationError) as refused:
            validate_translations({"en": "Hi", "fr": "Salut"})
        # The message is lazy: it is written in the language active where it is shown.
        assert refused.value.messages == ["Unbekannte Sprache fr; verwenden Sie en, de."]
