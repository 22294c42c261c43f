"""Backups of the database and the stored files, and their restore (``manage.py backup`` / ``restore``).

A backup is one ``.tar.gz`` archive holding:

- ``manifest.json``: format version, creation time (UTC), database engine (``sqlite`` or
  ``postgresql``), Django version, the row count of every table of every installed model, and the
  number of files of each file root;
- ``database.sqlite3`` (SQLite's online backup API, ``sqlite3.Connection.backup``: consistent while
  the site writes, WAL included) or ``database.dump`` (``pg_dump --format=custom``, counted in the
  same snapshot, so the counts match the dump even while the site writes);
- ``files/media/…`` (``MEDIA_ROOT``: uploaded media) and ``files/private/…``
  (``WHITEPAPER_PRIVATE_ROOT``: whitepaper PDFs and e-mailed submissions), unless left out.

Not included: the JWT key pair, ``.env`` and the static files (collected from the code).

A restore refuses a file that is missing or not such an archive, an archive of another engine, and a
database that already holds data (applied migrations) unless ``force`` is given; it then checks that
every table has the row count the manifest recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARCHIVE_PREFIX = "magnetiq-"
ARCHIVE_SUFFIX = ".tar.gz"
#: Pages copied per step of SQLite's backup API (4 KiB pages: 4 MiB per step, progress between).
SQLITE_PAGES_PER_STEP = 1024

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    """``path``: the archive; ``manifest``: what it holds (see the module docstring)."""

    path: Path
    manifest: dict


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def file_roots() -> dict[str, Path]:
    """The file roots a backup holds, by their name in the archive."""
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.WHITEPAPER_PRIVATE_ROOT)}


def _tables() -> list[str]:
    """Every table of every installed, managed, concrete model (many-to-many tables included)."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped:
            tables.add(meta.db_table)
    return sorted(tables)


def row_counts(cursor, existing: set[str]) -> dict[str, int]:
    """``{table: rows}`` for the tables of :func:`_tables` that are in ``existing``, through ``cursor``
    (a DB-API cursor of either engine)."""
    counts = {}
    quote = connection.ops.quote_name
    for table in _tables():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - table names from our models
            counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_tables(cursor) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in cursor.fetchall()}


def _sqlite_copy(source: str, target: str, progress: Progress, label: str) -> None:
    """Copy the SQLite database ``source`` into ``target`` with the online backup API."""

    def report(status: int, remaining: int, total: int) -> None:
        progress(f"{label}: {total - remaining}/{total} pages")

    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=SQLITE_PAGES_PER_STEP, progress=report)
    finally:
        dst.close()
        src.close()


def _pg_environment() -> dict[str, str]:
    """libpq's environment for the default database (the password never on a command line)."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (Debian: postgresql-client).")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed (exit {result.returncode}): {result.stderr.strip()}")


def _dump_database(engine: str, target: Path, progress: Progress) -> dict[str, int]:
    """Write the database to ``target``; return the row counts of exactly what was written."""
    if engine == "sqlite":
        _sqlite_copy(str(connection.settings_dict["NAME"]), str(target), progress, "database")
        copy = sqlite3.connect(target)
        try:
            # A self-contained file: no -wal beside it in the archive.
            copy.execute("PRAGMA journal_mode=DELETE")
            cursor = copy.cursor()
            return row_counts(cursor, _sqlite_tables(cursor))
        finally:
            copy.close()
    pg_dump = _pg_tool("pg_dump")
    # Count in one snapshot and let pg_dump read that same snapshot while this transaction is open.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = row_counts(cursor, set(connection.introspection.table_names(cursor)))
        progress("database: pg_dump")
        _run(
            [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}"], _pg_environment()
        )
    return counts


def _add_files(archive: tarfile.TarFile, progress: Progress) -> dict[str, int]:
    counts = {}
    for name, root in file_roots().items():
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        for path in files:
            archive.add(path, arcname=f"files/{name}/{path.relative_to(root).as_posix()}", recursive=False)
        counts[name] = len(files)
        progress(f"files: {name} {len(files)} file{'s' if len(files) != 1 else ''} from {root}")
    return counts


def default_archive_path(directory: Path, now: datetime | None = None) -> Path:
    """``<directory>/magnetiq-YYYYmmddTHHMMSSZ.tar.gz`` (UTC)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"


