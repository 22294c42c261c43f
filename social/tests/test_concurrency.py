"""Two copies of ``publish_due_posts`` at the same moment publish each due post once (a conditional
UPDATE claims it), on the SQLite file database and on PostgreSQL (RELIABILITY: concurrency tests
use a real database and ``transaction=True``)."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from magnetiq.tests.parallel import run_together
from social.models import Network, PostStatus, SocialPost
from social.tests.factories import SocialAccountFactory, SocialPostFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_runs_at_once_publish_each_scheduled_post_once(network):
    counter = iter(range(1, 1000))
    lock = threading.Lock()

    def tweet(request):
        with lock:
            number = next(counter)
        body = f'{{"data": {{"id": "18661324567890{number:05d}", "text": "t"}}}}'.encode()
        return 201, body, {"Content-Type": "application/json"}

    network.on("POST", "/2/tweets", tweet)
    account = SocialAccountFactory(network=Network.X)
    due = timezone.now() - timedelta(minutes=1)
    posts = [
        SocialPostFactory(network=Network.X, account=account, status=PostStatus.SCHEDULED, scheduled_at=due)
        for _ in range(6)
    ]

    results = run_together([lambda: call_command("publish_due_posts"), lambda: call_command("publish_due_posts")])

    assert results == [None, None]
    assert set(SocialPost.objects.values_list("status", flat=True)) == {PostStatus.PUBLISHED}
    assert len(network.sent("POST", "/2/tweets")) == len(posts)
    ids = list(SocialPost.objects.values_list("external_id", flat=True))
    assert len(set(ids)) == len(posts)


def test_a_staff_click_and_the_command_at_once_publish_once(network):
    network.on("POST", "/rest/posts", (201, b"", {"x-restli-id": "urn:li:share:1"}))
    post = SocialPostFactory(
        account=SocialAccountFactory(), status=PostStatus.SCHEDULED, scheduled_at=timezone.now() - timedelta(minutes=1)
    )
    from social import services
    from social.exceptions import SocialPostStateConflict

    def click():
        try:
            services.post_publish(post=post)
        except SocialPostStateConflict:
            return "refused"
        return "published"

    results = run_together([click, lambda: services.posts_publish_due().published])
    assert len(network.sent("POST", "/rest/posts")) == 1
    assert results.count("refused") + results.count([]) == 1
