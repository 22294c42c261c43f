"""axe-core over the public and account pages in Chromium (English and German): no violations,
colour contrast and heading order included (magnetiq.tests.axe)."""

import pytest
from django.core.management import call_command

from magnetiq.tests.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    """The demo consultancy (pages in English and German, consultants, whitepapers, webinars)."""
    call_command("load_demo_data", verbosity=0)


LISTS = ["/consultants/", "/whitepapers/", "/webinars/"]
CONTENT_PAGES = ["/", "/about/", "/services/", "/contact/", "/imprint/", "/privacy/"]


def _first_detail(page, prefix: str, listing: str) -> str:
    """The first detail page the listing links to (``/consultants/<slug>/`` …), read from the page."""
    page.goto(prefix + listing)
    pattern = f"main a[href^='{prefix}{listing}'][href$='/']"
    hrefs = [h for h in page.eval_on_selector_all(pattern, "els => els.map(e => e.getAttribute('href'))")]
    details = [h for h in hrefs if h.split("?")[0].rstrip("/") != (prefix + listing).rstrip("/")]
    assert details, f"{listing} links to no detail page"
    return details[0]


ACCOUNT_PATHS = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


@pytest.mark.parametrize("prefix", ["", "/de"])
def test_public_pages_have_no_axe_violations(demo, page, prefix):
    paths = [prefix + path for path in CONTENT_PAGES + LISTS]
    paths += [_first_detail(page, prefix, listing) for listing in LISTS]
    failures = []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        try:
            assert_accessible(page)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("prefix", ["", "/de"])
def test_account_pages_have_no_axe_violations(page, prefix):
    failures = []
    for path in ACCOUNT_PATHS:
        response = page.goto(prefix + path)
        assert response.status == 200, path
        try:
            assert_accessible(page)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)
