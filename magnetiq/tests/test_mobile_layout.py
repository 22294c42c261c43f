"""The public pages on a 390×844 phone screen in Chromium: nothing scrolls sideways, the header folds
its links behind a Menu button (and lists them without JavaScript), and webinar times follow the
browser's time zone through the ``tz`` cookie (static/js/visitor-timezone.js)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(db):
    call_command("load_demo_data", verbosity=0)


def _first_link(page, listing: str) -> str:
    page.goto(listing)
    hrefs = page.eval_on_selector_all(
        f"main a[href^='{listing}'][href$='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    details = [href for href in hrefs if href.rstrip("/") != listing.rstrip("/") and not href.endswith("/book/")]
    assert details, f"{listing} links to no detail page"
    return details[0]


@pytest.mark.parametrize("prefix", ["", "/de"])
def test_public_pages_fit_a_390_pixel_screen(demo, page, prefix, tmp_path):
    page.set_viewport_size(PHONE)
    paths = [f"{prefix}/", f"{prefix}/consultants/", f"{prefix}/whitepapers/", f"{prefix}/webinars/"]
    paths += [_first_link(page, f"{prefix}/consultants/"), _first_link(page, f"{prefix}/whitepapers/")]
    paths.append(_first_link(page, f"{prefix}/webinars/"))
    widths = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
        page.screenshot(path=str(tmp_path / (path.strip("/").replace("/", "_") or "home")) + ".png", full_page=True)
        widths[path] = page.evaluate("document.scrollingElement.scrollWidth")
    assert {path: width for path, width in widths.items() if width > PHONE["width"]} == {}


def test_menu_button_folds_the_navigation_on_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto("/consultants/")
    button = page.get_by_role("button", name="Menu")
    link = page.locator("#site-nav").get_by_role("link", name="Whitepapers")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert not link.is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "true" and link.is_visible()
    page.keyboard.press("Escape")
    assert not link.is_visible()
    page.set_viewport_size({"width": 1200, "height": 800})
    assert not button.is_visible() and link.is_visible()


def test_navigation_is_listed_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    try:
        tab = context.new_page()
        tab.goto("/consultants/")
        assert not tab.get_by_role("button", name="Menu").is_visible()
        assert tab.locator("#site-nav").get_by_role("link", name="Whitepapers").is_visible()
        assert tab.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_webinar_times_follow_the_browsers_zone(browser, live_server):
    from webinars.tests.factories import WebinarFactory

    start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=14, minute=0, second=0, microsecond=0)
    webinar = WebinarFactory(starts_at=start, timezone="Europe/Berlin")
    context = browser.new_context(base_url=live_server.url, timezone_id="Asia/Tokyo", locale="en-US")
    try:
        tab = context.new_page()
        tab.goto(webinar.get_absolute_url())
        tab.locator("#webinar-start", has_text="Asia/Tokyo").wait_for()  # after the script's one reload
        assert "(Asia/Tokyo, UTC+09:00)" in tab.text_content("#webinar-start")
        assert {cookie["name"]: cookie["value"] for cookie in context.cookies()}.get("tz") == "Asia/Tokyo"
        tab.goto("/webinars/")
        assert "(Asia/Tokyo, UTC+09:00)" in tab.text_content("main")
        tab.goto("/consultants/")  # the cookie is scoped to the webinar pages
        assert tab.evaluate("document.cookie.includes('tz=')") is False
    finally:
        context.close()
