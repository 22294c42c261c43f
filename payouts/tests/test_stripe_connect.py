"""Connect set-up, status mapping and transfers through the real ``stripe`` SDK against recorded
Stripe responses served on 127.0.0.1; ``run_payouts --execute``; ledger agreement."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Sum

from consultants.models import KYCStatus, PaymentSetupStatus
from consultants.tests.factories import ConsultantFactory
from magnetiq.models import AuditLogEntry
from payments.models import LedgerEntry, LedgerKind
from payouts.exceptions import KYCTransitionNotAllowed, PaymentSetupIncomplete
from payouts.models import ConsultantPayout, PayoutItem, PayoutStatus
from payouts.services import (
    consultant_kyc_update,
    consultant_payment_setup_start,
    consultant_payment_status_refresh,
    payout_execute,
)
from payouts.tests.factories import paid_session, refund

pytestmark = pytest.mark.django_db

ACCOUNT = "acct_1Q8xKz2eZvKYlo2C"
NOW = datetime(2026, 12, 2, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ready():
    """A consultant whose Stripe set-up is complete."""
    return ConsultantFactory(
        first_name="Ready",
        stripe_account_id=ACCOUNT,
        payment_setup_status=PaymentSetupStatus.COMPLETED,
        kyc_status=KYCStatus.APPROVED,
    )


def test_setup_creates_the_express_account_once_and_returns_the_onboarding_link(fake_stripe, payment_manager):
    anna = ConsultantFactory(first_name="Anna", stripe_account_id="", email="anna@example.com")
    fake_stripe.reply("account_new.json")
    fake_stripe.reply("account_link.json")

    start = consultant_payment_setup_start(consultant_id=anna.pk, country="de", actor=payment_manager)

    assert start.onboarding_url == "https://connect.stripe.com/setup/e/acct_1Q8xKz2eZvKYlo2C/kS3jXvN8RqWb"
    assert (start.account_created, start.expires_at) == (True, datetime.fromtimestamp(1793000400, tz=UTC))
    create, link = fake_stripe.requests
    assert (create.method, create.path) == ("POST", "/v1/accounts")
    assert create.headers["idempotency-key"] == f"consultant-{anna.pk}-connect-account"
    assert create.headers["authorization"] == "Bearer sk_test_payouts"
    assert create.form == {
        "type": ["express"],
        "country": ["DE"],
        "email": ["anna@example.com"],
        "capabilities[transfers][requested]": ["true"],
        "metadata[consultant_id]": [str(anna.pk)],
    }
    assert (link.path, link.form) == (
        "/v1/account_links",
        {
            "account": [ACCOUNT],
            "refresh_url": ["https://magnetiq.example/?payment-setup=refresh"],
            "return_url": ["https://magnetiq.example/?payment-setup=return"],
            "type": ["account_onboarding"],
        },
    )
    anna.refresh_from_db()
    assert (anna.stripe_account_id, anna.payment_setup_status) == (ACCOUNT, PaymentSetupStatus.IN_PROGRESS)
    assert AuditLogEntry.objects.filter(action="payouts.payment_setup.started", actor=payment_manager).count() == 1

    # Again: no second account, only a fresh link.
    fake_stripe.reply("account_link.json")
    again = consultant_payment_setup_start(consultant_id=anna.pk)
    assert again.account_created is False
    assert [r.path for r in fake_stripe.requests[2:]] == ["/v1/account_links"]


@pytest.mark.parametrize(
    ("fixture", "setup", "kyc", "bank"),
    [
        ("account_new.json", "in_progress", "not_submitted", False),
        ("account_pending.json", "pending_verification", "under_review", False),
        ("account_errors.json", "pending_verification", "requires_update", False),
        ("account_rejected.json", "failed", "rejected", False),
        ("account_complete.json", "completed", "approved", True),
    ],
)
def test_status_maps_the_account(fake_stripe, fixture, setup, kyc, bank):
    anna = ConsultantFactory(stripe_account_id=ACCOUNT, payment_setup_status=PaymentSetupStatus.IN_PROGRESS)
    fake_stripe.reply(fixture)

    consultant, _ = consultant_payment_status_refresh(consultant_id=anna.pk)

    assert [(r.method, r.path) for r in fake_stripe.requests] == [("GET", f"/v1/accounts/{ACCOUNT}")]
    assert (consultant.payment_setup_status, consultant.kyc_status, consultant.bank_account_verified) == (
        setup,
        kyc,
        bank,
    )
    anna.refresh_from_db()
    assert (anna.payment_setup_status, anna.kyc_status) == (setup, kyc)


def test_staff_rejection_is_not_lifted_by_stripe(fake_stripe):
    anna = ConsultantFactory(stripe_account_id=ACCOUNT, kyc_status=KYCStatus.UNDER_REVIEW)
    consultant_kyc_update(consultant_id=anna.pk, status="rejected", notes="Documents forged.")
    fake_stripe.reply("account_complete.json")

    consultant, _ = consultant_payment_status_refresh(consultant_id=anna.pk)

    assert (consultant.kyc_status, consultant.payment_setup_status) == ("rejected", "failed")
    assert "KYC under_review → rejected: Documents forged." in consultant.verification_notes


def test_kyc_transitions():
    anna = ConsultantFactory(kyc_status=KYCStatus.NOT_SUBMITTED)
    with pytest.raises(KYCTransitionNotAllowed):
        consultant_kyc_update(consultant_id=anna.pk, status="approved")
    assert consultant_kyc_update(consultant_id=anna.pk, status="under_review").kyc_status == "under_review"
    assert consultant_kyc_update(consultant_id=anna.pk, status="approved").kyc_status == "approved"


def test_execute_sends_the_transfer_and_records_the_ledger(fake_stripe, ready):
    a = paid_session(ready, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    paid_session(ready, start=datetime(2026, 11, 4, 9, tzinfo=UTC))
    refund(a, "2.50")  # 200 − 2.50 = 197.50, fee 39.50 → 158.00 (the recorded transfer's amount)
    call_command("run_payouts", "--period", "2026-11", stdout=StringIO(), stderr=StringIO())
    payout = ConsultantPayout.objects.get()
    fake_stripe.reply("transfer.json")

    payout = payout_execute(payout_id=payout.pk)

    [request] = fake_stripe.requests
    assert (request.method, request.path, request.headers["idempotency-key"]) == (
        "POST",
        "/v1/transfers",
        f"payout-{payout.pk}",
    )
    assert request.form == {
        "amount": ["15800"],
        "currency": ["usd"],
        "destination": [ACCOUNT],
        "transfer_group": [f"payout-{payout.pk}"],
        "metadata[payout_id]": [str(payout.pk)],
        "metadata[consultant_id]": [str(ready.pk)],
    }
    assert (payout.status, payout.external_payout_id, payout.amount) == (
        PayoutStatus.COMPLETED,
        "tr_1QAbCdEfGhIjKlMn",
        Decimal("158.00"),
    )
    entry = LedgerEntry.objects.get(kind=LedgerKind.PAYOUT)
    assert (entry.amount, entry.currency, entry.source_id, entry.consultant_id) == (
        Decimal("-158.00"),
        "USD",
        "tr_1QAbCdEfGhIjKlMn",
        ready.pk,
    )
    with pytest.raises(Exception, match="completed"):
        payout_execute(payout_id=payout.pk)
    assert len(fake_stripe.requests) == 1


def test_execute_records_a_refused_transfer(fake_stripe, ready):
    paid_session(ready)
    call_command("run_payouts", "--period", "2026-11", stdout=StringIO(), stderr=StringIO())
    fake_stripe.reply("transfer_balance_insufficient.json", status=400)

    payout = payout_execute(payout_id=ConsultantPayout.objects.get().pk)

    assert payout.status == PayoutStatus.FAILED
    assert payout.failure_reason.startswith("balance_insufficient: You have insufficient available funds")
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).exists()


def test_execute_refuses_without_completed_setup(fake_stripe):
    anna = ConsultantFactory(stripe_account_id="", payment_setup_status=PaymentSetupStatus.IN_PROGRESS)
    paid_session(anna)
    call_command("run_payouts", "--period", "2026-11", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(PaymentSetupIncomplete):
        payout_execute(payout_id=ConsultantPayout.objects.get().pk)
    assert fake_stripe.requests == []
    assert ConsultantPayout.objects.get().status == PayoutStatus.PENDING


def test_command_execute_summary_success_failure_and_skip(fake_stripe, ready):
    other = ConsultantFactory(
        first_name="Broke", stripe_account_id="acct_other", payment_setup_status="completed", kyc_status="approved"
    )
    unset = ConsultantFactory(first_name="Unset", stripe_account_id="", payment_setup_status="not_started")
    a = paid_session(ready, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    paid_session(ready, start=datetime(2026, 11, 4, 9, tzinfo=UTC))
    refund(a, "2.50")
    paid_session(other)
    paid_session(unset)
    fake_stripe.reply("transfer_balance_insufficient.json", status=400)  # broke-schmidt comes first
    fake_stripe.reply("transfer.json")
    out, err = StringIO(), StringIO()

    call_command("run_payouts", "--period", "2026-11", "--execute", stdout=out, stderr=err)

    text = out.getvalue()
    lines = {line.split()[0]: line for line in text.splitlines()[1:] if line.split() and "-" in line.split()[0]}
    assert "failed: balance_insufficient" in lines["broke-schmidt"]
    assert "completed" in lines["ready-schmidt"] and "158.00" in lines["ready-schmidt"]
    assert "skipped: Payment account setup required: no Stripe account connected." in lines["unset-schmidt"]
    assert text.splitlines()[0].split()[:3] == ["consultant", "cur", "sessions"]
    assert "payouts 2026-11" in err.getvalue()  # the tqdm bar
    assert sorted(ConsultantPayout.objects.values_list("consultant__first_name", "status")) == [
        ("Broke", "failed"),
        ("Ready", "completed"),
        ("Unset", "pending"),
    ]


def test_command_twice_prints_unchanged(fake_stripe, ready):
    paid_session(ready)
    call_command("run_payouts", "--period", "2026-11", stdout=StringIO(), stderr=StringIO())
    rows = list(ConsultantPayout.objects.values()), list(PayoutItem.objects.values())
    out = StringIO()

    call_command("run_payouts", "--period", "2026-11", stdout=out, stderr=StringIO())

    assert "Period 2026-11: unchanged" in out.getvalue()
    assert (list(ConsultantPayout.objects.values()), list(PayoutItem.objects.values())) == rows


@pytest.mark.parametrize(
    "args", [["--period", "2026-13"], ["--period", "nov"], ["--period", "2026-11", "--consultant", "nobody"]]
)
def test_command_bad_input(args):
    with pytest.raises(CommandError):
        call_command("run_payouts", *args, stdout=StringIO(), stderr=StringIO())


def test_month_payouts_and_ledger_agree_to_the_cent(fake_stripe, ready):
    """Must-show (payouts' part): for a test month, the payout ledger rows are exactly minus the
    executed payouts, and the payouts' gross, refunds and disputes are the ledger's sums for the
    bookings they include. Join with the monthly report test of the payments reports."""
    from payouts.tests.factories import dispute

    a = paid_session(ready, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    b = paid_session(ready, start=datetime(2026, 11, 4, 9, tzinfo=UTC))
    refund(a, "2.50")
    c = paid_session(ready, start=datetime(2026, 11, 5, 9, tzinfo=UTC), amount="40.00")
    dispute(c, status="lost")
    d = paid_session(ready, start=datetime(2026, 11, 6, 9, tzinfo=UTC), amount="70.00")
    dispute(d, status="needs_response")  # held back: in no payout
    fake_stripe.reply("transfer.json")

    call_command("run_payouts", "--period", "2026-11", "--execute", stdout=StringIO(), stderr=StringIO())

    executed = ConsultantPayout.objects.filter(status=PayoutStatus.COMPLETED)
    payout_ledger = LedgerEntry.objects.filter(kind=LedgerKind.PAYOUT).aggregate(s=Sum("amount"))["s"]
    assert payout_ledger == -executed.aggregate(s=Sum("amount"))["s"] == Decimal("-158.00")
    included = list(PayoutItem.objects.values_list("booking_id", flat=True))
    assert sorted(included) == sorted([a.pk, b.pk, c.pk])

    def ledger(*kinds):
        total = LedgerEntry.objects.filter(booking_id__in=included, kind__in=kinds).aggregate(s=Sum("amount"))["s"]
        return Decimal(total).quantize(Decimal("0.01"))

    payout = executed.get()
    assert payout.gross_earnings == ledger(LedgerKind.PAYMENT) == Decimal("240.00")
    assert payout.refunds_deducted == -ledger(LedgerKind.REFUND, LedgerKind.REFUND_REVERSAL) == Decimal("2.50")
    assert payout.disputes_deducted == -ledger(LedgerKind.DISPUTE, LedgerKind.DISPUTE_REVERSAL) == Decimal("40.00")
    # Platform fee: 20 % of what the sessions brought in (240 − 2.50 − 40).
    assert payout.platform_fee == Decimal("39.50")
    assert payout.amount == payout.gross_earnings - payout.platform_fee - payout.other_deductions


def test_reports_payouts_and_ledger_of_a_test_month_agree_to_the_cent(fake_stripe, ready):
    """The money of a test month (sessions in November 2026, paid out on
    2 December) seen three ways — the ledger rows, the payouts, and the financial reports built from
    the ledger (daily, monthly, the November–December range) — agrees to the cent."""
    from payments.services.reports import report_daily, report_monthly
    from payouts.tests.factories import dispute

    a = paid_session(ready, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    paid_session(ready, start=datetime(2026, 11, 4, 9, tzinfo=UTC))
    refund(a, "2.50")
    c = paid_session(ready, start=datetime(2026, 11, 5, 9, tzinfo=UTC), amount="40.00")
    dispute(c, status="lost")
    d = paid_session(ready, start=datetime(2026, 11, 6, 9, tzinfo=UTC), amount="70.00")
    dispute(d, status="needs_response")
    fake_stripe.reply("transfer.json")
    call_command("run_payouts", "--period", "2026-11", "--execute", stdout=StringIO(), stderr=StringIO())

    def ledger(*kinds) -> Decimal:
        total = LedgerEntry.objects.filter(kind__in=kinds).aggregate(s=Sum("amount"))["s"] or 0
        return Decimal(total).quantize(Decimal("0.01"))

    payout = ConsultantPayout.objects.get(status=PayoutStatus.COMPLETED)
    (both,) = report_daily(first=date(2026, 11, 1), last=date(2026, 12, 31))["totals"]
    (november,) = report_monthly(year=2026, month=11)["totals"]
    (december,) = report_monthly(year=2026, month=12)["totals"]

    # The reports are the ledger, and November + December = the whole range.
    assert Decimal(both["gross"]) == ledger(LedgerKind.PAYMENT) == Decimal("310.00")
    assert Decimal(both["refunds"]) == ledger(LedgerKind.REFUND, LedgerKind.REFUND_REVERSAL) == Decimal("-2.50")
    assert Decimal(both["disputes"]) == ledger(LedgerKind.DISPUTE, LedgerKind.DISPUTE_REVERSAL)
    assert Decimal(both["fees"]) == ledger(LedgerKind.FEE)
    assert Decimal(both["net"]) == ledger(*LedgerKind.values)
    for column in ("gross", "fees", "refunds", "disputes", "payouts", "net"):
        assert Decimal(november[column]) + Decimal(december[column]) == Decimal(both[column]), column
    # The payouts are the ledger: the transfer is the payout row, and the payout's parts are the
    # ledger sums of the sessions it includes (the disputed one is held back: 70.00 not paid out).
    assert Decimal(both["payouts"]) == ledger(LedgerKind.PAYOUT) == -payout.amount == Decimal("-158.00")
    assert payout.gross_earnings == Decimal(both["gross"]) - Decimal("70.00")
    assert payout.refunds_deducted == -Decimal(both["refunds"])
    deductions = payout.platform_fee + payout.tax_withholding + payout.other_deductions
    assert payout.amount == payout.gross_earnings - deductions


def test_reports_payouts_and_ledger_agree_to_the_cent_with_discount_codes_in_the_month(fake_stripe, ready):
    """The same agreement with discount codes in the month: the reports' gross is what was charged
    (the ledger), their ``discounts`` block adds the list price, the discount and who funded it, and
    the payout credits the consultant a discount the platform funds (also a session a platform code
    made free) but not one the consultant funds."""
    from bookings.models import BookingPaymentStatus, BookingStatus, ConsultationBooking
    from bookings.tests.factories import BookingFactory
    from payments.services.reports import report_daily, report_monthly, report_tax

    def discounted(booking, discount: str, funded_by: str) -> None:
        ConsultationBooking.objects.filter(pk=booking.pk).update(
            discount_amount=Decimal(discount), discount_code="JUNE", discount_funded_by=funded_by
        )

    paid_session(ready, start=datetime(2026, 11, 3, 9, tzinfo=UTC))  # list 100, no code
    platform = paid_session(ready, start=datetime(2026, 11, 4, 9, tzinfo=UTC), amount="80.00")
    discounted(platform, "20.00", "platform")
    own = paid_session(ready, start=datetime(2026, 11, 5, 9, tzinfo=UTC), amount="70.00")
    discounted(own, "30.00", "consultant")
    BookingFactory(
        consultant=ready,
        start=datetime(2026, 11, 6, 9, tzinfo=UTC),
        status=BookingStatus.COMPLETED,
        payment_amount=Decimal("0.00"),
        payment_status=BookingPaymentStatus.NOT_REQUIRED,
        discount_amount=Decimal("100.00"),
        discount_code="FREE",
        discount_funded_by="platform",
        confirmed_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
    )
    fake_stripe.reply("transfer.json")
    call_command("run_payouts", "--period", "2026-11", "--execute", stdout=StringIO(), stderr=StringIO())

    ledger_gross = LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT).aggregate(s=Sum("amount"))["s"]
    november = report_monthly(year=2026, month=11)
    both = report_daily(first=date(2026, 11, 1), last=date(2026, 12, 31))
    (totals,) = november["totals"]
    (codes,) = november["discounts"]
    assert Decimal(totals["gross"]) == ledger_gross == Decimal("250.00")
    assert codes == {
        "currency": "USD",
        "list_gross": "300.00",
        "discounts": "150.00",
        "charged": "150.00",
        "platform_funded": "120.00",
        "consultant_funded": "30.00",
        "discounted_payments": 2,
        "free_sessions": 1,
    }
    assert both["discounts"] == november["discounts"]
    assert report_tax(year=2026, quarter=4)["discounts"] == november["discounts"]
    assert Decimal(codes["list_gross"]) == Decimal(codes["charged"]) + Decimal(codes["discounts"])

    payout = ConsultantPayout.objects.get(status=PayoutStatus.COMPLETED)
    assert PayoutItem.objects.filter(payout=payout).count() == 4
    # The consultant earns on 100 + 80 + 20 (platform) + 70 + 0 + 100 (platform, free session).
    assert payout.gross_earnings == ledger_gross + Decimal(codes["platform_funded"]) == Decimal("370.00")
    assert (
        payout.amount == payout.gross_earnings - payout.platform_fee - payout.tax_withholding - payout.other_deductions
    )
    assert Decimal(both["totals"][0]["payouts"]) == -payout.amount
