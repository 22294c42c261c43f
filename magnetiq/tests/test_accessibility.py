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


#: The signed-in person's pages (portal) and the researcher's invitation page.
PORTAL_PATHS = [
    "/account/",
    "/account/consents/",
    "/account/data/",
    "/account/delete/",
    "/account/consultant/sessions/",
    "/account/consultant/schedule/",
    "/account/consultant/earnings/",
    "/account/consultant/profile/",
]


@pytest.mark.parametrize("prefix", ["", "/de"])
def test_the_signed_in_pages_have_no_axe_violations(page, prefix):
    """A consultant (who is a client too) signs in through the login page and opens every account
    and self-service page, each with content (a booking, a consent, a day off, a paid session), and
    the researcher registration page with a valid invitation."""
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import Role
    from accounts.tests.factories import PASSWORD, UserFactory
    from bookings.models import AvailabilityOverride
    from bookings.tests.factories import BookingFactory
    from consultants.tests.factories import ConsultantFactory
    from consulting.models import OutreachRequest
    from consulting.tokens import invitation_token
    from leads.models import ConsentKind
    from leads.tests.factories import LeadConsentFactory, LeadFactory
    from payouts.tests.factories import paid_session

    now = timezone.now()
    user = UserFactory(email="anna@example.com", role=Role.CONSULTANT)
    EmailAddress.objects.create(user=user, email="anna@example.com", verified=True, primary=True)
    consultant = ConsultantFactory(user=user, email="anna@example.com")
    BookingFactory(client_user=user, client_email="anna@example.com", start=now + timedelta(days=3))
    BookingFactory(consultant=consultant, start=now + timedelta(days=2))
    paid_session(consultant, start=now - timedelta(days=5), currency="EUR")
    AvailabilityOverride.objects.create(consultant=consultant, date=(now + timedelta(days=9)).date())
    LeadConsentFactory(lead=LeadFactory(email="anna@example.com"), kind=ConsentKind.MARKETING)
    outreach = OutreachRequest.objects.create(researcher_email="nova@uni.example", token_nonce="n0nce")

    failures = []
    register = f"{prefix}/researchers/register/?token={invitation_token(outreach)}"
    page.goto(register)
    try:
        assert_accessible(page)
    except AssertionError as error:
        failures.append(str(error))
    page.goto(prefix + "/accounts/login/")
    page.fill("input[name=login]", "anna@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()
    for path in PORTAL_PATHS:
        response = page.goto(prefix + path)
        assert response.status == 200, path
        assert page.url.endswith(prefix + path), f"{path} went to {page.url}"  # signed in, not sent to log in
        try:
            assert_accessible(page)
        except AssertionError as error:
            failures.append(f"{prefix}{path}: {error}")
    assert not failures, "\n\n".join(failures)
