"""The page cache of the public pages (magnetiq.pagecache): what is served from it, to whom, with
which visitor-specific parts, and when it is dropped; no public GET writes the database."""

import re

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from consultants.models import Consultant
from consultants.services import consultant_update
from consultants.tests.factories import ConsultantFactory
from content.tests.factories import PageFactory
from magnetiq import pagecache
from webinars.tests.factories import WebinarFactory
from whitepapers.models import DownloadToken
from whitepapers.tests.factories import WhitepaperFactory

pytestmark = pytest.mark.django_db

LEAD_FORM = {"first_name": "Ada", "last_name": "Lovelace", "consent_terms": "on"}
TOKEN_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def queries_of(client: Client, url: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, [query["sql"] for query in queries]


def test_a_second_visitor_gets_the_stored_page_with_one_query():
    consultant = ConsultantFactory(first_name="Greta")
    first, _ = queries_of(Client(), consultant.get_absolute_url())
    second, sql = queries_of(Client(), consultant.get_absolute_url())
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and "Greta" in second.content.decode()
    assert sql == []  # the content version is in the (local-memory) cache of the tests
    assert second["Content-Type"] == "text/html; charset=utf-8" and second["X-Frame-Options"] == "DENY"
    assert "Cookie" in second["Vary"]


def test_a_save_shows_the_new_content_on_the_next_request():
    consultant = ConsultantFactory(first_name="Greta", title="Cloud Architect")
    url = consultant.get_absolute_url()
    assert "Cloud Architect" in Client().get(url).content.decode()
    consultant_update(consultant=consultant, data={"title": "Chief Data Officer"})
    html = Client().get(url).content.decode()
    assert "Chief Data Officer" in html and "Cloud Architect" not in html


def test_a_deleted_page_is_gone_from_the_cache():
    page = PageFactory(slug="about")
    assert Client().get("/about/").status_code == 200
    page.delete()
    assert Client().get("/about/").status_code == 404


def test_language_and_query_string_and_clock_are_part_of_the_key():
    ConsultantFactory(first_name="Greta", expertise_areas=["Cloud"])
    ConsultantFactory(first_name="Hanna", expertise_areas=["Data"])
    english = Client().get("/consultants/").content.decode()
    german = Client().get("/de/consultants/").content.decode()
    assert 'lang="en"' in english and 'lang="de"' in german
    filtered = Client().get("/consultants/?q=Hanna").content.decode()
    assert "Hanna" in filtered and "Greta" not in filtered
    assert "Greta" in Client().get("/consultants/").content.decode()
    twelve, twenty_four = Client(), Client()
    twelve.cookies["time_format"] = "12h"
    twenty_four.cookies["time_format"] = "24h"
    webinar = WebinarFactory()
    assert twelve.get(webinar.get_absolute_url()).content != twenty_four.get(webinar.get_absolute_url()).content


def test_signed_in_users_never_get_or_leave_a_cached_page(django_user_model):
    consultant = ConsultantFactory()
    url = consultant.get_absolute_url()
    anonymous = Client().get(url).content.decode()
    user = django_user_model.objects.create_user(email="reader@example.com", password="a-long-password-1")
    member = Client()
    member.force_login(user)
    signed_in = member.get(url).content.decode()
    assert signed_in != anonymous and "/accounts/logout/" in signed_in and "/accounts/logout/" not in anonymous
    assert "/accounts/logout/" not in Client().get(url).content.decode()


def test_a_page_with_messages_is_rendered_fresh_and_not_stored():
    webinar = WebinarFactory()
    visitor = Client()
    visitor.get(webinar.get_absolute_url())  # stored for everyone
    form = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "consent_terms": "on"}
    response = visitor.post(webinar.get_absolute_url(), form, follow=True)
    assert response.redirect_chain and "ada@example.com" in response.content.decode()
    assert "ada@example.com" not in Client().get(webinar.get_absolute_url()).content.decode()


def test_two_fresh_visitors_can_both_submit_the_cached_lead_form():
    whitepaper = WhitepaperFactory()
    url = whitepaper.get_absolute_url()
    visitors = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    tokens = []
    for number, visitor in enumerate(visitors):
        page, sql = queries_of(visitor, url)
        if number == 1:
            assert sql == []  # served from the cache the first visitor filled
        assert "csrftoken" in page.cookies  # each gets a CSRF cookie of its own…
        tokens.append(TOKEN_INPUT.search(page.content.decode()).group(1))  # …and a token of that cookie
    assert tokens[0] != tokens[1]
    for number, (visitor, token) in enumerate(zip(visitors, tokens, strict=True)):
        form = {**LEAD_FORM, "email": f"visitor{number}@example.com", "csrfmiddlewaretoken": token}
        response = visitor.post(url, form)
        assert response.status_code == 302 and "/thanks/" in response["Location"]
    assert DownloadToken.objects.filter(whitepaper=whitepaper).count() == 2
    # A token of one visitor's page is refused with the other visitor's cookie.
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(url)
    borrowed = {**LEAD_FORM, "email": "x@example.com", "csrfmiddlewaretoken": tokens[0]}
    assert stranger.post(url, borrowed).status_code == 403


