"""The ``--now`` option shared by the booking e-mail commands."""

from datetime import datetime

from django.core.management.base import CommandError


def parse_now(value: str | None) -> datetime | None:
    """``None`` (use the real clock) or an aware datetime from ISO 8601 with an offset or ``Z``;
    raises :class:`CommandError` for anything else."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: “{value}” is not an ISO 8601 date-time (e.g. 2026-06-01T08:00:00Z).") from None
    if moment.tzinfo is None:
        raise CommandError("--now needs a UTC offset or Z, e.g. 2026-06-01T08:00:00Z.")
    return moment
