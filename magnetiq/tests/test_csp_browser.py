"""The Content-Security-Policy in a real browser: every main page loads in Chromium without a
single violation (the ``page`` fixture fails the test at teardown on any), and the pages' own
scripts still run: the booking page switches to the browser's zone, the payment form mounts
localstripe's Stripe.js card element, Swagger UI and ReDoc render the schema."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import Role
from accounts.tests.factories import PASSWORD, UserFactory
from bookings.services import booking_create
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory
from content.tests.factories import PageFactory, paragraph
from magnetiq.models import AuditLogEntry
from webinars.tests.factories import WebinarFactory
from whitepapers.tests.factories import WhitepaperFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def underlined_page_content(text: str) -> list[dict]:
    """Portable Text with an underlined span and a block type no renderer knows: the two style
    attributes the renderer writes (``text-decoration:underline``, ``display:none``)."""
    underlined = paragraph(text)
    underlined["children"] = [{"_type": "span", "text": text, "marks": ["underline"]}]
    return [underlined, {"_type": "unknownWidget", "_key": "w"}]


def visit(page, path: str) -> None:
    """Open ``path`` and wait until it has loaded, so any violation has been reported."""
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    assert "Content-Security-Policy" in {name.title() for name in response.headers}
    page.wait_for_load_state("load")


def test_public_pages_load_without_a_violation(page):
    PageFactory(slug="home", content={"en": underlined_page_content("Welcome"), "de": [paragraph("Willkommen")]})
    PageFactory(slug="about", content={"en": underlined_page_content("About us"), "de": [paragraph("Über uns")]})
    consultant = ConsultantFactory(first_name="Clara", last_name="Cloud", profile_image_url="https://example.com/c.png")
    whitepaper = WhitepaperFactory(author=consultant)
    webinar = WebinarFactory(speaker=consultant)

    for path in (
        "/",
        "/about/",
        "/de/",
        "/de/about/",
        "/consultants/",
        consultant.get_absolute_url(),
        "/whitepapers/",
        f"/whitepapers/{whitepaper.slug}/",
        "/webinars/",
        webinar.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
    ):
        visit(page, path)

    # The underline is drawn and the renderer's warning for the unknown block stays hidden.
    page.goto("/about/")
    assert page.locator(".pt-content span").first.evaluate("e => getComputedStyle(e).textDecorationLine") == "underline"
    assert page.locator("text=Unknown block type").first.is_hidden()
    # The whitepaper landing's styles come from site.css: the honeypot is off-screen, the form posts.
    page.goto(f"/whitepapers/{whitepaper.slug}/")
    assert page.locator(".hp-field").evaluate("e => getComputedStyle(e).position") == "absolute"


def test_booking_page_script_switches_to_the_browsers_zone(page):
    consultant = ConsultantFactory(timezone="UTC", hourly_rate=None, booking_buffer_minutes=0)
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    page.goto(f"/consultants/{consultant.slug}/book/")
    page.wait_for_url("**tz=Europe%2FBerlin*")
    assert page.locator("#id_tz").input_value() == "Europe/Berlin"


def test_payment_page_mounts_stripe_js_without_a_violation(localstripe, page):
    consultant = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=10, hourly_rate=200)
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    day = datetime.now(UTC).date() + timedelta(days=3)
    booking = booking_create(
        consultant=consultant,
        start=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
        client_name="Clara Client",
        client_email="clara@example.com",
    )
    from bookings.links import manage_url

    page.goto(manage_url(booking))
    page.click("#pay-link")
    page.wait_for_selector("#card-element input[placeholder=number]")
    assert page.inner_text("#amount") == "$100.00"


def test_admin_and_api_docs_load_without_a_violation(page):
    UserFactory(email="admin@example.com", role=Role.SUPER_ADMIN)
    about = PageFactory(slug="about", content={"en": underlined_page_content("About"), "de": [paragraph("Über")]})
    # The audit trail's changelist has no actions: Django's template then writes an inline <style>.
    AuditLogEntry.objects.create(
        action="content.page.published", content_type=ContentType.objects.get_for_model(about), object_id=str(about.pk)
    )

    page.goto("/admin/login/")
    page.fill("#id_username", "admin@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for path in ("/admin/", "/admin/magnetiq/auditlogentry/", "/admin/consultants/consultant/", "/admin/content/page/"):
        visit(page, path)
    # The page's change form, with its rendered preview (style attributes).
    visit(page, f"/admin/content/page/{about.pk}/change/")
    assert (
        page.locator(".field-rendered_en .pt-content span").first.evaluate(
            "e => getComputedStyle(e).textDecorationLine"
        )
        == "underline"
    )

    visit(page, "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")
    visit(page, "/api/redoc/")
    # ReDoc has rendered the schema (its heading is the API's title) with its worker and styles; it
    # parses the whole schema (700 kB) first, which takes a while on a busy machine.
    heading = page.wait_for_selector("h1:has-text('Magnetiq API')", timeout=60_000)
    assert heading.inner_text() == "Magnetiq API (1.0.0)"
