"""Outreach invitations (states, e-mail, email_failed) and register-researcher with the signed token."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Role, User
from bookings.models import AvailabilityRule
from consultants.models import ConsultantStatus
from consulting import services
from consulting.models import OutreachRequest, OutreachState, ResearcherSource
from consulting.tests.conftest import NOW, auth, make_researcher, make_user
from consulting.tokens import invitation_token
from magnetiq.mail import outbound_email_deliver_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

OUTREACH = "/api/v1/consulting/outreach"
REGISTER = "/api/v1/auth/register-researcher"


def invite(api_client, user, django_capture_on_commit_callbacks, **extra):
    payload = {"researcher_email": "Nova@Uni.Example", "researcher_name": "Nova Newton", **extra}
    with django_capture_on_commit_callbacks(execute=True):
        return auth(api_client, user).post(OUTREACH, payload, format="json")


def token_from_mail() -> str:
    match = re.search(r"\?token=(\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_client_invites_a_researcher_by_email(api_client, client_user, researcher, django_capture_on_commit_callbacks):
    response = invite(api_client, client_user, django_capture_on_commit_callbacks, paper_id="W100", message="Hi!")
    assert response.status_code == 201, response.json()
    assert response.json()["message"] == "Outreach request created and email sent to researcher."
    data = response.json()["data"]
    assert data["researcher_email"] == "nova@uni.example"
    assert data["user_id"] == client_user.pk
    assert data["paper_id"] == "10.1234/dla.2023"
    assert data["status"] == "pending"
    assert len(mail.outbox) == 1
    listed = auth(api_client, client_user).get(OUTREACH).json()["data"]["outreach"][0]
    assert (listed["status"], listed["invitation_sent_at"]) == ("pending", "2026-06-01T06:00:00Z")
    message = mail.outbox[0]
    assert message.to == ["nova@uni.example"]
    assert message.subject == "Invitation: consultations about your research on Magnetiq"
    assert '"Deep Learning Applications"' in message.body
    assert "Hi!" in message.body
    assert "http://127.0.0.1:3036/researchers/register/?token=" in message.body
    assert message.alternatives[0][1] == "text/html"
    # the task is idempotent: running it again sends nothing
    services.outreach_send_invitation(outreach_id=data["id"])
    assert len(mail.outbox) == 1


def test_email_failure_is_recorded(api_client, client_user, smtp_server, django_capture_on_commit_callbacks):
    smtp_server.fail_next(1, code=550, text="5.7.1 relay denied")
    response = invite(api_client, client_user, django_capture_on_commit_callbacks)
    assert response.status_code == 201
    outreach = OutreachRequest.objects.get()
    assert outreach.state == OutreachState.EMAIL_FAILED
    assert outreach.error == "SMTPDataError: (550, b'5.7.1 relay denied')"
    assert outreach.invitation_sent_at is None
    # resend once the mail server works again: back to pending, sent
    with django_capture_on_commit_callbacks(execute=True):
        services.outreach_resend(outreach=outreach)
    outreach.refresh_from_db()
    assert (outreach.state, outreach.error, outreach.send_attempts) == (OutreachState.PENDING, "", 2)
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["nova@uni.example"]


def test_a_transient_failure_is_retried_by_the_outbox_and_the_request_stays_pending(
    api_client, client_user, smtp_server, django_capture_on_commit_callbacks, clock
):
    smtp_server.fail_next(1, code=451)
    invite(api_client, client_user, django_capture_on_commit_callbacks)
    assert OutreachRequest.objects.get().state == OutreachState.PENDING
    assert smtp_server.messages == []

    clock.shift(timedelta(minutes=1))
    deliver_due = outbound_email_deliver_due()

    assert deliver_due["sent"] == 1
    assert len(smtp_server.messages) == 1
    assert OutreachRequest.objects.get().state == OutreachState.PENDING


@pytest.mark.django_db(transaction=True)
def test_the_response_says_when_the_email_failed(api_client, smtp_server):
    # Outside a test transaction the task runs when the service commits, before the response.
    smtp_server.fail_next(1, code=554)
    client = make_user("cleo@example.com")
    response = auth(api_client, client).post(OUTREACH, {"researcher_email": "n@uni.example"}, format="json")
    assert response.status_code == 201
    assert response.json()["message"] == "Outreach request created, but the invitation e-mail could not be sent."
    assert response.json()["data"]["status"] == "email_failed"
    assert response.json()["data"]["error"] == ""  # the mail server's words are for staff


def test_who_may_invite_and_who_sees_what(api_client, client_user, other_client, django_capture_on_commit_callbacks):
    assert api_client.post(OUTREACH, {}).status_code == 401
    consultant = make_user("con@example.com", Role.CONSULTANT)
    assert invite(api_client, consultant, django_capture_on_commit_callbacks).status_code == 403
    staff_without = make_user("viewer@magnetiq.example", Role.VIEWER)
    assert invite(api_client, staff_without, django_capture_on_commit_callbacks).status_code == 403
    staff = make_user(
        "outreach@magnetiq.example",
        Role.VIEWER,
        "consulting.add_outreachrequest",
        "consulting.view_outreachrequest",
    )
    assert invite(api_client, staff, django_capture_on_commit_callbacks).status_code == 201
    assert (
        invite(api_client, client_user, django_capture_on_commit_callbacks, researcher_email="b@x.example").status_code
        == 201
    )
    listed = auth(api_client, client_user).get(OUTREACH).json()["data"]["outreach"]
    assert [o["researcher_email"] for o in listed] == ["b@x.example"]
    assert auth(api_client, other_client).get(OUTREACH).json()["data"]["outreach"] == []
    assert len(auth(api_client, staff).get(OUTREACH).json()["data"]["outreach"]) == 2


def test_outreach_refuses_known_addresses_and_bad_input(api_client, client_user, django_capture_on_commit_callbacks):
    taken = invite(api_client, client_user, django_capture_on_commit_callbacks, researcher_email="otto@example.com")
    make_user("otto@example.com")
    taken = invite(api_client, client_user, django_capture_on_commit_callbacks, researcher_email="OTTO@example.com")
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "RESEARCHER_ALREADY_REGISTERED"
    bad = invite(api_client, client_user, django_capture_on_commit_callbacks, researcher_email="not-an-email")
    assert bad.status_code == 422
    unknown = invite(api_client, client_user, django_capture_on_commit_callbacks, paper_id="10.1/none")
    assert unknown.status_code == 404


# --- registration ---------------------------------------------------------------------------------


@pytest.fixture
def invitation(api_client, client_user, django_capture_on_commit_callbacks):
    invite(api_client, client_user, django_capture_on_commit_callbacks)
    api_client.credentials()
    return token_from_mail()


def registration(token, **extra):
    return {
        "token": token,
        "password": "Str0ng-Passw0rd!",
        "name": "Nova Newton",
        "bio": "Professor of AI.",
        "expertise": ["Machine Learning", "NLP"],
        "achievements": ["Award 1", "Publication 2"],
        "availability": {"monday": ["09:00-10:00", "14:00-15:00"], "tuesday": ["10:00-11:00"]},
        "rate": "150.00",
        "affiliation": "Uni Example",
        "timezone": "Europe/Berlin",
        **extra,
    }


def test_register_with_a_valid_invitation(api_client, invitation):
    response = api_client.post(REGISTER, registration(invitation), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["message"] == "Researcher profile created successfully."
    data = response.json()["data"]
    assert data["name"] == "Nova Newton"
    assert data["email"] == "nova@uni.example"
    assert data["status"] == ConsultantStatus.PENDING
    assert data["expertise"] == ["Machine Learning", "NLP"]
    assert data["achievements"] == ["Award 1", "Publication 2"]
    assert data["bio"] == "Professor of AI."
    assert data["rate"] == "150.00"
    assert data["availability"]["monday"] == ["09:00-10:00", "14:00-15:00"]
    user = User.objects.get(email="nova@uni.example")
    assert user.role == Role.CONSULTANT
    assert user.check_password("Str0ng-Passw0rd!")
    assert user.consultant_profile.researcher_profile.source == ResearcherSource.INVITATION
    assert AvailabilityRule.objects.filter(consultant=user.consultant_profile).count() == 3
    outreach = OutreachRequest.objects.get()
    assert (outreach.state, outreach.token_used_at, outreach.consultant) == (
        OutreachState.ACCEPTED,
        NOW,
        user.consultant_profile,
    )
    login = api_client.post(
        "/api/v1/auth/login", {"email": "nova@uni.example", "password": "Str0ng-Passw0rd!"}, format="json"
    )
    assert login.status_code == 200


def test_an_invitation_works_once(api_client, invitation):
    assert api_client.post(REGISTER, registration(invitation), format="json").status_code == 201
    again = api_client.post(REGISTER, registration(invitation), format="json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "INVITATION_USED"
    assert User.objects.filter(email="nova@uni.example").count() == 1


def test_an_expired_invitation_is_410(api_client, invitation, clock):
    clock.move_to(NOW + timedelta(days=14, seconds=1))
    response = api_client.post(REGISTER, registration(invitation), format="json")
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "INVITATION_EXPIRED"
    assert not User.objects.filter(email="nova@uni.example").exists()


def test_an_invitation_still_works_on_its_last_day(api_client, invitation, clock):
    clock.move_to(NOW + timedelta(days=13, hours=23))
    assert api_client.post(REGISTER, registration(invitation), format="json").status_code == 201


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "forged"])
def test_a_forged_token_is_404(api_client, invitation, mangle):
    response = api_client.post(REGISTER, registration(mangle(invitation)), format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "INVITATION_INVALID"


def test_a_resend_invalidates_the_earlier_link(api_client, invitation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.outreach_resend(outreach=OutreachRequest.objects.get())
    old = api_client.post(REGISTER, registration(invitation), format="json")
    assert old.status_code == 404
    assert api_client.post(REGISTER, registration(token_from_mail()), format="json").status_code == 201


def test_registration_input_errors(api_client, invitation):
    other_email = api_client.post(REGISTER, registration(invitation, email="else@example.com"), format="json")
    assert other_email.status_code == 422
    assert other_email.json()["error"]["details"][0]["field"] == "email"
    weak = api_client.post(REGISTER, registration(invitation, password="123"), format="json")
    assert weak.status_code == 422
    bad_hours = api_client.post(
        REGISTER, registration(invitation, availability={"funday": ["09:00-10:00"]}), format="json"
    )
    assert bad_hours.status_code == 422
    assert not User.objects.filter(email="nova@uni.example").exists()
    assert OutreachRequest.objects.get().state == OutreachState.PENDING


def test_decline(api_client, invitation):
    response = api_client.post(f"{OUTREACH}/decline", {"token": invitation}, format="json")
    assert response.status_code == 200
    assert OutreachRequest.objects.get().state == OutreachState.DECLINED
    after = api_client.post(REGISTER, registration(invitation), format="json")
    assert after.status_code == 400
    assert after.json()["error"]["code"] == "INVITATION_DECLINED"


def test_registration_links_the_collected_researcher_of_the_paper(client_user, django_capture_on_commit_callbacks):
    collected = make_researcher(first_name="Collected", source=ResearcherSource.OPENALEX, openalex_id="A1")
    collected.consultant.email = "openalex-a1@researchers.invalid"
    collected.consultant.save()
    paper = collected.papers.create(title="Paper", openalex_id="W55")
    with django_capture_on_commit_callbacks(execute=True):
        outreach = services.outreach_create(researcher_email="c@uni.example", paper=paper, actor=client_user)
    result = services.researcher_register(
        token=invitation_token(outreach), password="Str0ng-Passw0rd!", name="Cora Collected"
    )
    assert result.profile.pk == collected.pk
    assert result.consultant.pk == collected.consultant_id
    assert result.consultant.email == "c@uni.example"
    assert result.consultant.user == result.user


@pytest.mark.parametrize(
    ("language", "paper_title", "context", "subject", "lines", "html_line"),
    [
        (
            "de",
            "Deep Learning",
            "",
            "Einladung: Beratungsgespräche zu Ihrer Forschung auf Magnetiq",
            [
                "Hallo Nova Newton,",
                "jemand möchte mit Ihnen über Ihre Forschung sprechen – über „Deep Learning“.",
                "Nachricht:\nHi!",
                "Auf Magnetiq können Sie bezahlte Beratungsgespräche anbieten. Legen Sie hier Ihr Profil an:",
                "Der Link ist 14 Tage gültig und kann einmal verwendet werden. Wenn Sie kein Interesse haben, "
                "ignorieren Sie diese E-Mail einfach.",
            ],
            "jemand möchte mit Ihnen über Ihre Forschung sprechen – über <strong>Deep Learning</strong>.",
        ),
        (
            "de",
            None,
            "Robotik",
            "Einladung: Beratungsgespräche zu Ihrer Forschung auf Magnetiq",
            ["jemand möchte mit Ihnen über Ihre Forschung sprechen – über Robotik."],
            '<a href="https://example.com/register">Profil anlegen</a>',
        ),
        (
            "en",
            "Deep Learning",
            "",
            "Invitation: consultations about your research on Magnetiq",
            [
                "Hello Nova Newton,",
                'someone would like to talk with you about your research: "Deep Learning".',
                "Their message:\nHi!",
                "The link works for 14 days and can be used once. If you are not interested, simply ignore "
                "this e-mail.",
            ],
            "someone would like to talk with you about your research: <strong>Deep Learning</strong>.",
        ),
        (
            "en",
            None,
            "",
            "Invitation: consultations about your research on Magnetiq",
            ["someone would like to talk with you about your research."],
            '<a href="https://example.com/register">Create your profile</a>',
        ),
    ],
)
def test_invitation_text_in_the_requests_language(language, paper_title, context, subject, lines, html_line):
    from magnetiq.mail import render_templated_mail

    outreach = OutreachRequest(
        researcher_email="nova@uni.example", researcher_name="Nova Newton", context=context, message="Hi!"
    )
    paper = {"title": paper_title} if paper_title else None
    rendered_subject, text, html = render_templated_mail(
        template="consulting/emails/outreach_invitation",
        context={"outreach": outreach, "link": "https://example.com/register", "paper": paper, "max_age_days": 14},
        language=language,
    )
    assert rendered_subject == subject
    for line in lines:
        assert line in text
    assert html_line in html
    assert f'<html lang="{language}">' in html


def test_a_language_added_to_the_settings_is_a_valid_choice(settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("pt-br", "Português (Brasil)")]
    field = OutreachRequest._meta.get_field("language")
    assert field.clean("pt-br", None) == "pt-br"
    with pytest.raises(ValidationError):
        field.clean("xx", None)
