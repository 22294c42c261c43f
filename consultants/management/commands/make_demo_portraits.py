"""``manage.py make_demo_portraits``: a generated portrait for every demo consultant without a photo.

The portrait is the consultant's initials in white on a colour chosen by their name
(``consultants.photos.placeholder_portrait``), made with Pillow, with the crops the pages show.
Only consultants whose e-mail is in the demo fixture (``consultants/fixtures/demo_consultants.json``)
are touched; ``--replace`` redraws portraits they already have. Idempotent.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from consultants.models import Consultant
from consultants.photos import consultant_photo_set_placeholder

DEMO_FILE = Path("consultants/fixtures/demo_consultants.json")


class Command(BaseCommand):
    help = "Give the demo consultants generated portraits (initials on a colour) where they have no photo."

    def add_arguments(self, parser):
        parser.add_argument("--replace", action="store_true", help="Redraw portraits that already exist.")

    def handle(self, *args, replace: bool = False, **options):
        path = Path(settings.BASE_DIR) / DEMO_FILE
        try:
            emails = {row["email"].strip().lower() for row in json.loads(path.read_text(encoding="utf-8"))}
        except (OSError, ValueError, KeyError, AttributeError, TypeError) as exc:
            raise CommandError(f"Cannot read the demo consultants from {DEMO_FILE}: {exc}") from exc
        made = 0
        for consultant in Consultant.objects.alive().filter(email__in=emails):
            made += consultant_photo_set_placeholder(consultant=consultant, replace=replace)
        self.stdout.write(f"{made} portrait(s) made.")
