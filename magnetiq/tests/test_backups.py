"""``manage.py backup`` / ``restore`` (magnetiq/backups.py) and ``db_maintenance``.

The round trip runs on the engine the suite runs on: SQLite's online backup API here, pg_dump and
pg_restore in the PostgreSQL run. Each test commits for real (``transaction=True``): a backup reads
what is committed, from another connection or process.
"""

import io
import json
import subprocess
import sys
import tarfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import ConsultationBooking
from bookings.tests.factories import BookingFactory
from content.tests.factories import PageFactory
from leads.tests.factories import LeadEventFactory
from magnetiq import backups
from webinars.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table of every installed model, in primary-key order."""
    rows = {}
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in backups._tables():
            if table in existing:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
                rows[table] = [tuple(row) for row in cursor.fetchall()]
    return rows


def _files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def roots(tmp_path):
    media, private = tmp_path / "media", tmp_path / "private"
    (media / "pages" / "2026").mkdir(parents=True)
    (media / "pages" / "2026" / "hero.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (media / "consultants").mkdir()
    (media / "consultants" / "photo.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 1000)
    (private / "whitepapers").mkdir(parents=True)
    (private / "whitepapers" / "guide.pdf").write_bytes(b"%PDF-1.7\n" + b"y" * 2000)
    with override_settings(MEDIA_ROOT=media, WHITEPAPER_PRIVATE_ROOT=private):
        yield media, private


def _some_of_everything():
    BookingFactory()
    PageFactory()
    LeadEventFactory()
    RegistrationFactory()
    UserFactory()


def test_backup_then_restore_loses_no_row_of_any_table_and_no_file(tmp_path, roots):
    media, private = roots
    _some_of_everything()
    before, media_before, private_before = _snapshot(), _files(media), _files(private)
    assert sum(len(rows) for rows in before.values()) > 20
    archive = tmp_path / "backup.tar.gz"
    out, err = io.StringIO(), io.StringIO()

    call_command("backup", "--output", str(archive), stdout=out, stderr=err)

    tables_with_rows = sum(1 for rows in before.values() if rows)
    assert tables_with_rows > 10
    assert f"Backed up {len(before)} tables ({sum(len(r) for r in before.values())} rows) and 3 files" in out.getvalue()
    assert "files: media 2 files" in err.getvalue()
    manifest = backups.read_manifest(archive)
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"] == {table: len(rows) for table, rows in before.items()}
    assert manifest["files"] == {"media": 2, "private": 1}

    # Everything changes after the backup: rows go, rows come, files go or change.
    ConsultationBooking.objects.all().delete()
    UserFactory()
    (media / "pages" / "2026" / "hero.png").unlink()
    (private / "whitepapers" / "guide.pdf").write_bytes(b"changed")
    assert _snapshot() != before

    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("restore", str(archive), "--force", stdout=out, stderr=io.StringIO())

    assert _snapshot() == before
    assert _files(media) == media_before
    assert _files(private) == private_before
    assert "Restored" in out.getvalue()


def test_no_files_leaves_them_out(tmp_path, roots):
    archive = tmp_path / "db-only.tar.gz"
    call_command("backup", "--output", str(archive), "--no-files", stdout=io.StringIO(), stderr=io.StringIO())

    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert sorted(names) == sorted([backups.MANIFEST, backups.read_manifest(archive)["database"]])


def test_backup_into_a_folder_names_the_archive_by_time_and_keep_prunes_the_oldest(tmp_path, roots):
    folder = tmp_path / "backups"
    folder.mkdir()
    # Two earlier backups on the test's own clock (the suite also runs a year ahead and back).
    oldest, older = ((timezone.now() - timedelta(days=days)).strftime("%Y%m%dT%H%M%SZ") for days in (2, 1))
    for stamp in (oldest, older):
        (folder / f"magnetiq-{stamp}.tar.gz").write_bytes(b"old")
    out = io.StringIO()

    call_command("backup", "--output", str(folder), "--keep", "2", stdout=out, stderr=io.StringIO())

    archives = sorted(p.name for p in folder.iterdir())
    assert len(archives) == 2
    assert archives[0] == f"magnetiq-{older}.tar.gz"
    assert archives[1].startswith("magnetiq-2") and archives[1].endswith("Z.tar.gz")
    assert f"Deleted the older backup {folder / f'magnetiq-{oldest}.tar.gz'}" in out.getvalue()


def test_backup_refuses_to_overwrite_and_a_keep_below_one(tmp_path):
    existing = tmp_path / "there.tar.gz"
    existing.write_bytes(b"precious")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "--output", str(existing), stdout=io.StringIO(), stderr=io.StringIO())
    assert existing.read_bytes() == b"precious"
    with pytest.raises(CommandError, match="--keep must be at least 1"):
        call_command("backup", "--keep", "0", stdout=io.StringIO(), stderr=io.StringIO())


def _archive(path, manifest: dict | None, extra: dict[str, bytes] | None = None):
    with tarfile.open(path, "w:gz") as tar:
        entries = dict(extra or {})
        if manifest is not None:
            entries[backups.MANIFEST] = json.dumps(manifest).encode()
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.tar.gz", "No backup file at"),
        (lambda tmp: (tmp / "notes.txt").write_text("hello") and tmp / "notes.txt", "not a backup archive"),
        (lambda tmp: _archive(tmp / "other.tar.gz", None, {"readme": b"x"}), "not a Magnetiq backup"),
        (lambda tmp: _archive(tmp / "future.tar.gz", {"format": 99}), "unknown backup format"),
    ],
)
def test_restore_refuses_what_is_not_a_backup(tmp_path, make, message):
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(make(tmp_path)), "--force", stdout=io.StringIO(), stderr=io.StringIO())


def test_restore_refuses_a_backup_of_the_other_engine(tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    archive = _archive(tmp_path / "other-engine.tar.gz", {"format": 1, "engine": other, "database": "database.x"})
    before = _snapshot()

    with pytest.raises(CommandError, match=f"is a backup of a {other} database; the configured database is"):
        call_command("restore", str(archive), "--force", stdout=io.StringIO(), stderr=io.StringIO())
    assert _snapshot() == before


def test_restore_of_a_missing_file_exits_1_with_the_reason(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "restore", str(tmp_path / "nope.tar.gz")],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert f"CommandError: No backup file at {tmp_path / 'nope.tar.gz'}." in result.stderr


# --- db_maintenance ------------------------------------------------------------------------------


def test_db_maintenance_runs_each_step_with_progress():
    UserFactory()
    out = io.StringIO()

    call_command("db_maintenance", "--vacuum", stdout=out)

    lines = out.getvalue().splitlines()
    if connection.vendor == "sqlite":
        assert lines[0].startswith("before: ")
        assert lines[1].startswith("[1/3] PRAGMA optimize … done in ")
        assert lines[2].startswith("[2/3] VACUUM … done in ")
        assert lines[3].startswith("[3/3] PRAGMA wal_checkpoint(TRUNCATE) … done in ")
        # The checkpoint emptied the write-ahead log.
        assert lines[4].startswith("after: ") and lines[4].endswith("write-ahead log 0 KiB")
    else:
        assert lines[0].startswith("[1/1] VACUUM (ANALYZE) … done in ")
    assert lines[-1] == "Database maintenance finished."


def test_db_maintenance_analyze_replaces_optimize():
    if connection.vendor != "sqlite":
        pytest.skip("--analyze chooses between SQLite's two statements")
    out = io.StringIO()
    call_command("db_maintenance", "--analyze", stdout=out)
    assert "[1/2] ANALYZE … done in " in out.getvalue()


@pytest.mark.django_db(transaction=False)
def test_a_failing_step_exits_with_its_statement_and_reason():
    # Inside the test's transaction VACUUM cannot run, on either engine.
    with pytest.raises(CommandError, match=r"VACUUM.* failed: .*transaction"):
        call_command("db_maintenance", "--vacuum", stdout=io.StringIO())
