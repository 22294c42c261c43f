"""``manage.py poll_scraping_jobs``: start and poll the LinkedIn scraping jobs that are due (cron)."""

from django.core.management.base import BaseCommand, CommandError

from consultants.services import scraping_jobs_run_due


class Command(BaseCommand):
    help = (
        "Start pending Scoopp jobs whose try is due and ask Scoopp about running jobs whose webhook has "
        "not come (SCOOPP_POLL_AFTER_MINUTES after the start, then with exponential backoff); a job out "
        "of tries is marked failed with the error. Idempotent; safe every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many jobs per run (default 100).")

    def handle(self, *args, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        counts = scraping_jobs_run_due(limit=limit)
        summary = (
            f"Scraping jobs: {counts.started} started, {counts.completed} completed, "
            f"{counts.failed} failed, {counts.waiting} waiting for a later try."
        )
        if counts.failed:
            # A job out of tries needs a person (the error is on the job; retry it from the admin).
            raise CommandError(summary)
        self.stdout.write(summary)
