"""Withdrawing a consent (``lead_consent_withdraw``) and the consent in force (``lead_consent_state``)."""

import pytest

from leads.exceptions import LeadErased
from leads.models import ConsentKind, LeadConsent
from leads.selectors import with_marketing_consent
from leads.services import lead_consent_state, lead_consent_withdraw, lead_erase
from leads.tests.factories import LeadConsentFactory, LeadFactory
from magnetiq.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


def test_withdrawal_appends_a_refusal_and_ends_marketing():
    lead = LeadFactory()
    LeadConsentFactory(lead=lead, kind=ConsentKind.TERMS)
    given = LeadConsentFactory(lead=lead, kind=ConsentKind.MARKETING, wording_version="2026-09")
    assert lead_consent_state(lead)[ConsentKind.MARKETING] == given
    assert with_marketing_consent().filter(pk=lead.pk).exists()

    withdrawal = lead_consent_withdraw(lead=lead, kind=ConsentKind.MARKETING, source="account")

    assert (withdrawal.granted, withdrawal.wording_version, withdrawal.source) == (False, "2026-09", "account")
    assert lead_consent_state(lead)[ConsentKind.MARKETING] == withdrawal
    assert LeadConsent.objects.filter(lead=lead, kind=ConsentKind.MARKETING).count() == 2  # history kept
    assert not with_marketing_consent().filter(pk=lead.pk).exists()
    # Nothing in force any more: a second withdrawal changes nothing.
    assert lead_consent_withdraw(lead=lead, kind=ConsentKind.MARKETING, source="account") is None


def test_only_marketing_can_be_withdrawn_and_not_from_an_erased_lead():
    lead = LeadFactory()
    LeadConsentFactory(lead=lead, kind=ConsentKind.TERMS)
    with pytest.raises(InvalidInput) as caught:
        lead_consent_withdraw(lead=lead, kind=ConsentKind.TERMS, source="account")
    assert caught.value.details[0]["field"] == "kind"
    lead_erase(lead=lead, actor=None)
    with pytest.raises(LeadErased):
        lead_consent_withdraw(lead=lead, kind=ConsentKind.MARKETING, source="account")


def test_a_lead_without_a_marketing_consent_has_nothing_to_withdraw():
    lead = LeadFactory()
    assert lead_consent_state(lead) == {ConsentKind.TERMS: None, ConsentKind.MARKETING: None}
    assert lead_consent_withdraw(lead=lead, kind=ConsentKind.MARKETING, source="account") is None
