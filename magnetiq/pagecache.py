"""Whole-page caching of the public pages for anonymous visitors.

A view opts in with :func:`cache_public_page`. :class:`PageCacheMiddleware` (after
``CsrfViewMiddleware`` in ``MIDDLEWARE``, before authentication and messages) then answers a
visitor's ``GET`` from the cache when it can, and stores what such a view rendered otherwise.

What is never served from or stored in the cache:

- requests other than ``GET``, and requests with a session cookie, a ``messages`` cookie or an
  ``Authorization`` header: signed-in users, staff and visitors with pending messages always get a
  freshly rendered page (with no session cookie a visitor cannot be signed in);
- responses other than 200, streaming responses, responses that set a cookie or say
  ``Cache-Control: private``/``no-store``/``no-cache``, responses of a signed-in user, and pages
  that used the visitor's CSRF token anywhere but in ``{% csrf_token %}``'s hidden input.

The key holds the current content version, the scheme, the host, the language (``/de/…`` pages are
German), the full path with its query string and the cookies of ``PAGE_CACHE_KEY_COOKIES`` that
change a page (the visitor's 12/24-hour clock). URLs under ``PAGE_CACHE_SKIP_PREFIXES`` (the API,
the admin) are not looked up at all; the API keeps its public lists' data with :func:`cached_data`.

The content version is one shared counter (:mod:`magnetiq.ratelimit`'s counter store: Redis or
Memcached, else a row of the database; read once per request, never written by a read) that every
save or delete of a model of ``PAGE_CACHE_APPS`` increments, immediately and again once the
transaction commits: a save shows on the next request in every process. An app outside
``PAGE_CACHE_APPS`` whose rows the cached pages show names those models with :func:`watch_models`
from its ``AppConfig.ready()`` (bookings: the availability rules and days off behind "Available
this week"), and calls :func:`content_changed` for a change that is not a save of such a model.
Entries also expire after ``PAGE_CACHE_SECONDS``, which bounds how long a page that depends on the
clock (a scheduled page, a webinar that has started, a hold that ran out) can lag behind.

Visitor-specific parts are taken out before storing and put back on every hit:

- the CSRF token of a form (the whitepaper lead form, the webinar registration): the hit gets a
  token of *this* visitor's CSRF secret (``get_token``), and ``CsrfViewMiddleware`` sets the cookie
  when the visitor has none, so two fresh visitors can both submit the same cached form;
- the Content-Security-Policy nonce of an inline script: each hit uses its own request's nonce,
  which ``CSPMiddleware`` then puts in the header.

Pages without either part carry an ``ETag`` (a hash of the body) and a matching ``If-None-Match``
gets a 304 without a body. Work a view does on every view of a page (the whitepaper view counter)
is registered with :func:`on_every_hit` and replayed on each hit.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from magnetiq import ratelimit

T = TypeVar("T")
logger = logging.getLogger(__name__)

VERSION_KEY = "pagecache:version"
#: The version counter outlives any deployment (ten years); it only ever goes up.
_VERSION_TIMEOUT = 10 * 365 * 86400
#: What ``{% csrf_token %}`` renders (django.template.defaulttags.CsrfTokenNode).
_CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,64})">')
_UNCACHEABLE_CONTROL = ("private", "no-store", "no-cache")
_SKIPPED_HEADERS = {"content-length", "set-cookie", "etag"}


def cache_public_page(view: Callable) -> Callable:
    """Mark ``view``'s successful ``GET`` responses as storable by :class:`PageCacheMiddleware`.

    Only for pages every anonymous visitor sees the same (their CSRF token and CSP nonce aside).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response.public_page = True
        return response

    return wrapper


