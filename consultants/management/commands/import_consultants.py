"""``manage.py import_consultants FILE [--format csv|json] [--dry-run]``: upsert consultants by e-mail.

The file is CSV or JSON (chosen by its extension unless ``--format`` says otherwise):

- JSON: a list of objects (or ``{"consultants": [...]}``) whose keys are consultant fields, e.g.
  ``{"first_name": "Anna", "last_name": "Schmidt", "email": "anna@example.com",
  "expertise_areas": ["Strategy"], "hourly_rate": "250.00", "bio": {"en": [blocks], "de": [blocks]}}``.
  ``bio`` may also be plain text (paragraphs separated by blank lines, English).
- CSV: a header row of the same field names. List fields (``expertise_areas``,
  ``consultation_types``, ``languages``, ``keywords``, ``portfolio_images``) are separated by ``;``;
  ``bio`` and ``meta_description`` are JSON (``{"en": …}``) or plain text in English, with optional
  ``bio_de`` / ``meta_description_de`` columns for German plain text. Empty cells are left alone.

Rows are matched to non-deleted consultants by e-mail (case-insensitive). EVERY row is validated
first through the same service validation as the admin and the API; any bad row is reported as
``row N: field: reason`` (N counts data rows from 1) and the command fails with nothing written.
Otherwise all rows are written in one transaction and a summary (created / updated / unchanged)
is printed. ``--dry-run`` validates and reports what would happen without writing.
"""

import copy
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from consultants import services
from consultants.models import Consultant
from magnetiq.exceptions import ApplicationError

LIST_FIELDS = ("expertise_areas", "consultation_types", "languages", "keywords", "portfolio_images")
BOOLEAN_FIELDS = ("is_featured", "is_verified")
TRANSLATED_TEXT_FIELDS = ("bio", "meta_description")
JSON_FIELDS = ("availability_schedule", "calendar_integration")
IMPORT_FIELDS = (services.EDITABLE_FIELDS - {"user"}) | {"bio_de", "meta_description_de"}
TRUE_WORDS = {"1", "true", "yes", "y", "ja"}
FALSE_WORDS = {"0", "false", "no", "n", "nein"}


class RowError(Exception):
    def __init__(self, field_name: str, reason: str):
        self.field_name = field_name
        self.reason = reason
        super().__init__(f"{field_name}: {reason}")


