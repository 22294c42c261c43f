"""``manage.py deliver_outbound_email``: send the outbox's due retries and take back stalled sends."""

from django.core.management.base import BaseCommand

from magnetiq.mail import outbound_email_deliver_due


class Command(BaseCommand):
    help = (
        "Send waiting e-mails that are due (retries, and e-mails whose task was lost) and take back those a "
        "dead worker left 'sending'. Run every minute; safe to run while another copy runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Send at most this many e-mails in one run.")

    def handle(self, *args, limit: int, **options):
        result = outbound_email_deliver_due(limit=limit)
        self.stdout.write("reclaimed {reclaimed}, sent {sent}, retrying {retrying}, failed {failed}".format(**result))
