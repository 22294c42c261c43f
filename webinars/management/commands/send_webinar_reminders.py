"""``manage.py send_webinar_reminders``: send the reminders due now (7 days, 1 day, 1 hour before).

Idempotent and safe from cron every minute, even overlapping runs: each reminder is claimed by a
conditional UPDATE before it is sent (``webinars.services.webinar_send_due_reminders``). Exits
non-zero when a send failed (the claim is released, so the next run retries it).
"""

from django.core.management.base import BaseCommand, CommandError

from webinars.services import webinar_send_due_reminders


class Command(BaseCommand):
    help = "Send the webinar reminders that are due (7 days, 1 day and 1 hour before the start)."

    def handle(self, *args, **options):
        result = webinar_send_due_reminders()
        self.stdout.write(f"Reminders sent: {result['sent']}, failed: {result['failed']}")
        if result["failed"]:
            raise CommandError(f"{result['failed']} reminder(s) could not be sent; they will be retried.")
