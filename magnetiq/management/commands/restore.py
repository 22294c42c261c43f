"""``manage.py restore ARCHIVE [--force] [--no-files]``: put a ``manage.py backup`` archive back.

Refuses (exit 1, with the reason) a missing or foreign file, an archive of the other database engine,
and a database that holds data unless ``--force`` is given: stop the web, worker and scheduler
processes first. Checks every table's row count against the archive's manifest afterwards.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from magnetiq.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive into the configured database and file roots (replaces the database)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A .tar.gz written by manage.py backup.")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that already holds data (stop the site first)."
        )
        parser.add_argument("--no-files", action="store_true", help="Restore only the database.")

    def handle(self, *args, archive, force=False, no_files=False, **options):
        try:
            result = backup_restore(
                path=Path(archive), force=force, include_files=not no_files, progress=self.stderr.write
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables, files = result["tables"], result["files"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(tables)} tables ({sum(tables.values())} rows)"
                + (f" and {sum(files.values())} files" if files else "")
                + f" from {archive}. Run manage.py migrate if the code is newer than the backup."
            )
        )
