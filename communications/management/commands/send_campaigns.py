"""``manage.py send_campaigns [--seconds N]``: start the scheduled campaigns that are due and send
the campaigns that are sending, for at most N seconds (default 55: cron runs it every minute,
deploy/crontab and deploy/scheduler.py). Prints progress per batch. Safe to run twice at once:
workers claim different rows (communications.services)."""

from django.core.management.base import BaseCommand

from communications.models import Campaign, CampaignSend
from communications.services import campaigns_run


class Command(BaseCommand):
    help = "Start due e-mail campaigns and send queued messages for a while."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=55.0, help="Stop starting batches after this long.")

    def handle(self, *args, seconds: float, **options):
        def progress(campaign_id, result):
            counts = CampaignSend.objects.filter(campaign_id=campaign_id).progress()
            self.stdout.write(
                f"campaign {campaign_id}: {counts['sent']}/{counts['total']} sent, {counts['failed']} failed, "
                f"{counts['queued']} left, {counts['uncertain']} uncertain"
            )

        results = campaigns_run(seconds=seconds, progress=progress)
        for campaign_id, result in results.items():
            status = Campaign.objects.filter(pk=campaign_id).values_list("status", flat=True).first()
            self.stdout.write(
                f"campaign {campaign_id}: this run sent {result.sent}, failed {result.failed}, "
                f"retrying {result.retried}; status {status}"
            )
        if not results:
            self.stdout.write("No campaign to send.")
