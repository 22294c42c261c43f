"""Retrying webhook events whose application failed (RELIABILITY S-6 on the task path):
``manage.py process_webhook_events`` and its task, against localstripe with signed events."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import TestCase
from django.utils import timezone

from bookings.models import BookingStatus
from magnetiq.tests.parallel import run_together
from payments.models import LedgerEntry, Payment, PaymentIntentStatus, WebhookEvent, WebhookStatus
from payments.services import payment_create_for_booking
from payments.services.webhooks import webhook_event_claim, webhook_process, webhook_receive
from payments.tasks import process_webhook_events_task

from .conftest import hold, next_slot
from .test_webhooks import pay_at_stripe


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("process_webhook_events", *args, stdout=out)
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


def receive_failing(payment, *, event_id="evt_s"):
    """Store a ``payment_intent.succeeded`` whose application (the task enqueued after commit) hits a
    lock timeout half-way: after the payment row and the ledger were written, while confirming the
    booking."""
    with (
        mock.patch("payments.services.checkout.booking_confirm", side_effect=OperationalError("database is locked")),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        event, _ = webhook_receive(
            provider="stripe",
            event_id=event_id,
            type="payment_intent.succeeded",
            payload={"id": event_id, "data": {"object": {"id": payment.payment_intent_id}}},
            object_id=payment.payment_intent_id,
        )
    event.refresh_from_db()
    return event


def assert_nothing_applied(payment):
    payment.refresh_from_db()
    assert payment.status == PaymentIntentStatus.REQUIRES_PAYMENT_METHOD
    assert LedgerEntry.objects.count() == 0
    payment.booking.refresh_from_db()
    assert payment.booking.status == BookingStatus.PENDING_PAYMENT


def assert_applied_once(payment):
    payment.refresh_from_db()
    assert payment.status == PaymentIntentStatus.SUCCEEDED
    assert sorted(LedgerEntry.objects.values_list("kind", flat=True)) == ["fee", "payment"]
    booking = payment.booking
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.changes.filter(kind="confirmed").count() == 1


@pytest.fixture
def paid(localstripe, held_booking):
    payment = payment_create_for_booking(booking=held_booking)
    pay_at_stripe(payment)
    return payment


@pytest.mark.django_db
class TestCommand:
    def test_a_failure_in_the_task_leaves_no_partial_change_and_the_command_applies_it_once(self, paid):
        event = receive_failing(paid)
        assert (event.status, event.attempts, event.error) == (
            WebhookStatus.FAILED,
            1,
            "OperationalError: database is locked",
        )
        assert_nothing_applied(paid)

        assert run() == (
            0,
            "processed 1, ignored 0, failed 0, skipped 0 (claimed by another run), given up 0 (≥ 5 attempts)\n",
        )
        event.refresh_from_db()
        assert (event.status, event.attempts, event.error, event.claimed_until) == (
            WebhookStatus.PROCESSED,
            2,
            "",
            None,
        )
        assert_applied_once(paid)

        # Cron runs again: nothing left to do, nothing applied twice.
        assert run()[1].startswith("processed 0, ignored 0, failed 0, skipped 0")
        assert_applied_once(paid)

    def test_still_failing_exits_1_and_gives_up_after_max_attempts(self, paid):
        event = receive_failing(paid)
        with mock.patch(
            "payments.services.checkout.booking_confirm", side_effect=OperationalError("database is locked")
        ):
            code, out = run("--max-attempts", "2")
            assert (code, out) == (
                1,
                "processed 0, ignored 0, failed 1, skipped 0 (claimed by another run), given up 0 (≥ 2 attempts)\n"
                "1 webhook event(s) still failing; see WebhookEvent.error.",
            )
            code, out = run("--max-attempts", "2")
        assert code == 1
        assert out.startswith("processed 0, ignored 0, failed 0, skipped 0 (claimed by another run), given up 1")
        event.refresh_from_db()
        assert (event.status, event.attempts) == (WebhookStatus.FAILED, 2)
        assert_nothing_applied(paid)
        # Raising the limit lets it through once the database is fine again.
        assert run("--max-attempts", "3")[0] == 0
        assert_applied_once(paid)

    def test_limit_and_order(self, localstripe, consultant):
        payments = []
        for i in range(3):
            payment = payment_create_for_booking(booking=hold(consultant, start=next_slot(hour=10 + i)))
            pay_at_stripe(payment)
            payments.append(payment)
        events = [receive_failing(p, event_id=f"evt_{i}") for i, p in enumerate(payments)]
        assert run("--limit", "2")[0] == 0
        assert [WebhookEvent.objects.get(pk=e.pk).status for e in events] == ["processed", "processed", "failed"]
        assert run("--limit", "2")[0] == 0
        assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}

    def test_a_fresh_received_event_is_left_to_its_task_an_old_one_is_taken(self, paid):
        # Stored, but its task never ran (no commit here, so the after-commit enqueue never fires:
        # as when the worker was lost).
        webhook_receive(
            provider="stripe",
            event_id="evt_lost",
            type="payment_intent.succeeded",
            payload={},
            object_id=paid.payment_intent_id,
        )
        assert run()[1].startswith("processed 0,")
        with time_machine.travel(timezone.now() + timedelta(minutes=3)):
            assert run()[1].startswith("processed 1,")
        assert_applied_once(paid)

    def test_a_claimed_event_is_skipped_until_the_lease_runs_out(self, paid):
        event = receive_failing(paid)
        assert webhook_event_claim(event_pk=event.pk, max_attempts=5) is True
        assert webhook_event_claim(event_pk=event.pk, max_attempts=5) is False
        assert run()[1].startswith("processed 0, ignored 0, failed 0, skipped 1")
        assert_nothing_applied(paid)
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            assert run()[1].startswith("processed 1,")
        assert_applied_once(paid)

    def test_a_delivery_leaves_an_event_another_worker_is_applying_to_it(self, paid):
        event = receive_failing(paid)
        assert webhook_event_claim(event_pk=event.pk, max_attempts=5) is True
        again = webhook_process(event_pk=event.pk)
        assert (again.status, again.attempts) == (WebhookStatus.FAILED, 1)
        assert_nothing_applied(paid)
        done = webhook_process(event_pk=event.pk, claimed=True)
        assert (done.status, done.attempts, done.claimed_until) == (WebhookStatus.PROCESSED, 2, None)
        assert_applied_once(paid)

    @pytest.mark.parametrize("args", [("--limit", "0"), ("--max-attempts", "0")])
    def test_bad_arguments(self, db, args):
        code, out = run(*args)
        assert code == 1
        assert out.endswith("must be at least 1.")

    def test_the_task_does_the_same(self, paid):
        receive_failing(paid)
        result = process_webhook_events_task.enqueue(limit=10, max_attempts=5)
        assert result.return_value == {"processed": 1, "ignored": 0, "failed": 0, "skipped": 0, "exhausted": 0}
        assert_applied_once(paid)


@pytest.mark.django_db(transaction=True)
def test_two_commands_racing_apply_the_event_once(localstripe, consultant):
    payment = payment_create_for_booking(booking=hold(consultant))
    pay_at_stripe(payment)
    receive_failing(payment)
    assert_nothing_applied(payment)
    outputs = run_together([run, run])
    assert [type(output) for output in outputs] == [tuple, tuple], outputs
    assert [code for code, _ in outputs] == [0, 0]
    processed = sorted(int(out.split(",")[0].removeprefix("processed ")) for _, out in outputs)
    assert processed == [0, 1]
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (WebhookStatus.PROCESSED, 2)
    assert Payment.objects.get().status == PaymentIntentStatus.SUCCEEDED
    assert_applied_once(payment)
