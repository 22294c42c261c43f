"""``manage.py load_demo_data``: the demo consultancy, loaded through the operators' own importers.

Runs ``import_pages content/fixtures/demo_pages.json``,
``import_consultants consultants/fixtures/demo_consultants.json``, ``import_webinars`` (demo
webinars at dates relative to today), ``import_whitepapers`` (with their PDFs), ``make_demo_portraits``
(generated consultant photos), ``seed_availability``, ``make_demo_coupons`` and
``make_demo_reviews`` (completed sessions of three consultants with approved reviews and one pending,
through the booking and review services, so their ratings are computed); all upsert or skip what
exists, so running it again changes nothing. Fails (non-zero exit) with the importer's message when
a file is missing or bad.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command

DEMO_FILES = (
    ("import_pages", Path("content/fixtures/demo_pages.json")),
    ("import_consultants", Path("consultants/fixtures/demo_consultants.json")),
    ("import_webinars", Path("webinars/fixtures/demo_webinars.json")),
    ("import_whitepapers", Path("whitepapers/fixtures/demo_whitepapers.json")),
)


class Command(BaseCommand):
    help = "Load the demo pages and consultants (idempotent: existing records are updated, not duplicated)."

    def handle(self, *args, **options):
        for command, relative in DEMO_FILES:
            path = Path(settings.BASE_DIR) / relative
            if not path.exists():
                raise CommandError(f"Demo file {relative} is missing.")
            self.stdout.write(f"{command} {relative}")
            call_command(command, str(path), stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("make_demo_portraits (initials on a colour for demo consultants without a photo)")
        call_command("make_demo_portraits", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("seed_availability (weekdays 09:00-17:00 for consultants without a schedule)")
        call_command("seed_availability", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("make_demo_coupons (the discount codes WELCOME20 and FREESESSION)")
        call_command("make_demo_coupons", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("make_demo_reviews (rated past sessions: six approved reviews, one pending)")
        call_command("make_demo_reviews", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
