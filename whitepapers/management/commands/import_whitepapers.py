"""``manage.py import_whitepapers FILE [--no-pdf]``: upsert whitepapers by slug from a JSON list.

Each entry has the fields of ``POST /api/v1/admin/whitepapers`` (``slug``, ``title``, ``summary``,
``body``, ``category``, ``tags``, ``language``, ``is_featured``, ``is_active``) plus
``author_email`` (the consultant with that e-mail; unknown → the entry is refused). All entries are
written in one transaction through the services; any bad entry is reported with its index and
nothing is written (exit status 1). PDFs are then generated from the bodies unless ``--no-pdf``.
The demo data is ``whitepapers/fixtures/demo_whitepapers.json``.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consultants.models import Consultant
from magnetiq.exceptions import ApplicationError
from whitepapers import services
from whitepapers.models import Whitepaper

FIELDS = (
    "slug",
    "title",
    "summary",
    "body",
    "body_markdown",
    "category",
    "tags",
    "language",
    "is_featured",
    "is_active",
)


class _Invalid(Exception):
    pass


class Command(BaseCommand):
    help = "Create or update whitepapers from a JSON list (upsert by slug); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--no-pdf", action="store_true", help="Do not generate the PDFs.")

    def handle(self, *args, file: str, no_pdf: bool, **options):
        try:
            entries = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, UnicodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        if not isinstance(entries, list):
            raise CommandError(f"{file} must hold a JSON list of whitepapers.")
        errors: list[str] = []
        ids: list[int] = []
        created = updated = 0
        try:
            with transaction.atomic():
                for index, entry in enumerate(entries):
                    try:
                        whitepaper, is_new = self._upsert(entry)
                    except (ApplicationError, ValidationError, _Invalid, TypeError) as exc:
                        message = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [str(exc)]))
                        errors.append(f"entry {index} ({(entry or {}).get('slug', '?')}): {message}")
                        continue
                    ids.append(whitepaper.pk)
                    created, updated = created + is_new, updated + (not is_new)
                if errors:
                    raise _Invalid()
        except _Invalid:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(
                f"{len(errors)} invalid entr{'y' if len(errors) == 1 else 'ies'}; nothing written."
            ) from None
        if not no_pdf:
            for pk in ids:
                whitepaper = services.whitepaper_generate_pdf(whitepaper_id=pk)
                self.stdout.write(f"PDF for {whitepaper.slug}: {whitepaper.generated_file.size} bytes")
        self.stdout.write(self.style.SUCCESS(f"{created} created, {updated} updated."))

    def _upsert(self, entry: dict) -> tuple[Whitepaper, bool]:
        if not isinstance(entry, dict) or not entry.get("slug"):
            raise _Invalid("Each entry needs a slug.")
        fields = {name: entry[name] for name in FIELDS if name in entry}
        email = entry.get("author_email")
        if email:
            author = Consultant.objects.alive().filter(email__iexact=email).first()
            if author is None:
                raise _Invalid(f"No consultant with the e-mail {email}.")
            fields["author"] = author
        existing = Whitepaper.objects.alive().filter(slug=fields["slug"]).first()
        if existing is None:
            return services.whitepaper_create(**fields), True
        return services.whitepaper_update(whitepaper=existing, **fields), False
