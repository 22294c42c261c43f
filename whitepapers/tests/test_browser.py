"""A visitor in headless Chromium fills the lead form on a landing page and downloads the PDF."""

from pathlib import Path

import pytest
from django.core import mail

from leads.models import Lead
from whitepapers import services

from .factories import WhitepaperFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_fills_the_lead_form_and_downloads_the_pdf(page, tmp_path):
    whitepaper = WhitepaperFactory(file="", slug="edge-ai", title={"en": "Edge AI in Practice"})
    services.whitepaper_generate_pdf(whitepaper_id=whitepaper.pk)
    page.goto("/whitepapers/")
    page.get_by_role("link", name="Edge AI in Practice").first.click()
    page.wait_for_url("**/whitepapers/edge-ai/")
    page.get_by_role("button", name="Download the PDF").click()
    # Nothing filled: the form comes back with its errors.
    assert "Please accept the terms to continue." in page.locator("#lead-form").inner_text()
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.fill("input[name=email]", "grace@example.com")
    page.fill("input[name=company]", "Navy Labs")
    page.check("input[name=consent_terms]")
    page.get_by_role("button", name="Download the PDF").click()
    page.wait_for_url("**/whitepapers/edge-ai/thanks/?t=*")
    assert "Your download is ready." in page.locator("main").inner_text()
    with page.expect_download() as info:
        page.locator("#download-button").click()
    download = info.value
    assert download.suggested_filename == "edge-ai.pdf"
    target = Path(tmp_path) / "downloaded.pdf"
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
    assert Lead.objects.get(email="grace@example.com").company == "Navy Labs"
    assert [message.to for message in mail.outbox] == [["grace@example.com"]]