def on_every_hit(request: HttpRequest, func: Callable, *args: int | str) -> None:
    """Call ``func(*args)`` now and on every later cache hit of the page ``request`` renders.

    ``func`` must be a module-level function (it is stored by its dotted path) that takes simple
    values and writes no database row (a public GET writes nothing); e.g. a buffered view counter.
    """
    func(*args)
    replay = (f"{func.__module__}.{func.__qualname__}", args)
    request.page_cache_replay = [*getattr(request, "page_cache_replay", []), replay]  # type: ignore[attr-defined]


def page_store() -> BaseCache:
    """The cache holding rendered pages: ``CACHES["pages"]`` when configured, else the default."""
    return caches["pages"] if "pages" in settings.CACHES else caches["default"]


def content_version() -> int:
    """The current content version (0 until the first save): part of every page key."""
    return ratelimit.counter_store().get(VERSION_KEY)


def bump_version() -> None:
    """Invalidate every cached page: the next request of any process renders afresh.

    A cache that does not answer (Redis down) is logged, not raised: the save that triggered it
    stands, and pages catch up within ``PAGE_CACHE_SECONDS``. A database error is raised, since it
    belongs to the transaction of that save."""
    store = ratelimit.counter_store()
    if isinstance(store, ratelimit.DatabaseCounters):
        store.incr(VERSION_KEY, 1, timeout=_VERSION_TIMEOUT)
        return
    try:
        store.incr(VERSION_KEY, 1, timeout=_VERSION_TIMEOUT)
    except Exception:
        logger.exception("The page cache's content version could not be increased.")


#: Labels (``"bookings.AvailabilityRule"``) of the models outside ``PAGE_CACHE_APPS`` whose saves
#: and deletes also change the content (:func:`watch_models`).
_WATCHED_MODELS: set[str] = set()


def watch_models(*models: type[Model]) -> None:
    """Count every save and delete of ``models`` as a change of the content, like the models of
    ``PAGE_CACHE_APPS``. For apps that sit above ``magnetiq`` (which never imports them) and own rows
    the cached pages show; called from their ``AppConfig.ready()``. A proxy model is its own sender:
    list it too when it is saved through its own admin."""
    _WATCHED_MODELS.update(model._meta.label for model in models)


def content_changed() -> None:
    """Drop every cached page: now, so a page rendered inside this transaction's own requests (tests,
    the admin's redirect) is fresh, and again after commit, because a request that read the new
    version before the commit may have stored the old content under it."""
    bump_version()
    transaction.on_commit(bump_version)


def _content_changed(sender, **kwargs) -> None:
    if sender._meta.app_label in settings.PAGE_CACHE_APPS or sender._meta.label in _WATCHED_MODELS:
        content_changed()


@receiver(post_save, dispatch_uid="pagecache-post-save")
def _on_save(sender, **kwargs) -> None:
    _content_changed(sender)


@receiver(post_delete, dispatch_uid="pagecache-post-delete")
def _on_delete(sender, **kwargs) -> None:
    _content_changed(sender)


@receiver(m2m_changed, dispatch_uid="pagecache-m2m-changed")
def _on_m2m(sender, instance, **kwargs) -> None:
    _content_changed(type(instance))


def cached_data(name: str, request: HttpRequest, compute: Callable[[], T]) -> T:
    """``compute()``, kept for this request's full path (query string included) and language (the
    data may hold translated labels): public API data every caller in that language sees the same
    (see :func:`versioned`)."""
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return versioned(f"{name}:{translation.get_language()}:{digest}", compute)


