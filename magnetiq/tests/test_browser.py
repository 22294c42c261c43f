"""A visitor in a real browser: the directory search and a profile, German included."""

import pytest

from consultants.tests.factories import ConsultantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_searches_the_directory_and_opens_a_profile(page):
    ConsultantFactory(first_name="Clara", last_name="Cloud", expertise_areas=["Cloud"], title="Cloud Architect")
    ConsultantFactory(first_name="Frank", last_name="Finance", expertise_areas=["Finance"])
    page.goto("/consultants/")
    page.fill("input[name=q]", "cloud")
    page.get_by_role("button", name="Show consultants").click()
    page.wait_for_url("**/consultants/?*q=cloud*")
    cards = page.locator("main .card")
    assert cards.count() == 1
    page.get_by_role("link", name="Clara Cloud").click()
    page.wait_for_url("**/consultants/clara-cloud/")
    assert page.locator("h1").inner_text() == "Clara Cloud"
    assert "Cloud Architect" in page.content()
    page.get_by_role("link", name="DE").click()
    page.wait_for_url("**/de/consultants/clara-cloud/")
    assert "Clara hilft Kunden." in page.locator("main").inner_text()
