"""Pages: catalogue with filters, landing page with the lead form, thank-you page, German URLs."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from consultants.tests.factories import ConsultantFactory
from leads.models import Lead, LeadConsent
from whitepapers import services
from whitepapers.models import DownloadToken, Whitepaper

from .factories import PDF_BYTES, WhitepaperFactory

pytestmark = pytest.mark.django_db

FORM = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "consent_terms": "on"}


def test_catalogue_filters_and_cards(client):
    cloud = WhitepaperFactory(category="Cloud", tags=["finops"])
    ai = WhitepaperFactory(category="AI", tags=["llm"])
    WhitepaperFactory(is_active=False, title={"en": "Hidden paper"})
    page = client.get("/whitepapers/").content.decode()
    assert cloud.title["en"] in page and ai.title["en"] in page and "Hidden paper" not in page
    assert f"{cloud.author.first_name} {cloud.author.last_name}" in page
    filtered = client.get("/whitepapers/?category=Cloud").content.decode()
    assert cloud.title["en"] in filtered and ai.title["en"] not in filtered
    tagged = client.get("/whitepapers/?tag=llm").content.decode()
    assert ai.title["en"] in tagged and cloud.title["en"] not in tagged
    searched = client.get("/whitepapers/?q=machines learn").content.decode()
    assert cloud.title["en"] in searched
    german = client.get("/de/whitepapers/").content.decode()
    assert f"Titel {cloud.slug}" in german and f'href="/de/whitepapers/{cloud.slug}/"' in german


def test_catalogue_paginates(client):
    for _ in range(13):
        WhitepaperFactory()
    assert "Page 1 of 2" in client.get("/whitepapers/").content.decode()
    assert "Page 2 of 2" in client.get("/whitepapers/?page=2").content.decode()


def test_landing_page_shows_form_meta_and_counts_views(client, whitepaper):
    response = client.get(f"/whitepapers/{whitepaper.slug}/?utm_source=linkedin")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<meta property="og:title" content="{whitepaper.title["en"]}">' in html
    assert 'name="website_url"' in html and 'name="consent_terms"' in html
    assert 'value="linkedin"' in html
    assert "Consent wording version" not in html and "2026-11" not in html
    # Buffered without a database write, written by the cron command.
    assert Whitepaper.objects.get(pk=whitepaper.pk).view_count == 0
    assert services.whitepaper_views_flush() == {whitepaper.pk: 1}
    assert Whitepaper.objects.get(pk=whitepaper.pk).view_count == 1
    assert client.get("/whitepapers/no-such-paper/").status_code == 404


def test_form_submission_redirects_to_thanks_with_download(client, whitepaper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/whitepapers/{whitepaper.slug}/", {**FORM, "utm_campaign": "autumn"})
    assert response.status_code == 302
    thanks = response["Location"]
    assert thanks.startswith(f"/whitepapers/{whitepaper.slug}/thanks/?t=")
    token = DownloadToken.objects.get()
    assert token.utm == {"utm_campaign": "autumn"}
    assert LeadConsent.objects.filter(lead__email="ada@example.com", wording_version="2026-11").exists()
    assert len(mail.outbox) == 1
    page = client.get(thanks)
    assert page["Cache-Control"] == "private, no-store"
    raw = thanks.split("t=")[1]
    assert f'href="/api/v1/public/whitepapers/download/{raw}"' in page.content.decode()
    download = client.get(f"/api/v1/public/whitepapers/download/{raw}")
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_thanks_page_refuses_another_whitepapers_token(client, whitepaper):
    other = WhitepaperFactory()
    response = client.post(f"/whitepapers/{whitepaper.slug}/", FORM)
    raw = response["Location"].split("t=")[1]
    page = client.get(f"/whitepapers/{other.slug}/thanks/?t={raw}").content.decode()
    assert "download/" not in page and "We have e-mailed you the download link." in page


def test_form_errors_are_shown_on_the_form(client, whitepaper):
    response = client.post(f"/whitepapers/{whitepaper.slug}/", {"first_name": "Ada", "email": "not-an-email"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please accept the terms to continue." in html
    assert "Enter a valid email address." in html
    assert Lead.objects.count() == 0
    german = client.post(f"/de/whitepapers/{whitepaper.slug}/", {"first_name": "Ada", "email": "a@example.com"})
    assert "Bitte akzeptieren Sie die Bedingungen." in german.content.decode()


def test_honeypot_on_the_page_stores_nothing(client, whitepaper):
    response = client.post(f"/whitepapers/{whitepaper.slug}/", {**FORM, "website_url": "http://spam.example"})
    assert response.status_code == 302
    assert response["Location"] == f"/whitepapers/{whitepaper.slug}/thanks/"
    assert Lead.objects.count() == 0 and DownloadToken.objects.count() == 0


@override_settings(WHITEPAPER_DOWNLOAD_THROTTLE="2/min")
def test_page_form_shares_the_throttle(client, whitepaper):
    codes = [client.post(f"/whitepapers/{whitepaper.slug}/", FORM).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_german_landing_page(client, whitepaper):
    html = client.get(f"/de/whitepapers/{whitepaper.slug}/").content.decode()
    assert f"Titel {whitepaper.slug}" in html and "Whitepaper anfordern" in html and "Einleitung" in html


def test_german_catalogue_detail_and_thanks_pages(client):
    author = ConsultantFactory(first_name="Jana", last_name="Keller")
    for _ in range(13):
        WhitepaperFactory(author=author)
    catalogue = client.get("/de/whitepapers/").content.decode()
    assert "<h1>Whitepaper</h1>" in catalogue
    assert "Studien und Praxisleitfäden unserer Berater, kostenlos zum Download." in catalogue
    assert "<span>Seite 1 von 2</span>" in catalogue and ">Weiter</a>" in catalogue
    assert '<p class="muted">von Jana Keller</p>' in catalogue and ">Mehr erfahren</a>" in catalogue
    assert '<option value="" selected>Alle</option>' in catalogue
    whitepaper = Whitepaper.objects.first()
    Whitepaper.objects.filter(pk=whitepaper.pk).update(page_count=7)
    landing = client.get(f"/de/whitepapers/{whitepaper.slug}/").content.decode()
    assert "Einwilligungstextes" not in landing
    assert '<p class="muted" id="page-count">PDF, 7 Seiten</p>' in landing
    assert '<label for="id_first_name">Vorname *</label>' in landing
    assert "Ich akzeptiere die Nutzungsbedingungen und die Datenschutzerklärung" in landing
    assert '<button type="submit">PDF herunterladen</button>' in landing
    thanks = client.get(f"/de/whitepapers/{whitepaper.slug}/thanks/").content.decode()
    assert "<h1>Vielen Dank!</h1>" in thanks
    assert "Wir haben Ihnen den Download-Link per E-Mail gesendet." in thanks
    english = client.get("/whitepapers/").content.decode()
    assert "<span>Page 1 of 2</span>" in english and '<p class="muted">by Jana Keller</p>' in english


@override_settings(WHITEPAPER_DOWNLOAD_THROTTLE="1/min")
def test_german_throttle_message(client, whitepaper):
    client.post(f"/de/whitepapers/{whitepaper.slug}/", FORM)
    response = client.post(f"/de/whitepapers/{whitepaper.slug}/", FORM)
    assert response.status_code == 429
    assert "Zu viele Anfragen aus Ihrem Netz. Bitte warten Sie eine Minute." in response.content.decode()


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "intro", "validity", "button"),
    [
        (
            "de",
            "Ihr Download: Titel paper-de",
            "Hallo Ada,",
            "danke für Ihr Interesse an „Titel paper-de“. Hier ist Ihr Download-Link:",
            "Der Link gilt bis 11.06.2026 09:00 UTC und für 5 Downloads.",
            ">PDF herunterladen</a>",
        ),
        (
            "en",
            "Your download: Title paper-en",
            "Hello Ada,",
            'thank you for your interest in "Title paper-en". Here is your download link:',
            "The link works until 2026-06-11 09:00 UTC and for 5 downloads.",
            ">Download the PDF</a>",
        ),
    ],
)
def test_download_link_email_in_the_visitors_language(
    client, django_capture_on_commit_callbacks, language, subject, greeting, intro, validity, button
):
    prefix = "/de" if language == "de" else ""
    with time_machine.travel(datetime(2026, 6, 4, 9, 0, tzinfo=UTC), tick=False):
        whitepaper = WhitepaperFactory(slug=f"paper-{language}")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{prefix}/whitepapers/{whitepaper.slug}/", FORM)
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert message.subject == subject
    assert message.body.startswith(f"{greeting}\n\n{intro}\n\n")
    assert validity in message.body and validity in html
    assert button in html and f'<html lang="{language}">' in html


def test_landing_page_shows_the_generated_cover_and_page_count(client):
    from django.conf import settings

    from .factories import block

    whitepaper = WhitepaperFactory(file="", title={"en": "Cloud Cost Control"}, body={"en": [block("Body.")]})
    services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    whitepaper.refresh_from_db()

    html = client.get(f"/whitepapers/{whitepaper.slug}/").content.decode()

    assert (
        f'<img class="cover-image cover-page" src="{whitepaper.generated_cover.url}" width="300" height="424" '
        'alt="Cover of “Cloud Cost Control”">'
    ) in html
    assert '<p class="muted" id="page-count">PDF, 3 pages</p>' in html
    assert f'<meta property="og:image" content="{settings.SITE_URL}{whitepaper.generated_cover.url}">' in html
