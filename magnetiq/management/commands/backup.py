"""``manage.py backup [--output PATH] [--no-files] [--keep N]``: one archive of the database and the
stored files (magnetiq/backups.py says what it holds). Progress on stderr, the archive's path and
counts on stdout; exit 1 with the reason when it cannot be made."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from magnetiq.backups import BackupError, backup_create, backups_prune, default_archive_path


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump) and MEDIA_ROOT/WHITEPAPER_PRIVATE_ROOT into one "
        ".tar.gz archive (default BACKUP_DIR, var/backups/, magnetiq-<UTC time>.tar.gz). Safe while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="The archive to write, or an existing folder to write it in (default: BACKUP_DIR, var/backups/).",
        )
        parser.add_argument("--no-files", action="store_true", help="Leave the media and private files out.")
        parser.add_argument(
            "--keep", type=int, metavar="N", help="Then delete all but the N newest archives of that folder."
        )

    def handle(self, *args, output=None, no_files=False, keep=None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        target = (
            Path(output)
            if output
            else Path(getattr(settings, "BACKUP_DIR", Path(settings.BASE_DIR) / "var" / "backups"))
        )
        if not output or target.is_dir():
            target = default_archive_path(target)
        try:
            result = backup_create(output=target, include_files=not no_files, progress=self._progress)
            pruned = backups_prune(target.parent, keep=keep) if keep else []
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables = result.manifest["tables"]
        files = result.manifest["files"]
        self.stdout.write(
            f"Backed up {len(tables)} tables ({sum(tables.values())} rows)"
            + (f" and {sum(files.values())} files" if files else " (no files)")
            + f" to {result.path}"
        )
        for path in pruned:
            self.stdout.write(f"Deleted the older backup {path}")

    def _progress(self, line: str) -> None:
        self.stderr.write(line)
