"""Free slots of a consultant, computed in UTC from the weekly schedule in the consultant's zone.

The rules, in order:

1. the weekly :class:`~bookings.models.AvailabilityRule` intervals of each local date of the
   consultant, plus ``extra`` overrides, minus ``unavailable`` overrides (whole day or a window);
2. slots of ``duration_minutes`` start every ``SLOT_STEP_MINUTES`` from the start of each free
   interval and must end inside it. Wall-clock times are turned into UTC per date with ``zoneinfo``,
   so a 09:00 start stays 09:00 local on daylight-saving switch days;
3. a slot is offered only if it starts at least ``MIN_NOTICE_HOURS`` after ``now`` and less than
   ``WINDOW_DAYS`` after it;
4. a slot is taken when it comes within ``booking_buffer_minutes`` of an active booking (confirmed,
   or a pending-payment hold that has not expired), or when the consultant's local day already
   holds ``max_bookings_per_day`` active bookings.

The visitor asks for a date in *their* zone; that day may cover two local dates of the consultant,
so both are computed and cut to the visitor's day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import conf
from .exceptions import BookingInvalid
from .models import AvailabilityOverride, AvailabilityRule, BookingType, ConsultationBooking, OverrideKind

#: Duration rules of spec 000 ``BookingRequest``: 30-for-30 is fixed; the others 15–240 minutes.
FIXED_DURATIONS = {BookingType.THIRTY_FOR_THIRTY: 30}
MIN_DURATION = 15
MAX_DURATION = 240
DEFAULT_DURATION = 30


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable time: aware UTC datetimes, ``end`` exclusive."""

    start: datetime
    end: datetime

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class SlotState:
    """A slot of the schedule with its state: ``available``, and the id of the booking that overlaps
    it (``None`` when the slot is free or only blocked by a buffer or the day limit)."""

    slot: Slot
    available: bool
    booking_id: int | None = None


def duration_for(booking_type: str, duration_minutes: int | None = None) -> int:
    """The length in minutes of a booking of ``booking_type`` (spec 000 ``BookingRequest``).

    ``30for30`` is 30 (another given duration is refused); other types take ``duration_minutes``
    (default 30) between 15 and 240. Raises :class:`BookingInvalid` (422).
    """
    if booking_type not in BookingType.values:
        raise BookingInvalid(
            _("Unknown booking type."),
            details=[
                {
                    "field": "booking_type",
                    "message": _("Use one of %(values)s.") % {"values": ", ".join(BookingType.values)},
                    "code": "invalid_choice",
                }
            ],
        )
    fixed = FIXED_DURATIONS.get(booking_type)
    if fixed is not None:
        if duration_minutes not in (None, fixed):
            raise BookingInvalid(
                _("A %(booking_type)s booking lasts %(fixed)s minutes.")
                % {"booking_type": booking_type, "fixed": fixed},
                details=[
                    {
                        "field": "duration_minutes",
                        "message": _("Must be %(fixed)s.") % {"fixed": fixed},
                        "code": "invalid",
                    }
                ],
            )
        return fixed
    minutes = DEFAULT_DURATION if duration_minutes is None else duration_minutes
    if not isinstance(minutes, int) or not MIN_DURATION <= minutes <= MAX_DURATION:
        raise BookingInvalid(
            _("The duration must be %(min)s–%(max)s minutes.") % {"min": MIN_DURATION, "max": MAX_DURATION},
            details=[
                {
                    "field": "duration_minutes",
                    "message": _("Between %(min)s and %(max)s.") % {"min": MIN_DURATION, "max": MAX_DURATION},
                    "code": "invalid",
                }
            ],
        )
    return minutes