def test_the_csp_nonce_is_fresh_on_every_hit():
    PageFactory(slug="home", structured_data={"en": {"@type": "Organization", "name": "Magnetiq"}})
    nonces = []
    for _ in range(2):
        response = Client().get("/")
        nonce = re.search(r'<script type="application/ld\+json" nonce="([^"]+)"', response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_an_unchanged_page_answers_304_to_its_etag():
    PageFactory(slug="about")
    etag = Client().get("/about/")["ETag"]
    assert Client().get("/about/")["ETag"] == etag
    not_modified = Client().get("/about/", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert Client().get("/about/", headers={"If-None-Match": '"other"'}).status_code == 200


@override_settings(PAGE_CACHE_SECONDS=0)
def test_switched_off_every_request_renders():
    PageFactory(slug="about")
    Client().get("/about/")
    _, sql = queries_of(Client(), "/about/")
    assert any("content_page" in query for query in sql)


def test_cached_data_is_kept_per_path_until_the_content_changes(rf):
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert pagecache.cached_data("t", rf.get("/x?a=1"), compute) == {"n": 1}
    assert pagecache.cached_data("t", rf.get("/x?a=1"), compute) == {"n": 1}
    assert pagecache.cached_data("t", rf.get("/x?a=2"), compute) == {"n": 2}
    pagecache.bump_version()
    assert pagecache.cached_data("t", rf.get("/x?a=1"), compute) == {"n": 3}


PUBLIC_GETS = [
    "/",
    "/about/",
    "/de/about/",
    "/consultants/",
    "/consultants/?q=cloud&page=1",
    "/whitepapers/",
    "/webinars/",
    "/api/v1/public/consultants?limit=20",
    "/api/v1/public/consultants/search?query=cloud",
    "/api/v1/public/consultants/featured",
    "/api/v1/public/consultants/categories",
]


def test_no_public_get_writes_the_database():
    PageFactory(slug="about")
    consultant = ConsultantFactory(is_featured=True)
    whitepaper = WhitepaperFactory(author=consultant)
    webinar = WebinarFactory(speaker=consultant)
    urls = [*PUBLIC_GETS, consultant.get_absolute_url(), whitepaper.get_absolute_url(), webinar.get_absolute_url()]
    for attempt in ("rendered", "from the cache"):
        for url in urls:
            response, sql = queries_of(Client(), url)
            assert response.status_code == 200, (url, attempt)
            assert [query for query in sql if WRITES.match(query)] == [], (url, attempt)


def _query_counts(total: int) -> dict[str, int]:
    ConsultantFactory.create_batch(
        total - Consultant.objects.count(), expertise_areas=["Cloud", "Data"], is_featured=True
    )
    counts = {}
    for url in ("/", "/consultants/", "/consultants/?q=Anna&sort=rating", "/api/v1/public/consultants?limit=20"):
        pagecache.bump_version()  # render afresh
        response, sql = queries_of(Client(), url)
        assert response.status_code == 200
        counts[url] = len(sql)
    return counts


def test_queries_per_request_do_not_grow_with_the_directory():
    PageFactory(slug="home")
    assert _query_counts(5) == _query_counts(200)


class Unreachable:
    """A cache whose server does not answer (Redis down)."""

    def get(self, *args, **kwargs):
        raise ConnectionError("no answer")

    set = incr = add = get


def test_a_cache_that_does_not_answer_does_not_take_the_site_down(monkeypatch, caplog):
    consultant = ConsultantFactory(first_name="Greta")
    monkeypatch.setattr(pagecache, "page_store", Unreachable)
    for url in (consultant.get_absolute_url(), "/consultants/", "/api/v1/public/consultants"):
        response = Client().get(url)
        assert response.status_code == 200 and "Greta" in response.content.decode(), url
    assert "The page cache did not answer" in caplog.text


def test_a_failed_invalidation_is_logged_and_the_save_stands(monkeypatch, caplog):
    consultant = ConsultantFactory(first_name="Greta")
    monkeypatch.setattr(pagecache.ratelimit, "counter_store", lambda: pagecache.ratelimit.CacheCounters(Unreachable()))
    consultant_update(consultant=consultant, data={"title": "Chief Data Officer"})
    assert Consultant.objects.get(pk=consultant.pk).title == "Chief Data Officer"
    assert "content version could not be increased" in caplog.text
