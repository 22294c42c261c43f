"""The researcher's registration page behind the invitation link (``/researchers/register/``)."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Role, User
from consultants.models import ConsultantStatus
from consulting.models import OutreachRequest, OutreachState, ResearcherProfile
from consulting.tokens import invitation_token

pytestmark = pytest.mark.django_db

URL = "/researchers/register/"


@pytest.fixture
def outreach(db):
    return OutreachRequest.objects.create(
        researcher_email="nova@uni.example", researcher_name="Nova Newton", token_nonce="n0nce"
    )


def form_data(token, **extra):
    return {
        "token": token,
        "name": "Nova Newton",
        "password": "Str0ng-Passw0rd!",
        "password_again": "Str0ng-Passw0rd!",
        "affiliation": "TU Example",
        "bio": "Professor of AI.",
        "expertise": "Machine Learning, NLP",
        "timezone": "Europe/Berlin",
        "rate": "",
        **extra,
    }


def test_the_link_opens_the_form_with_the_invited_address(client, outreach):
    response = client.get(URL, {"token": invitation_token(outreach)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "nova@uni.example" in page
    assert 'value="Nova Newton"' in page


def test_registration_creates_the_consultant_account_like_the_api(client, outreach):
    response = client.post(URL, form_data(invitation_token(outreach)))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user = User.objects.get(email="nova@uni.example")
    assert user.role == Role.CONSULTANT
    assert user.check_password("Str0ng-Passw0rd!")
    # The invitation reached that address, so it counts as verified (allauth).
    assert EmailAddress.objects.filter(user=user, email="nova@uni.example", verified=True, primary=True).exists()
    profile = ResearcherProfile.objects.select_related("consultant").get(consultant__user=user)
    assert profile.consultant.status == ConsultantStatus.PENDING
    assert profile.consultant.expertise_areas == ["Machine Learning", "NLP"]
    assert profile.consultant.timezone == "Europe/Berlin"
    outreach.refresh_from_db()
    assert outreach.state == OutreachState.ACCEPTED
    # The link is used now: a second visit explains that instead of showing the form.
    again = client.get(URL, {"token": invitation_token(outreach)})
    assert again.status_code == 400
    assert "already been used" in again.content.decode()


def test_a_weak_password_is_a_form_error_and_nothing_is_created(client, outreach):
    response = client.post(URL, form_data(invitation_token(outreach), password="abc", password_again="abc"))
    assert response.status_code == 422
    assert 'id="id_password"' in response.content.decode()
    assert "errorlist" in response.content.decode()
    assert not User.objects.filter(email="nova@uni.example").exists()
    outreach.refresh_from_db()
    assert outreach.state == OutreachState.PENDING


def test_different_passwords_are_refused(client, outreach):
    response = client.post(URL, form_data(invitation_token(outreach), password_again="Other-Passw0rd!"))
    assert response.status_code == 422
    assert "The two passwords differ." in response.content.decode()


@pytest.mark.parametrize("token", ["", "forged-token", "eyJvIjoxfQ:1abc:def"])
def test_a_bad_token_shows_a_clear_page(client, outreach, token):
    response = client.get(URL, {"token": token} if token else {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This invitation link does not work" in page
    assert "This invitation link is not valid." in page


def test_a_superseded_token_shows_a_clear_page(client, outreach):
    old = invitation_token(outreach)
    outreach.token_nonce = "newer"
    outreach.save()
    response = client.post(URL, form_data(old))
    assert response.status_code == 400
    assert not User.objects.filter(email="nova@uni.example").exists()


def test_an_expired_token_says_so(client, outreach):
    token = invitation_token(outreach)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.get(URL, {"token": token})
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_the_page_in_german(client, outreach):
    response = client.get("/de" + URL, {"token": invitation_token(outreach)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="de"' in page
    assert "Als Forschende registrieren" in page
    assert "Passwort wiederholen" in page
