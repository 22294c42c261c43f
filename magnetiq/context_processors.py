"""Template context shared by every page."""

from django.conf import settings


def site(request) -> dict:
    """``SITE_NAME``, ``SITE_URL`` and the current language prefix (``""`` or ``"/de"``)."""
    lang = getattr(request, "LANGUAGE_CODE", "en")
    return {
        "SITE_NAME": "Magnetiq",
        "SITE_URL": settings.SITE_URL.rstrip("/"),
        "lang_prefix": "" if lang == "en" else f"/{lang}",
    }
