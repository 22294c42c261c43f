"""The account pages and the consultant's self-service pages (``/account/…``)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.factories import UserFactory
from bookings.models import AvailabilityOverride, AvailabilityRule, BookingPaymentStatus, BookingStatus
from bookings.tests.factories import BookingFactory
from consultants.models import Consultant
from consultants.tests.factories import ConsultantFactory
from consulting.models import ResearcherProfile
from leads.models import ConsentKind, Lead, LeadConsent
from leads.tests.factories import LeadConsentFactory, LeadFactory
from payouts.tests.factories import paid_session
from reviews.models import Review
from webinars.tests.factories import RegistrationFactory, WebinarFactory
from whitepapers.models import WhitepaperDownload
from whitepapers.tests.factories import WhitepaperFactory

pytestmark = pytest.mark.django_db


def signed_in(client, email="clara@example.com", *, verified=True, role=Role.CLIENT):
    user = UserFactory(email=email, role=role)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    client.force_login(user)
    return user


@pytest.fixture
def now():
    return timezone.now()


# --- who may see the pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/account/",
        "/account/consents/",
        "/account/data/",
        "/account/delete/",
        "/account/consultant/schedule/",
        "/account/consultant/earnings/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", ["sessions", "schedule", "earnings", "profile"])
def test_consultant_pages_are_403_for_a_client(client, page):
    signed_in(client)
    assert client.get(f"/account/consultant/{page}/").status_code == 403


def test_the_nav_links_to_the_account_when_signed_in(client):
    signed_in(client)
    page = client.get("/account/").content.decode()
    assert 'href="/account/"' in page
    assert "My account" in page


# --- the overview ------------------------------------------------------------------------------


def test_own_and_verified_guest_bookings_are_listed_others_are_not(client, now):
    user = signed_in(client)
    EmailAddress.objects.create(user=user, email="clara.work@example.com", verified=True)
    EmailAddress.objects.create(user=user, email="clara.unproven@example.com", verified=False)
    owned = BookingFactory(client_user=user, client_email="clara@example.com", start=now + timedelta(days=3))
    guest_past = BookingFactory(
        client_email="clara.work@example.com", start=now - timedelta(days=20), status=BookingStatus.COMPLETED
    )
    guest_ahead = BookingFactory(client_email="clara@example.com", start=now + timedelta(days=5))
    unverified = BookingFactory(client_email="clara.unproven@example.com", start=now - timedelta(days=9))
    stranger = BookingFactory(client_email="someone@example.com", start=now + timedelta(days=2))
    page = client.get("/account/").content.decode()
    assert owned.consultant.full_name in page
    assert guest_past.consultant.full_name in page
    assert guest_ahead.consultant.full_name in page
    assert unverified.consultant.full_name not in page
    assert stranger.consultant.full_name not in page
    assert f"/bookings/{owned.reference}/" in page
    # A guest booking ahead opens with its manage token (the user does not own it).
    assert f"/bookings/{guest_ahead.reference}/?token=" in page
    assert "booked as a guest" in page


def test_an_unverified_login_address_shows_no_guest_bookings(client, now):
    signed_in(client, verified=False)
    guest = BookingFactory(client_email="clara@example.com", start=now - timedelta(days=3))
    page = client.get("/account/").content.decode()
    assert guest.consultant.full_name not in page
    assert "Confirm your e-mail address" in page


def test_webinar_registrations_and_downloads_are_listed(client, now):
    signed_in(client)
    webinar = WebinarFactory(
        title={"en": "AI for Leaders", "de": "KI für Führungskräfte"}, starts_at=now + timedelta(days=7)
    )
    registration = RegistrationFactory(webinar=webinar, email="clara@example.com")
    RegistrationFactory(email="other@example.com", webinar=WebinarFactory(title={"en": "Hidden talk"}))
    lead = LeadFactory(email="clara@example.com")
    paper = WhitepaperFactory(title={"en": "Cloud Costs", "de": "Cloud-Kosten"})
    WhitepaperDownload.objects.create(whitepaper=paper, lead=lead)
    page = client.get("/account/").content.decode()
    assert "AI for Leaders" in page
    assert registration.get_cancel_url() in page
    assert "Hidden talk" not in page
    assert "Cloud Costs" in page


def test_the_account_page_in_german(client, now):
    signed_in(client)
    BookingFactory(client_email="clara@example.com", start=now + timedelta(days=3))
    response = client.get("/de/account/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="de"' in page
    assert "Ihr Konto" in page
    assert "Anstehende Buchungen" in page
    assert ">Termine</a>" not in page  # the consultant links are for consultants only


# --- consents ----------------------------------------------------------------------------------


def test_withdrawing_the_marketing_consent(client):
    signed_in(client)
    lead = LeadFactory(email="clara@example.com")
    LeadConsentFactory(lead=lead, kind=ConsentKind.TERMS)
    LeadConsentFactory(lead=lead, kind=ConsentKind.MARKETING)
    page = client.get("/account/consents/").content.decode()
    assert "E-mails about new whitepapers" in page
    assert "Withdraw" in page
    response = client.post("/account/consents/", {"lead": lead.pk, "kind": "marketing"})
    assert response.status_code == 302
    latest = LeadConsent.objects.filter(lead=lead, kind=ConsentKind.MARKETING).order_by("-recorded_at", "-id").first()
    assert latest.granted is False
    assert latest.source == "account"
    assert LeadConsent.objects.filter(lead=lead, kind=ConsentKind.MARKETING).count() == 2
    page = client.get("/account/consents/").content.decode()
    assert "Withdrawn" in page


def test_the_terms_consent_and_other_peoples_consents_cannot_be_withdrawn(client):
    signed_in(client)
    own = LeadFactory(email="clara@example.com")
    LeadConsentFactory(lead=own, kind=ConsentKind.TERMS)
    other = LeadFactory(email="someone@example.com")
    LeadConsentFactory(lead=other, kind=ConsentKind.MARKETING)
    client.post("/account/consents/", {"lead": own.pk, "kind": "terms"})
    client.post("/account/consents/", {"lead": other.pk, "kind": "marketing"})
    assert not LeadConsent.objects.filter(granted=False).exists()


# --- export ------------------------------------------------------------------------------------


def test_the_export_holds_the_data_of_every_app(client, now):
    user = signed_in(client)
    booking = BookingFactory(client_user=user, client_email="clara@example.com", start=now - timedelta(days=4))
    lead = LeadFactory(email="clara@example.com")
    LeadConsentFactory(lead=lead, kind=ConsentKind.MARKETING)
    RegistrationFactory(email="clara@example.com", webinar=WebinarFactory(title={"en": "AI for Leaders"}))
    WhitepaperDownload.objects.create(whitepaper=WhitepaperFactory(title={"en": "Cloud Costs"}), lead=lead)
    Review.objects.create(
        booking=booking, consultant=booking.consultant, rating=5, text="Clear advice.", author_name="Clara"
    )
    BookingFactory(client_email="someone@example.com")
    assert client.get("/account/data/export/").status_code == 405
    response = client.post("/account/data/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="magnetiq-personal-data-')
    data = json.loads(response.content)
    assert data["format"] == "magnetiq-personal-data/1"
    assert data["account"]["email"] == "clara@example.com"
    assert data["account"]["email_addresses"] == [{"email": "clara@example.com", "verified": True, "primary": True}]
    assert [b["reference"] for b in data["bookings"]] == [booking.reference]
    assert data["bookings"][0]["payment_amount"] == "100.00"
    assert data["leads"][0]["lead"]["email"] == "clara@example.com"
    assert data["leads"][0]["consents"][0]["kind"] == "marketing"
    assert data["webinar_registrations"][0]["webinar"] == {"en": "AI for Leaders"}
    assert data["whitepaper_downloads"][0]["whitepaper"] == {"en": "Cloud Costs"}
    assert [(r["booking"], r["rating"], r["text"]) for r in data["reviews"]] == [
        (booking.reference, 5, "Clear advice.")
    ]
    assert data["consultant"] is None


def test_a_consultant_export_holds_the_profile_and_payouts(client):
    user = signed_in(client, "anna@example.com", role=Role.CONSULTANT)
    consultant = ConsultantFactory(user=user, email="anna@example.com", title="Cloud architect")
    ResearcherProfile.objects.create(consultant=consultant, affiliation="TU Example", achievements=["Best paper"])
    data = json.loads(client.post("/account/data/export/").content)
    assert data["consultant"]["title"] == "Cloud architect"
    assert data["consultant"]["researcher"]["affiliation"] == "TU Example"
    assert data["consultant"]["payouts"] == []


# --- deletion ----------------------------------------------------------------------------------


def test_deletion_needs_the_confirmation(client):
    user = signed_in(client)
    response = client.post("/account/delete/", {})
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.content.decode()
    assert User.objects.get(pk=user.pk).is_active


def test_deletion_is_refused_while_a_session_is_ahead(client, now):
    user = signed_in(client)
    BookingFactory(client_user=user, client_email="clara@example.com", start=now + timedelta(days=2))
    page = client.get("/account/delete/").content.decode()
    assert "Cancel them first" in page
    response = client.post("/account/delete/", {"confirm": "on"})
    assert response.status_code == 422
    assert User.objects.get(pk=user.pk).is_active


def test_deletion_erases_the_account_and_its_data(client, now):
    user = signed_in(client)
    paid = BookingFactory(
        client_user=user,
        client_email="clara@example.com",
        client_phone="+49 30 1234",
        start=now - timedelta(days=30),
        status=BookingStatus.COMPLETED,
    )
    free = BookingFactory(
        client_email="clara@example.com",
        client_name="Clara Guest",
        start=now - timedelta(days=40),
        status=BookingStatus.COMPLETED,
        payment_amount=Decimal("0"),
        payment_status=BookingPaymentStatus.NOT_REQUIRED,
    )
    lead = LeadFactory(email="clara@example.com")
    LeadConsentFactory(lead=lead, kind=ConsentKind.MARKETING)
    registration = RegistrationFactory(
        email="clara@example.com", webinar=WebinarFactory(starts_at=now - timedelta(days=3))
    )
    untouched = BookingFactory(client_email="someone@example.com", start=now - timedelta(days=3))
    response = client.post("/account/delete/", {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@erased.invalid"
    assert not user.is_active and user.deleted_at is not None
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert Lead.objects.get(pk=lead.pk).is_erased
    assert not LeadConsent.objects.filter(lead=lead).exists()
    paid.refresh_from_db()
    assert paid.client_email == f"erased-{paid.pk}@erased.invalid"
    assert paid.client_phone == ""
    assert paid.client_name == "Clara Client"  # the invoice's recipient is kept
    assert paid.payment_amount == Decimal("100.00")
    free.refresh_from_db()
    assert free.client_name == "(erased)"
    registration.refresh_from_db()
    assert registration.email.startswith("erased-")
    untouched.refresh_from_db()
    assert untouched.client_email == "someone@example.com"
    # Signed out: the account pages ask to sign in again.
    assert client.get("/account/").status_code == 302


def test_deleting_a_consultant_account_takes_the_profile_off_the_directory(client, now):
    user = signed_in(client, "anna@example.com", role=Role.CONSULTANT)
    consultant = ConsultantFactory(user=user, email="anna@example.com")
    assert client.post("/account/delete/", {"confirm": "on"}).status_code == 302
    consultant.refresh_from_db()
    assert consultant.deleted_at is not None
    assert not Consultant.objects.public().filter(pk=consultant.pk).exists()


# --- consultant self-service --------------------------------------------------------------------


@pytest.fixture
def consultant(client):
    user = signed_in(client, "anna@example.com", role=Role.CONSULTANT)
    return ConsultantFactory(user=user, email="anna@example.com", timezone="Europe/Berlin")


def test_sessions_lists_the_consultants_sessions_ahead(client, consultant, now):
    ahead = BookingFactory(consultant=consultant, client_name="Carl Ahead", start=now + timedelta(days=1))
    BookingFactory(consultant=consultant, client_name="Pia Past", start=now - timedelta(days=1), status="completed")
    BookingFactory(client_name="Otto Other", start=now + timedelta(days=1))
    page = client.get("/account/consultant/sessions/").content.decode()
    assert "Carl Ahead" in page
    assert f"/bookings/{ahead.reference}/" in page
    assert "Pia Past" not in page and "Otto Other" not in page


def test_schedule_saves_weekly_hours(client, consultant):
    response = client.post(
        "/account/consultant/schedule/",
        {"action": "weekly", "monday": "09:00-12:00, 13:00-17:00", "friday": "10:00-14:00"},
    )
    assert response.status_code == 302
    rules = AvailabilityRule.objects.filter(consultant=consultant).order_by("weekday", "start_time")
    assert [(r.weekday, f"{r.start_time:%H:%M}", f"{r.end_time:%H:%M}") for r in rules] == [
        (0, "09:00", "12:00"),
        (0, "13:00", "17:00"),
        (4, "10:00", "14:00"),
    ]
    page = client.get("/account/consultant/schedule/").content.decode()
    assert 'value="09:00-12:00, 13:00-17:00"' in page


@pytest.mark.parametrize(
    ("monday", "message"),
    [
        ("17:00-09:00", "The range must end after it starts."),
        ("9 to 5", "Use HH:MM-HH:MM."),
        ("09:00-12:00, 11:00-13:00", "Ranges of one day must not overlap."),
    ],
)
def test_a_bad_interval_is_an_error_on_its_day(client, consultant, monday, message):
    AvailabilityRule.objects.create(consultant=consultant, weekday=2, start_time="09:00", end_time="17:00")
    response = client.post("/account/consultant/schedule/", {"action": "weekly", "monday": monday})
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert page.index(message) > page.index('id="id_monday"')
    assert AvailabilityRule.objects.filter(consultant=consultant).count() == 1  # unchanged


def test_days_off_are_added_and_removed(client, consultant, now):
    day = (now + timedelta(days=10)).date()
    response = client.post(
        "/account/consultant/schedule/", {"action": "override", "day": day.isoformat(), "kind": "unavailable"}
    )
    assert response.status_code == 302
    override = AvailabilityOverride.objects.get(consultant=consultant)
    assert override.date == day and override.start_time is None
    bad = client.post(
        "/account/consultant/schedule/",
        {"action": "override", "day": day.isoformat(), "kind": "extra", "start_time": "15:00", "end_time": "14:00"},
    )
    assert bad.status_code == 422
    assert "The range must end after it starts." in bad.content.decode()
    other = AvailabilityOverride.objects.create(consultant=ConsultantFactory(), date=day)
    client.post("/account/consultant/schedule/", {"action": "remove", "override": other.pk})
    assert AvailabilityOverride.objects.filter(pk=other.pk).exists()  # not theirs
    client.post("/account/consultant/schedule/", {"action": "remove", "override": override.pk})
    assert not AvailabilityOverride.objects.filter(pk=override.pk).exists()


def test_earnings_show_the_ledger_figures_in_money_format(client, consultant, now):
    paid_session(consultant, start=now - timedelta(days=5), amount="180.00", currency="EUR")
    page = client.get("/account/consultant/earnings/").content.decode()
    assert "Earnings in EUR" in page
    assert "€180.00" in page
    german = client.get("/de/account/consultant/earnings/").content.decode()
    assert "180,00\xa0€" in german
    assert ">Termine</a>" in german  # the account navigation, in German


def test_profile_edits_the_consultants_own_fields(client, consultant):
    data = {
        "title": "Cloud architect",
        "company": "Own Firm",
        "phone": "+49 30 5555",
        "bio__en": "I help **teams** ship.",
        "bio__de": "Ich helfe Teams.",
        "expertise_areas": "Cloud, FinOps",
        "languages": "en, de",
        "years_experience": "12",
        "linkedin_url": "https://www.linkedin.com/in/anna",
        "timezone": "Europe/Vienna",
    }
    response = client.post("/account/consultant/profile/", data)
    assert response.status_code == 302, response.content.decode()
    consultant.refresh_from_db()
    assert consultant.title == "Cloud architect"
    assert consultant.expertise_areas == ["Cloud", "FinOps"]
    assert consultant.timezone == "Europe/Vienna"
    assert consultant.bio["en"][0]["children"][1]["text"] == "teams"
    assert consultant.hourly_rate == Decimal("200.00")  # not theirs to change
    bad = client.post("/account/consultant/profile/", {**data, "timezone": "Mars/Base", "languages": "xx"})
    assert bad.status_code == 422
    assert "Choose a time zone such as Europe/Berlin." in bad.content.decode()
