"""The Content-Security-Policy header (django-csp, ``CONTENT_SECURITY_POLICY`` and magnetiq.csp):
every page has it, script-src never allows inline code, a nonce is fresh per request and is the one
on the page's tags, and the exceptions (Stripe.js, the admin, ReDoc) stay on their own pages."""

import base64
import hashlib
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.services import booking_create
from bookings.tests.factories import weekday_rules
from bookings.tokens import manage_token
from consultants.tests.factories import ConsultantFactory
from content.portable_text.html import to_html
from content.tests.factories import PageFactory, paragraph
from payments.csp import stripe_js_sources
from webinars.tests.factories import WebinarFactory
from whitepapers.tests.factories import WhitepaperFactory

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as ``{directive: [source, ...]}``."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def header_nonce(response) -> str:
    (nonce,) = NONCE.findall(" ".join(policy(response)["script-src"]))
    return nonce


def sha256_source(value: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(value.encode()).digest()).decode() + "'"


@pytest.fixture
def site(db):
    """One of each public page, their paths: ``{name: path}``."""
    PageFactory(slug="home")
    PageFactory(slug="about", structured_data={"en": {"@context": "https://schema.org", "@type": "WebPage"}})
    consultant = ConsultantFactory(timezone="UTC", hourly_rate=None, booking_buffer_minutes=0)
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    whitepaper = WhitepaperFactory(author=consultant)
    webinar = WebinarFactory(speaker=consultant)
    return {
        "home": "/",
        "cms page": "/about/",
        "german home": "/de/",
        "german cms page": "/de/about/",
        "directory": "/consultants/",
        "profile": consultant.get_absolute_url(),
        "booking": f"/consultants/{consultant.slug}/book/",
        "whitepapers": "/whitepapers/",
        "whitepaper landing": f"/whitepapers/{whitepaper.slug}/",
        "webinars": "/webinars/",
        "webinar": webinar.get_absolute_url(),
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "swagger ui": "/api/docs/",
    }


def test_every_page_has_the_site_policy_without_unsafe_inline_scripts(client, site):
    for name, path in site.items():
        response = client.get(path)
        assert response.status_code == 200, name
        directives = policy(response)
        assert directives["default-src"] == ["'self'"], name
        assert directives["script-src"][0] == "'self'", name
        assert [s for s in directives["script-src"][1:] if not s.startswith("'nonce-")] == [], name
        assert directives["style-src"][0] == "'self'", name
        assert [s for s in directives["style-src"][1:] if not s.startswith("'nonce-")] == [], name
        assert "'unsafe-eval'" not in directives["script-src"], name
        assert directives["object-src"] == ["'none'"], name
        assert directives["base-uri"] == ["'self'"], name
        assert directives["frame-ancestors"] == ["'none'"], name
        assert directives["form-action"] == ["'self'"], name
        assert directives["img-src"] == ["'self'", "data:", "https:"], name


def test_a_nonce_is_fresh_per_request_and_is_the_one_on_the_pages_tags(client, site):
    """The booking page (time-zone script), a CMS page (JSON-LD) and Swagger UI (inline script and
    style) use the nonce: each request gets a new one, and every ``nonce=`` on the page is it."""
    for name in ("booking", "cms page", "swagger ui"):
        nonces = []
        for _ in range(2):
            response = client.get(site[name])
            nonce = header_nonce(response)
            on_page = re.findall(r'nonce="([^"]*)"', response.content.decode())
            assert on_page, name
            assert set(on_page) == {nonce}, name
            assert f"'nonce-{nonce}'" in policy(response)["style-src"], name
            nonces.append(nonce)
        assert nonces[0] != nonces[1], name
        assert len(base64.b64decode(nonces[0])) == 16, name


def test_no_page_has_inline_code_the_policy_would_block(client, site):
    """Without a browser: every inline <script> and <style> carries the nonce, no tag has an event
    handler attribute or a javascript: URL, and every style attribute is one the policy hashes."""
    allowed_styles = set(settings.PORTABLE_TEXT_STYLE_ATTRIBUTES)
    for name, path in site.items():
        html = client.get(path).content.decode()
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
            assert "nonce=" in tag or "src=" in tag, (name, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), name
        assert "javascript:" not in html, name
        assert set(re.findall(r'\sstyle="([^"]*)"', html)) <= allowed_styles, name


