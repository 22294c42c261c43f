"""Template context shared by every page."""

from django.conf import settings
from django.urls import translate_url

from .links import site_url


def site(request) -> dict:
    """``SITE_NAME``, ``SITE_URL``, the language prefix (``""`` or ``"/de"``) and ``language_urls``:
    this page's address in each language (``{"en": "/consultants/", "de": "/de/consultants/"}``), for
    the language switch; a view may pass its own."""
    lang = getattr(request, "LANGUAGE_CODE", "en")
    path = request.get_full_path()
    return {
        "SITE_NAME": "Magnetiq",
        "SITE_URL": site_url(),
        "lang_prefix": "" if lang == "en" else f"/{lang}",
        "language_urls": {code: translate_url(path, code) for code, _ in settings.LANGUAGES},
    }
