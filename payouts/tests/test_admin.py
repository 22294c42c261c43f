"""Admin smoke tests: payouts list with filters, change page, the execute and mark-failed actions."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from consultants.tests.factories import ConsultantFactory
from payouts.models import ConsultantPayout, PayoutStatus
from payouts.tests.factories import paid_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, django_user_model):
    user = django_user_model.objects.create_superuser(email="root@magnetiq.example", password="x" * 12)
    client.force_login(user)
    return client


@pytest.fixture
def payout(db):
    anna = ConsultantFactory(first_name="Anna", stripe_account_id="")
    paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    call_command("run_payouts", "--period", "2026-11", stdout=StringIO(), stderr=StringIO())
    return ConsultantPayout.objects.get()


def test_changelist_filters_and_change_page(admin_client_, payout):
    base = "/admin/payouts/consultantpayout/"
    for query in (
        "",
        "?status=pending",
        "?period=2026-11",
        "?period=bad",
        f"?consultant__id__exact={payout.consultant_id}",
    ):
        assert admin_client_.get(base + query).status_code == 200
    page = admin_client_.get(f"{base}{payout.pk}/change/")
    assert page.status_code == 200
    assert b"80.00" in page.content
    assert admin_client_.get("/admin/payouts/consultantpaymentaccount/").status_code == 200


def test_execute_action_refuses_without_setup_and_mark_failed(admin_client_, payout):
    base = "/admin/payouts/consultantpayout/"
    admin_client_.post(base, {"action": "execute_selected", "_selected_action": [payout.pk]}, follow=True)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PENDING

    admin_client_.post(base, {"action": "mark_failed", "_selected_action": [payout.pk]}, follow=True)
    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (PayoutStatus.FAILED, "Marked failed by staff.")
