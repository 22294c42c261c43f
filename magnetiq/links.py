"""Absolute links to this site, for e-mails, calendar invites, feeds, SEO tags and vendor redirects.

Every absolute address the site hands out starts with ``settings.SITE_URL`` (the public origin, e.g.
``https://magnetiq.example``), never with the host a request happened to arrive on: a link in an
e-mail or an ICS file must work from anywhere, and a canonical URL must not depend on a proxy.
"""

from django.conf import settings


def site_url() -> str:
    """``settings.SITE_URL`` without a trailing slash: ``"https://magnetiq.example"``."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (``"/de/webinars/x/"``, with or without its leading slash, query string kept) on the
    site's origin: ``"https://magnetiq.example/de/webinars/x/"``; ``""`` gives the home page ``…/``."""
    return f"{site_url()}/{path.lstrip('/')}"
