"""``manage.py send_booking_follow_ups [--now ISO]``: send the follow-ups of completed bookings.

A follow-up (thanks, and a request to rate the consultation) goes once per completed booking,
``BOOKINGS["FOLLOW_UP_DELAY_MINUTES"]`` after its end, claimed by a conditional UPDATE of
``follow_up_sent_at`` (``bookings.notifications.send_due_follow_ups``). Confirmed bookings whose time
has passed are left alone: their status is for staff or the consultant to settle. Cron-safe; prints
the count; exits non-zero when a send failed (the next run retries it).
"""

from django.core.management.base import BaseCommand, CommandError

from bookings.notifications import send_due_follow_ups

from ._clock import parse_now


class Command(BaseCommand):
    help = "Send the follow-up e-mails of completed bookings that are due. Cron-safe."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this moment (ISO 8601 with offset), for catch-up runs.")

    def handle(self, *args, **options):
        result = send_due_follow_ups(now=parse_now(options["now"]))
        self.stdout.write(f"Follow-ups sent: {result['sent']}, failed: {result['failed']}")
        if result["failed"]:
            raise CommandError(f"{result['failed']} follow-up(s) could not be sent; they will be retried.")
