"""Outreach invitations honour the do-not-contact list (leads), as every marketing send path does."""

import pytest
from django.core import mail

from consulting import services
from consulting.exceptions import OutreachDoNotContact
from consulting.models import OutreachRequest
from consulting.tests.conftest import auth
from leads.models import DoNotContactReason
from leads.services import do_not_contact_add

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_an_address_on_the_list_gets_no_invitation(api_client, client_user, django_capture_on_commit_callbacks):
    do_not_contact_add(email="nova@uni.example", reason=DoNotContactReason.UNSUBSCRIBED)
    with django_capture_on_commit_callbacks(execute=True):
        response = auth(api_client, client_user).post(
            "/api/v1/consulting/outreach", {"researcher_email": "Nova@Uni.Example"}, format="json"
        )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "RESEARCHER_DO_NOT_CONTACT"
    assert not OutreachRequest.objects.exists()
    assert mail.outbox == []


def test_a_resend_after_the_address_went_on_the_list_is_refused(client_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outreach = services.outreach_create(researcher_email="ada@uni.example", actor=client_user)
    do_not_contact_add(email="ada@uni.example", reason=DoNotContactReason.COMPLAINT)
    with pytest.raises(OutreachDoNotContact):
        services.outreach_resend(outreach=outreach, actor=client_user)
