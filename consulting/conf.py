"""The consulting app's settings, read in one place with their defaults (no settings file names them yet).

* ``OPENALEX_BASE_URL`` (``"https://api.openalex.org"``): where the OpenAlex REST API answers; tests
  point it at a local server with recorded replies.
* ``OPENALEX_MAILTO`` (``""``): an e-mail address sent as ``mailto`` with every OpenAlex call
  (OpenAlex's "polite pool"); empty → no ``mailto``.
* ``OPENALEX_API_KEY`` (``""``): sent as ``api_key`` when set (higher daily budget).
* ``OPENALEX_TIMEOUT_SECONDS`` (10): the HTTP timeout of one OpenAlex call.
* ``OPENALEX_MAX_WORKS`` (25): how many works (most cited first) are kept per researcher.
* ``CONSULTING_SESSION_MINUTES`` (60): the length of a spec 004 session when the request gives no
  ``end_time`` (spec 004's examples are one hour).
* ``CONSULTING_INVITATION_MAX_AGE_DAYS`` (14): how long an outreach invitation link works.
* ``CONSULTING_INVITATION_URL`` (``SITE_URL + "/researchers/register/?token={token}"``): the link in
  the invitation e-mail; ``{token}`` is replaced by the signed invitation token.
"""

from django.conf import settings

from magnetiq.links import absolute_url

DEFAULTS = {
    "OPENALEX_BASE_URL": "https://api.openalex.org",
    "OPENALEX_MAILTO": "",
    "OPENALEX_API_KEY": "",
    "OPENALEX_TIMEOUT_SECONDS": 10,
    "OPENALEX_MAX_WORKS": 25,
    "CONSULTING_SESSION_MINUTES": 60,
    "CONSULTING_INVITATION_MAX_AGE_DAYS": 14,
    "CONSULTING_INVITATION_URL": None,
}


def get(name: str):
    """``settings.<name>`` or its default; an unknown name is a programming error (``KeyError``)."""
    if name not in DEFAULTS:
        raise KeyError(f"Unknown consulting setting {name!r}")
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = DEFAULTS[name]
    if name == "CONSULTING_INVITATION_URL" and not value:
        value = absolute_url("/researchers/register/?token={token}")
    return value
