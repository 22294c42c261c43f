"""The Markdown editor in a real browser: tabs, preview, save, and the public page it changes."""

import pytest

from accounts.models import Role
from accounts.tests.factories import PASSWORD, UserFactory
from content.models import Page
from content.tests.factories import PageFactory, paragraph

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def log_in(page) -> None:
    # Staff MFA is off in the test settings, so the password alone opens the admin.
    UserFactory(email="editor@example.com", role=Role.SUPER_ADMIN)
    page.goto("/admin/login/")
    page.fill("#id_username", "editor@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_editing_a_page_body_in_markdown_changes_the_public_page(page):
    about = PageFactory(
        slug="about",
        title={"en": "About us", "de": "Über uns"},
        content={"en": [paragraph("The old text.")], "de": [paragraph("Der alte Text.")]},
    )
    # The public page is rendered once, so it sits in the page cache before the edit.
    page.goto("/about/")
    assert "The old text." in page.inner_text("main")

    log_in(page)
    page.goto(f"/admin/content/page/{about.pk}/change/")

    # The script turned the language fieldsets into tabs: German is hidden until its tab is chosen.
    body = page.locator(".field-content")
    assert body.locator(".translation-tabs [role=tab]").all_inner_texts() == ["English (en)", "Deutsch (de)"]
    assert body.locator("#id_content__de").is_hidden()
    body.get_by_role("tab", name="Deutsch (de)").click()
    assert body.locator("#id_content__de").input_value() == "Der alte Text."
    body.get_by_role("tab", name="English (en)").click()

    markdown = "## Who we are\n\nWe are **independent** consultants. [Meet the team](/consultants/)."
    body.locator("#id_content__en").fill(markdown)
    body.locator("[data-preview-for=id_content__en]").click()
    preview = body.locator("#id_content__en__preview")
    preview.locator("h2").wait_for()
    assert preview.locator("h2").inner_text() == "Who we are"
    assert preview.locator("strong").inner_text() == "independent"

    page.click("input[name=_save]")
    page.wait_for_url("**/admin/content/page/")

    page.goto("/about/")
    main = page.locator("main")
    assert main.locator("h2", has_text="Who we are").count() == 1
    assert main.locator("strong").inner_text() == "independent"
    assert main.locator("a", has_text="Meet the team").get_attribute("href") == "/consultants/"
    assert "The old text." not in main.inner_text()

    about.refresh_from_db()
    assert [block["style"] for block in about.content["en"]] == ["h2", "normal"]
    assert about.content["de"] == [paragraph("Der alte Text.")]
    assert Page.objects.count() == 1