def _utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[00:00, next 00:00)`` of ``day`` in ``tz``, in UTC (23 or 25 hours on switch days)."""
    return _utc(day, time(0), tz), _utc(day + timedelta(days=1), time(0), tz)


def _subtract(intervals: list[tuple[datetime, datetime]], blocks: list[tuple[datetime, datetime]]):
    """``intervals`` minus every block (all half-open UTC ranges)."""
    result = sorted(intervals)
    for block_start, block_end in blocks:
        cut = []
        for start, end in result:
            if block_end <= start or block_start >= end:
                cut.append((start, end))
                continue
            if start < block_start:
                cut.append((start, block_start))
            if block_end < end:
                cut.append((block_end, end))
        result = cut
    return result


def _free_intervals(local_day: date, ctz: ZoneInfo, rules, overrides) -> list[tuple[datetime, datetime]]:
    """The schedule of one local date of the consultant, as UTC intervals."""
    intervals = [(_utc(local_day, r.start_time, ctz), _utc(local_day, r.end_time, ctz)) for r in rules]
    blocks = []
    for override in overrides:
        if override.kind == OverrideKind.EXTRA:
            intervals.append((_utc(local_day, override.start_time, ctz), _utc(local_day, override.end_time, ctz)))
        elif override.whole_day:
            return []
        else:
            blocks.append((_utc(local_day, override.start_time, ctz), _utc(local_day, override.end_time, ctz)))
    return _subtract(intervals, blocks)


def day_slots(
    *,
    consultant,
    day: date,
    tz: ZoneInfo,
    booking_type: str = BookingType.THIRTY_FOR_THIRTY,
    duration_minutes: int | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    check_notice: bool = True,
) -> list[SlotState]:
    """Every slot of the schedule that starts on ``day`` (a date in the visitor's zone ``tz``) within
        notice and window, each marked available or not. ``exclude_booking_id``: a booking to ignore (the
        one being rescheduled). ``check_notice=False`` skips notice and window (confirming a hold made
    earlier). Raises :class:`BookingInvalid` for a bad type/duration. Three queries."""
    minutes = duration_for(booking_type, duration_minutes)
    length = timedelta(minutes=minutes)
    step = timedelta(minutes=conf.get("SLOT_STEP_MINUTES"))
    buffer = timedelta(minutes=consultant.booking_buffer_minutes or 0)
    now = now or timezone.now()
    earliest = now + timedelta(hours=conf.get("MIN_NOTICE_HOURS"))
    latest = now + timedelta(days=conf.get("WINDOW_DAYS"))
    if not check_notice:
        earliest, latest = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)

    range_start, range_end = _day_bounds(day, tz)
    ctz = ZoneInfo(consultant.timezone)
    first_local = range_start.astimezone(ctz).date()
    last_local = (range_end - timedelta(microseconds=1)).astimezone(ctz).date()
    local_days = [first_local + timedelta(days=i) for i in range((last_local - first_local).days + 1)]
    if range_end <= earliest or range_start >= latest:
        return []

    rules_by_weekday = defaultdict(list)
    for rule in AvailabilityRule.objects.filter(consultant=consultant):
        rules_by_weekday[rule.weekday].append(rule)
    overrides_by_day = defaultdict(list)
    for override in AvailabilityOverride.objects.filter(consultant=consultant, date__in=local_days):
        overrides_by_day[override.date].append(override)

    span_start = min(range_start, _day_bounds(local_days[0], ctz)[0]) - buffer - length
    span_end = max(range_end, _day_bounds(local_days[-1], ctz)[1]) + buffer + length
    bookings = list(
        ConsultationBooking.objects.active(now)
        .filter(consultant=consultant)
        .overlapping(span_start, span_end)
        .exclude(pk=exclude_booking_id)
        .values_list("pk", "start", "end")
    )

    states: dict[datetime, SlotState] = {}
    for local_day in local_days:
        local_start, local_end = _day_bounds(local_day, ctz)
        day_count = sum(1 for _, start, _ in bookings if local_start <= start < local_end)
        day_full = day_count >= consultant.max_bookings_per_day
        intervals = _free_intervals(local_day, ctz, rules_by_weekday[local_day.weekday()], overrides_by_day[local_day])
        for interval_start, interval_end in intervals:
            start = interval_start
            while start + length <= interval_end:
                end = start + length
                if range_start <= start < range_end and earliest <= start < latest:
                    overlapping = next((pk for pk, b_start, b_end in bookings if start < b_end and end > b_start), None)
                    blocked = any(start < b_end + buffer and end + buffer > b_start for _, b_start, b_end in bookings)
                    state = SlotState(Slot(start, end), not (blocked or day_full), overlapping)
                    previous = states.get(start)
                    # Two intervals may offer the same start (overlapping rules): free wins.
                    if previous is None or (state.available and not previous.available):
                        states[start] = state
                start += step
    return [states[key] for key in sorted(states)]


def available_slots(
    *,
    consultant,
    day: date,
    tz: ZoneInfo,
    booking_type: str = BookingType.THIRTY_FOR_THIRTY,
    duration_minutes: int | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    check_notice: bool = True,
) -> list[Slot]:
    """The free slots (aware UTC) starting on ``day`` in the visitor's zone ``tz``; see the module
    docstring for the rules. Raises :class:`BookingInvalid` for a bad type/duration."""
    return [
        state.slot
        for state in day_slots(
            consultant=consultant,
            day=day,
            tz=tz,
            booking_type=booking_type,
            duration_minutes=duration_minutes,
            now=now,
            exclude_booking_id=exclude_booking_id,
            check_notice=check_notice,
        )
        if state.available
    ]


def consultant_has_free_slot(
    *,
    consultant,
    start: datetime,
    duration_minutes: int,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    check_notice: bool = True,
) -> bool:
    """Whether ``start`` (aware) begins a free slot of ``duration_minutes`` for ``consultant``.

    The one check booking creation, rescheduling and confirmation run (inside their locked
    transaction): the start must be one of :func:`available_slots` of its local day.
    """
    if start.tzinfo is None:
        return False
    start = start.astimezone(UTC)
    ctz = ZoneInfo(consultant.timezone)
    free = available_slots(
        consultant=consultant,
        day=start.astimezone(ctz).date(),
        tz=ctz,
        booking_type=BookingType.CUSTOM,
        duration_minutes=duration_minutes,
        now=now,
        exclude_booking_id=exclude_booking_id,
        check_notice=check_notice,
    )
    return any(slot.start == start for slot in free)
