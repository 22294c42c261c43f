"""Signals other apps may listen to: the documented extension points, so leads never imports its listeners."""

from django.dispatch import Signal

lead_erased = Signal()
"""Sent by ``leads.services.lead_erase`` inside its transaction, after the lead was anonymised.

Arguments: ``sender`` (the ``Lead`` class), ``lead`` (the anonymised lead) and ``email`` (the
address it had). Receivers erase their own copies of that person's data (webinar registrations,
download tokens, bookings' contact fields…) in the same transaction; raising aborts the erasure.
"""
