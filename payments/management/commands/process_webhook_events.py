"""``manage.py process_webhook_events [--limit N] [--max-attempts 5]`` (cron, e.g. every 5 minutes).

Applies the stored webhook events whose processing failed (lock timeout, Stripe unreachable) and
``received`` events whose task never ran, each claimed by one conditional UPDATE so two runs at once
never apply an event twice (:func:`payments.services.webhooks.webhook_events_retry`). Prints the
counts; exits 1 when an event is still failing (failed now, or given up after ``--max-attempts``).
"""

from django.core.management.base import BaseCommand, CommandError

from payments.services.webhooks import webhook_events_retry


class Command(BaseCommand):
    help = "Retry the webhook events whose processing failed (idempotent, safe to run in parallel)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="At most this many events per run (≥ 1).")
        parser.add_argument(
            "--max-attempts", type=int, default=5, help="Leave an event alone after this many attempts (≥ 1)."
        )

    def handle(self, *args, limit: int, max_attempts: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        if max_attempts < 1:
            raise CommandError("--max-attempts must be at least 1.")
        counts = webhook_events_retry(limit=limit, max_attempts=max_attempts)
        self.stdout.write(
            f"processed {counts.processed}, ignored {counts.ignored}, failed {counts.failed}, "
            f"skipped {counts.skipped} (claimed by another run), given up {counts.exhausted} "
            f"(≥ {max_attempts} attempts)"
        )
        if counts.still_failing:
            raise CommandError(f"{counts.still_failing} webhook event(s) still failing; see WebhookEvent.error.")
