"""Services against recorded LinkedIn and X answers served over local HTTP: connecting (state,
PKCE), token refresh, publishing (success, timeout → unknown, rate limit, refusals), engagement."""

import base64
import hashlib
import urllib.parse
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from content.exceptions import PortableTextError
from magnetiq.models import AuditLogEntry
from social import crypto, services
from social.exceptions import (
    NoConnectedAccount,
    OAuthStateInvalid,
    SocialAccountDisconnected,
    SocialNotConfigured,
    SocialPostInvalid,
    SocialPostStateConflict,
    SocialProviderError,
    SocialPublishUnknown,
    SocialRateLimited,
)
from social.models import AccountStatus, EngagementSnapshot, Network, OAuthState, PostStatus, SocialAccount
from social.tests.conftest import SHORT_TIMEOUT, image_init, json_of, recorded, slow
from social.tests.factories import SocialAccountFactory, SocialMediaFactory, SocialPostFactory, body

pytestmark = pytest.mark.django_db


# --- connecting --------------------------------------------------------------------------------


def test_linkedin_connect_stores_encrypted_tokens_and_uses_the_state_once(network):
    network.on("POST", "/oauth/v2/accessToken", recorded("linkedin", "token"))
    network.on("GET", "/v2/userinfo", recorded("linkedin", "userinfo"))
    staff = UserFactory(role="admin")
    start = services.account_connect_start(network=Network.LINKEDIN, actor=staff)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(start.authorize_url).query)
    assert start.authorize_url.startswith(f"{network.url}/oauth/v2/authorization?")
    assert query["state"] == [start.state]
    assert query["scope"] == ["openid profile w_member_social"]
    assert query["redirect_uri"] == ["http://127.0.0.1:3036/admin/social/socialaccount/oauth/linkedin/callback/"]

    account = services.account_connect(network=Network.LINKEDIN, code="AQTcode", state=start.state, actor=staff)

    assert (account.external_id, account.author_urn, account.name) == (
        "urn:li:person:782bbtaQ",
        "urn:li:person:782bbtaQ",
        "Ada Lovelace",
    )
    assert "AQVLinkedInAccessToken1" not in account.access_token
    assert crypto.decrypt(account.access_token) == "AQVLinkedInAccessToken1"
    assert crypto.decrypt(account.refresh_token) == "AQWLinkedInRefreshToken1"
    assert account.token_expires_at == OAuthState.objects.get().used_at + timedelta(seconds=5183999)
    form = network.sent("POST", "/oauth/v2/accessToken")[0].form()
    assert form == {
        "grant_type": ["authorization_code"],
        "code": ["AQTcode"],
        "redirect_uri": [query["redirect_uri"][0]],
        "client_id": ["li-client"],
        "client_secret": ["li-secret"],
    }
    with pytest.raises(OAuthStateInvalid):
        services.account_connect(network=Network.LINKEDIN, code="AQTcode", state=start.state, actor=staff)
    assert AuditLogEntry.objects.filter(action="social.account.connected").count() == 1


def test_x_connect_sends_the_pkce_verifier_whose_challenge_was_in_the_address(network):
    network.on("POST", "/2/oauth2/token", recorded("x", "token"))
    network.on("GET", "/2/users/me", recorded("x", "users_me"))
    start = services.account_connect_start(network=Network.X)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(start.authorize_url).query)
    assert query["code_challenge_method"] == ["S256"]

    account = services.account_connect(network=Network.X, code="x-code", state=start.state)

    token_request = network.sent("POST", "/2/oauth2/token")[0]
    verifier = token_request.form()["code_verifier"][0]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    assert query["code_challenge"] == [challenge]
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(b"x-client:x-secret").decode()
    assert (account.external_id, account.handle, account.followers) == ("1584935270516162560", "magnetiq", 842)


def test_a_state_of_the_other_network_or_expired_is_refused(network):
    start = services.account_connect_start(network=Network.X)
    with pytest.raises(OAuthStateInvalid):
        services.account_connect(network=Network.LINKEDIN, code="c", state=start.state)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False),
        pytest.raises(OAuthStateInvalid),
    ):
        services.account_connect(network=Network.X, code="c", state=start.state)
    assert network.sent() == []


def test_not_configured_names_the_settings(settings):
    settings.LINKEDIN_CLIENT_ID = ""
    with pytest.raises(SocialNotConfigured, match="LINKEDIN_CLIENT_ID"):
        services.account_connect_start(network=Network.LINKEDIN)


