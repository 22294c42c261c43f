import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import Page

from .factories import PageFactory, paragraph

pytestmark = pytest.mark.django_db


def about(**overrides) -> Page:
    fields = {
        "slug": "about",
        "title": {"en": "About us", "de": "Über uns"},
        "content": {
            "en": [paragraph("We advise companies."), {"_type": "cta", "text": "Book now", "url": "/consultants/"}],
            "de": [paragraph("Wir beraten Unternehmen.")],
        },
        "meta_description": {"en": "Who we are", "de": "Wer wir sind"},
        "seo_title": {"en": "About Magnetiq"},
        "seo_keywords": {"en": ["consulting", "strategy"]},
        "structured_data": {
            "en": {"@type": "WebPage", "name": "About </script><script>alert(1)</script>"},
            "de": {"@type": "WebPage", "name": "Über uns"},
        },
    }
    return PageFactory(**(fields | overrides))


def test_english_page_with_seo(client):
    about()
    response = client.get("/about/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<title>About Magnetiq</title>" in html
    assert '<meta name="description" content="Who we are">' in html
    assert '<meta name="keywords" content="consulting, strategy">' in html
    assert '<link rel="canonical" href="http://127.0.0.1:3036/about/">' in html
    assert '<link rel="alternate" hreflang="en" href="http://127.0.0.1:3036/about/">' in html
    assert '<link rel="alternate" hreflang="de" href="http://127.0.0.1:3036/de/about/">' in html
    assert '<link rel="alternate" hreflang="x-default" href="http://127.0.0.1:3036/about/">' in html
    assert '<meta property="og:title" content="About Magnetiq">' in html
    assert '<meta property="og:url" content="http://127.0.0.1:3036/about/">' in html
    assert '<meta property="og:locale" content="en_US">' in html
    assert '<meta property="og:locale:alternate" content="de_DE">' in html
    assert '<div class="pt-content"><p>We advise companies.</p>' in html
    assert 'href="/consultants/">Book now</a>' in html
    assert 'href="/de/about/" hreflang="de"' in html


def test_json_ld_is_escaped_and_parseable(client):
    about()
    html = client.get("/about/").content.decode()
    match = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html, re.S)
    assert match is not None
    assert "</script><script>" not in match.group(1)
    assert json.loads(match.group(1))["name"] == "About </script><script>alert(1)</script>"


def test_german_page(client):
    about()
    response = client.get("/de/about/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "<h1>Über uns</h1>" in html
    assert "<p>Wir beraten Unternehmen.</p>" in html
    assert '<meta name="description" content="Wer wir sind">' in html
    assert '<link rel="canonical" href="http://127.0.0.1:3036/de/about/">' in html
    assert '<meta property="og:locale" content="de_DE">' in html
    assert 'href="/about/" hreflang="en"' in html
    assert '<a href="/de/">Start</a>' in html
    assert response["Content-Language"] == "de"


def test_german_falls_back_to_english_content(client):
    about(content={"en": [paragraph("Only English.")]})
    html = client.get("/de/about/").content.decode()
    assert "<p>Only English.</p>" in html
    assert (
        '<p class="muted notice">Diese Seite ist noch nicht auf Deutsch verfügbar; Sie sehen die englische Fassung.</p>'
        in html
    )


@pytest.mark.parametrize("url", ["/about/", "/de/about/"])
def test_draft_deleted_scheduled_are_404(client, url):
    about(status="draft", published_at=None)
    assert client.get(url).status_code == 404
    Page.objects.all().delete()
    about(deleted_at=timezone.now())
    assert client.get(url).status_code == 404
    Page.objects.all().delete()
    about(published_at=timezone.now() + timedelta(hours=1))
    response = client.get(url)
    assert response.status_code == 404
    # The site's 404 page speaks the language of the address.
    expected = "Diese Seite haben wir nicht gefunden." if url.startswith("/de/") else "We could not find that page."
    assert expected in response.content.decode()


def test_home_page(client):
    PageFactory(
        slug="home",
        title={"en": "Clear answers", "de": "Klare Antworten"},
        content={"en": [paragraph("Welcome")], "de": [paragraph("Willkommen")]},
    )
    en = client.get("/").content.decode()
    assert "<h1>Clear answers</h1>" in en
    assert 'class="hero"' in en
    assert 'href="/consultants/">Find a consultant</a>' in en
    de = client.get("/de/").content.decode()
    assert "<h1>Klare Antworten</h1>" in de
    assert "Berater finden" in de
    assert '<link rel="canonical" href="http://127.0.0.1:3036/de/">' in de


def test_home_without_page_shows_default(client):
    response = client.get("/")
    assert response.status_code == 200
    en = response.content.decode()
    assert "<h1>Strategy and technology advice, 30 minutes at a time</h1>" in en
    assert 'href="/consultants/">Find a consultant</a>' in en
    assert "<li><strong>30 minutes</strong><span>focused on your question</span></li>" in en
    assert '<link rel="alternate" hreflang="de" href="http://127.0.0.1:3036/de/">' in en
    de = client.get("/de/").content.decode()
    assert "<h1>Strategie- und Technologieberatung in 30 Minuten</h1>" in de
    assert (
        '<p class="lead">Buchen Sie erfahrene Berater für eine fokussierte 30-Minuten-Sitzung und gehen Sie mit '
        "einem klaren nächsten Schritt.</p>" in de
    )
    assert '<p class="eyebrow">Beratung · 30 für 30</p>' in de
    assert 'href="/de/consultants/">Berater finden</a>' in de
    assert '<ul class="hero-points" aria-label="Vorteile">' in de
    assert "<li><strong>Geprüfte Berater</strong><span>Strategie, Daten, KI, Technologie</span></li>" in de
    assert "<h2>Bereit für den nächsten Schritt?</h2>" in de
    assert '<link rel="canonical" href="http://127.0.0.1:3036/de/">' in de
    assert '<meta property="og:locale" content="de_DE">' in de
    assert '<meta property="og:locale:alternate" content="en_US">' in de


def test_home_slug_redirects(client):
    assert client.get("/home/")["Location"] == "/"
    assert client.get("/de/home/")["Location"] == "/de/"


def test_sitemap_lists_published_pages_in_both_languages(client):
    about()
    PageFactory(slug="home")
    PageFactory(slug="secret", draft=True)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    for loc in ("/about/", "/de/about/", "/", "/de/"):
        assert f"<loc>http://testserver{loc}</loc>" in xml
    assert 'hreflang="de" href="http://testserver/de/about/"' in xml
    assert "secret" not in xml


def test_sitemap_includes_consultants(client):
    from consultants.tests.factories import ConsultantFactory

    consultant = ConsultantFactory()
    xml = client.get("/sitemap.xml").content.decode()
    assert f"<loc>http://testserver{consultant.get_absolute_url()}</loc>" in xml


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://127.0.0.1:3036/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()
