"""The LinkedIn and X stand-ins of ``make run`` and ``make fuzz`` (fuzz/standins.py): the whole
connect flow and a publish work against them, so development never answers "not configured"."""

from contextlib import ExitStack
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fuzz import standins
from social import services
from social.models import Network, PostStatus
from social.tests.factories import SocialPostFactory, body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("network", [Network.LINKEDIN, Network.X])
def test_connect_and_publish_against_the_stand_in(network, settings):
    with ExitStack() as stack:
        for name, value in standins.start(stack, "http://127.0.0.1:9", vendors=("linkedin", "x")).items():
            setattr(settings, name, value)
        start = services.account_connect_start(network=network)
        approved = httpx.get(start.authorize_url, follow_redirects=False)
        assert approved.status_code == 302
        back = parse_qs(urlsplit(approved.headers["Location"]).query)
        assert back["state"] == [start.state]

        account = services.account_connect(network=network, code=back["code"][0], state=back["state"][0])
        post = services.post_publish(post=SocialPostFactory(network=network, account=account, body=body("Hello")))

    assert post.status == PostStatus.PUBLISHED
    assert post.external_id
