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

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, pairwise
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Value
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


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


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
    """The schedule of one local date of the consultant, as UTC intervals.

    ``rules``: ``(start_time, end_time)`` of the date's weekday; ``overrides``: ``(kind, start_time,
    end_time)`` of the date (no times: the whole day)."""
    intervals = [(_utc(local_day, start, ctz), _utc(local_day, end, ctz)) for start, end in rules]
    blocks = []
    for kind, start, end in overrides:
        if kind == OverrideKind.EXTRA:
            intervals.append((_utc(local_day, start, ctz), _utc(local_day, end, ctz)))
        elif start is None:
            return []
        else:
            blocks.append((_utc(local_day, start, ctz), _utc(local_day, end, ctz)))
    return _subtract(intervals, blocks)


def _schedules(
    consultant_ids: list[int], first: date, last: date
) -> dict[int, tuple[dict[int, list], dict[date, list]]]:
    """Per consultant id: the weekly rules by weekday (``(start_time, end_time)``) and the overrides
    of ``first``…``last`` by date (``(kind, start_time, end_time)``), in one query (``UNION ALL``)
    whatever the number of consultants. An id without rows maps to two empty dicts."""
    rules = (
        AvailabilityRule.objects.filter(consultant_id__in=consultant_ids)
        .values_list(
            "consultant_id",
            "weekday",
            Value(None, output_field=models.DateField()),
            Value("", output_field=models.CharField()),
            "start_time",
            "end_time",
        )
        .order_by()
    )
    overrides = (
        AvailabilityOverride.objects.filter(consultant_id__in=consultant_ids, date__range=(first, last))
        .values_list(
            "consultant_id",
            Value(None, output_field=models.PositiveSmallIntegerField()),
            "date",
            "kind",
            "start_time",
            "end_time",
        )
        .order_by()
    )
    result: dict[int, tuple[dict[int, list], dict[date, list]]] = {
        pk: (defaultdict(list), defaultdict(list)) for pk in consultant_ids
    }
    for consultant_id, weekday, day, kind, start_time, end_time in rules.union(overrides, all=True):
        rules_by_weekday, overrides_by_day = result[consultant_id]
        if day is None:
            rules_by_weekday[weekday].append((start_time, end_time))
        else:
            overrides_by_day[day].append((kind, start_time, end_time))
    return result