def versioned(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``name`` until the content changes (a save of a model of
    ``PAGE_CACHE_APPS`` or of :func:`watch_models`) or ``PAGE_CACHE_SECONDS`` pass. An exception
    of ``compute`` (a 404, a 422) propagates and nothing is kept. ``compute`` must return a
    picklable value, not ``None``. A cache that does not answer is logged and ``compute()`` answers."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return compute()
    store = page_store()
    try:
        key = f"data:{content_version()}:{name}"
        value = store.get(key)
    except Exception:
        logger.warning("The page cache did not answer; computing %s.", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            store.set(key, value, settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("The page cache did not store %s.", name, exc_info=True)
    return value


def _bypass(request: HttpRequest) -> bool:
    return (
        request.method != "GET"
        or settings.PAGE_CACHE_SECONDS <= 0
        or request.path_info.startswith(settings.PAGE_CACHE_SKIP_PREFIXES)
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "messages" in request.COOKIES
        or "HTTP_AUTHORIZATION" in request.META
    )


def _key(request: HttpRequest, version: int) -> str:
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    cookies = [request.COOKIES.get(name, "") for name in settings.PAGE_CACHE_KEY_COOKIES]
    digest = hashlib.sha256("\n".join([where, *cookies]).encode()).hexdigest()
    return f"page:{version}:{getattr(request, 'LANGUAGE_CODE', '')}:{digest}"


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


class PageCacheMiddleware:
    """Serve and store the pages of :func:`cache_public_page` views (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._replay: dict[str, Callable] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _bypass(request):
            return self.get_response(request)
        store = page_store()
        try:
            key = _key(request, content_version())
            entry = store.get(key)
        except Exception:
            # A cache that does not answer must not take the site down: render as if uncached.
            logger.warning("The page cache did not answer; rendering %s.", request.path, exc_info=True)
            return self.get_response(request)
        if entry is not None:
            return self._hit(request, entry)
        response = self.get_response(request)
        entry = self._entry(request, response)
        if entry is not None:
            try:
                store.set(key, entry, settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("The page cache did not store %s.", request.path, exc_info=True)
                return response
            if entry["etag"]:
                response["ETag"] = entry["etag"]
            patch_vary_headers(response, ("Cookie",))
        return response

    def _entry(self, request: HttpRequest, response: HttpResponseBase) -> dict | None:
        """What to store of ``response``, or ``None`` when it must not be stored."""
        if (
            not getattr(response, "public_page", False)
            or response.status_code != 200
            or response.streaming
            or response.cookies
            or any(word in response.get("Cache-Control", "") for word in _UNCACHEABLE_CONTROL)
            # The session middleware sets its cookie after this one has seen the response.
            or getattr(getattr(request, "session", None), "modified", False)
            or (getattr(request, "user", None) is not None and request.user.is_authenticated)
        ):
            return None
        assert isinstance(response, HttpResponse)
        body = response.content
        csrf_marker = nonce_marker = None
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            tokens = set(_CSRF_INPUT.findall(body))
            if not tokens:
                return None  # the token went somewhere we cannot find again: never share it
            csrf_marker = secrets.token_hex(16).encode()
            for token in tokens:
                body = body.replace(token, csrf_marker)
        nonce = getattr(request, "_csp_nonce", None)
        if isinstance(nonce, str):
            nonce_marker = secrets.token_hex(16).encode()
            body = body.replace(nonce.encode(), nonce_marker)
        return {
            "body": body,
            "headers": [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS],
            "csrf": csrf_marker,
            "nonce": nonce_marker,
            "etag": None if csrf_marker or nonce_marker else _etag(body),
            "replay": getattr(request, "page_cache_replay", []),
        }

    def _hit(self, request: HttpRequest, entry: dict) -> HttpResponseBase:
        for path, args in entry["replay"]:
            func = self._replay.get(path)
            if func is None:
                func = self._replay[path] = import_string(path)
            func(*args)
        response: HttpResponseBase
        if entry["etag"] and entry["etag"] in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            body = entry["body"]
            if entry["csrf"]:
                body = body.replace(entry["csrf"], get_token(request).encode())
            if entry["nonce"]:
                body = body.replace(entry["nonce"], str(request.csp_nonce).encode())  # type: ignore[attr-defined]
            response = HttpResponse(body)
            for header, value in entry["headers"]:
                response[header] = value
        if entry["etag"]:
            response["ETag"] = entry["etag"]
        patch_vary_headers(response, ("Cookie",))
        return response
