import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from content.models import Page, PageStatus

from .factories import PageFactory, paragraph

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "content" / "fixtures" / "demo_pages.json"


def write(tmp_path, data) -> str:
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def entry(slug: str, **overrides) -> dict:
    return {"slug": slug, "title": {"en": slug.title()}, "content": {"en": [paragraph(f"{slug} body")]}, **overrides}


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_pages", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_demo_file_imports_every_page_in_both_languages():
    out, _ = run(str(DEMO))
    slugs = set(Page.objects.published().values_list("slug", flat=True))
    assert slugs == {"home", "about", "services", "contact", "imprint", "privacy"}
    for page in Page.objects.all():
        assert page.content["en"] and page.content["de"], page.slug
        assert page.title["de"], page.slug
    types = {block["_type"] for page in Page.objects.all() for block in page.content["de"]}
    assert {"block", "cta"} <= types
    assert "6 created, 0 updated" in out
    again, _ = run(str(DEMO))
    assert "0 created, 6 updated" in again
    assert Page.objects.count() == 6


def test_upsert_by_slug(tmp_path):
    existing = PageFactory(slug="about", draft=True)
    out, _ = run(write(tmp_path, [entry("about", status="published"), entry("team")]))
    assert "1 created, 1 updated" in out
    existing.refresh_from_db()
    assert (existing.title, existing.status) == ({"en": "About"}, PageStatus.PUBLISHED)
    assert Page.objects.get(slug="team").status == PageStatus.DRAFT


def test_bad_entries_reported_with_index_and_nothing_written(tmp_path):
    bad_block = {"en": [paragraph("ok"), {"_type": "mystery"}]}
    data = [entry("good"), entry("broken", content=bad_block), {"slug": "no-title"}, "oops", entry("good")]
    err = StringIO()
    with pytest.raises(CommandError, match="4 of 5 page"):
        call_command("import_pages", write(tmp_path, data), stdout=StringIO(), stderr=err)
    assert [line.split(" ")[0] for line in err.getvalue().splitlines()] == ["[1]", "[2]", "[3]", "[4]"]
    assert Page.objects.count() == 0


def test_error_lines_name_index_and_reason(tmp_path):
    err = StringIO()
    data = [entry("good"), entry("broken", content={"en": [paragraph("ok"), {"_type": "mystery"}]}), entry("api")]
    with pytest.raises(CommandError):
        call_command("import_pages", write(tmp_path, data), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("[1] 'broken' Invalid Portable Text at content.en.1: EN block 1: unknown block type")
    assert lines[1].startswith("[2] 'api' slug:")
    assert "reserved" in lines[1]


def test_dry_run_writes_nothing(tmp_path):
    out, _ = run(write(tmp_path, [entry("about")]), "--dry-run")
    assert "Would import 1 page(s): 1 created, 0 updated." in out
    assert Page.objects.count() == 0


def test_unreadable_files(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.json"))
    path = tmp_path / "bad.json"
    path.write_text("{nope", encoding="utf-8")
    with pytest.raises(CommandError, match="not readable JSON"):
        run(str(path))
    with pytest.raises(CommandError, match="must hold a JSON list"):
        run(write(tmp_path, {"slug": "x"}))
