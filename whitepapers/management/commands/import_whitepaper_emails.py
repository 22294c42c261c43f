"""``manage.py import_whitepaper_emails PATH`` (maildir, folder of .eml files or one .eml) or ``--imap``.

Spec 000 "Email Submission Processing": each message becomes a queued submission; a Message-ID seen
before is skipped; a message that cannot be read is counted as an error and the import goes on.
Exit status 1 when PATH is unreadable or IMAP is not configured/reachable.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from magnetiq.exceptions import ApplicationError
from whitepapers import conf, inbox, services


class Command(BaseCommand):
    help = "Import authors' whitepaper e-mails (maildir, .eml files, or IMAP) into the e-mail queue."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="A maildir folder, a folder of .eml files, or one .eml file.")
        parser.add_argument("--imap", action="store_true", help="Read unseen messages from WHITEPAPER_IMAP_URL.")

    def handle(self, *args, path=None, imap=False, **options):
        if imap:
            url = conf.imap_url()
            if not url:
                raise CommandError("WHITEPAPER_IMAP_URL is not set.")
            messages, source = inbox.read_imap(url), "imap"
        elif path:
            folder = Path(path)
            if not folder.exists() or not (folder.is_dir() or folder.is_file()):
                raise CommandError(f"Cannot read {path}: no such file or folder.")
            messages = inbox.read_path(folder)
            source = "maildir" if (folder / "cur").is_dir() else "file"
        else:
            raise CommandError("Give a PATH or --imap.")
        counts = {"imported": 0, "skipped": 0, "errors": 0, "refused_attachments": 0}
        try:
            for label, raw in messages:
                try:
                    submission, created = services.email_submission_import(raw=raw, source=source)
                except ApplicationError as exc:
                    counts["errors"] += 1
                    self.stderr.write(f"{label}: not imported: {exc.message}")
                    continue
                if not created:
                    counts["skipped"] += 1
                    self.stdout.write(f"{label}: already imported ({submission.message_id})")
                    continue
                counts["imported"] += 1
                refused = submission.attachments.filter(accepted=False)
                counts["refused_attachments"] += refused.count()
                self.stdout.write(f"{label}: queued #{submission.pk} “{submission.subject}” ({submission.status})")
                for attachment in refused:
                    self.stdout.write(f"  refused {attachment.filename}: {attachment.refusal_reason}")
        except OSError as exc:
            raise CommandError(f"Cannot read the messages: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['imported']} imported, {counts['skipped']} skipped (already imported), "
                f"{counts['errors']} unreadable, {counts['refused_attachments']} attachment(s) refused."
            )
        )
