"""``manage.py import_pages FILE [--dry-run]``: upsert pages by slug from a JSON list.

Each entry has the shape of ``POST /api/v1/content/pages`` (``slug``, ``title``, ``content``, and
optionally ``excerpt``, ``meta_description``, ``status``, ``published_at``, ``seo_title``,
``seo_keywords``). Every entry is validated by the same serializer and services as the API, in one
transaction: if any entry is bad, nothing is written, each bad entry is reported with its index
and reason, and the command exits non-zero. ``--dry-run`` validates and reports without writing.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.db import transaction

from content import services
from content.api.serializers import PageInputSerializer
from content.models import Page
from magnetiq.exceptions import ApplicationError


class _Rollback(Exception):
    """Raised to undo the whole transaction (errors found, or a dry run)."""


def _reason(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        fields = ", ".join(f"{d['field']}: {d['message']}" for d in exc.details if d.get("field"))
        return f"{exc.message} ({fields})" if fields and fields not in exc.message else exc.message
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def _serializer_reason(errors) -> str:
    parts = []
    for field, messages in errors.items():
        text = " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        parts.append(f"{field}: {text}")
    return "; ".join(parts)


class Command(BaseCommand):
    help = "Create or update pages from a JSON list (upsert by slug); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a JSON file holding a list of pages.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")

    def handle(self, *args, file: str, dry_run: bool, **options):
        entries = self._load(Path(file))
        errors: list[str] = []
        created = updated = 0
        try:
            with transaction.atomic():
                seen: dict[str, int] = {}
                for index, entry in enumerate(entries):
                    outcome = self._upsert(index, entry, seen, errors)
                    created += outcome == "created"
                    updated += outcome == "updated"
                if errors or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        if errors:
            for line in errors:
                self.stderr.write(line)
            raise CommandError(f"{len(errors)} of {len(entries)} page(s) are invalid; nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(entries)} page(s): {created} created, {updated} updated."))

    def _load(self, path: Path) -> list:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"{path} is not readable JSON: {exc}") from None
        if not isinstance(data, list):
            raise CommandError(f"{path} must hold a JSON list of pages.")
        return data

    def _upsert(self, index: int, entry, seen: dict[str, int], errors: list[str]) -> str | None:
        if not isinstance(entry, dict):
            errors.append(f"[{index}] expected an object, got {type(entry).__name__}")
            return None
        slug = entry.get("slug")
        label = f"[{index}] {slug!r}" if slug else f"[{index}]"
        serializer = PageInputSerializer(data=entry)
        if not serializer.is_valid():
            errors.append(f"{label} {_serializer_reason(serializer.errors)}")
            return None
        data = dict(serializer.validated_data)
        if data["slug"] in seen:
            errors.append(f"{label} slug repeats entry [{seen[data['slug']]}]")
            return None
        seen[data["slug"]] = index
        try:
            with transaction.atomic():
                page = Page.objects.alive().filter(slug=data["slug"]).first()
                if page is None:
                    services.page_create(**data)
                    return "created"
                services.page_update(page=page, data=data)
                return "updated"
        except (ApplicationError, ValidationError) as exc:
            errors.append(f"{label} {_reason(exc)}")
            return None