@dataclass
class Plan:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[Consultant, dict]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def paragraphs_to_blocks(text: str) -> list[dict]:
    """Plain text → Portable Text: one normal block per paragraph (separated by a blank line)."""
    paragraphs = [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n")]
    return [
        {"_type": "block", "style": "normal", "markDefs": [], "children": [{"_type": "span", "text": p, "marks": []}]}
        for p in paragraphs
        if p
    ]


def _translated(value: Any, name: str, *, rich: bool) -> Any:
    """A translatable value from JSON text, a dict, or plain English text."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("{"):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise RowError(name, f"not valid JSON ({exc.msg})") from None
        return {"en": paragraphs_to_blocks(stripped) if rich else stripped}
    return value


def normalise_row(raw: dict[str, Any], *, from_csv: bool) -> dict[str, Any]:
    """Turn one file record into service data; raise :class:`RowError` for what cannot be read."""
    unknown = sorted(str(key) for key in raw if key not in IMPORT_FIELDS)
    if unknown:
        raise RowError(unknown[0], "unknown field")
    data: dict[str, Any] = {}
    for name, value in raw.items():
        if from_csv:
            value = (value or "").strip()
            if value == "":
                continue
            if name in LIST_FIELDS:
                value = [part.strip() for part in value.split(";") if part.strip()]
            elif name in BOOLEAN_FIELDS:
                if value.lower() not in TRUE_WORDS | FALSE_WORDS:
                    raise RowError(name, f"“{value}” is not yes/no or true/false")
                value = value.lower() in TRUE_WORDS
            elif name in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise RowError(name, f"not valid JSON ({exc.msg})") from None
        elif value is None:
            continue
        data[name] = value
    for name in TRANSLATED_TEXT_FIELDS:
        rich = name == "bio"
        if name in data:
            data[name] = _translated(data[name], name, rich=rich)
        german = data.pop(f"{name}_de", None)
        if german is not None:
            if not isinstance(german, str):
                raise RowError(f"{name}_de", "expected plain text")
            base = data.get(name) if isinstance(data.get(name), dict) else {}
            data[name] = {**base, "de": paragraphs_to_blocks(german) if rich else german.strip()}
    for name in ("first_name", "last_name", "email"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise RowError(name, "this field is required")
    return data


def read_records(path: Path, fmt: str) -> tuple[list[dict], bool]:
    """The file's records and whether they came from CSV; ``CommandError`` when unreadable."""
    try:
        if fmt == "csv":
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                if not reader.fieldnames:
                    raise CommandError(f"{path}: the CSV file has no header row.")
                unknown = sorted(name for name in reader.fieldnames if name not in IMPORT_FIELDS)
                if unknown:
                    raise CommandError(f"{path}: unknown column(s) {', '.join(unknown)}.")
                return [dict(row) for row in reader], True
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file.") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    except csv.Error as exc:
        raise CommandError(f"{path}: not valid CSV ({exc}).") from None
    if isinstance(payload, dict) and isinstance(payload.get("consultants"), list):
        payload = payload["consultants"]
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        raise CommandError(f'{path}: expected a JSON list of consultant objects (or {{"consultants": [...]}}).')
    return payload, False


def _error_lines(number: int, exc: Exception) -> list[str]:
    if isinstance(exc, RowError):
        return [f"row {number}: {exc.field_name}: {exc.reason}"]
    if isinstance(exc, ApplicationError):
        fields = [d.get("field") or "row" for d in exc.details] or ["row"]
        return [f"row {number}: {fields[0]}: {exc.message}"]
    lines = []
    for name, messages in exc.message_dict.items():
        for message in messages:
            lines.append(f"row {number}: {'row' if name == '__all__' else name}: {message}")
    return lines


def plan_import(records: list[dict], *, from_csv: bool) -> Plan:
    """Validate every record and sort it into create / update / unchanged, or collect its errors."""
    plan = Plan()
    rows: list[tuple[int, dict]] = []
    first_row_for_email: dict[str, int] = {}
    for number, raw in enumerate(records, start=1):
        try:
            data = normalise_row(raw, from_csv=from_csv)
        except RowError as exc:
            plan.errors.extend(_error_lines(number, exc))
            continue
        key = data["email"].strip().lower()
        if key in first_row_for_email:
            plan.errors.append(f"row {number}: email: same e-mail as row {first_row_for_email[key]}")
            continue
        first_row_for_email[key] = number
        rows.append((number, data))

    existing = {c.email.lower(): c for c in Consultant.objects.alive().filter(email__in=list(first_row_for_email))}
    for number, data in rows:
        current = existing.get(data["email"].strip().lower())
        try:
            built = services.consultant_build(data=data, instance=copy.copy(current) if current else None)
        except (ValidationError, ApplicationError) as exc:
            plan.errors.extend(_error_lines(number, exc))
            continue
        if current is None:
            plan.creates.append(data)
            continue
        changed = {name: data[name] for name in data if getattr(built, name) != getattr(current, name)}
        if changed:
            plan.updates.append((current, changed))
        else:
            plan.unchanged += 1
    return plan


class Command(BaseCommand):
    help = "Create or update consultants from a CSV or JSON file (upsert by e-mail); all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .json file.")
        parser.add_argument("--format", choices=["csv", "json"], help="Force the file format.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")

    def handle(self, *args, file: str, format: str | None, dry_run: bool, **options):
        path = Path(file)
        fmt = format or path.suffix.lower().lstrip(".")
        if fmt not in ("csv", "json"):
            raise CommandError(f"{path}: cannot tell the format from “{path.suffix}”; use --format csv or json.")
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        records, from_csv = read_records(path, fmt)

        plan = plan_import(records, from_csv=from_csv)
        if plan.errors:
            for line in plan.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(plan.errors)} problem(s) in {path}; nothing was imported.")

        summary = f"created {len(plan.creates)}, updated {len(plan.updates)}, unchanged {plan.unchanged}"
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: would have {summary}.")
            return

        total = len(plan.creates) + len(plan.updates)
        progress = tqdm(total=total, desc="Importing", unit="consultant", file=self.stderr._out, disable=total == 0)
        try:
            with transaction.atomic():
                for data in plan.creates:
                    services.consultant_create(**data)
                    progress.update()
                for consultant, changed in plan.updates:
                    services.consultant_update(consultant=consultant, data=changed)
                    progress.update()
        except (ValidationError, ApplicationError) as exc:
            # Only reachable when another writer changed the data between validation and writing.
            raise CommandError(f"Import rolled back: {exc}") from None
        finally:
            progress.close()
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {summary}."))
