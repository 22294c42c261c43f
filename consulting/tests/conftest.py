"""Fixtures of the consulting tests: a fixed clock, researchers with a schedule, JWT clients, and a
local stand-in for OpenAlex answering with the recorded replies in ``fixtures/``."""

import json
import socket
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory
from consulting.models import Paper, ResearcherProfile
from magnetiq.testing import ReplayServer, Request

FIXTURES = Path(__file__).parent / "fixtures"
#: Monday 2026-06-01, 08:00 in Berlin.
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_user(email: str, role: str = Role.CLIENT, *perms: str) -> User:
    """A user of ``role`` holding exactly ``perms`` (through a group made here)."""
    user = User.objects.create_user(email, "Pw-0123456789!", role=role, first_name="Cleo", last_name="Client")
    user.groups.clear()
    if perms:
        group, _ = Group.objects.get_or_create(name=f"test-{email}")
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        user.groups.add(group)
    return User.objects.get(pk=user.pk)


def auth(client, user):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def make_researcher(*, first_name="Rita", user=None, rate=None, **profile) -> ResearcherProfile:
    """An active researcher in Berlin, 09:00–17:00 every day, no buffer."""
    consultant = ConsultantFactory(
        first_name=first_name,
        last_name="Researcher",
        timezone="Europe/Berlin",
        booking_buffer_minutes=0,
        hourly_rate=rate,
        user=user,
        expertise_areas=["Machine Learning"],
    )
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    defaults = {"affiliation": "Stanford University", "research_areas": ["Computer Vision"], "h_index": 42}
    return ResearcherProfile.objects.create(consultant=consultant, **{**defaults, **profile})


@pytest.fixture
def researcher_user(db):
    return make_user("rita@uni.example", Role.CONSULTANT)


@pytest.fixture
def researcher(db, researcher_user):
    profile = make_researcher(user=researcher_user, institution_openalex_id="I97018004")
    Paper.objects.create(
        researcher=profile, title="Deep Learning Applications", doi="10.1234/dla.2023", openalex_id="W100", year=2023
    )
    return profile


@pytest.fixture
def client_user(db):
    return make_user("cleo@example.com")


@pytest.fixture
def other_client(db):
    return make_user("otto@example.com")


# --- OpenAlex stand-in ------------------------------------------------------------------------


@dataclass
class FakeOpenAlex:
    """``route(path, fixture, status=200, **params)``: answer a request for ``path`` whose query holds ``params``
    with the fixture; anything else → 404. Requests land in ``requests`` as ``(path, query dict)``."""

    url: str = ""
    routes: list = field(default_factory=list)
    received: list[Request] = field(default_factory=list)

    def route(self, path: str, fixture: str, status: int = 200, **params) -> None:
        self.routes.append((path, params, status, (FIXTURES / fixture).read_bytes()))

    @property
    def requests(self) -> list[tuple[str, dict]]:
        return [self.seen(r) for r in self.received]

    @staticmethod
    def seen(request: Request) -> tuple[str, dict]:
        """``(percent-decoded path, query)``; a repeated query parameter keeps its last value."""
        return urllib.parse.unquote(request.path), {k: v[-1] for k, v in request.query.items()}

    def answer(self, path: str, query: dict) -> tuple[int, bytes]:
        for route_path, params, status, body in self.routes:
            if route_path == path and all(query.get(k) == v for k, v in params.items()):
                return status, body
        return 404, json.dumps({"error": "Not found", "message": f"{path} is not a known entity"}).encode()

    def respond(self, request: Request) -> tuple[int, bytes, dict]:
        status, body = self.answer(*self.seen(request))
        return status, body, {"Content-Type": "application/json; charset=utf-8"}


@pytest.fixture
def fake_openalex(settings):
    openalex = FakeOpenAlex()
    with ReplayServer(openalex.respond) as server:
        openalex.url, openalex.received = server.url, server.requests
        settings.OPENALEX_BASE_URL = openalex.url
        settings.OPENALEX_MAILTO = "data@magnetiq.example"
        yield openalex


@pytest.fixture
def openalex_down(settings):
    """``OPENALEX_BASE_URL`` pointing at a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.OPENALEX_BASE_URL = f"http://127.0.0.1:{port}"
    settings.OPENALEX_TIMEOUT_SECONDS = 2
    return settings.OPENALEX_BASE_URL
