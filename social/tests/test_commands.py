"""The cron commands: publish_due_posts and fetch_social_engagement report and exit as documented."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from social.models import Network, PostStatus
from social.tests.conftest import recorded
from social.tests.factories import SocialAccountFactory, SocialPostFactory

pytestmark = pytest.mark.django_db


def test_publish_due_posts_publishes_only_due_ones(network):
    network.on("POST", "/2/tweets", recorded("x", "tweet_1", 201))
    account = SocialAccountFactory(network=Network.X)
    due = SocialPostFactory(
        network=Network.X, account=account, status=PostStatus.SCHEDULED, scheduled_at=timezone.now()
    )
    later = SocialPostFactory(
        network=Network.X,
        account=account,
        status=PostStatus.SCHEDULED,
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    out = StringIO()
    call_command("publish_due_posts", stdout=out)
    assert out.getvalue().startswith("1 published, 0 failed, 0 unknown")
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (PostStatus.PUBLISHED, PostStatus.SCHEDULED)


def test_publish_due_posts_exits_1_when_a_post_failed(network):
    network.on("POST", "/2/tweets", recorded("x", "error_403", 403))
    SocialPostFactory(
        network=Network.X,
        account=SocialAccountFactory(network=Network.X),
        status=PostStatus.SCHEDULED,
        scheduled_at=timezone.now(),
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("publish_due_posts", stdout=out)
    assert "duplicate content" in out.getvalue()


def test_bad_limit_is_refused():
    with pytest.raises(CommandError, match="--limit"):
        call_command("publish_due_posts", "--limit", "0")


def test_fetch_social_engagement_reports(network):
    network.on("GET", "/2/users/me", recorded("x", "users_me"))
    SocialAccountFactory(network=Network.X)
    out = StringIO()
    call_command("fetch_social_engagement", stdout=out)
    assert out.getvalue().strip() == "1 account(s) and 0 post(s) updated."
