"""``manage.py run_payouts --period 2026-11 [--execute] [--consultant SLUG]`` (cron, monthly).

Builds one pending payout per consultant and currency for the month (idempotent: a second run
prints ``unchanged``); with ``--execute`` sends every pending Stripe payout of the period as a
Connect transfer. Progress bar on stderr, summary table on stdout. Exit 1 on a bad period or an
unknown consultant.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from tqdm import tqdm

from bookings.models import BookingStatus
from consultants.models import Consultant
from magnetiq.exceptions import ApplicationError
from payments.models import PaymentIntentStatus
from payouts.exceptions import InvalidPeriod
from payouts.models import ConsultantPayout, PayoutKind
from payouts.services import parse_period, payout_execute, payouts_build_for_period

COLUMNS = ("consultant", "cur", "sessions", "gross", "fee", "refunds", "tax", "net", "status")


class Command(BaseCommand):
    help = "Compute (and with --execute send) the consultants' payouts of one month (YYYY-MM, UTC)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="The month, YYYY-MM (by session start, UTC).")
        parser.add_argument("--execute", action="store_true", help="Send pending Stripe payouts as transfers.")
        parser.add_argument("--consultant", metavar="SLUG", help="Only this consultant.")

    def handle(self, *args, period, execute=False, consultant=None, **options):
        try:
            start, end = parse_period(period)
        except InvalidPeriod as exc:
            raise CommandError(exc.message) from exc
        candidates = Consultant.objects.filter(
            Q(
                bookings__status=BookingStatus.COMPLETED,
                bookings__payments__status=PaymentIntentStatus.SUCCEEDED,
                bookings__start__lt=end,
            )
            & (Q(bookings__start__gte=start) | Q(bookings__payout_item__isnull=True))
            | Q(payouts__kind=PayoutKind.SCHEDULED, payouts__payout_period_start=start, payouts__payout_period_end=end)
        ).distinct()
        if consultant:
            if not Consultant.objects.filter(slug=consultant).exists():
                raise CommandError(f"No consultant with the slug {consultant!r}.")
            candidates = candidates.filter(slug=consultant)
        candidates = list(candidates.order_by("last_name", "first_name", "id"))

        rows, changed = [], 0
        for person in tqdm(candidates, desc=f"payouts {period}", unit="consultant", file=self.stderr._out):
            for result in payouts_build_for_period(period_start=start, period_end=end, consultant=person):
                if result.outcome in ("created", "updated"):
                    changed += 1
                status = result.outcome
                if result.held_back:
                    reasons = sorted({s.held_back for s in result.held_back})
                    status += f" ({len(result.held_back)} held back: {', '.join(reasons)})"
                rows.append((person, result.currency, result.payout, status))

        if execute:
            rows = [self._execute(person, currency, payout, status) for person, currency, payout, status in rows]

        self._table(rows)
        if not changed and not execute:
            self.stdout.write(f"Period {period}: unchanged ({len(rows)} payout rows already up to date).")
        else:
            self.stdout.write(f"Period {period}: {changed} payout(s) created or updated.")

    def _execute(self, person, currency, payout, status):
        if payout is None or payout.status not in ("pending", "processing"):
            return person, currency, payout, status
        try:
            payout = payout_execute(payout_id=payout.pk)
        except ApplicationError as exc:
            return person, currency, payout, f"skipped: {exc.message}"
        label = payout.status if not payout.failure_reason else f"{payout.status}: {payout.failure_reason}"
        return person, currency, ConsultantPayout.objects.get(pk=payout.pk), label

    def _table(self, rows):
        lines = [COLUMNS]
        for person, currency, payout, status in rows:
            if payout is None:
                lines.append((person.slug, currency, "0", "-", "-", "-", "-", "-", status))
                continue
            lines.append(
                (
                    person.slug,
                    currency,
                    str(payout.consultations_count),
                    str(payout.gross_earnings),
                    str(payout.platform_fee),
                    str(payout.refunds_deducted),
                    str(payout.tax_withholding),
                    str(payout.amount),
                    status if status.startswith(("skipped", "completed", "failed")) else f"{payout.status}, {status}",
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS) - 1)]
        for line in lines:
            cells = [
                cell.rjust(w) if i > 1 else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(line[:-1], widths, strict=True))
            ]
            self.stdout.write("  ".join([*cells, line[-1]]))
