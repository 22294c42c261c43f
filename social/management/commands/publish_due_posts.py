"""``manage.py publish_due_posts``: publish the scheduled social posts whose time has come (cron, every minute).

Safe to run while another copy runs: each post is claimed with one conditional UPDATE
(``scheduled → publishing``) before it is sent, so it is published once. A post the network
rate-limits stays scheduled for the next run; one that got no answer becomes ``unknown`` and is
never retried by this command. Exit status 1 when a post failed or ended unknown (the lines say
which and why), 0 otherwise.
"""

from django.core.management import BaseCommand, CommandError

from social.services import posts_publish_due


class Command(BaseCommand):
    help = "Publish the scheduled LinkedIn and X posts that are due."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="At most this many posts per run (default 50).")

    def handle(self, *args, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        run = posts_publish_due(limit=limit)
        for line in run.messages:
            self.stdout.write(line)
        self.stdout.write(
            f"{len(run.published)} published, {len(run.failed)} failed, {len(run.unknown)} unknown, "
            f"{len(run.rate_limited)} left scheduled (rate limit), {len(run.claimed_elsewhere)} taken by another run, "
            f"{len(run.stale)} interrupted marked unknown."
        )
        if run.failed or run.unknown:
            raise CommandError("Some posts were not published; see above.")
