"""Every booking e-mail in English and German: one body through gettext, the German from the .po file,
times on the reader's language's clock, counts with their plural."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from bookings.models import CancelledBy
from bookings.notifications import TEMPLATE_DIR, mail_context
from bookings.services import booking_create
from bookings.tests.conftest import NOW
from magnetiq.formatting import preferred_clock
from magnetiq.mail import render_templated_mail

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
WHEN = {
    "en": "Tuesday, 2 June 2026, 9:00 AM (Europe/Berlin, UTC+02:00)",
    "de": "Dienstag, 2. Juni 2026, 09:00 (Europe/Berlin, UTC+02:00)",
}


@pytest.fixture
def booking(consultant):
    with time_machine.travel(NOW, tick=False):
        return booking_create(
            consultant=consultant,
            start=START,
            client_name="Clara Client",
            client_email="clara@example.com",
            visitor_timezone="Europe/Berlin",
        )


def render(booking, template, language, **extra):
    booking.language = language
    consultant = booking.consultant
    consultant.languages = [language]
    for_consultant = extra.pop("for_consultant", False)
    context = mail_context(booking, for_consultant=for_consultant, **extra)
    return render_templated_mail(template=f"{TEMPLATE_DIR}/{template}", context=context, language=language)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def test_confirmation(booking):
    name = booking.consultant.full_name
    subject, text, html = render(booking, "confirmation", "de")
    assert subject == f"Bestätigt: 30-minütige Beratung mit {name} am {WHEN['de']}"
    assert "Termin: " + WHEN["de"] + " bis 09:30 (30 Minuten)" in lines(text)
    assert "Termin ansehen, verschieben oder absagen (bis 24 Stunden vor Beginn):" in lines(text)
    assert f"<p>Ihr Termin ist bestätigt: <strong>30-minütige Beratung mit {name}</strong>.</p>" in html

    subject, text, html = render(booking, "confirmation", "en")
    assert subject == f"Confirmed: 30-minute consultation with {name} on {WHEN['en']}"
    assert "When: " + WHEN["en"] + " to 9:30 AM (30 minutes)" in lines(text)
    assert "View, reschedule or cancel (until 24 hours before the start):" in lines(text)
    assert "(until 24 hours before the start)</p>" in html


def test_reminder(booking):
    subject, text, _ = render(booking, "reminder", "de", which="24h")
    assert subject.startswith("Erinnerung: 30-minütige Beratung mit ")
    assert subject.endswith(f" morgen ({WHEN['de']})")
    assert f"Termin: {WHEN['de']} bis 09:30" in lines(text)

    subject, text, _ = render(booking, "reminder", "en", which="1h")
    assert subject.endswith(f" in one hour ({WHEN['en']})")
    assert "a reminder: your booking (30-minute consultation with" in text
    assert "starts in one hour." in text


def test_rescheduled_shows_the_previous_time(booking):
    previous = {"de": "Montag, 1. Juni 2026, 14:00", "en": "Monday, 1 June 2026, 2:00 PM"}
    _, text, html = render(booking, "rescheduled", "de", previous_start=previous["de"])
    assert f"Bisher: {previous['de']}" in lines(text)
    assert "Die aktualisierte Kalendereinladung ist angehängt; Links aus früheren E-Mails gelten nicht mehr." in text
    assert f"<p>Bisher: <s>{previous['de']}</s></p>" in html

    _, text, _ = render(booking, "rescheduled", "en", previous_start=previous["en"])
    assert f"Previously: {previous['en']}" in lines(text)
    assert "New time: " + WHEN["en"] + " to 9:30 AM (30 minutes)" in lines(text)


@pytest.mark.parametrize(
    ("cancelled_by", "german", "english"),
    [
        (CancelledBy.CLIENT, "wurde auf Ihren Wunsch abgesagt.", "has been cancelled as you asked."),
        (CancelledBy.CONSULTANT, "wurde von {name} abgesagt.", "has been cancelled by {name}."),
        (CancelledBy.STAFF, "wurde von unserem Team abgesagt.", "has been cancelled by our team."),
    ],
)
def test_cancelled_says_who_cancelled(booking, cancelled_by, german, english):
    booking.cancelled_by = cancelled_by
    booking.cancellation_reason = "Travel"
    name = booking.consultant.full_name
    _, text, _ = render(booking, "cancelled", "de", invited=True)
    assert f"am {WHEN['de']} {german.format(name=name)}" in text
    assert "Grund: Travel" in lines(text)
    assert "Die angehängte Absage entfernt den Termin aus Ihrem Kalender." in lines(text)

    _, text, _ = render(booking, "cancelled", "en", invited=False)
    assert f"on {WHEN['en']} {english.format(name=name)}" in text
    assert "Reason: Travel" in lines(text)
    assert "calendar" not in text


def test_follow_up_and_hold_expired(booking):
    subject, text, _ = render(booking, "follow_up", "de")
    assert subject == f"Wie war Ihr Termin mit {booking.consultant.full_name}?"
    assert "Möchten Sie weitermachen? Einen neuen Termin buchen Sie hier:" in lines(text)
    subject, text, _ = render(booking, "hold_expired", "de")
    assert subject.startswith("Reservierung abgelaufen: 30-minütige Beratung mit ")
    assert f"Ihre Reservierung für {WHEN['de']} (" in text
    subject, text, _ = render(booking, "hold_expired", "en")
    assert subject.startswith("Reservation expired: 30-minute consultation with ")
    assert "You can book a new time here:" in lines(text)


def test_consultant_notice_in_the_consultants_language(booking):
    booking.questions = ["Where do we start?"]
    subject, text, html = render(booking, "consultant_notice", "de", for_consultant=True, event="confirmed")
    assert subject == f"Neue Buchung: Clara Client, {WHEN['de']}"
    assert "Sie haben eine neue Buchung." in lines(text)
    assert "Fragen des Kunden:" in lines(text) and "- Where do we start?" in lines(text)
    assert "<p>Es gibt noch keinen Meeting-Link: Bitte schicken Sie dem Kunden einen vor dem Termin.</p>" in html

    booking.cancelled_by = CancelledBy.CLIENT
    subject, text, _ = render(booking, "consultant_notice", "en", for_consultant=True, event="cancelled")
    assert subject == f"Cancelled: Clara Client, {WHEN['en']}"
    assert "the booking below has been cancelled (by the client)." in lines(text)


def test_an_email_ignores_the_senders_clock_preference(booking):
    """Sent from a request whose visitor chose 24 h, the English e-mail still uses English's clock."""
    with preferred_clock("24h"):
        subject, _, _ = render(booking, "confirmation", "en")

    assert subject.endswith(WHEN["en"])


def test_no_german_branch_is_left_in_the_templates():
    folder = Path(__file__).resolve().parent.parent / "templates" / "bookings" / "email"
    for path in folder.iterdir():
        assert "LANGUAGE_CODE ==" not in path.read_text(), path.name
