"""``import_webinars``: the demo file loads against the demo consultants; bad rows write nothing."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from webinars.models import Webinar

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo_webinars.json"


@pytest.fixture
def demo_consultants():
    call_command(
        "import_consultants", str(DEMO.parents[2] / "consultants" / "fixtures" / "demo_consultants.json"), verbosity=0
    )


def test_demo_webinars_are_upcoming_and_reimport_updates(demo_consultants, capsys):
    call_command("import_webinars")
    assert "Created 6, updated 0, unchanged 0" in capsys.readouterr().out
    assert Webinar.objects.published().upcoming().count() == 6
    assert Webinar.objects.filter(starts_at__lt=timezone.now() + timedelta(days=2)).count() == 0
    call_command("import_webinars")
    assert "Created 0, updated 0, unchanged 6" in capsys.readouterr().out
    assert Webinar.objects.count() == 6
    over = Webinar.objects.get(slug="ai-in-manufacturing")
    Webinar.objects.filter(pk=over.pk).update(starts_at=timezone.now() - timedelta(days=1))
    call_command("import_webinars")
    assert "Created 0, updated 1, unchanged 5" in capsys.readouterr().out
    assert Webinar.objects.get(pk=over.pk).starts_at > timezone.now() + timedelta(days=2)


def test_bad_rows_are_reported_and_nothing_is_written(demo_consultants, tmp_path):
    rows = json.loads(DEMO.read_text())[:2]
    rows[0]["speaker_email"] = "nobody@example.com"
    rows[1]["capacity"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows))
    with pytest.raises(CommandError, match="row 1: speaker_email"):
        call_command("import_webinars", str(path))
    rows[0] = json.loads(DEMO.read_text())[0]
    path.write_text(json.dumps(rows))
    with pytest.raises(CommandError, match="row 2: capacity"):
        call_command("import_webinars", str(path))
    assert not Webinar.objects.exists()
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_webinars", str(tmp_path / "missing.json"))
