"""``manage.py send_booking_reminders [--now ISO]``: send the 24-hour and 1-hour reminders due now.

Idempotent and safe from cron every minute, even when runs overlap: each reminder is claimed by a
conditional UPDATE of its ``reminder_*_sent_at`` field before it is sent
(``bookings.notifications.send_due_reminders``). Cancelled, expired or finished bookings are not
due. Prints the count; exits non-zero when a send failed (its claim is released, the next run retries).
"""

from django.core.management.base import BaseCommand, CommandError

from bookings.notifications import send_due_reminders

from ._clock import parse_now


class Command(BaseCommand):
    help = "Send the booking reminders that are due (24 hours and 1 hour before the start). Cron-safe."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this moment (ISO 8601 with offset), for catch-up runs.")

    def handle(self, *args, **options):
        result = send_due_reminders(now=parse_now(options["now"]))
        self.stdout.write(f"Reminders sent: {result['sent']}, failed: {result['failed']}")
        if result["failed"]:
            raise CommandError(f"{result['failed']} reminder(s) could not be sent; they will be retried.")
