"""What the consultants' public pages learn from bookings, wired in ``BookingsConfig.ready()``.

- The directory's "Available this week" (``consultants.selectors.with_free_slot``) asks
  :func:`bookings.availability.consultants_with_free_slot` through ``consultants.free_slots``: the
  consultants app sits below bookings and cannot import it.
- The page cache (``magnetiq.pagecache``) drops its pages when a consultant's availability changes:
  every save and delete of the weekly rules, the date overrides (days off, windows, extra hours) and
  the admin's schedule page of a consultant (the buffer and the day limit).
- A booking change that takes or frees a time of the directory's week (created, cancelled,
  rescheduled, a hold expired, a cancelled booking revived by a late payment, a status set by staff)
  drops them too, since it can move a consultant in or out of "Available this week". Other saves of
  a booking (payment status, meeting link, reminders, a paid hold confirmed) and changes to times
  after that week do not: bookings are far rarer than page views, but the cache should not be
  emptied for nothing. The change is read from the booking's history row (``BookingChange``), which
  every service writes with the statuses and times before and after.
"""

from datetime import timedelta

from django.db.models.signals import post_save
from django.utils import timezone

from consultants.free_slots import register_free_slot_finder
from consultants.selectors import AVAILABLE_DAYS
from magnetiq import pagecache

from .availability import consultants_with_free_slot
from .models import (
    ACTIVE_STATUSES,
    AvailabilityOverride,
    AvailabilityRule,
    BookingChange,
    ConsultantAvailability,
)

#: A booking this far past the directory's week can still block one of its slots (buffer, length).
_SLACK = timedelta(days=1)


def _free_slot_finder(consultants, *, start, end) -> set[int]:
    # The notice runs from the clock, not from the window's start: a window of a later day (the search
    # API's available_date) offers the slots of that day the booking page offers now.
    return consultants_with_free_slot(consultants=consultants, start=start, end=end)


def takes_or_frees_a_time_this_week(change: BookingChange, now) -> bool:
    """Whether ``change`` moved a time between free and taken (its booking started or stopped
    holding a time, or moved while holding one) and that time (before or after) ends after ``now``
    and starts within the directory's week (``AVAILABLE_DAYS``, plus a day of slack)."""
    held_before = change.old_status in ACTIVE_STATUSES
    holds_now = change.new_status in ACTIVE_STATUSES
    moved = held_before and holds_now and change.old_start is not None and change.old_start != change.new_start
    if held_before == holds_now and not moved:
        return False
    horizon = now + timedelta(days=AVAILABLE_DAYS) + _SLACK
    times = [(change.new_start, change.new_end), (change.old_start, change.old_end)]
    return any(start is not None and end is not None and start < horizon and end > now for start, end in times)


def _on_booking_change(sender, instance: BookingChange, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and takes_or_frees_a_time_this_week(instance, timezone.now()):
        pagecache.content_changed()


def connect() -> None:
    """Register the free-slot finder and the page cache's receivers (idempotent)."""
    register_free_slot_finder(_free_slot_finder)
    pagecache.watch_models(AvailabilityRule, AvailabilityOverride, ConsultantAvailability)
    post_save.connect(_on_booking_change, sender=BookingChange, dispatch_uid="bookings.public_pages.booking_change")
