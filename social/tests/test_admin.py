"""The admin of social publishing: pages render for staff, tokens never show, actions call the services."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from social.models import Network, PostStatus, SocialPost
from social.tests.conftest import recorded
from social.tests.factories import SocialAccountFactory, SocialMediaFactory, SocialPostFactory, body

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.SUPER_ADMIN))
    return client


@pytest.fixture
def editor_client(client):
    client.force_login(UserFactory(role=Role.EDITOR))
    return client


def test_pages_render_and_show_no_token(admin_client):
    account = SocialAccountFactory()
    post = SocialPostFactory(account=account, status=PostStatus.FAILED, last_error="LinkedIn answered 422")
    media = SocialMediaFactory()
    for url in (
        reverse("admin:social_socialaccount_changelist"),
        reverse("admin:social_socialaccount_change", args=[account.pk]),
        reverse("admin:social_socialpost_changelist") + "?status__exact=failed",
        reverse("admin:social_socialpost_change", args=[post.pk]),
        reverse("admin:social_socialpost_add"),
        reverse("admin:social_socialmedia_changelist"),
        reverse("admin:social_socialmedia_change", args=[media.pk]),
        reverse("admin:social_socialmedia_add"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert b"stored-access-token" not in response.content
        assert account.access_token.encode() not in response.content
    changelist = admin_client.get(reverse("admin:social_socialaccount_changelist")).content.decode()
    assert reverse("admin:social_socialaccount_oauth_start", args=["x"]) in changelist


def test_adding_a_post_goes_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:social_socialpost_add"),
        {
            "network": Network.X,
            "title": "From the admin",
            "body": '[{"_type": "block", "children": [{"_type": "span", "text": "Hello"}]}]',
            "scheduled_at_0": "",
            "scheduled_at_1": "",
            "snapshots-TOTAL_FORMS": "0",
            "snapshots-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = SocialPost.objects.get()
    assert (post.network, post.status, post.title) == (Network.X, PostStatus.DRAFT, "From the admin")


def test_a_post_too_long_for_linkedin_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:social_socialpost_add"),
        {
            "network": Network.LINKEDIN,
            "body": '[{"_type": "block", "children": [{"_type": "span", "text": "' + "a" * 3001 + '"}]}]',
            "snapshots-TOTAL_FORMS": "0",
            "snapshots-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "at most 3000 characters" in response.content.decode()
    assert not SocialPost.objects.exists()


def test_schedule_and_publish_actions(network, editor_client):
    network.on("POST", "/rest/posts", (201, b"", {"x-restli-id": "urn:li:share:5"}))
    SocialAccountFactory()
    draft = SocialPostFactory(body=body("Hello"))
    other = SocialPostFactory(body=body("Later"))
    changelist = reverse("admin:social_socialpost_changelist")
    when = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    editor_client.post(
        changelist,
        {"action": "schedule", "_selected_action": [other.pk], "scheduled_at": when.strftime("%Y-%m-%d %H:%M")},
    )
    other.refresh_from_db()
    assert (other.status, other.scheduled_at) == (PostStatus.SCHEDULED, when)

    editor_client.post(changelist, {"action": "publish_now", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert (draft.status, draft.external_id) == (PostStatus.PUBLISHED, "urn:li:share:5")


def test_publish_action_reports_the_rate_limit(network, editor_client):
    network.on("POST", "/rest/posts", recorded("linkedin", "error_429", 429, {"Retry-After": "60"}))
    SocialAccountFactory()
    post = SocialPostFactory(status=PostStatus.SCHEDULED, scheduled_at=timezone.now() + timedelta(hours=1))
    response = editor_client.post(
        reverse("admin:social_socialpost_changelist"),
        {"action": "publish_now", "_selected_action": [post.pk]},
        follow=True,
    )
    assert "try again in 60 seconds" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED


def test_oauth_round_trip_through_the_admin(network, admin_client):
    network.on("POST", "/2/oauth2/token", recorded("x", "token"))
    network.on("GET", "/2/users/me", recorded("x", "users_me"))
    start = admin_client.get(reverse("admin:social_socialaccount_oauth_start", args=["x"]))
    assert start.status_code == 302 and start["Location"].startswith("https://x.example/i/oauth2/authorize?")
    state = start["Location"].split("state=")[1].split("&")[0]
    done = admin_client.get(
        reverse("admin:social_socialaccount_oauth_callback", args=["x"]), {"code": "abc", "state": state}, follow=True
    )
    assert "is connected" in done.content.decode()
    refused = admin_client.get(
        reverse("admin:social_socialaccount_oauth_callback", args=["x"]), {"code": "abc", "state": state}, follow=True
    )
    assert "start connecting the account again" in refused.content.decode()


def test_editors_cannot_connect_accounts(editor_client):
    response = editor_client.get(reverse("admin:social_socialaccount_oauth_start", args=["linkedin"]))
    assert response.status_code == 403


def test_disconnect_action(admin_client):
    account = SocialAccountFactory()
    admin_client.post(
        reverse("admin:social_socialaccount_changelist"), {"action": "disconnect", "_selected_action": [account.pk]}
    )
    account.refresh_from_db()
    assert account.status == "disconnected"


def test_a_past_time_is_a_form_error_and_a_published_post_saves_without_change(admin_client):
    past = timezone.now() - timedelta(days=1)
    response = admin_client.post(
        reverse("admin:social_socialpost_add"),
        {
            "network": Network.X,
            "body": '[{"_type": "block", "children": [{"_type": "span", "text": "Hi"}]}]',
            "scheduled_at_0": past.strftime("%Y-%m-%d"),
            "scheduled_at_1": past.strftime("%H:%M:%S"),
            "snapshots-TOTAL_FORMS": "0",
            "snapshots-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Give a time in the future." in response.content.decode()
    published = SocialPostFactory(status=PostStatus.PUBLISHED)
    saved = admin_client.post(
        reverse("admin:social_socialpost_change", args=[published.pk]),
        {"snapshots-TOTAL_FORMS": "0", "snapshots-INITIAL_FORMS": "0"},
    )
    assert saved.status_code == 302


def test_an_upload_that_is_no_image_is_a_form_error(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from content.tests.factories import png_bytes
    from social.models import SocialMedia

    add = reverse("admin:social_socialmedia_add")
    refused = admin_client.post(
        add, {"network": Network.X, "upload": SimpleUploadedFile("a.png", b"<svg onload=alert(1)>")}
    )
    assert refused.status_code == 200 and not SocialMedia.objects.exists()
    accepted = admin_client.post(
        add, {"network": Network.X, "alt_text": "Logo", "upload": SimpleUploadedFile("a.png", png_bytes())}
    )
    assert accepted.status_code == 302
    assert SocialMedia.objects.get().alt_text == "Logo"
