"""The rendered public site: ``/``, ``/<slug>/``, ``/de/``, ``/de/<slug>/`` and ``robots.txt``.

English has no prefix, German lives under ``/de/``: the URLs are ``i18n_patterns`` with
``prefix_default_language=False``, so ``LocaleMiddleware`` has already activated the path's language
(``request.LANGUAGE_CODE``) whatever the browser's ``Accept-Language`` says.
"""

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from magnetiq.context_processors import open_graph_locale
from magnetiq.links import absolute_url
from magnetiq.pagecache import cache_public_page
from magnetiq.translation import LANGUAGE_CODES, request_language

from .models import HOME_SLUG, Page
from .selectors import page_html, page_seo


def og_locales() -> dict[str, str]:
    """``{"en": "en_US", "de": "de_DE"}``: the Open Graph locale of every language of the site."""
    return {lang: open_graph_locale(lang) for lang in LANGUAGE_CODES}


def home_paths() -> dict[str, str]:
    """``{"en": "/", "de": "/de/"}``: the home page's path in every language of the site."""
    paths = {}
    for lang in LANGUAGE_CODES:
        with translation.override(lang):
            paths[lang] = reverse("content-home")
    return paths


# Shown at ``/`` until a published page with the slug "home" exists.
DEFAULT_HOME_TITLE = gettext_lazy("Strategy and technology advice, 30 minutes at a time")
DEFAULT_HOME_LEAD = gettext_lazy(
    "Book an experienced consultant for a focused 30-minute session and leave with a clear next step."
)


def json_ld(data: dict | None) -> str:
    """JSON for a ``<script type="application/ld+json">``: ``<``, ``>``, ``&`` escaped so it cannot close the tag."""
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)


def _render_page(request: HttpRequest, slug: str) -> HttpResponse:
    language = request_language(request)
    page = Page.objects.published().filter(slug=slug).first()
    if page is None and slug != HOME_SLUG:
        raise Http404("No published page with this slug.")
    if page is None:
        return _default_home(request, language)
    template = "content/home.html" if page.is_home else "content/page.html"
    return render(request, template, _page_context(page, language))


def _page_context(page: Page, language: str) -> dict:
    used = page.content_language(language)
    seo = page_seo(page, language)
    return {
        "page": page,
        "language": language,
        "content_language": used,
        "title": page.title_for(language),
        "content_html": page_html(page, "content", used),
        "excerpt_html": page_html(page, "excerpt", used),
        "seo": seo,
        "og_locale": og_locales(),
        "json_ld": json_ld(seo["structured_data"]),
        "language_urls": {lang: page.get_absolute_url(lang) for lang in LANGUAGE_CODES},
    }


def _default_home(request: HttpRequest, language: str) -> HttpResponse:
    title, lead = str(DEFAULT_HOME_TITLE), str(DEFAULT_HOME_LEAD)
    paths = home_paths()
    context = {
        "page": None,
        "language": language,
        "title": title,
        "default_home": {"title": title, "lead": lead},
        "seo": {
            "title": title,
            "description": lead,
            "keywords": [],
            "canonical": absolute_url(paths[language]),
            "alternates": {lang: absolute_url(path) for lang, path in paths.items()},
        },
        "og_locale": og_locales(),
        "json_ld": "",
        "language_urls": paths,
    }
    return render(request, "content/home.html", context)


@require_safe
@cache_public_page
def home(request: HttpRequest) -> HttpResponse:
    """``/`` and ``/de/``: the page with the slug ``home`` (a built-in welcome until one is published)."""
    return _render_page(request, HOME_SLUG)


@require_safe
@cache_public_page
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """``/<slug>/`` and ``/de/<slug>/``: a published page; drafts, scheduled and deleted pages are 404."""
    if slug == HOME_SLUG:
        return redirect(reverse("content-home"), permanent=True)
    return _render_page(request, slug)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Allow the public site, keep crawlers out of the admin and the API, point to the sitemap."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Allow: /",
        "",
        f"Sitemap: {absolute_url(reverse('django.contrib.sitemaps.views.sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
