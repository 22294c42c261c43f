"""Services: capacity, waiting list, promotion, duplicates, closed webinars, leads and audit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from leads.models import CONSENT_WORDING_VERSION, Lead, LeadEvent
from magnetiq.exceptions import InvalidInput
from magnetiq.models import AuditLogEntry
from webinars import services
from webinars.exceptions import AlreadyRegistered, InvalidRegistrationState, WebinarClosed
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus
from webinars.tests.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db


def register(webinar, email, **extra):
    data = {"first_name": "Ada", "last_name": "Lovelace", "consent_terms": True, **extra}
    return services.webinar_register(webinar=webinar, email=email, **data)


def test_seats_then_waiting_list_in_order(on_commit):
    webinar = WebinarFactory(capacity=2)
    with on_commit():
        first = register(webinar, "one@example.com")
        second = register(webinar, "two@example.com")
        third = register(webinar, "three@example.com")
        fourth = register(webinar, "four@example.com")
    statuses = [r.status for r in (first, second, third, fourth)]
    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    assert (first.waitlist_position, third.waitlist_position, fourth.waitlist_position) == (None, 1, 2)
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count(f"You're registered: {webinar.title['en']}") == 2
    assert subjects.count(f"Waiting list: {webinar.title['en']}") == 2
    assert "number 2 on the waiting list" in mail.outbox[3].body


def test_cancelling_a_seat_promotes_the_first_waiting_in_order(on_commit):
    webinar = WebinarFactory(capacity=1)
    with on_commit():
        seated = register(webinar, "seat@example.com")
        first_waiting = register(webinar, "w1@example.com")
        second_waiting = register(webinar, "w2@example.com")
    mail.outbox.clear()
    with on_commit():
        services.webinar_registration_cancel(registration=seated)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.REGISTERED
    assert first_waiting.promoted_at is not None
    assert second_waiting.status == RegistrationStatus.WAITLISTED
    assert second_waiting.waitlist_position == 1
    assert webinar.registrations.registered().count() == 1
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"seat@example.com", "w1@example.com"}
    assert by_recipient["w1@example.com"].subject == f"A seat is yours: {webinar.title['en']}"
    assert by_recipient["w1@example.com"].attachments[0][0] == "invite.ics"
    assert "METHOD:CANCEL" in by_recipient["seat@example.com"].attachments[0][1]
    actions = list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["webinars.registration.cancelled", "webinars.registration.promoted"]


def test_cancelling_from_the_waiting_list_promotes_nobody_and_is_idempotent(on_commit):
    webinar = WebinarFactory(capacity=1)
    seated = register(webinar, "seat@example.com")
    waiting = register(webinar, "w1@example.com")
    later = register(webinar, "w2@example.com")
    services.webinar_registration_cancel(registration=waiting)
    again = services.webinar_registration_cancel(registration=waiting)
    assert again.status == RegistrationStatus.CANCELLED
    seated.refresh_from_db()
    later.refresh_from_db()
    assert (seated.status, later.status, later.waitlist_position) == ("registered", "waitlisted", 1)
    assert AuditLogEntry.objects.filter(action="webinars.registration.cancelled").count() == 1


def test_duplicate_email_is_409_even_in_another_case_but_allowed_after_cancel():
    webinar = WebinarFactory()
    first = register(webinar, "Ada@Example.com")
    with pytest.raises(AlreadyRegistered) as exc:
        register(webinar, "ada@example.COM")
    assert (exc.value.status, exc.value.code) == (409, "ALREADY_REGISTERED")
    services.webinar_registration_cancel(registration=first)
    again = register(webinar, "ada@example.com")
    assert again.status == RegistrationStatus.REGISTERED
    assert WebinarRegistration.objects.filter(email="ada@example.com").count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": WebinarStatus.CANCELLED}, "WEBINAR_CANCELLED"),
        ({"status": WebinarStatus.DRAFT}, "WEBINAR_NOT_OPEN"),
        ({"starts_at_delta": -timedelta(minutes=1)}, "WEBINAR_PAST"),
    ],
)
def test_closed_webinars_refuse_with_400(changes, code):
    delta = changes.pop("starts_at_delta", None)
    if delta is not None:
        changes["starts_at"] = timezone.now() + delta
    webinar = WebinarFactory(**changes)
    with pytest.raises(WebinarClosed) as exc:
        register(webinar, "late@example.com")
    assert (exc.value.status, exc.value.code) == (400, code)
    assert not WebinarRegistration.objects.exists()


def test_terms_must_be_accepted():
    with pytest.raises(InvalidInput) as exc:
        register(WebinarFactory(), "a@example.com", consent_terms=False)
    assert exc.value.details[0]["field"] == "consent_terms"
    assert not WebinarRegistration.objects.exists()


def test_invalid_fields_are_422_and_nothing_is_written():
    with pytest.raises(InvalidInput) as exc:
        register(WebinarFactory(), "a@example.com", website="not a url")
    assert exc.value.details[0]["field"] == "website"
    assert not WebinarRegistration.objects.exists()
    assert not Lead.objects.exists()


def test_registration_creates_a_lead_with_consent_and_attendance_scores():
    webinar = WebinarFactory()
    registration = register(webinar, "lead@example.com", company="ACME", consent_marketing=True, language="de")
    lead = Lead.objects.get(email="lead@example.com")
    assert (registration.lead, lead.source, lead.company, lead.language) == (lead, "webinar", "ACME", "de")
    assert registration.consent_marketing_at is not None
    assert registration.consent_version == CONSENT_WORDING_VERSION
    services.webinar_mark_attended(registration=registration)
    services.webinar_mark_attended(registration=registration)
    actions = list(LeadEvent.objects.filter(lead=lead).order_by("id").values_list("action", flat=True))
    assert actions == ["webinar_registration", "webinar_attendance"]
    registration.refresh_from_db()
    assert registration.attended is True


def test_only_registered_people_can_attend():
    waiting = RegistrationFactory(status=RegistrationStatus.WAITLISTED)
    with pytest.raises(InvalidRegistrationState):
        services.webinar_mark_attended(registration=waiting)


def test_create_generates_slug_and_publish_sets_time(manager):
    speaker = WebinarFactory().speaker
    starts = timezone.now() + timedelta(days=3)
    first = services.webinar_create(title={"en": "Cloud Costs"}, speaker=speaker, starts_at=starts, actor=manager)
    second = services.webinar_create(title={"en": "Cloud Costs"}, speaker=speaker, starts_at=starts)
    assert (first.slug, second.slug, first.status) == ("cloud-costs", "cloud-costs-2", "draft")
    published = services.webinar_publish(webinar=first, actor=manager)
    assert published.status == WebinarStatus.PUBLISHED and published.published_at is not None
    entry = AuditLogEntry.objects.filter(action="webinars.webinar.published").get()
    assert entry.actor == manager


def test_create_validates_portable_text_and_fields():
    speaker = WebinarFactory().speaker
    with pytest.raises(Exception) as exc:
        services.webinar_create(
            title={"en": "X"},
            speaker=speaker,
            starts_at=timezone.now(),
            description={"en": [{"_type": "nope"}]},
            capacity=0,
        )
    assert set(exc.value.message_dict) == {"description", "capacity"}


def test_cancel_webinar_notifies_everyone_and_blocks_registration(on_commit):
    webinar = WebinarFactory(capacity=1)
    with on_commit():
        register(webinar, "seat@example.com")
        register(webinar, "wait@example.com")
    mail.outbox.clear()
    with on_commit():
        services.webinar_cancel(webinar=webinar)
        services.webinar_cancel(webinar=webinar)
    assert sorted(m.to[0] for m in mail.outbox) == ["seat@example.com", "wait@example.com"]
    seat_mail = next(m for m in mail.outbox if m.to == ["seat@example.com"])
    wait_mail = next(m for m in mail.outbox if m.to == ["wait@example.com"])
    assert seat_mail.subject == f"Cancelled: {webinar.title['en']}"
    assert "METHOD:CANCEL" in seat_mail.attachments[0][1]
    assert wait_mail.attachments == []
    with pytest.raises(WebinarClosed):
        register(webinar, "new@example.com")


def test_raising_capacity_promotes_the_waiting_list(on_commit):
    webinar = WebinarFactory(capacity=1)
    register(webinar, "seat@example.com")
    waiting = [register(webinar, f"w{i}@example.com") for i in range(3)]
    services.webinar_update(webinar=webinar, data={"capacity": 3})
    statuses = [WebinarRegistration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == ["registered", "registered", "waitlisted"]


def test_time_change_raises_sequence_and_sends_updated_invites(on_commit):
    webinar = WebinarFactory()
    with on_commit():
        register(webinar, "a@example.com")
    mail.outbox.clear()
    with on_commit():
        services.webinar_update(webinar=webinar, data={"starts_at": webinar.starts_at + timedelta(hours=2)})
    webinar.refresh_from_db()
    assert webinar.sequence == 1
    (message,) = mail.outbox
    assert message.subject == f"New time: {webinar.title['en']}"
    assert "SEQUENCE:1" in message.attachments[0][1]
    mail.outbox.clear()
    with on_commit():
        services.webinar_update(webinar=webinar, data={"capacity": 50})
    assert webinar.__class__.objects.get(pk=webinar.pk).sequence == 1
    assert mail.outbox == []


def test_delete_is_soft_and_cancels_an_upcoming_webinar():
    webinar = WebinarFactory()
    services.webinar_delete(webinar=webinar)
    webinar.refresh_from_db()
    assert webinar.deleted_at is not None and webinar.status == WebinarStatus.CANCELLED
    assert not Webinar.objects.alive().exists()


def test_lock_refuses_to_run_outside_a_transaction(transactional_db):
    webinar = WebinarFactory()
    with pytest.raises(RuntimeError):
        services._lock_webinar(webinar.pk)


def test_lead_erasure_erases_registrations_and_frees_the_seat(on_commit):
    from leads.services import lead_erase

    webinar = WebinarFactory(capacity=1)
    seated = register(webinar, "Forget.Me@example.com", company="Secret Corp", questions="About my project")
    waiting = register(webinar, "next@example.com")
    past = RegistrationFactory(
        webinar=WebinarFactory(starts_at=timezone.now() - timedelta(days=3)),
        email="forget.me@example.com",
        attended=True,
    )
    mail.outbox.clear()
    with on_commit():
        lead_erase(lead=seated.lead, actor=None)
    seated.refresh_from_db()
    past.refresh_from_db()
    waiting.refresh_from_db()
    assert (seated.email, seated.first_name, seated.company, seated.questions) == (
        f"erased-{seated.pk}@erased.invalid",
        "",
        "",
        "",
    )
    assert seated.status == RegistrationStatus.CANCELLED
    assert (past.status, past.attended, past.email) == ("registered", True, f"erased-{past.pk}@erased.invalid")
    assert waiting.status == RegistrationStatus.REGISTERED
    assert [m.to for m in mail.outbox] == [["next@example.com"]]
    assert not WebinarRegistration.objects.filter(email__icontains="forget").exists()
    assert not WebinarRegistration.objects.filter(company="Secret Corp").exists()


def test_a_language_added_to_the_settings_is_a_valid_choice(settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("pt-br", "Português (Brasil)")]
    for model in (Webinar, WebinarRegistration):
        field = model._meta.get_field("language")
        assert field.clean("pt-br", None) == "pt-br"
        assert ("pt-br", "Português (Brasil)") in field.choices
