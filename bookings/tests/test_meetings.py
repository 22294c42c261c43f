"""Meeting providers: the manual room, and Zoom against recorded replies served over real HTTP on
127.0.0.1 (token, create, update, delete, fallback)."""

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from bookings import meetings, zoom_gateway
from bookings.exceptions import ZoomError
from bookings.models import BookingNotification, MeetingPlatform
from bookings.services import booking_cancel, booking_reschedule
from bookings.tests.notify_utils import NOW, START, Booker, event_of, invite_of, to
from magnetiq.models import AuditLogEntry
from magnetiq.testing import ReplayServer, Request

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "zoom"
JOIN_URL = "https://us05web.zoom.us/j/85746065432?pwd=R2VhbmJRaGxYUGJZbVlFd2NMQT09"
TOKEN_1 = "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIiwidiI6IjIuMCIsImtpZCI6ImZha2UifQ.test-token-1"
TOKEN_2 = "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIiwidiI6IjIuMCIsImtpZCI6ImZha2UifQ.test-token-2"
BASIC = "Basic " + base64.b64encode(b"client-id-123:client-secret-456").decode()


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | None


@dataclass
class FakeZoom:
    """Queue replies with :meth:`reply`; every request received lands in ``requests``."""

    replies: list = field(default_factory=list)
    received: list[Request] = field(default_factory=list)

    def reply(self, fixture: str | None, status: int = 200) -> None:
        self.replies.append((status, (FIXTURES / fixture).read_bytes() if fixture else b""))

    @property
    def requests(self) -> list[Recorded]:
        return [Recorded(r.method, r.path, r.query, r.headers, r.json()) for r in self.received]

    def respond(self, request: Request) -> tuple[int, bytes, dict]:
        status, body = self.replies.pop(0) if self.replies else (500, b'{"message": "no reply queued"}')
        return status, body, {"Content-Type": "application/json;charset=UTF-8"} if body else {}


@pytest.fixture
def zoom(settings):
    fake = FakeZoom()
    with ReplayServer(fake.respond) as server:
        fake.received = server.requests
        settings.ZOOM_ACCOUNT_ID = "account-789"
        settings.ZOOM_CLIENT_ID = "client-id-123"
        settings.ZOOM_CLIENT_SECRET = "client-secret-456"
        settings.ZOOM_OAUTH_URL = f"{server.url}/oauth/token"
        settings.ZOOM_API_URL = f"{server.url}/v2"
        cache.clear()
        yield fake
        cache.clear()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    return Booker(django_capture_on_commit_callbacks)


def test_confirmed_booking_gets_a_zoom_meeting_before_its_confirmation(book, consultant, zoom):
    zoom.reply("oauth_token.json")
    zoom.reply("meeting_create.json", status=201)

    booking = book(consultant)

    assert (booking.meeting_platform, booking.meeting_link) == (MeetingPlatform.ZOOM, JOIN_URL)
    token, create = zoom.requests
    assert (token.method, token.path) == ("POST", "/oauth/token")
    assert token.query == {"grant_type": ["account_credentials"], "account_id": ["account-789"]}
    assert token.headers["Authorization"] == BASIC
    assert (create.method, create.path) == ("POST", "/v2/users/me/meetings")
    assert create.headers["Authorization"] == f"Bearer {TOKEN_1}"
    assert create.headers["Content-Type"] == "application/json"
    assert create.body == {
        "topic": f"30-minute consultation with {consultant.full_name}",
        "type": 2,
        "start_time": "2026-06-02T07:00:00Z",
        "duration": 30,
        "timezone": "UTC",
        "agenda": f"Magnetiq booking {booking.reference}: Clara Client",
        "settings": {"join_before_host": False, "waiting_room": True},
    }
    (message,) = to(mail.outbox, "clara@example.com")
    assert f"Meeting link: {JOIN_URL}" in message.body
    assert str(event_of(invite_of(message)[0])["LOCATION"]) == JOIN_URL
    assert f"Meeting link: {JOIN_URL}" in to(mail.outbox, consultant.email)[0].body
    (entry,) = AuditLogEntry.objects.filter(action="bookings.booking.meeting_created")
    assert entry.data == {"reference": booking.reference, "provider": "zoom", "platform": "zoom"}


