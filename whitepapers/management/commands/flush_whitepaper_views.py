"""``manage.py flush_whitepaper_views``: write the buffered whitepaper view counts (cron, every minute).

Idempotent and safe to run in parallel with the web processes: each run moves exactly the counts
it read (``whitepapers.services.view_counts``). With the database cache the web processes write
their own counts and this command finds nothing buffered.
"""

from django.core.management import BaseCommand

from whitepapers.services import whitepaper_views_flush


class Command(BaseCommand):
    help = "Write the whitepaper views counted since the last run to the database."

    def handle(self, *args, **options):
        written = whitepaper_views_flush()
        self.stdout.write(f"{sum(written.values())} view(s) of {len(written)} whitepaper(s) written.")
