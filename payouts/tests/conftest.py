"""Fixtures of the payouts tests: a fake Stripe on 127.0.0.1 answering with recorded responses
(the real ``stripe`` SDK makes the calls), staff users with payouts permissions, paid sessions."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from magnetiq.testing import ReplayServer, Request

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    form: dict  # parse_qs of the urlencoded body: {"capabilities[transfers][requested]": ["true"], …}


@dataclass
class FakeStripe:
    """Queue replies with :meth:`reply` (a fixture file name and a status); every request lands in
    ``requests``. An unexpected request gets a 400 so a test cannot pass by accident."""

    replies: list = field(default_factory=list)
    received: list[Request] = field(default_factory=list)

    def reply(self, fixture: str, status: int = 200) -> None:
        self.replies.append((status, (FIXTURES / fixture).read_bytes()))

    @property
    def requests(self) -> list[Recorded]:
        return [
            Recorded(r.method, r.path, {k.lower(): v for k, v in r.headers.items()}, r.form()) for r in self.received
        ]

    def respond(self, request: Request) -> tuple[int, bytes, dict]:
        status, body = (
            self.replies.pop(0)
            if self.replies
            else (400, b'{"error": {"type": "invalid_request_error", "message": "no reply queued"}}')
        )
        return status, body, {"Content-Type": "application/json", "Request-Id": f"req_test{len(self.received)}"}


@pytest.fixture
def fake_stripe(settings):
    fake = FakeStripe()
    with ReplayServer(fake.respond) as server:
        fake.received = server.requests
        settings.STRIPE_SECRET_KEY = "sk_test_payouts"
        settings.STRIPE_API_BASE = server.url
        settings.SITE_URL = "https://magnetiq.example"
        yield fake


def _user(email: str, *perms: str):
    user = get_user_model().objects.create_user(email=email, password="x" * 12, role="payment_manager")
    user.groups.clear()
    if perms:
        group = Group.objects.create(name=f"test-{email}")
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)


PAYMENT_MANAGER_PERMS = (
    "payouts.view_consultantpaymentaccount",
    "payouts.change_consultantpaymentaccount",
    "payouts.view_consultantpayout",
    "payouts.add_consultantpayout",
    "payouts.change_consultantpayout",
    "payouts.view_payoutitem",
)


@pytest.fixture
def payment_manager(db):
    return _user("pay@magnetiq.example", *PAYMENT_MANAGER_PERMS)


@pytest.fixture
def consultant_manager(db):
    """Sees the set-up status only."""
    return _user("cm@magnetiq.example", "consultants.view_consultant", "payouts.view_consultantpaymentaccount")


@pytest.fixture
def no_perms(db):
    return _user("nobody@magnetiq.example")
