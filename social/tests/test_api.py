"""The LinkedIn and X endpoints of spec/endpoints.txt: each is served and in the schema, in the
project's envelope, errors and pagination, and the roles reach exactly what they should."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.models import Role
from content.tests.factories import png_bytes
from magnetiq.api.schema import SchemaGenerator
from social.models import EngagementSnapshot, Network, PostStatus, SocialAccount, SocialMedia, SocialPost
from social.tests.conftest import SHORT_TIMEOUT, recorded, slow
from social.tests.factories import SocialAccountFactory, SocialMediaFactory, SocialPostFactory, body

pytestmark = pytest.mark.django_db

ENDPOINTS_TXT = Path(settings.BASE_DIR).parent / "shared" / "spec" / "endpoints.txt"
#: The social lines of spec/endpoints.txt (copied, so the test runs where the spec is absent too;
#: the next test checks the copy against the spec when it is there).
SPEC = """
GET    /api/v1/communication/linkedin/accounts
POST   /api/v1/communication/linkedin/accounts
DELETE /api/v1/communication/linkedin/accounts/{id}
GET    /api/v1/communication/linkedin/content
POST   /api/v1/communication/linkedin/content
DELETE /api/v1/communication/linkedin/content/{id}
GET    /api/v1/communication/linkedin/content/{id}
PUT    /api/v1/communication/linkedin/content/{id}
GET    /api/v1/communication/linkedin/content/{id}/formatted
POST   /api/v1/communication/linkedin/content/{id}/publish
GET    /api/v1/communication/linkedin/engagement
GET    /api/v1/communication/linkedin/engagement/{post_id}
POST   /api/v1/communication/linkedin/media
GET    /api/v1/communication/twitter/accounts
POST   /api/v1/communication/twitter/accounts
DELETE /api/v1/communication/twitter/accounts/{id}
GET    /api/v1/communication/twitter/content
POST   /api/v1/communication/twitter/content
DELETE /api/v1/communication/twitter/content/{id}
GET    /api/v1/communication/twitter/content/{id}
PUT    /api/v1/communication/twitter/content/{id}
GET    /api/v1/communication/twitter/content/{id}/formatted
POST   /api/v1/communication/twitter/content/{id}/publish
GET    /api/v1/communication/twitter/engagement
GET    /api/v1/communication/twitter/engagement/{tweet_id}
POST   /api/v1/communication/twitter/media
"""
ENDPOINTS = [tuple(line.split()) for line in SPEC.strip().splitlines()]


def test_the_list_is_the_spec_s():
    if not ENDPOINTS_TXT.exists():
        pytest.skip("spec/endpoints.txt is not beside the project")
    lines = ENDPOINTS_TXT.read_text().splitlines()
    spec = [
        tuple(line.split("#")[0].split()) for line in lines if "/communication/linkedin" in line or "/twitter/" in line
    ]
    assert sorted(spec) == sorted(ENDPOINTS)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_is_served_and_documented(method, path, api_as):
    concrete = re.sub(r"\{[a-z_]+\}", "1", path)
    try:
        match = resolve(concrete)
    except Resolver404:  # pragma: no cover - the assertion below names it
        match = None
    assert match is not None and match.url_name != "not-found", path
    assert method.lower() in match.func.view_class.http_method_names
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][path][method.lower()]
    assert operation["security"]  # staff only
    # Answered by the view in the project's shapes: a missing object is the JSON 404, never a 500.
    response = getattr(api_as(Role.SUPER_ADMIN), method.lower())(concrete, {}, format="json")
    assert response.status_code < 500, response.content[:300]
    assert response.json()["success"] in (True, False)


def test_create_get_update_list_format_and_delete_a_post(api_as):
    client = api_as(Role.EDITOR)
    media = SocialMediaFactory(network=Network.X)
    created = client.post(
        "/api/v1/communication/twitter/content",
        {"title": "Launch", "body": body("word " * 70), "media_ids": [media.pk]},
        format="json",
    )
    assert created.status_code == 201, created.content
    post = created.json()["data"]
    assert (post["network"], post["status"], post["media_ids"]) == ("x", "draft", [media.pk])

    when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    updated = client.put(
        f"/api/v1/communication/twitter/content/{post['id']}", {"scheduled_at": when.isoformat()}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["data"]["status"] == "scheduled"

    formatted = client.get(f"/api/v1/communication/twitter/content/{post['id']}/formatted").json()["data"]
    assert [t["text"][-4:] for t in formatted["tweets"]] == [" 1/2", " 2/2"]
    assert formatted["fits"] is True and formatted["limit"] == 280

    listed = client.get("/api/v1/communication/twitter/content?status=scheduled").json()["data"]
    assert [p["id"] for p in listed["posts"]] == [post["id"]]
    assert listed["pagination"] == {"page": 1, "limit": 20, "total": 1, "pages": 1}
    # The other network's list does not show it, and its address does not find it.
    assert client.get("/api/v1/communication/linkedin/content").json()["data"]["posts"] == []
    assert client.get(f"/api/v1/communication/linkedin/content/{post['id']}").status_code == 404

    assert client.delete(f"/api/v1/communication/twitter/content/{post['id']}").status_code == 204
    assert not SocialPost.objects.exists()


def test_linkedin_formatted_shows_commentary(api_as):
    post = SocialPostFactory(body=body("Hi #team (all)"))
    data = (
        api_as(Role.ANALYTICS_VIEWER).get(f"/api/v1/communication/linkedin/content/{post.pk}/formatted").json()["data"]
    )
    assert data["commentary"] == "Hi {hashtag|\\#|team} \\(all\\)"
    assert (data["text"], data["length"], data["limit"], data["tweets"]) == ("Hi #team (all)", 14, 3000, [])


def test_bad_input_is_422_in_the_error_shape(api_as):
    client = api_as(Role.EDITOR)
    response = client.post("/api/v1/communication/linkedin/content", {"body": "not blocks"}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "INVALID_PORTABLE_TEXT"
    response = client.post(
        "/api/v1/communication/linkedin/content",
        {"body": body("Hi"), "scheduled_at": (timezone.now() - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "scheduled_at"


def test_editing_a_published_post_is_409(api_as):
    post = SocialPostFactory(status=PostStatus.PUBLISHED)
    response = api_as(Role.EDITOR).put(
        f"/api/v1/communication/linkedin/content/{post.pk}", {"title": "New"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "SOCIAL_POST_INVALID_STATE"


def test_connect_start_and_finish_through_the_api(network, api_as):
    network.on("POST", "/oauth/v2/accessToken", recorded("linkedin", "token"))
    network.on("GET", "/v2/userinfo", recorded("linkedin", "userinfo"))
    client = api_as(Role.ADMIN)
    start = client.post("/api/v1/communication/linkedin/accounts", {}, format="json")
    assert start.status_code == 200
    state = start.json()["data"]["state"]
    assert start.json()["data"]["authorize_url"].startswith(network.url)

    done = client.post("/api/v1/communication/linkedin/accounts", {"code": "c", "state": state}, format="json")
    assert done.status_code == 201
    account = done.json()["data"]
    assert account["name"] == "Ada Lovelace"
    assert "access_token" not in account and "refresh_token" not in account

    listed = client.get("/api/v1/communication/linkedin/accounts").json()["data"]["accounts"]
    assert [a["id"] for a in listed] == [account["id"]]
    gone = client.delete(f"/api/v1/communication/linkedin/accounts/{account['id']}")
    assert gone.status_code == 200 and gone.json()["data"]["status"] == "disconnected"


def test_connect_with_a_code_but_no_state_is_422(api_as):
    response = api_as(Role.ADMIN).post("/api/v1/communication/twitter/accounts", {"code": "c"}, format="json")
    assert response.status_code == 422


def test_not_configured_is_a_clear_400(api_as, settings):
    settings.X_CLIENT_ID = ""
    response = api_as(Role.ADMIN).post("/api/v1/communication/twitter/accounts", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "SOCIAL_NOT_CONFIGURED",
        "message": "X is not configured: set X_CLIENT_ID (and X_CLIENT_SECRET for a confidential client).",
        "details": [],
    }


def test_publish_rate_limited_is_429_with_retry_after(network, api_as):
    network.on("POST", "/2/tweets", recorded("x", "error_429", 429, {"Retry-After": "120"}))
    post = SocialPostFactory(network=Network.X, account=SocialAccountFactory(network=Network.X))
    response = api_as(Role.EDITOR).post(f"/api/v1/communication/twitter/content/{post.pk}/publish")
    assert response.status_code == 429
    assert response["Retry-After"] == "120"
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert "120 seconds" in response.json()["error"]["message"]


def test_publish_timeout_is_502_unknown(network, api_as, settings):
    settings.SOCIAL_TIMEOUT_SECONDS = SHORT_TIMEOUT
    network.on("POST", "/rest/posts", slow(1.5, (201, b"", {"x-restli-id": "urn:li:share:1"})))
    post = SocialPostFactory(account=SocialAccountFactory())
    response = api_as(Role.EDITOR).post(f"/api/v1/communication/linkedin/content/{post.pk}/publish")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "SOCIAL_PUBLISH_UNKNOWN"
    post.refresh_from_db()
    assert post.status == PostStatus.UNKNOWN


def test_publish_success(network, api_as):
    network.on("POST", "/rest/posts", (201, b"", {"x-restli-id": "urn:li:share:9"}))
    post = SocialPostFactory(account=SocialAccountFactory())
    response = api_as(Role.EDITOR).post(f"/api/v1/communication/linkedin/content/{post.pk}/publish")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "published"
    assert response.json()["data"]["external_id"] == "urn:li:share:9"


def test_media_upload_checks_bytes_and_network_limits(api_as):
    client = api_as(Role.EDITOR)
    ok = client.post(
        "/api/v1/communication/linkedin/media",
        {"file": SimpleUploadedFile("photo.jpg", png_bytes(4, 3), content_type="image/jpeg"), "alt_text": "Team"},
        format="multipart",
    )
    assert ok.status_code == 201, ok.content
    assert {k: ok.json()["data"][k] for k in ("mime_type", "width", "height", "alt_text")} == {
        "mime_type": "image/png",
        "width": 4,
        "height": 3,
        "alt_text": "Team",
    }
    webp = b"RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x02\x00\x00"
    refused = client.post(
        "/api/v1/communication/linkedin/media",
        {"file": SimpleUploadedFile("a.webp", webp, content_type="image/webp")},
        format="multipart",
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    html = client.post(
        "/api/v1/communication/twitter/media",
        {"file": SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>", content_type="image/png")},
        format="multipart",
    )
    assert html.status_code == 422
    big = png_bytes(3, 2) + b"\x00" * (5 * 1024 * 1024)
    too_big = client.post(
        "/api/v1/communication/twitter/media",
        {"file": SimpleUploadedFile("big.png", big, content_type="image/png")},
        format="multipart",
    )
    assert too_big.status_code == 422
    assert too_big.json()["error"]["details"][0]["code"] == "too_large"
    assert SocialMedia.objects.count() == 1


def test_engagement_endpoints(api_as):
    account = SocialAccountFactory(network=Network.X, name="Magnetiq")
    post = SocialPostFactory(
        network=Network.X, account=account, status=PostStatus.PUBLISHED, published_at=timezone.now(), external_id="1"
    )
    earlier = timezone.now() - timedelta(hours=1)
    EngagementSnapshot.objects.create(account=account, post=post, fetched_at=earlier, likes=1)
    EngagementSnapshot.objects.create(account=account, post=post, fetched_at=timezone.now(), likes=5, impressions=90)
    EngagementSnapshot.objects.create(account=account, fetched_at=timezone.now(), followers=842, likes=5)
    client = api_as(Role.ANALYTICS_VIEWER)

    summary = client.get("/api/v1/communication/twitter/engagement").json()["data"]
    assert summary["totals"] == {"posts": 1, "likes": 5, "comments": 0, "shares": 0, "impressions": 90}
    assert [(a["name"], a["latest"]["followers"]) for a in summary["accounts"]] == [("Magnetiq", 842)]

    detail = client.get(f"/api/v1/communication/twitter/engagement/{post.pk}").json()["data"]
    assert detail["latest"]["likes"] == 5
    assert [s["likes"] for s in detail["history"]] == [5, 1]
    assert client.get(f"/api/v1/communication/linkedin/engagement/{post.pk}").status_code == 404


# --- roles ------------------------------------------------------------------------------------

SA, AD, CM, PM, AV, ED, VI, CO, CL = (
    Role.SUPER_ADMIN,
    Role.ADMIN,
    Role.CONSULTANT_MANAGER,
    Role.PAYMENT_MANAGER,
    Role.ANALYTICS_VIEWER,
    Role.EDITOR,
    Role.VIEWER,
    Role.CONSULTANT,
    Role.CLIENT,
)
ALL_ROLES = (SA, AD, CM, PM, AV, ED, VI, CO, CL)
MATRIX = [
    # (name, method, url, body, success status, roles allowed)
    ("accounts list", "get", "/api/v1/communication/linkedin/accounts", None, 200, {SA, AD, AV, ED}),
    ("connect start", "post", "/api/v1/communication/twitter/accounts", {}, 200, {SA, AD}),
    ("disconnect", "delete", "/api/v1/communication/linkedin/accounts/{account}", None, 200, {SA, AD}),
    ("posts list", "get", "/api/v1/communication/linkedin/content", None, 200, {SA, AD, AV, ED}),
    ("post create", "post", "/api/v1/communication/linkedin/content", {"body": body("Hi")}, 201, {SA, AD, ED}),
    ("post get", "get", "/api/v1/communication/linkedin/content/{post}", None, 200, {SA, AD, AV, ED}),
    ("post put", "put", "/api/v1/communication/linkedin/content/{post}", {"title": "T"}, 200, {SA, AD, ED}),
    ("post formatted", "get", "/api/v1/communication/linkedin/content/{post}/formatted", None, 200, {SA, AD, AV, ED}),
    ("post delete", "delete", "/api/v1/communication/linkedin/content/{post}", None, 204, {SA, AD, ED}),
    ("engagement", "get", "/api/v1/communication/twitter/engagement", None, 200, {SA, AD, AV, ED}),
    ("post engagement", "get", "/api/v1/communication/linkedin/engagement/{post}", None, 200, {SA, AD, AV, ED}),
]


@pytest.fixture
def configured(settings):
    settings.LINKEDIN_CLIENT_ID = settings.X_CLIENT_ID = "id"
    settings.LINKEDIN_CLIENT_SECRET = settings.X_CLIENT_SECRET = "secret"


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("endpoint", MATRIX, ids=[e[0] for e in MATRIX])
def test_role_against_endpoint(role, endpoint, api_as, configured):
    name, method, url, data, success, allowed = endpoint
    url = url.format(account=SocialAccountFactory().pk, post=SocialPostFactory().pk)
    response = getattr(api_as(role), method)(url, data, format="json")
    if role in allowed:
        assert response.status_code == success, (name, role, response.content[:300])
    else:
        assert response.status_code == 403, (name, role, response.status_code)


@pytest.mark.parametrize("endpoint", MATRIX, ids=[e[0] for e in MATRIX])
def test_no_token_is_401(endpoint, client):
    _name, method, url, data, _success, _allowed = endpoint
    response = getattr(client, method)(url.format(account=1, post=1), data, content_type="application/json")
    assert response.status_code == 401


def test_publish_needs_change_permission(api_as):
    post = SocialPostFactory()
    response = api_as(Role.ANALYTICS_VIEWER).post(f"/api/v1/communication/linkedin/content/{post.pk}/publish")
    assert response.status_code == 403
    assert SocialAccount.objects.count() == 0
