"""The rendered public site: ``/``, ``/<slug>/``, ``/de/``, ``/de/<slug>/`` and ``robots.txt``.

English has no prefix, German lives under ``/de/``: the URLs are ``i18n_patterns`` with
``prefix_default_language=False``, so ``LocaleMiddleware`` has already activated the path's language
(``request.LANGUAGE_CODE``) whatever the browser's ``Accept-Language`` says.
"""

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from magnetiq.links import absolute_url
from magnetiq.translation import LANGUAGE_CODES, request_language

from .models import HOME_SLUG, Page
from .selectors import page_html, page_seo

OG_LOCALES = {"en": "en_US", "de": "de_DE"}

# Shown at ``/`` until a published page with the slug "home" exists.
DEFAULT_HOME = {
    "en": {
        "title": "Strategy and technology advice, 30 minutes at a time",
        "lead": "Book an experienced consultant for a focused 30-minute session and leave with a clear next step.",
        "cta": "Find a consultant",
    },
    "de": {
        "title": "Strategie- und Technologieberatung in 30 Minuten",
        "lead": "Buchen Sie erfahrene Berater für eine fokussierte 30-Minuten-Sitzung und gehen Sie mit einem klaren "
        "nächsten Schritt.",
        "cta": "Berater finden",
    },
}


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
        "og_locale": OG_LOCALES,
        "json_ld": json_ld(seo["structured_data"]),
        "language_urls": {lang: page.get_absolute_url(lang) for lang in LANGUAGE_CODES},
    }


def _default_home(request: HttpRequest, language: str) -> HttpResponse:
    copy = DEFAULT_HOME[language]
    context = {
        "page": None,
        "language": language,
        "title": copy["title"],
        "default_home": copy,
        "seo": {
            "title": copy["title"],
            "description": copy["lead"],
            "keywords": [],
            "canonical": absolute_url("/" if language == "en" else "/de/"),
            "alternates": {"en": absolute_url("/"), "de": absolute_url("/de/")},
        },
        "og_locale": OG_LOCALES,
        "json_ld": "",
        "language_urls": {"en": "/", "de": "/de/"},
    }
    return render(request, "content/home.html", context)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """``/`` and ``/de/``: the page with the slug ``home`` (a built-in welcome until one is published)."""
    return _render_page(request, HOME_SLUG)


@require_safe
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
