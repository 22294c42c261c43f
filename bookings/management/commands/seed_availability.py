"""``manage.py seed_availability [--consultant SLUG]``: a demo weekly schedule (idempotent)."""

from datetime import time

from django.core.management.base import BaseCommand, CommandError

from bookings.services import availability_seed_default
from consultants.models import Consultant


class Command(BaseCommand):
    help = (
        "Give consultants without availability rules a Monday–Friday 09:00–17:00 schedule in their own "
        "time zone. Consultants that already have rules are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consultant", metavar="SLUG", help="Only this consultant (by slug).")

    def handle(self, *args, consultant=None, **options):
        consultants = Consultant.objects.alive()
        if consultant:
            consultants = consultants.filter(slug=consultant)
            if not consultants.exists():
                raise CommandError(f"No consultant with the slug “{consultant}”.")
        seeded = sum(
            bool(availability_seed_default(consultant=c, start_time=time(9), end_time=time(17))) for c in consultants
        )
        self.stdout.write(f"Seeded availability for {seeded} consultant{'s' if seeded != 1 else ''}.")
