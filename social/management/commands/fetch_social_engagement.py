"""``manage.py fetch_social_engagement``: store the latest likes, comments, shares, impressions and
followers of every connected LinkedIn and X account and its recent posts (cron, hourly).

Each run adds snapshots (``social.EngagementSnapshot``); the API's engagement endpoints and the
admin show the latest. An account that cannot be read (disconnected, rate-limited, network error)
is reported and the others go on; exit status 1 when any account failed.
"""

from django.core.management import BaseCommand, CommandError

from social.services import engagement_fetch


class Command(BaseCommand):
    help = "Fetch engagement of the connected social accounts and their posts."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Posts published in the last DAYS days (default 30).")

    def handle(self, *args, days: int, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        run = engagement_fetch(days=days)
        for line in run.errors:
            self.stderr.write(line)
        self.stdout.write(f"{run.accounts} account(s) and {run.posts} post(s) updated.")
        if run.errors:
            raise CommandError(f"{len(run.errors)} account(s) could not be read.")