class _Busy:
    """The active bookings of a span sorted by ``(start, id)``, as parallel lists for :mod:`bisect`.

    ``reach[i]`` is the latest end among the first ``i + 1`` bookings, so "does a booking that starts
    before ``t`` end after ``s``" is one bisect and one look-up even when bookings overlap;
    ``padded_starts`` and ``padded_reach`` are the same widened by the consultant's buffer.
    """

    def __init__(self, rows: list[tuple[datetime, datetime, int]], buffer: timedelta):
        rows = sorted(rows, key=lambda row: (row[0], row[2]))
        self.starts = [start for start, _, _ in rows]
        self.ends = [end for _, end, _ in rows]
        self.ids = [pk for _, _, pk in rows]
        self.reach = list(accumulate(self.ends, max))
        self.padded_starts = [start - buffer for start in self.starts]
        self.padded_reach = [end + buffer for end in self.reach]

    def count_starting(self, start: datetime, end: datetime) -> int:
        """How many bookings start in ``[start, end)``."""
        return bisect_left(self.starts, end) - bisect_left(self.starts, start)

    def overlapping_id(self, start: datetime, end: datetime, before: int) -> int | None:
        """The id of the booking intersecting ``[start, end)`` that starts last (ties: the highest id),
        the one the model's ordering (``-start``, ``-id``) lists first; ``None`` when none does.
        ``before``: a count of bookings that includes every one starting before ``end``."""
        index = bisect_left(self.starts, end, 0, before) - 1
        reach, ends = self.reach, self.ends
        # Walk back only while an earlier booking could still reach into the slot.
        while index >= 0 and reach[index] > start:
            if ends[index] > start:
                return self.ids[index]
            index -= 1
        return None

    def states(
        self,
        start: datetime,
        last_start: datetime,
        *,
        step: timedelta,
        length: timedelta,
        day_full: bool,
        available_only: bool,
        first_only: bool = False,
    ) -> list[SlotState]:
        """The slots ``start``, ``start + step``, … up to ``last_start`` with their state: taken when
        the day is full or a booking comes within the buffer of the slot (only the free ones when
        ``available_only``; only the first free one, when there is one, with ``first_only`` too)."""
        states: list[SlotState] = []
        if day_full and available_only:
            return states
        append = states.append
        padded_starts, padded_reach = self.padded_starts, self.padded_reach
        while start <= last_start:
            end = start + length
            # The bookings starting before end + buffer; one of them ending after start - buffer blocks.
            before = bisect_left(padded_starts, end)
            if day_full or (before and padded_reach[before - 1] > start):
                if available_only:
                    # A later start meets at least these bookings, so every start before their
                    # padded reach is taken too: jump to the first step at or after it.
                    start += step * -((start - padded_reach[before - 1]) // step)
                    continue
                append(SlotState(Slot(start, end), False, self.overlapping_id(start, end, before)))
            else:
                append(SlotState(Slot(start, end), True))
                if first_only and available_only:
                    return states
            start += step
        return states


def _distribute(states: list[SlotState], visitor_starts: list[datetime], day_lists: list[list[SlotState]]) -> None:
    """Append ``states`` (sorted by start) to the lists of the visitor's days they start on;
    ``visitor_starts``: the first instant of each of those days."""
    while states:
        index = bisect_right(visitor_starts, states[0].slot.start) - 1
        if index + 1 == len(visitor_starts) or states[-1].slot.start < visitor_starts[index + 1]:
            day_lists[index].extend(states)
            return
        cut = bisect_left(states, visitor_starts[index + 1], key=_slot_start)
        day_lists[index].extend(states[:cut])
        states = states[cut:]


def _slot_start(state: SlotState) -> datetime:
    return state.slot.start


@dataclass(frozen=True)
class _LocalDays:
    """The consultant's local dates that hold the starts of a window, in order, and their bounds in
    UTC: ``days[i]`` runs from ``starts[i]`` to ``starts[i + 1]`` (23 or 25 hours apart on switch
    days)."""

    zone: ZoneInfo
    days: list[date]
    starts: list[datetime]

    @classmethod
    def of(cls, consultant, window_start: datetime, last_allowed: datetime) -> _LocalDays:
        zone = ZoneInfo(consultant.timezone)
        days = _dates(window_start.astimezone(zone).date(), last_allowed.astimezone(zone).date())
        starts = [_utc(day, time(0), zone) for day in days]
        starts.append(_utc(days[-1] + timedelta(days=1), time(0), zone))
        return cls(zone, days, starts)

    def busy_span(self, buffer: timedelta, length: timedelta) -> tuple[datetime, datetime]:
        """The span whose active bookings can take one of these days' slots (buffer and length on
        either side)."""
        return self.starts[0] - buffer - length, self.starts[-1] + buffer + length


def _local_day_states(
    *,
    consultant,
    local: _LocalDays,
    rules_by_weekday: dict[int, list],
    overrides_by_day: dict[date, list],
    busy: _Busy,
    window_start: datetime,
    last_allowed: datetime,
    step: timedelta,
    length: timedelta,
    available_only: bool,
    first_only: bool = False,
) -> Iterator[tuple[date, list[SlotState]]]:
    """Each local date of ``local`` with its slots starting in ``[window_start, last_allowed]``, by
    start, each marked available or not (rules 1, 2 and 4 of the module docstring); lazily, so a
    caller that needs one free slot stops at the first date that has one. ``first_only`` (with
    ``available_only``): a date lists at most its first free slot found."""
    limit = consultant.max_bookings_per_day
    for local_day, local_start, local_end in zip(local.days, local.starts, local.starts[1:], strict=False):
        day_full = busy.count_starting(local_start, local_end) >= limit
        intervals = _free_intervals(
            local_day, local.zone, rules_by_weekday.get(local_day.weekday(), []), overrides_by_day.get(local_day, [])
        )
        states: list[SlotState] = []
        for interval_start, interval_end in intervals:
            start = interval_start
            if start < window_start:
                # Skip whole steps to the first start inside the window.
                start += step * -((interval_start - window_start) // step)
            states += busy.states(
                start,
                min(interval_end - length, last_allowed),
                step=step,
                length=length,
                day_full=day_full,
                available_only=available_only,
                first_only=first_only,
            )
            if first_only and states:
                break
        if any(end > next_start for (_, end), (next_start, _) in pairwise(intervals)):
            # Overlapping intervals (two rules, extra hours over a rule) offer a start twice; its state
            # depends on the start alone.
            unique = {state.slot.start: state for state in states}
            states = [unique[key] for key in sorted(unique)]
        yield local_day, states


def _bounded_window(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` cut to notice and window (rule 3 of the module docstring)."""
    return (
        max(start, now + timedelta(hours=conf.get("MIN_NOTICE_HOURS"))),
        min(end, now + timedelta(days=conf.get("WINDOW_DAYS"))),
    )


def slots_by_day(
    *,
    consultant,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    booking_type: str = BookingType.THIRTY_FOR_THIRTY,
    duration_minutes: int | None = None,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
    check_notice: bool = True,
    available_only: bool = False,
) -> dict[date, list[SlotState]]:
    """Every slot of the schedule that starts on each day ``first_day``…``last_day`` (inclusive, dates
    in the visitor's zone ``tz``) within notice and window, each marked available or not, by the
    rules of the module docstring. Keys: every date of the range in order (``{}`` when ``last_day``
    is before ``first_day``); values: the day's slots by start (aware UTC).

    ``exclude_booking_id``: a booking to ignore (the one being rescheduled). ``check_notice=False``
    skips notice and window (confirming a hold made earlier). ``available_only``: list only the free
    slots. Raises :class:`BookingInvalid` for a bad type/duration.

    Two queries whatever the number of days (none when the range lies wholly outside notice and
    window): the weekly rules with the overrides of the dates, and the active bookings of the span.
    Each slot is then checked by bisecting those bookings sorted by start.
    """
    minutes = duration_for(booking_type, duration_minutes)
    days = _dates(first_day, last_day)
    result: dict[date, list[SlotState]] = {day: [] for day in days}
    if not days:
        return result
    length = timedelta(minutes=minutes)
    step = timedelta(minutes=conf.get("SLOT_STEP_MINUTES"))
    buffer = timedelta(minutes=consultant.booking_buffer_minutes or 0)
    now = now or timezone.now()

    # Only slots starting in [window_start, window_end) are listed.
    window_start, window_end = _utc(first_day, time(0), tz), _utc(last_day + timedelta(days=1), time(0), tz)
    if check_notice:
        window_start, window_end = _bounded_window(window_start, window_end, now)
    if window_end <= window_start:
        return result
    last_allowed = window_end - timedelta(microseconds=1)

    local = _LocalDays.of(consultant, window_start, last_allowed)
    rules_by_weekday, overrides_by_day = _schedules([consultant.pk], local.days[0], local.days[-1])[consultant.pk]
    bookings = ConsultationBooking.objects.active(now).filter(consultant=consultant)
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    span = local.busy_span(buffer, length)
    busy = _Busy(list(bookings.overlapping(*span).order_by().values_list("start", "end", "pk")), buffer)

    # In the consultant's own zone each local date is the visitor's date; otherwise a local date's
    # slots are cut at the visitor's midnights.
    same_zone = getattr(tz, "key", None) == local.zone.key
    visitor_starts = [] if same_zone else [_utc(day, time(0), tz) for day in days]
    day_lists = list(result.values())
    for local_day, states in _local_day_states(
        consultant=consultant,
        local=local,
        rules_by_weekday=rules_by_weekday,
        overrides_by_day=overrides_by_day,
        busy=busy,
        window_start=window_start,
        last_allowed=last_allowed,
        step=step,
        length=length,
        available_only=available_only,
    ):
        if same_zone:
            result[local_day] = states
        else:
            _distribute(states, visitor_starts, day_lists)
    return result


#: Consultants whose free slots :func:`consultants_with_free_slot` reads per pair of queries (keeps
#: the ``IN`` lists well inside every database's limit of bound parameters).
FREE_SLOT_BATCH = 1000


def consultants_with_free_slot(
    *,
    consultants: Sequence,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    booking_type: str = BookingType.THIRTY_FOR_THIRTY,
    duration_minutes: int | None = None,
) -> set[int]:
    """The ids of ``consultants`` with at least one free slot starting in ``[start, end)`` (aware):
    a slot :func:`slots_by_day` offers as available, by every rule of the module docstring (notice
    and window from ``now``, days off, buffer, day limit, confirmed bookings and unexpired holds).

    ``consultants``: objects with ``pk``, ``timezone``, ``booking_buffer_minutes`` and
    ``max_bookings_per_day`` (``Consultant`` rows, possibly ``only()`` those). The default slot is the
    booking page's first choice (a 30-minute 30-for-30). Raises :class:`BookingInvalid` for a bad
    type/duration.

    Two queries per :data:`FREE_SLOT_BATCH` consultants, none for an empty window: the weekly rules
    with the overrides of every consultant of the batch, and their active bookings of the span.
    """
    minutes = duration_for(booking_type, duration_minutes)
    now = now or timezone.now()
    window_start, window_end = _bounded_window(start, end, now)
    if window_end <= window_start:
        return set()
    last_allowed = window_end - timedelta(microseconds=1)
    length = timedelta(minutes=minutes)
    step = timedelta(minutes=conf.get("SLOT_STEP_MINUTES"))
    found: set[int] = set()
    local_by_zone: dict[str, _LocalDays] = {}
    for offset in range(0, len(consultants), FREE_SLOT_BATCH):
        batch = []
        for consultant in consultants[offset : offset + FREE_SLOT_BATCH]:
            local = local_by_zone.get(consultant.timezone)
            if local is None:
                local = local_by_zone[consultant.timezone] = _LocalDays.of(consultant, window_start, last_allowed)
            batch.append((consultant, local, timedelta(minutes=consultant.booking_buffer_minutes or 0)))
        ids = [consultant.pk for consultant, _, _ in batch]
        schedules = _schedules(
            ids, min(local.days[0] for _, local, _ in batch), max(local.days[-1] for _, local, _ in batch)
        )
        spans = [local.busy_span(buffer, length) for _, local, buffer in batch]
        rows: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
        # One span for the batch: a booking outside a consultant's own span blocks none of its slots.
        bookings = (
            ConsultationBooking.objects.active(now)
            .filter(consultant_id__in=ids)
            .overlapping(min(first for first, _ in spans), max(last for _, last in spans))
            .order_by()
            .values_list("consultant_id", "start", "end", "pk")
        )
        for consultant_id, booking_start, booking_end, pk in bookings:
            rows[consultant_id].append((booking_start, booking_end, pk))
        for consultant, local, buffer in batch:
            rules_by_weekday, overrides_by_day = schedules[consultant.pk]
            if not rules_by_weekday and not any(
                kind == OverrideKind.EXTRA for day in overrides_by_day.values() for kind, _, _ in day
            ):
                continue  # no hours at all in the window
            days = _local_day_states(
                consultant=consultant,
                local=local,
                rules_by_weekday=rules_by_weekday,
                overrides_by_day=overrides_by_day,
                busy=_Busy(rows[consultant.pk], buffer),
                window_start=window_start,
                last_allowed=last_allowed,
                step=step,
                length=length,
                available_only=True,
                first_only=True,
            )
            if any(states for _, states in days):
                found.add(consultant.pk)
    return found


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
    notice and window, each marked available or not: :func:`slots_by_day` of one day (two queries).
    ``exclude_booking_id``: a booking to ignore (the one being rescheduled). ``check_notice=False``
    skips notice and window (confirming a hold made earlier). Raises :class:`BookingInvalid` for a bad
    type/duration."""
    return slots_by_day(
        consultant=consultant,
        first_day=day,
        last_day=day,
        tz=tz,
        booking_type=booking_type,
        duration_minutes=duration_minutes,
        now=now,
        exclude_booking_id=exclude_booking_id,
        check_notice=check_notice,
    )[day]


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
        for state in slots_by_day(
            consultant=consultant,
            first_day=day,
            last_day=day,
            tz=tz,
            booking_type=booking_type,
            duration_minutes=duration_minutes,
            now=now,
            exclude_booking_id=exclude_booking_id,
            check_notice=check_notice,
            available_only=True,
        )[day]
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
