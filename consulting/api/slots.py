"""Spec 004 time-slot ids: ``<researcher_id>-<YYYYMMDDTHHMM>Z`` (the slot's UTC start).

Slots are not stored (they are computed from the schedule), so the id carries what identifies one:
the researcher and the start. ``GET /time-slots/{id}`` and ``POST /sessions`` (``time_slot_id``)
read it back.
"""

import re
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from rest_framework import serializers

_SLOT_RE = re.compile(r"^(\d{1,12})-(\d{8}T\d{4})Z$")


def slot_id(researcher_id: int, start: datetime) -> str:
    return f"{researcher_id}-{start.astimezone(UTC):%Y%m%dT%H%M}Z"


def parse_slot_id(value: str) -> tuple[int, datetime]:
    """``(researcher_id, aware UTC start)``; raises a DRF ``ValidationError`` (422) for a bad id."""
    match = _SLOT_RE.match((value or "").strip())
    if match:
        try:
            return int(match.group(1)), datetime.strptime(match.group(2), "%Y%m%dT%H%M").replace(tzinfo=UTC)
        except ValueError:
            pass
    raise serializers.ValidationError({"time_slot_id": _("Not a time slot id (e.g. 12-20260601T0900Z).")})