def test_token_is_cached_until_it_expires(book, consultant, zoom, clock):
    zoom.reply("oauth_token.json")
    zoom.reply("meeting_create.json", status=201)
    zoom.reply("meeting_create.json", status=201)
    zoom.reply("oauth_token_2.json")
    zoom.reply("meeting_create.json", status=201)

    book(consultant)
    book(consultant, start=START + timedelta(hours=1), client_email="second@example.com")
    clock.shift(timedelta(seconds=3599 - 60 - 1))
    assert cache.get(zoom_gateway._token_cache_key(zoom_gateway._config())) == TOKEN_1
    clock.shift(timedelta(seconds=2))  # the token is kept for expires_in − 60 s
    book(consultant, start=START + timedelta(hours=2), client_email="third@example.com")

    assert [(r.method, r.path) for r in zoom.requests] == [
        ("POST", "/oauth/token"),
        ("POST", "/v2/users/me/meetings"),
        ("POST", "/v2/users/me/meetings"),
        ("POST", "/oauth/token"),
        ("POST", "/v2/users/me/meetings"),
    ]
    assert zoom.requests[2].headers["Authorization"] == f"Bearer {TOKEN_1}"
    assert zoom.requests[4].headers["Authorization"] == f"Bearer {TOKEN_2}"


def test_revoked_token_is_refreshed_once(consultant, zoom):
    cache.set(zoom_gateway._token_cache_key(zoom_gateway._config()), "stale-token", 600)
    zoom.reply("invalid_access_token.json", status=401)
    zoom.reply("oauth_token.json")
    zoom.reply("meeting_create.json", status=201)

    meeting = zoom_gateway.create_meeting(topic="T", start=START, duration_minutes=30)

    assert meeting == zoom_gateway.ZoomMeeting(id=85746065432, join_url=JOIN_URL)
    first, token, second = zoom.requests
    assert first.headers["Authorization"] == "Bearer stale-token"
    assert token.path == "/oauth/token"
    assert second.headers["Authorization"] == f"Bearer {TOKEN_1}"


def test_reschedule_moves_and_cancel_deletes_the_zoom_meeting(
    book, consultant, zoom, django_capture_on_commit_callbacks
):
    zoom.reply("oauth_token.json")
    zoom.reply("meeting_create.json", status=201)
    zoom.reply(None, status=204)
    zoom.reply(None, status=204)
    booking = book(consultant)
    new_start = START + timedelta(hours=3)

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_reschedule(booking=booking, new_start=new_start)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking)

    _, _, patch, delete = zoom.requests
    assert (patch.method, patch.path) == ("PATCH", "/v2/meetings/85746065432")
    assert patch.body == {"start_time": "2026-06-02T10:00:00Z", "duration": 30}
    assert patch.headers["Authorization"] == f"Bearer {TOKEN_1}"
    assert (delete.method, delete.path, delete.body) == ("DELETE", "/v2/meetings/85746065432", None)
    assert delete.headers["Authorization"] == f"Bearer {TOKEN_1}"
    rescheduled = [m for m in to(mail.outbox, "clara@example.com") if m.subject.startswith("Rescheduled")]
    assert f"Meeting link: {JOIN_URL}" in rescheduled[0].body


def test_zoom_failure_falls_back_to_the_manual_room(book, consultant, zoom, caplog):
    consultant.calendar_integration = {"meeting_url": "https://meet.example.com/anna-room"}
    consultant.save()
    zoom.reply("oauth_invalid_client.json", status=400)

    booking = book(consultant)

    assert (booking.meeting_platform, booking.meeting_link) == (
        MeetingPlatform.MANUAL,
        "https://meet.example.com/anna-room",
    )
    assert len(zoom.requests) == 1
    assert "Zoom answered 400: Invalid client_id or client_secret" in caplog.text
    (message,) = to(mail.outbox, "clara@example.com")
    assert "Meeting link: https://meet.example.com/anna-room" in message.body
    (entry,) = AuditLogEntry.objects.filter(action="bookings.booking.meeting_created")
    assert entry.data["provider"] == "manual"


