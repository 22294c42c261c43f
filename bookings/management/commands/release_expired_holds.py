"""``manage.py release_expired_holds``: free the slots of unpaid holds that ran out (cron-safe)."""

from django.core.management.base import BaseCommand

from bookings.services import bookings_release_expired_holds


class Command(BaseCommand):
    help = "Cancel pending-payment bookings whose hold expired, freeing their slots. Idempotent; prints the count."

    def handle(self, *args, **options):
        count = bookings_release_expired_holds()
        self.stdout.write(f"Released {count} expired hold{'s' if count != 1 else ''}.")
