import pytest
from django.core import mail

from magnetiq.mail import send_templated_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates(settings, tmp_path):
    # "Sign in" is in the project's catalogue (locale/de): the sender activates the recipient's language.
    (tmp_path / "greet_subject.txt").write_text('{% load i18n %}{% translate "Sign in" %}\n {{ name }}\n')
    (tmp_path / "greet.txt").write_text("Hi {{ name }}")
    (tmp_path / "greet.html").write_text("<p>Hi {{ name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]


def test_sends_html_text_and_attachment_in_the_language(templates):
    send_templated_mail(
        to=["a@example.com"],
        template="greet",
        context={"name": "<Ada>"},
        language="de",
        attachments=[("invite.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )
    (message,) = mail.outbox
    assert message.subject == "Anmelden <Ada>"
    assert message.body == "Hi <Ada>"
    assert message.alternatives[0][0] == "<p>Hi &lt;Ada&gt;</p>"
    assert message.attachments[0][0] == "invite.ics"
    assert message.to == ["a@example.com"]


@pytest.mark.parametrize(("language", "subject"), [("en", "Sign in <Ada>"), ("fr", "Sign in <Ada>")])
def test_english_and_languages_the_site_does_not_offer_render_in_english(templates, language, subject):
    send_templated_mail(to=["a@example.com"], template="greet", context={"name": "<Ada>"}, language=language)

    assert mail.outbox[0].subject == subject
