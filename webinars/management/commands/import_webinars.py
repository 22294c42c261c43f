"""``manage.py import_webinars [FILE] [--dry-run]``: upsert webinars by slug from a JSON file.

FILE (default ``webinars/fixtures/demo_webinars.json``) is a list of objects with webinar fields
(``title``, ``description``, ``slug``, ``timezone``, ``duration_minutes``, ``capacity``, ``price``,
``currency``, ``tags``, ``language``, ``status``, ``meeting_link``, ``is_featured``) plus:

- ``speaker_email``: the speaker, a non-deleted consultant looked up by e-mail;
- either ``starts_at`` (ISO 8601 with offset) or ``days_from_now`` + ``local_time`` (``"16:00"``
  in the row's ``timezone``), so demo data always lies ahead.

Every row is checked first; any bad row is reported as ``row N: field: reason`` and the command
fails with nothing written. Otherwise all rows are written in one transaction through
``webinars.services`` and a summary (created / updated / unchanged) is printed. A webinar placed
by ``days_from_now`` keeps its date on a later import while it is still ahead; once it is over,
the next import moves it ahead again (so the demo always has upcoming webinars).
"""

import json
import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from consultants.models import Consultant
from magnetiq.exceptions import ApplicationError
from magnetiq.timezones import is_known_timezone
from webinars import services
from webinars.models import Webinar

DEFAULT_FILE = Path(settings.BASE_DIR) / "webinars" / "fixtures" / "demo_webinars.json"


class RowError(Exception):
    pass


def _starts_at(row: dict, now: datetime) -> datetime:
    if "starts_at" in row:
        try:
            value = datetime.fromisoformat(str(row["starts_at"]).replace("Z", "+00:00"))
        except ValueError:
            raise RowError("starts_at: not an ISO 8601 date-time") from None
        if value.tzinfo is None:
            raise RowError("starts_at: needs a UTC offset")
        return value
    if "days_from_now" not in row:
        raise RowError("starts_at: give starts_at or days_from_now")
    if not is_known_timezone(row.get("timezone", "Europe/Berlin")):
        raise RowError("timezone: not a known IANA time zone")
    try:
        zone = zoneinfo.ZoneInfo(row.get("timezone", "Europe/Berlin"))
        days = int(row["days_from_now"])
        hour, minute = (int(part) for part in str(row.get("local_time", "16:00")).split(":"))
        local_day = now.astimezone(zone).date() + timedelta(days=days)
        return datetime.combine(local_day, time(hour, minute), tzinfo=zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise RowError("days_from_now/local_time/timezone: not valid") from None


def parse_row(row: dict, now: datetime) -> dict:
    """One file row → keyword arguments for the services. Raises :class:`RowError`."""
    if not isinstance(row, dict):
        raise RowError("row: expected an object")
    email = str(row.get("speaker_email", "")).strip()
    speaker = Consultant.objects.alive().filter(email__iexact=email).first() if email else None
    if speaker is None:
        raise RowError(f"speaker_email: no consultant with the e-mail {email!r}")
    data = {key: value for key, value in row.items() if key in services.EDITABLE_FIELDS}
    data["speaker"] = speaker
    data["starts_at"] = _starts_at(row, now)
    if "price" in data:
        try:
            data["price"] = Decimal(str(data["price"]))
        except InvalidOperation:
            raise RowError("price: not a number") from None
    if not data.get("title"):
        raise RowError("title: required")
    return data


def _changes(webinar: Webinar, data: dict, *, relative: bool, now: datetime) -> dict:
    """The fields that differ. A relative date (``days_from_now``) only moves a webinar that is
    already over, so importing again the same week changes nothing and sends no "new time" mail."""
    changes = {name: value for name, value in data.items() if getattr(webinar, name) != value}
    if relative and webinar.starts_at > now:
        changes.pop("starts_at", None)
    return changes


class Command(BaseCommand):
    help = "Create or update webinars (by slug) from a JSON file; the demo webinars by default."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(rows, list):
            raise CommandError("Expected a JSON list of webinars.")
        now = timezone.now()
        parsed, errors = [], []
        for number, row in enumerate(rows, start=1):
            try:
                parsed.append(parse_row(row, now))
            except RowError as exc:
                errors.append(f"row {number}: {exc}")
        if errors:
            raise CommandError("Nothing imported:\n" + "\n".join(errors))
        created = updated = unchanged = 0
        with transaction.atomic():
            for number, data in enumerate(parsed, start=1):
                try:
                    with transaction.atomic():
                        existing = Webinar.objects.alive().filter(slug=data.get("slug") or "").first()
                        if existing is None or not data.get("slug"):
                            services.webinar_create(**data)
                            created += 1
                        else:
                            changes = _changes(existing, data, relative="days_from_now" in rows[number - 1], now=now)
                            if changes:
                                services.webinar_update(webinar=existing, data=changes)
                                updated += 1
                            else:
                                unchanged += 1
                except ValidationError as exc:
                    fields = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
                    errors.extend(f"row {number}: {f}: {m}" for f, ms in fields.items() for m in ms)
                except ApplicationError as exc:
                    errors.append(f"row {number}: {exc.message}")
            if errors or options["dry_run"]:
                transaction.set_rollback(True)
        if errors:
            raise CommandError("Nothing imported:\n" + "\n".join(errors))
        verb = "Would create" if options["dry_run"] else "Created"
        self.stdout.write(f"{verb} {created}, updated {updated}, unchanged {unchanged} webinar(s).")
