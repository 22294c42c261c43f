"""``manage.py db_maintenance [--vacuum] [--analyze]``: the periodic upkeep of the database (cron).

SQLite: ``PRAGMA optimize`` (refreshes the query planner's statistics where they are stale; a full
``ANALYZE`` with ``--analyze``), ``VACUUM`` with ``--vacuum`` (rewrites the file without free pages;
it takes the write lock for as long as it runs, so schedule it at a quiet hour), then
``PRAGMA wal_checkpoint(TRUNCATE)`` (copies the write-ahead log into the database and empties it).
PostgreSQL: ``ANALYZE``, or ``VACUUM (ANALYZE)`` with ``--vacuum``; its checkpoints are the
server's business. Prints each step with its duration and the file sizes; exit 1 when a step fails
(a checkpoint that a long reader keeps busy counts as failed: run it again later).
"""

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


class Command(BaseCommand):
    help = "Optimise the database: PRAGMA optimize/ANALYZE, VACUUM when asked, WAL checkpoint (SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("--vacuum", action="store_true", help="Also VACUUM (locks writes while it runs).")
        parser.add_argument("--analyze", action="store_true", help="Full ANALYZE instead of PRAGMA optimize (SQLite).")

    def handle(self, *args, vacuum=False, analyze=False, **options):
        if connection.vendor == "sqlite":
            steps = ["ANALYZE" if analyze else "PRAGMA optimize"]
            steps += ["VACUUM"] if vacuum else []
            steps += ["PRAGMA wal_checkpoint(TRUNCATE)"]
            name = Path(str(connection.settings_dict["NAME"]))
            self._sizes(name, "before")
        elif connection.vendor == "postgresql":
            steps = ["VACUUM (ANALYZE)" if vacuum else "ANALYZE"]
            name = None
        else:
            raise CommandError(f"No maintenance is defined for {connection.vendor}.")
        total = len(steps)
        for number, statement in enumerate(steps, start=1):
            self.stdout.write(f"[{number}/{total}] {statement} …", ending="")
            self.stdout.flush()
            started = time.monotonic()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(statement)
                    row = cursor.fetchone() if statement.startswith("PRAGMA wal_checkpoint") else None
            except DatabaseError as exc:
                self.stdout.write("")
                raise CommandError(f"{statement} failed: {exc}") from exc
            elapsed = time.monotonic() - started
            if row is not None:
                busy, log_frames, checkpointed = row
                if busy:
                    self.stdout.write("")
                    raise CommandError(
                        f"{statement}: a reader kept the log busy ({checkpointed}/{log_frames} frames copied); "
                        "run it again later."
                    )
            # TRUNCATE empties the log, so its frame counts read 0 on success: the sizes tell.
            self.stdout.write(f" done in {elapsed:.2f} s")
        if name is not None:
            self._sizes(name, "after")
        self.stdout.write(self.style.SUCCESS("Database maintenance finished."))

    def _sizes(self, name: Path, moment: str) -> None:
        wal = Path(f"{name}-wal")
        database_mib, wal_kib = _size(name) / 1024 / 1024, _size(wal) / 1024
        self.stdout.write(f"{moment}: {os.fspath(name)} {database_mib:.2f} MiB, write-ahead log {wal_kib:.0f} KiB")