def test_unreachable_zoom_falls_back_without_a_link(book, consultant, settings):
    settings.ZOOM_ACCOUNT_ID, settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET = "a", "b", "c"
    settings.ZOOM_OAUTH_URL = "http://127.0.0.1:9/oauth/token"  # discard port: connection refused
    cache.clear()

    booking = book(consultant)

    assert (booking.meeting_platform, booking.meeting_link) == (MeetingPlatform.MANUAL, "")
    (message,) = to(mail.outbox, "clara@example.com")
    assert f"{consultant.full_name} will send you the meeting link before the meeting." in message.body


def test_meeting_is_created_once_for_repeated_tasks(book, consultant, zoom):
    zoom.reply("oauth_token.json")
    zoom.reply("meeting_create.json", status=201)
    booking = book(consultant)

    meetings.booking_create_meeting(booking_id=booking.pk)
    booking.meeting_link = ""
    booking.save(update_fields=["meeting_link"])
    meetings.booking_create_meeting(booking_id=booking.pk)  # claimed already: no second meeting

    assert len(zoom.requests) == 2
    assert BookingNotification.objects.filter(booking=booking, kind="meeting_created").count() == 1


def test_rate_limited_update_is_logged_not_raised(consultant, zoom, caplog):
    from bookings.tests.factories import BookingFactory

    booking = BookingFactory(consultant=consultant, start=START, meeting_platform="zoom", meeting_link=JOIN_URL)
    zoom.reply("oauth_token.json")
    zoom.reply("rate_limited.json", status=429)
    assert meetings.booking_update_meeting(booking=booking) is False
    assert "Zoom answered 429: You have reached the maximum per-second rate limit" in caplog.text


def test_delete_of_a_meeting_zoom_no_longer_knows(consultant, zoom):
    zoom.reply("oauth_token.json")
    zoom.reply("meeting_not_found.json", status=404)
    assert zoom_gateway.delete_meeting(85746065432) is False
    with pytest.raises(ZoomError) as caught:
        zoom_gateway.delete_meeting(85746065432)  # no reply queued: the fake answers 500
    assert caught.value.http_status == 500


def test_manual_provider_and_provider_choice(consultant, settings):
    from bookings.tests.factories import BookingFactory

    booking = BookingFactory(consultant=consultant, start=START, meeting_platform="teams")
    consultant.calendar_integration = {"meeting_url": "not a url"}
    assert meetings.ManualProvider().create(booking) == meetings.Meeting("teams", "")
    consultant.calendar_integration = {"meeting_url": "https://teams.example.com/room"}
    assert meetings.ManualProvider().create(booking) == meetings.Meeting("teams", "https://teams.example.com/room")

    settings.ZOOM_ACCOUNT_ID, settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET = "a", "b", "c"
    assert isinstance(meetings.provider_for(booking), meetings.ManualProvider)  # Teams stays Teams
    booking.meeting_platform = "manual"
    assert isinstance(meetings.provider_for(booking), meetings.ZoomProvider)
    settings.ZOOM_CLIENT_SECRET = ""
    assert isinstance(meetings.provider_for(booking), meetings.ManualProvider)
    assert meetings.booking_update_meeting(booking=booking) is False


def test_zoom_meeting_id_from_the_join_url():
    assert meetings.zoom_meeting_id(JOIN_URL) == 85746065432
    assert meetings.zoom_meeting_id("https://zoom.us/j/123") == 123
    assert meetings.zoom_meeting_id("https://evil.example.com/j/123") is None
    assert meetings.zoom_meeting_id("https://evil.example.com/zoom.us/j/123") is None
    assert meetings.zoom_meeting_id("https://meet.example.com/anna") is None
    assert meetings.zoom_meeting_id("") is None
