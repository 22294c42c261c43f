"""Templates: variables (unknown ones refused with field and name), rendering to inlined HTML and text."""

import pytest

from communications import rendering, services
from communications.exceptions import UnknownTemplateVariable
from communications.tests.factories import blocks
from content.exceptions import PortableTextError
from magnetiq.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


def test_unknown_variables_are_refused_naming_field_and_variable():
    with pytest.raises(UnknownTemplateVariable) as caught:
        services.email_template_create(
            data={
                "name": "Bad",
                "subject": {"en": "Hi {{ first_name }}", "de": "Hallo {{ vorname }}"},
                "body": {"en": blocks("Your code: {{ coupon_code }}")},
            }
        )
    details = caught.value.details
    assert [(d["field"], d["code"]) for d in details] == [
        ("subject.de", "unknown_variable"),
        ("body.en", "unknown_variable"),
    ]
    assert "vorname" in details[0]["message"] and "coupon_code" in details[1]["message"]
    assert caught.value.status == 422


def test_known_variables_anywhere_are_accepted_and_the_english_text_is_required():
    template = services.email_template_create(
        data={
            "name": "Good",
            "subject": {"en": "{{first_name}}, news"},
            "body": {"en": blocks("Bye", href="{{ unsubscribe_url }}")},
        }
    )
    assert template.pk
    with pytest.raises(InvalidInput) as caught:
        services.email_template_create(data={"name": "x", "subject": {"de": "Hallo"}, "body": {"en": blocks("x")}})
    assert caught.value.details[0]["field"] == "subject.en"
    with pytest.raises(PortableTextError):
        services.email_template_create(data={"name": "x", "subject": {"en": "Hi"}, "body": {"en": [{"_type": 3}]}})


def test_rendering_fills_variables_escapes_them_and_inlines_the_css():
    prepared = rendering.prepare(
        subject={"en": "Hi {{ first_name }}"},
        body={"en": blocks("Dear {{ first_name }} <{{ email }}>", href="https://example.com/?a=1&b=2")},
        preheader={"en": "Preview"},
        language="en",
    )
    subject, text, html = prepared.personalise(
        {"first_name": "<b>Ada</b>", "email": "ada@example.com", "unsubscribe_url": "https://x.example/u/1"}
    )
    assert subject == "Hi <b>Ada</b>"  # a subject is not HTML
    assert "Dear <b>Ada</b> <ada@example.com>" in text
    assert "&lt;b&gt;Ada&lt;/b&gt;" in html and "<b>Ada</b>" not in html
    assert 'href="https://example.com/?a=1&amp;b=2"' in html
    assert 'href="https://x.example/u/1"' in html
    # css-inline moved the stylesheet's rules into style attributes; the phone media query stays.
    assert '<div class="container" style="' in html
    assert "@media only screen" in html
    assert "https://x.example/u/1" in text
    assert prepared.links == ["https://example.com/?a=1&b=2", "https://magnetiq.example"] or prepared.links[0] == (
        "https://example.com/?a=1&b=2"
    )


def test_tracking_rewrites_template_links_and_adds_the_pixel():
    prepared = rendering.prepare(
        subject={"en": "x"}, body={"en": blocks("Read", href="https://example.com/a")}, preheader=None, language="en"
    )
    _s, _t, html = prepared.personalise(
        {"unsubscribe_url": "https://site/u"},
        click_url=lambda index: f"https://site/c/{index}",
        open_url="https://site/o.gif",
    )
    assert 'href="https://site/c/0"' in html
    assert "https://example.com/a" not in html
    assert 'href="https://site/u"' in html  # the unsubscribe link is never redirected
    assert '<img src="https://site/o.gif"' in html


def test_sample_rendering_uses_the_language_and_overrides():
    rendered = rendering.render_sample(
        subject={"en": "Hi {{ first_name }}", "de": "Hallo {{ first_name }}"},
        body={"en": blocks("en"), "de": blocks("de")},
        preheader=None,
        language="de",
        values={"first_name": "Grace", "unknown": "ignored"},
    )
    assert rendered["subject"] == "Hallo Grace"
    assert rendered["language"] == "de"
    assert 'lang="de"' in rendered["html"]
