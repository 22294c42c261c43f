"""Users holding consultant permissions, given directly or through a group made here."""

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from magnetiq.testing import ReplayServer, Request


def grant(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="consultants", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)  # fresh instance: no stale permission cache


@pytest.fixture
def make_user(db):
    def make(email: str, *codenames: str):
        user = get_user_model().objects.create_user(email=email, password="x" * 12)
        # Start from no permissions at all: drop the group of the default role.
        user.groups.clear()
        return grant(user, *codenames)

    return make


@pytest.fixture
def manager(make_user):
    """A consultant manager: every consultant permission, through a group as the roles do it."""
    user = make_user("manager@magnetiq.example")
    group = Group.objects.create(name="test-consultant-managers")
    group.permissions.set(Permission.objects.filter(content_type__app_label="consultants"))
    user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def viewer(make_user):
    return make_user("viewer@magnetiq.example", "view_consultant")


# --- Scoopp (LinkedIn import): recorded replies over real local HTTP ------------------------------

SCOOPP_FIXTURES = Path(__file__).parent / "fixtures" / "scoopp"
SCOOPP_KEY = "test-scoopp-key-0123"
SCOOPP_SECRET = "test-scoopp-webhook-secret"


@dataclass
class FakeScoopp:
    """Queue replies with :meth:`reply` (a fixture file, status, headers, delay in seconds); every
    request lands in ``requests`` (``magnetiq.testing.Request``). No reply queued → 500."""

    url: str = ""
    replies: list = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def reply(self, fixture: str | None, status: int = 200, *, headers: dict | None = None, delay: float = 0) -> None:
        body = (SCOOPP_FIXTURES / fixture).read_bytes() if fixture else b""
        self.replies.append((status, body, headers or {}, delay))

    def respond(self, request: Request) -> tuple[int, bytes, dict]:
        if not self.replies:
            return 500, b'{"error": {"message": "no reply queued"}}', {"Content-Type": "application/json"}
        status, body, headers, delay = self.replies.pop(0)
        if delay:
            time.sleep(delay)
        return status, body, {"Content-Type": "application/json", **headers}


#: The read timeout (seconds) of the tests whose Scoopp stand-in answers late (``delay=1.0``).
SHORT_TIMEOUT = 0.3


@pytest.fixture
def scoopp(settings):
    """A Scoopp stand-in on 127.0.0.1 with the key and webhook secret configured.

    The read timeout is generous (10 s) so a loaded machine never turns an answer into a timeout; a
    test about timeouts sets a short one itself (:data:`SHORT_TIMEOUT`) and queues a delayed reply."""
    fake = FakeScoopp()
    with ReplayServer(fake.respond) as server:
        fake.url, fake.requests = server.url, server.requests
        settings.SCOOPP_BASE_URL = f"{server.url}/v1"
        settings.SCOOPP_API_KEY = SCOOPP_KEY
        settings.SCOOPP_WEBHOOK_SECRET = SCOOPP_SECRET
        settings.SCOOPP_TIMEOUT_SECONDS = 10
        settings.SCOOPP_POLL_AFTER_MINUTES = 10
        yield fake


@pytest.fixture
def clock():
    """The clock stopped at the suite's current time (moved with ``clock.shift(...)``)."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller
