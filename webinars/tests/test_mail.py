"""E-mails: reminders exactly once (time-machine), only for seats; ICS content; languages."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from icalendar import Calendar

from webinars import notifications, services
from webinars.models import RegistrationStatus, WebinarRegistration, WebinarStatus
from webinars.tests.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # 16:00 in Berlin (CEST, UTC+02:00)
REGISTERED_AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def audience():
    webinar = WebinarFactory(starts_at=START, title={"en": "Cloud Costs", "de": "Cloud-Kosten"})
    with time_machine.travel(REGISTERED_AT, tick=False):
        seated = RegistrationFactory(webinar=webinar, email="seat@example.com")
        german = RegistrationFactory(webinar=webinar, email="de@example.com", language="de")
        RegistrationFactory(webinar=webinar, email="wait@example.com", status=RegistrationStatus.WAITLISTED)
        RegistrationFactory(webinar=webinar, email="gone@example.com", status=RegistrationStatus.CANCELLED)
    return webinar, seated, german


def run_reminders_at(moment):
    with time_machine.travel(moment, tick=False):
        call_command("send_webinar_reminders", verbosity=0)
        call_command("send_webinar_reminders", verbosity=0)


def test_each_reminder_goes_once_and_only_to_seat_holders(audience):
    _, seated, _ = audience
    run_reminders_at(START - timedelta(days=8))
    assert mail.outbox == []
    run_reminders_at(START - timedelta(days=7) + timedelta(minutes=1))
    assert sorted(m.to[0] for m in mail.outbox) == ["de@example.com", "seat@example.com"]
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "seat@example.com": "Reminder: Cloud Costs in one week",
        "de@example.com": "Erinnerung: Cloud-Kosten in einer Woche",
    }
    run_reminders_at(START - timedelta(days=3))
    assert len(mail.outbox) == 2
    run_reminders_at(START - timedelta(hours=23))
    assert len(mail.outbox) == 4
    run_reminders_at(START - timedelta(minutes=59))
    run_reminders_at(START - timedelta(minutes=30))
    assert len(mail.outbox) == 6
    assert mail.outbox[-1].subject.endswith("in one hour") or mail.outbox[-1].subject.endswith("in einer Stunde")
    run_reminders_at(START + timedelta(minutes=5))
    assert len(mail.outbox) == 6
    seated.refresh_from_db()
    assert None not in (seated.reminder_7d_sent_at, seated.reminder_1d_sent_at, seated.reminder_1h_sent_at)
    assert WebinarRegistration.objects.get(email="wait@example.com").reminder_1d_sent_at is None


def test_late_registrants_skip_earlier_reminders_and_cancelled_webinars_get_none(audience):
    webinar, _, _ = audience
    with time_machine.travel(START - timedelta(days=2), tick=False):
        RegistrationFactory(webinar=webinar, email="late@example.com")
    run_reminders_at(START - timedelta(days=6))
    assert "late@example.com" not in [m.to[0] for m in mail.outbox]
    other = WebinarFactory(starts_at=START, status=WebinarStatus.CANCELLED)
    with time_machine.travel(REGISTERED_AT, tick=False):
        RegistrationFactory(webinar=other, email="cancelled-webinar@example.com")
    run_reminders_at(START - timedelta(hours=2))
    recipients = [m.to[0] for m in mail.outbox]
    assert recipients.count("late@example.com") == 1
    assert "cancelled-webinar@example.com" not in recipients


def test_reminder_task_entry_point_and_a_failed_send_is_retried(audience, monkeypatch):
    from webinars import tasks

    calls = {"n": 0}
    real_send = notifications._send

    def flaky(registration, kind, *, now):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("SMTP down")
        real_send(registration, kind, now=now)

    monkeypatch.setattr(notifications, "_send", flaky)
    with time_machine.travel(START - timedelta(hours=12), tick=False):
        result = tasks.send_due_webinar_reminders.enqueue().return_value
        assert result == {"sent": 1, "failed": 1}
        assert services.webinar_send_due_reminders() == {"sent": 1, "failed": 0}
        assert services.webinar_send_due_reminders() == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 2


def test_confirmation_ics_content(on_commit):
    webinar = WebinarFactory(starts_at=START, duration_minutes=90, title={"en": "Cloud Costs"})
    with time_machine.travel(REGISTERED_AT, tick=False), on_commit():
        registration = services.webinar_register(
            webinar=webinar, email="ics@example.com", first_name="Ics", last_name="Test", consent_terms=True
        )
    (message,) = mail.outbox
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("invite.ics", "text/calendar; method=REQUEST")
    calendar = Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"webinar-{webinar.pk}-{registration.reference}@magnetiq"
    assert int(event["SEQUENCE"]) == 0
    assert "DTSTART:20260615T140000Z" in content
    assert event.decoded("DTEND") == START + timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "Cloud Costs"
    assert str(event["LOCATION"]) == webinar.meeting_link
    assert str(event["URL"]).endswith(f"/webinars/{webinar.slug}/")
    assert "Monday, 15 June 2026, 4:00 PM (Europe/Berlin, UTC+02:00)" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_rescheduled_invite_keeps_uid_and_raises_sequence(on_commit):
    webinar = WebinarFactory(starts_at=START)
    with time_machine.travel(REGISTERED_AT, tick=False), on_commit():
        registration = services.webinar_register(
            webinar=webinar, email="move@example.com", first_name="M", last_name="V", consent_terms=True
        )
    with time_machine.travel(REGISTERED_AT, tick=False), on_commit():
        services.webinar_update(webinar=webinar, data={"starts_at": START + timedelta(days=1)})
    first, second = mail.outbox
    uid = f"webinar-{webinar.pk}-{registration.reference}@magnetiq"
    for message, sequence, start in ((first, 0, "20260615T140000Z"), (second, 1, "20260616T140000Z")):
        text = message.attachments[0][1]
        assert f"UID:{uid}" in text
        assert f"SEQUENCE:{sequence}" in text
        assert f"DTSTART:{start}" in text


def test_a_confirmation_sent_after_a_time_change_makes_the_reschedule_notice_moot(on_commit):
    webinar = WebinarFactory(starts_at=START)
    with time_machine.travel(REGISTERED_AT, tick=False), on_commit():
        services.webinar_register(
            webinar=webinar, email="move@example.com", first_name="M", last_name="V", consent_terms=True
        )
        services.webinar_update(webinar=webinar, data={"starts_at": START + timedelta(days=1)})
    (message,) = mail.outbox
    assert "SEQUENCE:1" in message.attachments[0][1]
    assert "DTSTART:20260616T140000Z" in message.attachments[0][1]


def test_german_confirmation(on_commit):
    webinar = WebinarFactory(starts_at=START, title={"en": "Cloud Costs", "de": "Cloud-Kosten"})
    with time_machine.travel(REGISTERED_AT, tick=False), on_commit():
        services.webinar_register(
            webinar=webinar, email="de@example.com", first_name="Jörg", last_name="M", consent_terms=True, language="de"
        )
    (message,) = mail.outbox
    assert message.subject == "Anmeldung bestätigt: Cloud-Kosten"
    assert "Montag, 15. Juni 2026, 16:00 (Europe/Berlin, UTC+02:00)" in message.body
    assert "/de/webinars/registrations/" in message.body


def test_a_task_sends_each_mail_once(on_commit):
    from webinars import tasks

    registration = RegistrationFactory()
    assert tasks.send_registration_email.enqueue(registration.pk, "confirmation").return_value is True
    assert tasks.send_registration_email.enqueue(registration.pk, "confirmation").return_value is False
    assert tasks.send_registration_email.enqueue(registration.pk, "waitlist").return_value is False
    assert len(mail.outbox) == 1


WORDING = [
    # (template, kind, language, subject, a sentence of the text body, a sentence of the HTML body)
    (
        "registration_confirmation",
        "confirmation",
        "de",
        "Anmeldung bestätigt: Cloud-Kosten",
        "Termin: Montag, 15. Juni 2026, 16:00 (Europe/Berlin, UTC+02:00) (90 Minuten)",
        "Ihre Anmeldung für <strong>Cloud-Kosten</strong> mit Grace Hopper ist bestätigt.",
    ),
    (
        "registration_confirmation",
        "confirmation",
        "en",
        "You're registered: Cloud Costs",
        "When: Monday, 15 June 2026, 4:00 PM (Europe/Berlin, UTC+02:00) (90 minutes)",
        "your registration for <strong>Cloud Costs</strong> with Grace Hopper is confirmed.",
    ),
    (
        "waitlist_notice",
        "waitlist",
        "de",
        "Warteliste: Cloud-Kosten",
        "„Cloud-Kosten“ (Montag, 15. Juni 2026, 16:00 (Europe/Berlin, UTC+02:00)) ist ausgebucht. "
        "Sie stehen auf Platz 3 der Warteliste.",
        "Sie stehen auf <strong>Platz 3</strong> der Warteliste.",
    ),
    (
        "waitlist_notice",
        "waitlist",
        "en",
        "Waiting list: Cloud Costs",
        '"Cloud Costs" (Monday, 15 June 2026, 4:00 PM (Europe/Berlin, UTC+02:00)) is full. '
        "You are number 3 on the waiting list.",
        "You are <strong>number 3</strong> on the waiting list.",
    ),
    (
        "promotion_notice",
        "promotion",
        "de",
        "Ein Platz ist frei geworden: Cloud-Kosten",
        "gute Nachricht: Ein Platz ist frei geworden. Ihre Anmeldung für „Cloud-Kosten“ ist jetzt bestätigt.",
        "Die Kalendereinladung ist angehängt.",
    ),
    (
        "promotion_notice",
        "promotion",
        "en",
        "A seat is yours: Cloud Costs",
        'good news: a seat has freed up. Your registration for "Cloud Costs" is now confirmed.',
        "The calendar invite is attached.",
    ),
    (
        "registration_cancelled",
        "cancellation",
        "de",
        "Abmeldung bestätigt: Cloud-Kosten",
        "Schade, dass Sie nicht dabei sein können.",
        ">Zum Webinar</a>",
    ),
    (
        "registration_cancelled",
        "cancellation",
        "en",
        "Registration cancelled: Cloud Costs",
        "Sorry you cannot make it.",
        ">The webinar</a>",
    ),
    (
        "webinar_cancelled",
        "webinar_cancelled",
        "de",
        "Abgesagt: Cloud-Kosten",
        "leider müssen wir das Webinar „Cloud-Kosten“ am Montag, 15. Juni 2026, 16:00 (Europe/Berlin, UTC+02:00) "
        "absagen. Wir bitten um Entschuldigung.",
        "Ihre Anmeldung ist damit hinfällig; Sie müssen nichts weiter tun.",
    ),
    (
        "webinar_cancelled",
        "webinar_cancelled",
        "en",
        "Cancelled: Cloud Costs",
        'we are sorry: the webinar "Cloud Costs" on Monday, 15 June 2026, 4:00 PM (Europe/Berlin, UTC+02:00) '
        "has been cancelled.",
        "Your registration lapses with it; there is nothing you need to do.",
    ),
    (
        "reminder",
        "reminder_1d",
        "de",
        "Erinnerung: Cloud-Kosten morgen",
        "„Cloud-Kosten“ mit Grace Hopper beginnt morgen: Montag, 15. Juni 2026, 16:00 (Europe/Berlin, UTC+02:00).",
        ">Platz freigeben</a>",
    ),
    (
        "reminder",
        "reminder_1d",
        "en",
        "Reminder: Cloud Costs tomorrow",
        '"Cloud Costs" with Grace Hopper starts tomorrow: Monday, 15 June 2026, 4:00 PM (Europe/Berlin, UTC+02:00).',
        ">Free my seat</a>",
    ),
    (
        "webinar_rescheduled",
        "",
        "de",
        "Neuer Termin: Cloud-Kosten",
        "das Webinar „Cloud-Kosten“ findet zu einem neuen Termin statt: Montag, 15. Juni 2026, 16:00 "
        "(Europe/Berlin, UTC+02:00) (90 Minuten).",
        "Ihr Platz bleibt reserviert; die angehängte Einladung aktualisiert Ihren Kalender.",
    ),
    (
        "webinar_rescheduled",
        "",
        "en",
        "New time: Cloud Costs",
        'the webinar "Cloud Costs" has moved to a new time: Monday, 15 June 2026, 4:00 PM '
        "(Europe/Berlin, UTC+02:00) (90 minutes).",
        "Your seat stays reserved; the attached invite updates your calendar.",
    ),
]


@pytest.mark.parametrize(("template", "kind", "language", "subject", "text_line", "html_line"), WORDING)
def test_each_email_in_the_registrations_language(template, kind, language, subject, text_line, html_line):
    from magnetiq.mail import render_templated_mail

    webinar = WebinarFactory(
        starts_at=START,
        duration_minutes=90,
        title={"en": "Cloud Costs", "de": "Cloud-Kosten"},
        speaker__first_name="Grace",
        speaker__last_name="Hopper",
    )
    RegistrationFactory.create_batch(2, webinar=webinar, status=RegistrationStatus.WAITLISTED)
    status = RegistrationStatus.WAITLISTED if kind == "waitlist" else RegistrationStatus.REGISTERED
    registration = RegistrationFactory(webinar=webinar, first_name="Jörg", language=language, status=status)
    rendered_subject, text, html = render_templated_mail(
        template=f"webinars/email/{template}",
        context=notifications.mail_context(registration, kind=kind),
        language=language,
    )
    greeting = "Hallo Jörg," if language == "de" else "Hello Jörg,"
    assert rendered_subject == subject
    assert text.startswith(greeting)
    assert text_line in text
    assert f"<p>{greeting}</p>" in html
    assert html_line in html
    assert f'<html lang="{language}">' in html


def test_only_reminder_kinds_have_due_registrations():
    """A kind without a time before the start (a confirmation) is refused, not treated as "now"."""
    with pytest.raises(ValueError, match="confirmation is not a reminder"):
        notifications.due_reminder_ids(notifications.KINDS["confirmation"], datetime.now(UTC))
