"""Help texts, verbose names, choice labels and validator messages of the models are translated, and so
are the payouts admin's actions: the German text under ``translation.override("de")``, the English
msgid otherwise (so no migration sees a change)."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import RefreshTokenFamily, Role, User
from consultants.models import Consultant, KYCStatus
from consulting.models import ResearcherProfile, ResearcherSource, validate_achievements, validate_openalex_author
from payments.models import LedgerEntry, LedgerKind, Payment, PaymentIntentStatus, WebhookEvent
from payouts.models import ConsultantPaymentAccount, ConsultantPayout, PayoutKind
from webinars.models import RegistrationStatus, WebinarRegistration

FIELD_HELP_TEXTS = [
    (User, "is_staff", "Can log into the admin.", "Kann sich im Admin-Bereich anmelden."),
    (Consultant, "languages", "Spoken languages, e.g. en, de.", "Gesprochene Sprachen, z. B. en, de."),
    (Consultant, "availability_schedule", "Weekly schedule.", "Wochenplan."),
    (ResearcherProfile, "affiliation", "University or institution.", "Universität oder Einrichtung."),
    (Payment, "fee_amount", "Stripe's fee (balance transaction).", "Gebühr von Stripe (Saldobuchung)."),
    (
        WebhookEvent,
        "claimed_until",
        "A retry run (process_webhook_events) owns the event until then; another run skips it.",
        "Bis dahin gehört das Ereignis einem Wiederholungslauf (process_webhook_events); ein anderer Lauf "
        "überspringt es.",
    ),
    (
        ConsultantPayout,
        "advance_recovered",
        "Earlier manual payouts paid ahead, taken back here.",
        "Frühere manuelle Vorauszahlungen, hier verrechnet.",
    ),
    (
        WebinarRegistration,
        "reschedule_sequence_sent",
        "The webinar SEQUENCE of the last invite sent to this person.",
        "Die Webinar-SEQUENCE der letzten an diese Person gesendeten Einladung.",
    ),
]


@pytest.mark.parametrize(("model", "field", "english", "german"), FIELD_HELP_TEXTS)
def test_help_texts_are_translated(model, field, english, german):
    help_text = model._meta.get_field(field).help_text
    assert str(help_text) == english
    with translation.override("de"):
        assert str(help_text) == german


@pytest.mark.parametrize(
    ("model", "option", "english", "german"),
    [
        (RefreshTokenFamily, "verbose_name", "refresh token family", "Refresh-Token-Familie"),
        (RefreshTokenFamily, "verbose_name_plural", "refresh token families", "Refresh-Token-Familien"),
        # The singular is Django's default from the class name (setting it would be a migration).
        (LedgerEntry, "verbose_name_plural", "ledger entries", "Buchungseinträge"),
        (ConsultantPaymentAccount, "verbose_name", "consultant payment account", "Zahlungskonto des Beraters"),
        (ConsultantPaymentAccount, "verbose_name_plural", "consultant payment accounts", "Zahlungskonten der Berater"),
    ],
)
def test_verbose_names_are_translated(model, option, english, german):
    name = getattr(model._meta, option)
    assert str(name) == english
    with translation.override("de"):
        assert str(name) == german


def test_role_labels_are_translated():
    with translation.override("de"):
        labels = [str(label) for label in Role.labels]
    assert labels == [
        "Super-Admin",
        "Admin",
        "Beraterverwaltung",
        "Zahlungsverwaltung",
        "Analyse-Betrachter",
        "Redakteur",
        "Betrachter",
        "Berater",
        "Kunde",
    ]
    assert [str(label) for label in Role.labels][:3] == ["Super admin", "Admin", "Consultant manager"]


@pytest.mark.parametrize(
    ("choice", "english", "german"),
    [
        (RefreshTokenFamily.RevokedReason.LOGOUT, "Logged out", "Abgemeldet"),
        (KYCStatus.REQUIRES_UPDATE, "Requires update", "Aktualisierung erforderlich"),
        (ResearcherSource.INVITATION, "Registered through an invitation", "Über eine Einladung registriert"),
        (PaymentIntentStatus.REQUIRES_PAYMENT_METHOD, "Requires payment method", "Zahlungsmethode erforderlich"),
        (LedgerKind.PAYOUT, "Payout to a consultant", "Auszahlung an einen Berater"),
        (PayoutKind.SCHEDULED, "Scheduled (run_payouts)", "Geplant (run_payouts)"),
        (RegistrationStatus.WAITLISTED, "Waitlisted", "Auf der Warteliste"),
    ],
)
def test_choice_labels_are_translated(choice, english, german):
    assert str(choice.label) == english
    with translation.override("de"):
        assert str(choice.label) == german


def test_consulting_validator_messages_are_translated():
    with pytest.raises(ValidationError) as author:
        validate_openalex_author("X1")
    with pytest.raises(ValidationError) as entry:
        validate_achievements(["ok", ""])
    # Lazy: the message is in the language active when it is shown, not when it was raised.
    assert author.value.messages == ["Use an OpenAlex author id such as A5023888391."]
    assert entry.value.messages == ["Entry 2 must be a text of 1–500 characters."]
    with translation.override("de"):
        assert author.value.messages == ["Geben Sie eine OpenAlex-Autoren-ID wie A5023888391 an."]
        assert entry.value.messages == ["Eintrag 2 muss ein Text mit 1–500 Zeichen sein."]


def test_payouts_admin_actions_are_translated():
    model_admin = admin.site._registry[ConsultantPayout]
    descriptions = {name: description for _, name, description in model_admin._get_base_actions()}
    assert str(descriptions["mark_failed"]) == "Mark selected pending payouts as failed"
    with translation.override("de"):
        assert str(descriptions["execute_selected"]) == "Ausgewählte offene Auszahlungen senden (Stripe-Überweisung)"
        assert str(descriptions["mark_failed"]) == "Ausgewählte offene Auszahlungen als fehlgeschlagen markieren"
