import pytest
from django.core import mail

from magnetiq.mail import send_templated_mail


@pytest.fixture
def templates(settings, tmp_path):
    (tmp_path / "greet_subject.txt").write_text(
        "{% load i18n %}{% get_current_language as LANGUAGE_CODE %}"
        "{% if LANGUAGE_CODE == 'de' %}Hallo{% else %}Hello{% endif %}\n {{ name }}\n"
    )
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
    assert message.subject == "Hallo <Ada>"
    assert message.body == "Hi <Ada>"
    assert message.alternatives[0][0] == "<p>Hi &lt;Ada&gt;</p>"
    assert message.attachments[0][0] == "invite.ics"
    assert message.to == ["a@example.com"]