def test_the_portable_text_style_attributes_are_exactly_the_hashed_ones(client, db):
    """The renderer's underline mark and unknown-type warning are its only style attributes; the
    policy allows their hashes (style-src-attr 'unsafe-hashes') and no other inline style."""
    underlined = paragraph("Underlined")
    underlined["children"] = [{"_type": "span", "text": "Underlined", "marks": ["underline"]}]
    html = to_html([underlined, {"_type": "unknownWidget", "_key": "w"}, {"_type": "mystery", "_key": "i"}])
    rendered = set(re.findall(r'\sstyle="([^"]*)"', html))
    assert rendered == set(settings.PORTABLE_TEXT_STYLE_ATTRIBUTES) == {"text-decoration:underline", "display:none"}

    PageFactory(slug="home")
    attr = policy(client.get("/"))["style-src-attr"]
    assert set(attr) == {"'unsafe-hashes'", sha256_source("text-decoration:underline"), sha256_source("display:none")}


def test_api_responses_carry_the_policy_too(client, db):
    response = client.get("/api/v1/health")
    assert policy(response)["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy(response)["script-src"]


# --- the exceptions, each on its own pages ---------------------------------------------------------


def test_stripe_sources_for_stripe_itself_follow_stripes_published_list(settings):
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    assert stripe_js_sources() == {
        "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": ["'self'", "https://api.stripe.com"],
    }


def test_stripe_sources_for_localstripe_are_its_origin(settings):
    settings.STRIPE_JS_URL = "http://127.0.0.1:8420/js.stripe.com/v3/"
    assert stripe_js_sources() == {
        "script-src": ["http://127.0.0.1:8420"],
        "frame-src": ["http://127.0.0.1:8420"],
        "connect-src": ["'self'", "http://127.0.0.1:8420"],
    }


@pytest.mark.django_db(transaction=True)  # the page calls Stripe, which refuses an open transaction
def test_only_the_payment_page_may_load_stripe_js(client, localstripe):
    consultant = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, hourly_rate=200)
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    day = datetime.now(UTC).date() + timedelta(days=3)
    booking = booking_create(
        consultant=consultant,
        start=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
        client_name="Clara Client",
        client_email="clara@example.com",
    )
    response = client.get(f"/bookings/{booking.reference}/pay/?token={manage_token(booking)}")
    assert response.status_code == 200
    directives = policy(response)
    nonce = header_nonce(response)
    assert directives["script-src"] == ["'self'", f"'nonce-{nonce}'", localstripe]
    assert directives["frame-src"] == [localstripe]
    assert directives["connect-src"] == ["'self'", localstripe]
    assert f'<script src="{localstripe}/js.stripe.com/v3/" nonce="{nonce}">' in response.content.decode()

    other = policy(client.get(f"/consultants/{consultant.slug}/book/"))
    assert localstripe not in other["script-src"]
    assert "frame-src" not in other and "connect-src" not in other


def test_redoc_alone_gets_inline_styles_and_a_blob_worker(client, db):
    directives = policy(client.get("/api/redoc/"))
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["worker-src"] == ["'self'", "blob:"]
    assert "style-src-attr" not in directives
    assert directives["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]

    swagger = policy(client.get("/api/docs/"))
    assert "'unsafe-inline'" not in swagger["style-src"]
    assert "worker-src" not in swagger


def test_the_admin_alone_gets_inline_styles_and_keeps_strict_scripts(client, db):
    client.force_login(UserFactory(role=Role.SUPER_ADMIN))
    for path in ("/admin/login/", "/admin/", "/admin/magnetiq/auditlogentry/", "/admin/content/page/"):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        directives = policy(response)
        assert directives["style-src"] == ["'self'", "'unsafe-inline'"], path
        assert "style-src-attr" not in directives, path
        assert directives["script-src"] == ["'self'"], path
        assert directives["frame-ancestors"] == ["'none'"], path
