"""``manage.py purge_fraud_attempts``: clear the full IP address of validation attempts older than
``FRAUD_ATTEMPT_IP_RETENTION_DAYS`` (30); they keep the truncated form (cron, daily).

Idempotent and safe to run while another copy runs (each batch is one conditional UPDATE of rows
still holding an address). Prints its progress after each batch and the total at the end.
"""

from django.core.management import BaseCommand, CommandError

from fraud import conf
from fraud.services import attempts_purge_ips


class Command(BaseCommand):
    help = "Truncate the IP addresses of fraud attempt records older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per UPDATE (default 1000).")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        days = conf.ip_retention().days
        self.stdout.write(f"Truncating IP addresses of attempts older than {days} day(s)…")
        done = attempts_purge_ips(
            batch_size=batch_size, progress=lambda count: self.stdout.write(f"  {count} attempt(s) truncated so far")
        )
        self.stdout.write(self.style.SUCCESS(f"{done} attempt(s) truncated."))
