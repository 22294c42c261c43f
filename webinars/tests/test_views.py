"""Public pages: list with filters and pagination, detail with the form, cancel page, German."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from webinars.models import RegistrationStatus, WebinarRegistration, WebinarStatus
from webinars.tests.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db


def form(email="ada@example.com", **extra):
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": email,
        "company": "ACME",
        "consent_terms": "on",
        **extra,
    }


def test_list_shows_upcoming_published_with_filters_and_pagination(client):
    for _ in range(10):
        WebinarFactory(tags=["AI"])
    WebinarFactory(title={"en": "Cloud Costs"}, tags=["Cloud"])
    WebinarFactory(status=WebinarStatus.DRAFT, title={"en": "Secret draft"})
    response = client.get("/webinars/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "12 webinars" not in content and "11 webinars" in content
    assert "Secret draft" not in content
    assert 'rel="next"' in content
    assert 'property="og:title"' in content
    filtered = client.get("/webinars/", {"topic": "Cloud"}).content.decode()
    assert 'id="result-count">1 webinar</p>' in filtered and "Cloud Costs" in filtered
    searched = client.get("/webinars/", {"q": "cloud"}).content.decode()
    assert 'id="result-count">1 webinar</p>' in searched
    bad = client.get("/webinars/", {"when": "yesterday"})
    assert bad.status_code == 200 and "message error" in bad.content.decode()


def test_detail_shows_local_time_with_offset_and_seats(client):
    webinar = WebinarFactory(starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=UTC), capacity=3)
    RegistrationFactory(webinar=webinar)
    content = client.get(f"/webinars/{webinar.slug}/").content.decode()
    assert "Tuesday, 15 January 2030, 3:00 PM (Europe/Berlin, UTC+01:00)" in content
    client.cookies["time_format"] = "24h"
    on_24_hours = client.get(f"/webinars/{webinar.slug}/").content.decode()
    assert "Tuesday, 15 January 2030, 15:00 (Europe/Berlin, UTC+01:00)" in on_24_hours
    assert "2 seats left" in content
    assert 'name="nickname"' in content and 'name="consent_terms"' in content
    assert f'<link rel="canonical" href="http://127.0.0.1:3036/webinars/{webinar.slug}/">' in content
    assert client.get("/webinars/no-such-webinar/").status_code == 404


def test_register_on_the_page_then_waitlist_then_duplicate(client, django_capture_on_commit_callbacks):
    webinar = WebinarFactory(capacity=1)
    url = f"/webinars/{webinar.slug}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form(), follow=True)
    assert "You are registered." in response.content.decode()
    assert mail.outbox[0].attachments[0][0] == "invite.ics"
    response = client.post(url, form("bob@example.com"), follow=True)
    assert "you are number 1 on the waiting list" in response.content.decode()
    response = client.post(url, form("ADA@example.com"))
    assert response.status_code == 422
    assert "already registered" in response.content.decode()
    assert WebinarRegistration.objects.count() == 2


def test_form_errors_and_honeypot(client):
    webinar = WebinarFactory()
    url = f"/webinars/{webinar.slug}/"
    response = client.post(url, {"first_name": "", "email": "not-an-email"})
    content = response.content.decode()
    assert response.status_code == 422
    assert "Please accept the terms to register." in content
    assert "Enter a valid email address." in content
    response = client.post(url, form(nickname="I am a bot"))
    assert response.status_code == 422
    assert "could not be processed" in response.content.decode()
    assert not WebinarRegistration.objects.exists()


def test_german_page_and_registration_language(client):
    webinar = WebinarFactory(title={"en": "Cloud Costs", "de": "Cloud-Kosten"})
    response = client.get(f"/de/webinars/{webinar.slug}/")
    content = response.content.decode()
    assert "Cloud-Kosten" in content and "Jetzt anmelden" in content
    client.post(f"/de/webinars/{webinar.slug}/", form())
    assert WebinarRegistration.objects.get().language == "de"
    assert "Webinare" in client.get("/de/webinars/").content.decode()


def test_german_list_counts_seats_and_prices(client):
    WebinarFactory(title={"en": "Cloud Costs", "de": "Cloud-Kosten"}, price=Decimal("180.00"), capacity=1)
    WebinarFactory(duration_minutes=1, capacity=3)
    content = client.get("/de/webinars/").content.decode()
    assert 'id="result-count">2 Webinare</p>' in content
    assert "<strong>180,00\xa0€</strong>" in content
    assert "1 Platz frei" in content and "3 Plätze frei" in content
    assert "· 1 Minute</p>" in content and "· 60 Minuten</p>" in content
    assert '<option value="" selected>Alle Themen</option>' in content
    assert '<option value="this-week">Diese Woche</option>' in content
    assert "Live-Sessions mit unseren Beratern: praxisnah, ohne Verkaufsgespräch, mit Zeit für Ihre Fragen." in content
    english = client.get("/webinars/").content.decode()
    assert 'id="result-count">2 webinars</p>' in english
    assert "<strong>€180.00</strong>" in english
    assert "1 seat left" in english and "· 1 minute</p>" in english


def test_german_registration_messages_and_form_errors(client):
    webinar = WebinarFactory(capacity=1)
    url = f"/de/webinars/{webinar.slug}/"
    response = client.post(url, form(email="first@example.com"), follow=True)
    assert (
        "Sie sind angemeldet. Die Bestätigung mit der Kalendereinladung geht an first@example.com."
        in response.content.decode()
    )
    response = client.post(url, form(email="second@example.com"), follow=True)
    assert (
        "Das Webinar ist ausgebucht: Sie stehen auf Platz 1 der Warteliste. Wir schreiben an second@example.com, "
        "sobald ein Platz frei ist." in response.content.decode()
    )
    response = client.post(url, {"first_name": "Ada"})
    content = response.content.decode()
    assert response.status_code == 422
    assert "Bitte akzeptieren Sie die Bedingungen, um sich anzumelden." in content
    assert '<label for="id_first_name">Vorname *</label>' in content
    assert "Fragen an den Referenten" in content


def test_german_detail_and_cancel_page(client):
    webinar = WebinarFactory(starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=UTC), capacity=3)
    content = client.get(f"/de/webinars/{webinar.slug}/").content.decode()
    assert "Dienstag, 15. Januar 2030, 15:00 (Europe/Berlin, UTC+01:00)" in content
    assert "<dt>Termin</dt>" in content and "<dd>60 Minuten</dd>" in content and "<dd>Kostenlos</dd>" in content
    assert "3 Plätze frei" in content and "← Alle Webinare" in content
    registration = RegistrationFactory(webinar=webinar)
    url = f"/de/webinars/registrations/{registration.reference}/cancel/"
    assert "Möchten Sie Ihre Anmeldung für dieses Webinar stornieren?" in client.get(url).content.decode()
    content = client.post(url, follow=True).content.decode()
    assert "Ihre Anmeldung ist storniert." in content and "Diese Anmeldung ist bereits storniert." in content


def test_closed_and_cancelled_pages_have_no_form(client):
    past = WebinarFactory(starts_at=datetime.now(UTC) - timedelta(days=1), status=WebinarStatus.COMPLETED)
    assert 'name="consent_terms"' not in client.get(f"/webinars/{past.slug}/").content.decode()
    cancelled = WebinarFactory(status=WebinarStatus.CANCELLED)
    content = client.get(f"/webinars/{cancelled.slug}/").content.decode()
    assert "This webinar has been cancelled." in content
    client.post(f"/webinars/{cancelled.slug}/", form())
    assert not WebinarRegistration.objects.exists()


def test_cancel_page_confirms_then_cancels_and_promotes(client):
    webinar = WebinarFactory(capacity=1)
    seated = RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status=RegistrationStatus.WAITLISTED)
    url = f"/webinars/registrations/{seated.reference}/cancel/"
    assert "Yes, cancel my registration" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "Your registration is cancelled." in response.content.decode()
    assert "already cancelled" in response.content.decode()
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert (seated.status, waiting.status) == ("cancelled", "registered")
    assert client.get("/webinars/registrations/unknown-reference/cancel/").status_code == 404
    assert (
        "Anmeldung stornieren" in client.get(f"/de/webinars/registrations/{seated.reference}/cancel/").content.decode()
    )


def test_times_follow_the_visitors_zone_cookie_and_are_always_named(client):
    webinar = WebinarFactory(starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=UTC), language="de")

    own = client.get(f"/webinars/{webinar.slug}/").content.decode()
    client.cookies["tz"] = "America/New_York"
    visitor = client.get(f"/webinars/{webinar.slug}/").content.decode()
    listed = client.get("/webinars/").content.decode()
    client.cookies["tz"] = "Not/AZone"
    unknown = client.get(f"/webinars/{webinar.slug}/").content.decode()

    assert "Tuesday, 15 January 2030, 3:00 PM (Europe/Berlin, UTC+01:00)" in own
    assert 'data-zone-shown="Europe/Berlin"' in own
    assert "Tuesday, 15 January 2030, 9:00 AM (America/New_York, UTC-05:00)" in visitor
    assert 'datetime="2030-01-15T09:00:00-05:00"' in visitor
    assert "Tuesday, 15 January 2030, 9:00 AM (America/New_York, UTC-05:00)" in listed
    assert "Tuesday, 15 January 2030, 3:00 PM (Europe/Berlin, UTC+01:00)" in unknown


def test_zone_and_date_in_german(client):
    webinar = WebinarFactory(starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=UTC))
    client.cookies["tz"] = "Asia/Tokyo"
    html = client.get(f"/de/webinars/{webinar.slug}/").content.decode()
    assert "Dienstag, 15. Januar 2030, 23:00 (Asia/Tokyo, UTC+09:00)" in html


def test_the_zone_cookie_keys_the_page_cache(client, settings):
    settings.PAGE_CACHE_SECONDS = 60
    webinar = WebinarFactory(starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=UTC))
    first = client.get(f"/webinars/{webinar.slug}/").content.decode()
    client.cookies["tz"] = "Asia/Tokyo"
    second = client.get(f"/webinars/{webinar.slug}/").content.decode()
    assert "(Europe/Berlin, UTC+01:00)" in first
    assert "(Asia/Tokyo, UTC+09:00)" in second


def test_list_and_page_show_the_webinar_language(client):
    webinar = WebinarFactory(language="de", title={"en": "Kosten senken"})
    listed = client.get("/webinars/").content.decode()
    page = client.get(f"/webinars/{webinar.slug}/").content.decode()
    german = client.get("/de/webinars/").content.decode()
    assert '<p class="webinar-language">Held in German</p>' in listed
    assert '<dd id="webinar-language">German</dd>' in page
    assert '<p class="webinar-language">Sprache: Deutsch</p>' in german
