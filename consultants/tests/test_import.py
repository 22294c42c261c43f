import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from consultants.models import Consultant
from consultants.tests.factories import ConsultantFactory, bio_blocks

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "consultants" / "fixtures" / "demo_consultants.json"
CSV_HEADER = "first_name,last_name,email,expertise_areas,hourly_rate,is_featured,bio,bio_de,status,timezone\n"


def run(path, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_consultants", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_json(tmp_path, rows, name="people.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def person(**extra):
    return {"first_name": "Anna", "last_name": "Schmidt", "email": "anna@example.com", **extra}


def test_good_json_creates_then_is_unchanged(tmp_path):
    path = write_json(
        tmp_path,
        [
            person(expertise_areas=["Cloud"], hourly_rate="250.00", bio={"en": bio_blocks("Hi")}, status="active"),
            person(first_name="Ben", email="ben@example.com", bio="First paragraph.\n\nSecond   one."),
        ],
    )
    out, _ = run(path)
    assert "created 2, updated 0, unchanged 0" in out
    anna = Consultant.objects.get(email="anna@example.com")
    assert (anna.slug, anna.hourly_rate, anna.status) == ("anna-schmidt", Decimal("250.00"), "active")
    ben = Consultant.objects.get(email="ben@example.com")
    assert [b["children"][0]["text"] for b in ben.bio["en"]] == ["First paragraph.", "Second one."]
    out, _ = run(path)
    assert "created 0, updated 0, unchanged 2" in out


def test_upsert_updates_by_email_case_insensitively(tmp_path):
    existing = ConsultantFactory(email="anna@example.com", title="Old", first_name="Anna", last_name="Schmidt")
    out, _ = run(write_json(tmp_path, [person(email="ANNA@example.com", title="New")]))
    assert "created 0, updated 1, unchanged 0" in out
    existing.refresh_from_db()
    assert existing.title == "New"
    assert Consultant.objects.count() == 1


def test_bad_rows_are_all_reported_and_nothing_written(tmp_path):
    rows = [
        person(),
        person(first_name="Ben", email="ben@example.com", timezone="Mars/Base"),
        {"first_name": "NoMail", "last_name": "X"},
        person(first_name="Dup", email="Anna@example.com"),
        person(first_name="Cat", email="cat@example.com", hourly_rate="-3", shoe_size=42),
        person(first_name="Dan", email="dan@example.com", bio={"en": [{"_type": "bogus"}]}),
    ]
    with pytest.raises(CommandError, match="5 problem"):
        run(write_json(tmp_path, rows))
    assert Consultant.objects.count() == 0


def test_bad_rows_messages(tmp_path):
    rows = [
        person(),
        person(first_name="Ben", email="ben@example.com", timezone="Mars/Base"),
        {"first_name": "NoMail", "last_name": "X"},
        person(first_name="Dup", email="Anna@example.com"),
        person(first_name="Cat", email="cat@example.com", shoe_size=42),
        person(first_name="Dan", email="dan@example.com", bio={"en": [{"_type": "bogus"}]}),
    ]
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_consultants", str(write_json(tmp_path, rows)), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0] == "row 3: email: this field is required"
    assert lines[1] == "row 4: email: same e-mail as row 1"
    assert lines[2] == "row 5: shoe_size: unknown field"
    assert lines[3].startswith("row 2: timezone: “Mars/Base” is not a known time zone")
    assert lines[4].startswith("row 6: bio: EN block 0:")


def test_existing_email_of_another_alive_consultant_is_not_a_problem_but_an_update(tmp_path):
    ConsultantFactory(email="anna@example.com", first_name="Anna", last_name="Schmidt", slug="anna-schmidt")
    out, _ = run(write_json(tmp_path, [person(first_name="Anne")]))
    assert "updated 1" in out
    assert Consultant.objects.get().first_name == "Anne"


def test_dry_run_writes_nothing(tmp_path):
    existing = ConsultantFactory(email="anna@example.com", title="Old")
    out, _ = run(write_json(tmp_path, [person(title="New"), person(email="ben@example.com")]), "--dry-run")
    assert "Dry run, nothing written: would have created 1, updated 1, unchanged 0." in out
    existing.refresh_from_db()
    assert existing.title == "Old"
    assert Consultant.objects.count() == 1


def test_csv_with_lists_booleans_and_plain_bios(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        CSV_HEADER
        + 'Anna,Schmidt,anna@example.com,Cloud; AI ;,199.5,yes,"Hello.\n\nWorld.",Hallo Welt.,active,Europe/Berlin\n'
        + 'Ben,Brook,ben@example.com,,,,"{""en"": [{""_type"": ""block"", ""children"": '
        + '[{""_type"": ""span"", ""text"": ""J""}]}]}",,,\n',
        encoding="utf-8",
    )
    out, err = run(path)
    assert "created 2, updated 0, unchanged 0" in out
    assert "Importing" in err  # the progress bar goes to stderr
    anna = Consultant.objects.get(email="anna@example.com")
    assert anna.expertise_areas == ["Cloud", "AI"]
    assert (anna.hourly_rate, anna.is_featured, anna.timezone) == (Decimal("199.50"), True, "Europe/Berlin")
    assert [b["children"][0]["text"] for b in anna.bio["en"]] == ["Hello.", "World."]
    assert anna.bio["de"][0]["children"][0]["text"] == "Hallo Welt."
    ben = Consultant.objects.get(email="ben@example.com")
    assert (ben.bio["en"][0]["children"][0]["text"], ben.timezone, ben.status) == ("J", "UTC", "pending")


def test_csv_bad_cells_report_row_numbers(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        CSV_HEADER
        + "Anna,Schmidt,anna@example.com,,abc,,,,,\n"
        + "Ben,Brook,ben@example.com,,,perhaps,,,,\n"
        + "Cat,Cole,cat@example.com,,,,{broken,,,\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError, match="3 problem"):
        call_command("import_consultants", str(path), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0] == "row 2: is_featured: “perhaps” is not yes/no or true/false"
    assert lines[1].startswith("row 3: bio: not valid JSON")
    assert lines[2] == "row 1: hourly_rate: “abc” value must be a decimal number."


def test_csv_unknown_column(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("first_name,last_name,email,shoe\nA,B,a@example.com,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="unknown column"):
        run(path)


def test_format_option_overrides_extension(tmp_path):
    path = tmp_path / "people.txt"
    path.write_text(json.dumps([person()]), encoding="utf-8")
    with pytest.raises(CommandError, match="cannot tell the format"):
        run(path)
    out, _ = run(path, "--format", "json")
    assert "created 1" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ('{"a": 1}', "expected a JSON list"), ("[1, 2]", "expected a JSON list")],
)
def test_unreadable_json(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(path)


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.json")


def test_demo_fixture_imports_cleanly():
    out, _ = run(DEMO)
    records = json.loads(DEMO.read_text(encoding="utf-8"))
    assert len(records) >= 40
    assert f"created {len(records)}, updated 0, unchanged 0" in out
    public = Consultant.objects.public()
    assert public.count() >= 35
    assert public.featured().count() >= 3
    assert Consultant.objects.filter(status="pending").count() >= 2
    assert all(c.bio.get("en") and c.bio.get("de") for c in Consultant.objects.all())
    assert len({tz for c in public for tz in [c.timezone.split("/")[0]]}) >= 3