def test_production_without_a_token_key_refuses_to_connect(network, settings):
    settings.SOCIAL_TOKEN_KEY = ""
    settings.SOCIAL_TOKEN_KEY_REQUIRED = True
    with pytest.raises(SocialNotConfigured, match="SOCIAL_TOKEN_KEY"):
        services.account_connect_start(network=Network.LINKEDIN)


def test_tokens_decrypt_with_an_old_key_after_rotation(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SOCIAL_TOKEN_KEY = old
    stored = crypto.encrypt("secret-token")
    settings.SOCIAL_TOKEN_KEY = f"{new},{old}"
    assert crypto.decrypt(stored) == "secret-token"
    settings.SOCIAL_TOKEN_KEY = new
    with pytest.raises(SocialAccountDisconnected):
        crypto.decrypt(stored)


def test_disconnect_forgets_the_tokens():
    account = SocialAccountFactory()
    services.account_disconnect(account=account)
    account.refresh_from_db()
    assert (account.status, account.access_token, account.refresh_token) == (AccountStatus.DISCONNECTED, "", "")
    with pytest.raises(SocialAccountDisconnected):
        services.account_access_token(account=account)


# --- tokens ------------------------------------------------------------------------------------


def test_a_token_about_to_expire_is_refreshed_before_use(network):
    network.on("POST", "/2/oauth2/token", recorded("x", "token_refreshed"))
    account = SocialAccountFactory(network=Network.X, token_expires_at=timezone.now() + timedelta(minutes=2))
    assert services.account_access_token(account=account) == "X-access-token-2"
    account.refresh_from_db()
    assert crypto.decrypt(account.refresh_token) == "X-refresh-token-2"
    assert network.sent("POST", "/2/oauth2/token")[0].form()["grant_type"] == ["refresh_token"]


def test_a_refused_refresh_token_means_connect_again(network):
    network.on("POST", "/2/oauth2/token", recorded("x", "token_invalid_grant", status=400))
    account = SocialAccountFactory(network=Network.X, token_expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(SocialAccountDisconnected):
        services.account_access_token(account=account)


# --- posts -------------------------------------------------------------------------------------


def test_create_validates_portable_text_length_media_and_time():
    account = SocialAccountFactory(network=Network.X)
    with pytest.raises(PortableTextError):
        services.post_create(network=Network.LINKEDIN, body=[{"_type": "nope"}])
    with pytest.raises(SocialPostInvalid, match="3000"):
        services.post_create(network=Network.LINKEDIN, body=body("a" * 3001))
    with pytest.raises(SocialPostInvalid, match="another network"):
        services.post_create(network=Network.LINKEDIN, body=body("Hi"), account=account)
    with pytest.raises(SocialPostInvalid, match="another network"):
        services.post_create(network=Network.X, body=body("Hi"), media=[SocialMediaFactory(network=Network.LINKEDIN)])
    with pytest.raises(SocialPostInvalid, match="future"):
        services.post_create(network=Network.X, body=body("Hi"), scheduled_at=timezone.now())
    post = services.post_create(network=Network.X, body=body("Hi"), scheduled_at=timezone.now() + timedelta(hours=1))
    assert post.status == PostStatus.SCHEDULED


def test_published_posts_cannot_be_edited_or_deleted():
    post = SocialPostFactory(status=PostStatus.PUBLISHED)
    with pytest.raises(SocialPostStateConflict):
        services.post_update(post=post, data={"title": "x"})
    with pytest.raises(SocialPostStateConflict):
        services.post_delete(post=post)


# --- publishing --------------------------------------------------------------------------------


def test_linkedin_publish_uploads_images_and_records_the_post(network):
    network.on("POST", "/rest/images", image_init(network))
    network.on("PUT", "/dms-uploads/sp/v2/D4E10AQ/uploaded-image/0", (201, b"", {}))
    network.on("POST", "/rest/posts", (201, b"", {"x-restli-id": "urn:li:share:7141234567890123456"}))
    account = SocialAccountFactory()
    post = SocialPostFactory(account=account)
    post.media.set([SocialMediaFactory()])

    post = services.post_publish(post=post)

    assert (post.status, post.external_id) == (PostStatus.PUBLISHED, "urn:li:share:7141234567890123456")
    assert post.external_url == "https://www.linkedin.com/feed/update/urn:li:share:7141234567890123456/"
    sent = json_of(network.sent("POST", "/rest/posts")[0])
    assert sent["author"] == account.author_urn
    assert sent["commentary"] == "We are hiring consultants. {hashtag|\\#|hiring}"
    assert sent["content"] == {"media": {"id": "urn:li:image:D4E10AQGLinkedInImage"}}
    assert network.sent("POST", "/rest/posts")[0].headers["Authorization"] == "Bearer stored-access-token"
    assert network.sent("PUT")[0].body.startswith(b"\x89PNG")


def test_x_publishes_a_thread_each_part_replying_to_the_last(network):
    network.on("POST", "/2/tweets", recorded("x", "tweet_1", 201), recorded("x", "tweet_2", 201))
    account = SocialAccountFactory(network=Network.X)
    post = SocialPostFactory(network=Network.X, account=account, body=body("word " * 80))

    post = services.post_publish(post=post)

    assert post.external_ids == ["1866132456789012481", "1866132456789012482"]
    sent = [json_of(r) for r in network.sent("POST", "/2/tweets")]
    assert sent[0]["text"].endswith(" 1/2") and "reply" not in sent[0]
    assert sent[1]["reply"] == {"in_reply_to_tweet_id": "1866132456789012481"}


def test_a_publish_that_times_out_ends_unknown_and_is_not_retried(network, settings):
    settings.SOCIAL_TIMEOUT_SECONDS = SHORT_TIMEOUT
    network.on("POST", "/rest/posts", slow(1.5, (201, b"", {"x-restli-id": "urn:li:share:1"})))
    post = SocialPostFactory(account=SocialAccountFactory(), status=PostStatus.SCHEDULED, scheduled_at=timezone.now())

    with pytest.raises(SocialPublishUnknown):
        services.post_publish(post=post)

    post.refresh_from_db()
    assert post.status == PostStatus.UNKNOWN
    assert "check on the network" in post.last_error
    network.server.wait_for_requests(1)
    assert len(network.sent("POST", "/rest/posts")) == 1
    # Neither the command nor a staff click sends it again.
    run = services.posts_publish_due(now=timezone.now() + timedelta(hours=1))
    assert run.published == run.failed == run.unknown == []
    with pytest.raises(SocialPostStateConflict):
        services.post_publish(post=post)
    assert len(network.sent("POST", "/rest/posts")) == 1


def test_a_thread_cut_off_midway_keeps_the_published_ids(network):
    network.on("POST", "/2/tweets", recorded("x", "tweet_1", 201), recorded("x", "error_403", 403))
    post = SocialPostFactory(network=Network.X, account=SocialAccountFactory(network=Network.X), body=body("w " * 200))
    with pytest.raises(SocialPublishUnknown, match="Only 1 of 2"):
        services.post_publish(post=post)
    post.refresh_from_db()
    assert (post.status, post.external_ids) == (PostStatus.UNKNOWN, ["1866132456789012481"])


def test_an_expired_token_is_refreshed_and_the_publish_tried_once_more(network):
    network.on("POST", "/2/tweets", recorded("x", "error_401", 401), recorded("x", "tweet_1", 201))
    network.on("POST", "/2/oauth2/token", recorded("x", "token_refreshed"))
    post = SocialPostFactory(network=Network.X, account=SocialAccountFactory(network=Network.X), body=body("Hi"))

    post = services.post_publish(post=post)

    assert post.status == PostStatus.PUBLISHED
    tweets = network.sent("POST", "/2/tweets")
    assert [r.headers["Authorization"] for r in tweets] == ["Bearer stored-access-token", "Bearer X-access-token-2"]


def test_a_token_refused_twice_fails_the_post(network):
    network.on("POST", "/2/tweets", recorded("x", "error_401", 401))
    network.on("POST", "/2/oauth2/token", recorded("x", "token_refreshed"))
    post = SocialPostFactory(network=Network.X, account=SocialAccountFactory(network=Network.X), body=body("Hi"))
    with pytest.raises(SocialProviderError):
        services.post_publish(post=post)
    assert len(network.sent("POST", "/2/tweets")) == 2
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


def test_a_rate_limit_names_the_wait_and_the_scheduled_post_stays_scheduled(network):
    reset = int(timezone.now().timestamp()) + 900
    network.on("POST", "/2/tweets", recorded("x", "error_429", 429, {"x-rate-limit-reset": str(reset)}))
    account = SocialAccountFactory(network=Network.X)
    due = timezone.now() - timedelta(minutes=1)
    first = SocialPostFactory(network=Network.X, account=account, status=PostStatus.SCHEDULED, scheduled_at=due)
    second = SocialPostFactory(network=Network.X, account=account, status=PostStatus.SCHEDULED, scheduled_at=due)

    run = services.posts_publish_due()

    assert run.rate_limited == [first.pk, second.pk]
    assert 895 <= int(run.messages[0].rsplit("Retry-After ", 1)[1].split()[0]) <= 900
    first.refresh_from_db()
    assert (first.status, first.publish_started_at) == (PostStatus.SCHEDULED, None)
    assert "rate limit" in first.last_error
    # The network said to wait: the second post was not even tried.
    assert len(network.sent("POST", "/2/tweets")) == 1

    with pytest.raises(SocialRateLimited) as raised:
        services.post_publish(post=first)
    assert 895 <= raised.value.wait <= 900


def test_a_refusal_fails_the_post_with_the_networks_reason(network):
    network.on("POST", "/rest/posts", recorded("linkedin", "error_422", 422))
    post = SocialPostFactory(account=SocialAccountFactory())
    with pytest.raises(SocialProviderError, match="is too long"):
        services.post_publish(post=post)
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED
    assert post.last_error == "LinkedIn answered 422: ERROR :: /commentary :: is too long"


def test_unreachable_network_fails_without_sending(settings):
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "id", "secret"
    settings.LINKEDIN_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.VENDOR_MAX_RETRIES = 0
    post = SocialPostFactory(account=SocialAccountFactory())
    with pytest.raises(SocialProviderError, match="could not be reached"):
        services.post_publish(post=post)
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


def test_without_a_connected_account_the_post_fails_clearly(network):
    post = SocialPostFactory()
    with pytest.raises(NoConnectedAccount):
        services.post_publish(post=post)
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED


def test_a_post_left_publishing_by_a_killed_run_becomes_unknown():
    post = SocialPostFactory(status=PostStatus.PUBLISHING, publish_started_at=timezone.now() - timedelta(minutes=20))
    run = services.posts_publish_due()
    post.refresh_from_db()
    assert run.stale == [post.pk] and post.status == PostStatus.UNKNOWN


def test_resolving_an_unknown_post():
    post = SocialPostFactory(status=PostStatus.UNKNOWN)
    services.post_resolve_unknown(post=post, published=False)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    with pytest.raises(SocialPostStateConflict):
        services.post_resolve_unknown(post=post, published=True)


# --- engagement --------------------------------------------------------------------------------


def test_engagement_is_stored_per_post_and_per_account(network):
    network.on("GET", "/2/users/me", recorded("x", "users_me"))
    network.on("GET", "/2/tweets", recorded("x", "tweets_metrics"))
    network.on(
        "GET", "/rest/socialActions/urn%3Ali%3Ashare%3A7141234567890123456", recorded("linkedin", "social_actions")
    )
    x_account = SocialAccountFactory(network=Network.X)
    li_account = SocialAccountFactory()
    now = timezone.now()
    thread = SocialPostFactory(
        network=Network.X,
        account=x_account,
        status=PostStatus.PUBLISHED,
        published_at=now,
        external_id="1866132456789012481",
        external_ids=["1866132456789012481", "1866132456789012482"],
    )
    li_post = SocialPostFactory(
        account=li_account,
        status=PostStatus.PUBLISHED,
        published_at=now,
        external_id="urn:li:share:7141234567890123456",
    )

    run = services.engagement_fetch()

    assert (run.accounts, run.posts, run.errors) == (2, 2, [])
    x_counts = EngagementSnapshot.objects.get(post=thread)
    assert (x_counts.likes, x_counts.comments, x_counts.shares, x_counts.impressions) == (25, 3, 4, 1900)
    li_counts = EngagementSnapshot.objects.get(post=li_post)
    assert (li_counts.likes, li_counts.comments) == (12, 4)
    assert EngagementSnapshot.objects.get(account=x_account, post=None).followers == 842
    assert SocialAccount.objects.get(pk=x_account.pk).followers == 842
    assert network.sent("GET", "/2/tweets")[0].query["ids"] == ["1866132456789012481,1866132456789012482"]


def test_engagement_goes_on_past_an_account_that_fails(network):
    network.on("GET", "/2/users/me", recorded("x", "error_429", 429, {"Retry-After": "30"}))
    SocialAccountFactory(network=Network.X)
    SocialAccountFactory()
    run = services.engagement_fetch()
    assert run.accounts == 1
    assert len(run.errors) == 1 and "rate limit" in run.errors[0]
