"""A visitor registers for a webinar on its page in headless Chromium and gets the invite."""

import pytest
from django.core import mail

from webinars.models import WebinarRegistration
from webinars.tests.factories import WebinarFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_registers_for_a_webinar(page):
    webinar = WebinarFactory(title={"en": "Cloud Costs", "de": "Cloud-Kosten"}, capacity=20)
    mail.outbox.clear()
    page.goto("/webinars/")
    page.get_by_role("link", name="Cloud Costs").click()
    page.wait_for_url(f"**/webinars/{webinar.slug}/")
    assert "20 seats left" in page.locator("#seats-left").inner_text()
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.fill("input[name=email]", "grace@example.com")
    page.fill("input[name=company]", "Navy")
    page.check("input[name=consent_terms]")
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector(".message")
    assert "You are registered." in page.locator(".message").inner_text()
    assert "19 seats left" in page.locator("#seats-left").inner_text()
    registration = WebinarRegistration.objects.get()
    assert (registration.email, registration.status) == ("grace@example.com", "registered")
    (message,) = mail.outbox
    assert message.to == ["grace@example.com"]
    assert message.attachments[0][0] == "invite.ics"
    assert f"UID:webinar-{webinar.pk}-{registration.reference}@magnetiq" in message.attachments[0][1]