def backup_create(*, output: Path, include_files: bool = True, progress: Progress = lambda line: None) -> BackupResult:
    """Write a backup archive to ``output`` (its folder is made; an existing file is refused).

    The archive appears only when complete (written beside it, then renamed). Raises
    :class:`BackupError` (the output exists, another engine, pg_dump missing or failing).
    """
    engine = _engine()
    if output.exists():
        raise BackupError(f"{output} already exists: choose another name.")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        database = Path(work) / ("database.sqlite3" if engine == "sqlite" else "database.dump")
        counts = _dump_database(engine, database, progress)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "engine": engine,
            "django": django.get_version(),
            "database": database.name,
            "tables": counts,
            "files": {},
        }
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(database, arcname=database.name)
                if include_files:
                    manifest["files"] = _add_files(archive, progress)
                manifest_path = Path(work) / MANIFEST
                manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
                archive.add(manifest_path, arcname=MANIFEST)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    progress(f"archive: {output} ({output.stat().st_size} bytes)")
    return BackupResult(path=output, manifest=manifest)


def backups_prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest ``magnetiq-*.tar.gz`` archives in ``directory`` (by their
    UTC time stamp in the name); return the deleted paths."""
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    archives = sorted(directory.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"))
    doomed = archives[:-keep]
    for path in doomed:
        path.unlink()
    return doomed


def read_manifest(path: Path) -> dict:
    """The manifest of the archive at ``path``. Raises :class:`BackupError` when the file is missing,
    is not a tar archive, has no manifest or has another format version."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if not tarfile.is_tarfile(path):
        raise BackupError(f"{path} is not a backup archive (not a tar file).")
    try:
        with tarfile.open(path, "r:*") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (KeyError, tarfile.TarError, OSError, ValueError) as exc:
        raise BackupError(f"{path} is not a Magnetiq backup: no readable {MANIFEST} ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path} has an unknown backup format ({MANIFEST} format {FORMAT_VERSION} expected).")
    return manifest


def _applied_migrations() -> int:
    """How many migrations the configured database records as applied (0 for an empty database)."""
    if "django_migrations" not in connection.introspection.table_names():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations")
        return cursor.fetchone()[0]


def _restore_database(engine: str, dump: Path, progress: Progress) -> None:
    connections.close_all()
    if engine == "sqlite":
        _sqlite_copy(str(dump), str(connection.settings_dict["NAME"]), progress, "database")
        return
    pg_restore = _pg_tool("pg_restore")
    progress("database: pg_restore")
    # Without --dbname pg_restore would print SQL instead of restoring.
    target = f"--dbname={connection.settings_dict['NAME']}"
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            target,
            str(dump),
        ],
        {**_pg_environment(), "PGOPTIONS": "--client-min-messages=warning"},
    )


def _restore_files(extracted: Path, progress: Progress) -> dict[str, int]:
    counts = {}
    for name, root in file_roots().items():
        source = extracted / "files" / name
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else []
        for path in files:
            target = root / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        counts[name] = len(files)
        progress(f"files: {name} {len(files)} file{'s' if len(files) != 1 else ''} to {root}")
    return counts


def backup_restore(
    *, path: Path, force: bool = False, include_files: bool = True, progress: Progress = lambda line: None
) -> dict:
    """Restore the archive at ``path`` into the configured database (and file roots).

    Returns ``{"tables": {table: rows}, "files": {root: count}}`` as restored. Raises
    :class:`BackupError`: see :func:`read_manifest`; an archive of another engine; a database with
    applied migrations without ``force`` (the restore replaces its data); a table whose row count
    after the restore differs from the manifest's.
    """
    manifest = read_manifest(path)
    engine = _engine()
    if manifest.get("engine") != engine:
        raise BackupError(
            f"{path} is a backup of a {manifest.get('engine')} database; the configured database is {engine}. "
            "Restore it with DATABASE_URL pointing at a database of that engine."
        )
    applied = _applied_migrations()
    if applied and not force:
        raise BackupError(
            f"The configured database already holds data ({applied} migrations applied): a restore replaces it. "
            "Stop the site (web, worker, scheduler), then run again with --force."
        )
    with tempfile.TemporaryDirectory() as work, tarfile.open(path, "r:*") as archive:
        # The "data" filter refuses absolute paths, "..", links out of the folder and device files.
        archive.extractall(work, filter="data")
        extracted = Path(work)
        dump = extracted / str(manifest.get("database", ""))
        if not dump.is_file() or dump.parent != extracted:
            raise BackupError(f"{path} has no database file ({manifest.get('database')!r}).")
        _restore_database(engine, dump, progress)
        files = _restore_files(extracted, progress) if include_files else {}
    with connection.cursor() as cursor:
        restored = row_counts(cursor, set(connection.introspection.table_names(cursor)))
    expected = manifest.get("tables", {})
    differing = {t: (n, restored.get(t)) for t, n in expected.items() if restored.get(t) != n}
    if differing:
        listed = ", ".join(f"{t}: {want} in the backup, {got} now" for t, (want, got) in sorted(differing.items()))
        raise BackupError(f"The restored database differs from the backup: {listed}.")
    progress(f"database: {len(restored)} tables, {sum(restored.values())} rows, as in the backup")
    return {"tables": restored, "files": files}
