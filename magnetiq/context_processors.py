"""Template context shared by every page."""

from babel import Locale
from babel.core import get_global
from django.conf import settings
from django.urls import translate_url

from .formatting import babel_locale
from .links import site_url
from .translation import request_language


def open_graph_locale(language: str) -> str:
    """The ``og:locale`` of a language, ``language_TERRITORY`` by CLDR's likely subtags:
    ``"en"`` → ``"en_US"``, ``"de"`` → ``"de_DE"``, ``"fr"`` → ``"fr_FR"``."""
    locale = babel_locale(language)
    if not locale.territory:
        likely = get_global("likely_subtags").get(locale.language)
        if likely:
            locale = Locale.parse(likely)
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def site(request) -> dict:
    """``SITE_NAME``, ``SITE_URL``, ``CONTACT_EMAIL`` (the one address visitors write to), the language
    prefix (``""`` for the default language, ``"/de"``),
    ``OG_LOCALE`` (``"de_DE"``) and ``language_urls``: this page's address in each language of
    ``settings.LANGUAGES`` (``{"en": "/consultants/", "de": "/de/consultants/"}``), for the language
    switch; a view may pass its own. Read from the settings on every request, so a language added to
    ``LANGUAGES`` appears without any change here."""
    lang = request_language(request)
    path = request.get_full_path()
    return {
        "SITE_NAME": "Magnetiq",
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
        "SITE_URL": site_url(),
        "OG_LOCALE": open_graph_locale(lang),
        "lang_prefix": "" if lang == settings.LANGUAGE_CODE else f"/{lang}",
        "language_urls": {code: translate_url(path, code) for code, _ in settings.LANGUAGES},
    }
