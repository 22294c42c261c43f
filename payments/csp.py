"""What the payment page's Content-Security-Policy must add for Stripe.js, derived from
``settings.STRIPE_JS_URL`` so Stripe in production and localstripe in development and tests are
served by the same rule.

The sources for Stripe's own host are Stripe's published list ("Content Security Policy" in
Stripe's security guide): Stripe.js from ``js.stripe.com`` (and its ``*.js.stripe.com`` chunks),
its card frames from there and from ``hooks.stripe.com`` (3-D Secure), and its calls to
``api.stripe.com``. Any other host (localstripe's ``http://127.0.0.1:<port>/js.stripe.com/v3/``)
serves the script, frames and API from its own origin.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

STRIPE_JS_ORIGIN = "https://js.stripe.com"
STRIPE_SOURCES = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["'self'", "https://api.stripe.com"],
}


def stripe_js_sources() -> dict[str, list[str]]:
    """The directives to add to the page policy where Stripe.js runs: ``{"script-src": [...],
    "frame-src": [...], "connect-src": [...]}``, each a list of CSP source expressions.
    Read at request time, so a test that points ``STRIPE_JS_URL`` at localstripe gets its origin."""
    url = urlsplit(settings.STRIPE_JS_URL)
    origin = f"{url.scheme}://{url.netloc}"
    if origin == STRIPE_JS_ORIGIN:
        return {directive: list(sources) for directive, sources in STRIPE_SOURCES.items()}
    return {"script-src": [origin], "frame-src": [origin], "connect-src": ["'self'", origin]}


def csp_allow_stripe_js(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """View decorator: the response's policy adds :func:`stripe_js_sources` to the site policy
    (django-csp's ``_csp_update``, what its ``csp_update`` decorator sets, computed per request)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response._csp_update = stripe_js_sources()
        return response

    return wrapped
