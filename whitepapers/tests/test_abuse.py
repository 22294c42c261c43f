"""RELIABILITY A-15: the lead form cannot be used to flood the site or mail-bomb a stranger.

Per-IP throttle with ``Retry-After``, honeypot, oversized fields, ``<script>`` payloads escaped in
the admin, and the per-recipient cap on download-link e-mails (rolling hour, across whitepapers).
"""

import logging
import time
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from leads.models import Lead
from magnetiq.models import OutboundEmail
from magnetiq.tests.parallel import run_together
from whitepapers import services
from whitepapers.models import DownloadLinkEmail, DownloadToken
from whitepapers.services import downloads

from .factories import PDF_BYTES, WhitepaperFactory

pytestmark = pytest.mark.django_db

EMAIL = "victim@example.com"
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def post_url(whitepaper) -> str:
    return f"/api/v1/public/whitepapers/{whitepaper.pk}/download"


def lead_body(**lead) -> dict:
    return {"lead": {"name": "Ada Lovelace", "email": EMAIL, "company": "ACME", **lead}, "terms_accepted": True}


def request_link(whitepaper, capture, email: str = EMAIL) -> DownloadToken:
    """One download request through the service, with its after-commit e-mail task run."""
    with capture(execute=True):
        token, _ = services.download_request(whitepaper=whitepaper, email=email, consent_terms=True)
    token.refresh_from_db()
    return token


# --- per-recipient e-mail cap -----------------------------------------------------------------------


def test_fourth_email_within_the_hour_is_suppressed_then_the_hour_rolls(
    django_capture_on_commit_callbacks, settings, caplog
):
    settings.WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR = 3
    caplog.set_level(logging.INFO, logger="whitepapers.services.downloads")
    with time_machine.travel(START, tick=False) as traveller:
        papers = WhitepaperFactory.create_batch(6)  # published a day before START, on the test's clock
        tokens = []
        for minutes in (0, 10, 20, 30):
            traveller.move_to(START + timedelta(minutes=minutes))
            tokens.append(request_link(papers[len(tokens)], django_capture_on_commit_callbacks))
        assert [token.email_sent_at for token in tokens[:3]] == [START + timedelta(minutes=m) for m in (0, 10, 20)]
        assert [token.email_suppressed_at for token in tokens[:3]] == [None, None, None]
        suppressed = tokens[3]
        assert suppressed.email_sent_at is None
        assert suppressed.email_suppressed_at == START + timedelta(minutes=30)
        assert len(mail.outbox) == 3
        assert [record.levelname for record in caplog.records if "suppressed" in record.getMessage()] == ["INFO"]
        assert EMAIL not in caplog.text

        # Exactly an hour after the first e-mail it has left the window: one more may go out.
        traveller.move_to(START + timedelta(hours=1))
        late = request_link(papers[4], django_capture_on_commit_callbacks)
        assert late.email_sent_at == START + timedelta(hours=1) and late.email_suppressed_at is None
        assert len(mail.outbox) == 4
        assert mail.outbox[-1].to == [EMAIL]

        # Still three in the window (minutes 10, 20 and 60): the next one is held back again.
        traveller.move_to(START + timedelta(minutes=65))
        again = request_link(papers[5], django_capture_on_commit_callbacks)
        assert again.email_sent_at is None and again.email_suppressed_at is not None
        assert len(mail.outbox) == 4
    assert DownloadLinkEmail.objects.filter(lead__email=EMAIL).count() == 4


def test_renewing_one_whitepaper_counts_every_email(django_capture_on_commit_callbacks, whitepaper):
    """Renewing a link overwrites ``email_sent_at``, so the cap counts the e-mail log, not tokens."""
    tokens = [request_link(whitepaper, django_capture_on_commit_callbacks) for _ in range(5)]
    assert len(mail.outbox) == 3
    assert DownloadToken.objects.count() == 1
    assert tokens[-1].email_sent_at is None and tokens[-1].email_suppressed_at is not None


def test_cap_is_per_recipient(django_capture_on_commit_callbacks, whitepaper, settings):
    settings.WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR = 1
    request_link(whitepaper, django_capture_on_commit_callbacks)
    request_link(whitepaper, django_capture_on_commit_callbacks, email="VICTIM@example.com")
    other = request_link(whitepaper, django_capture_on_commit_callbacks, email="someone@example.com")
    assert [message.to for message in mail.outbox] == [[EMAIL], ["someone@example.com"]]
    assert other.email_sent_at is not None


def test_suppressed_request_still_answers_with_a_working_link(api_client, django_capture_on_commit_callbacks, settings):
    settings.WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR = 1
    first, second = WhitepaperFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(post_url(first), lead_body(), format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(post_url(second), lead_body(), format="json")
    assert response.status_code == 201
    assert len(mail.outbox) == 1
    assert DownloadToken.objects.get(whitepaper=second).email_suppressed_at is not None
    link = response.json()["data"]["download_url"].removeprefix("http://testserver")
    download = api_client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES  # consuming it closes the file


def test_sent_or_suppressed_link_is_not_reconsidered(whitepaper, django_capture_on_commit_callbacks, settings):
    settings.WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR = 1
    token = request_link(whitepaper, django_capture_on_commit_callbacks)
    assert services.download_link_send(token_id=token.pk) == "skipped"
    other = request_link(WhitepaperFactory(), django_capture_on_commit_callbacks)
    assert other.email_suppressed_at is not None
    settings.WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR = 5
    assert services.download_link_send(token_id=other.pk) == "skipped"
    assert services.download_link_send(token_id=999_999) == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_sends_cannot_both_pass_the_cap(settings, monkeypatch):
    """Two workers sending links of two whitepapers to one address: the lead row lock serializes them."""
    settings.WHITEPAPER_MAX_EMAILS_PER_RECIPIENT_PER_HOUR = 1
    tokens = []
    for paper in WhitepaperFactory.create_batch(2):
        token, _ = services.download_request(whitepaper=paper, email=EMAIL, consent_terms=True)
        tokens.append(token)
    # A clean slate: making the tokens sent one link already, and its outbox row (keyed by the token)
    # would make a second send of that token a no-op, whichever worker wins the race.
    DownloadToken.objects.update(email_sent_at=None, email_suppressed_at=None)
    DownloadLinkEmail.objects.all().delete()
    OutboundEmail.objects.all().delete()
    mail.outbox.clear()
    real_send = downloads.send_templated_mail

    def slow_send(**kwargs):
        time.sleep(0.3)  # without the lock, the other worker would count zero meanwhile
        return real_send(**kwargs)

    monkeypatch.setattr(downloads, "send_templated_mail", slow_send)
    outcomes = run_together([partial(services.download_link_send, token_id=token.pk) for token in tokens])
    assert [type(outcome) for outcome in outcomes] == [str, str], outcomes
    assert sorted(outcomes) == ["sent", "suppressed"]
    assert len(mail.outbox) == 1
    assert DownloadLinkEmail.objects.count() == 1


# --- the public POST --------------------------------------------------------------------------------


def test_hundred_posts_a_minute_from_one_ip_are_throttled(
    api_client, whitepaper, settings, django_capture_on_commit_callbacks
):
    settings.WHITEPAPER_DOWNLOAD_THROTTLE = "10/min"
    responses = []
    # One frozen instant, 30 s into a one-minute window: on a ticking clock 100 requests can straddle
    # a window boundary, where the sliding window rightly lets a few more through.
    now = time.time()
    with time_machine.travel(now - now % 60 + 30, tick=False):
        for _ in range(100):
            with django_capture_on_commit_callbacks(execute=True):
                responses.append(api_client.post(post_url(whitepaper), lead_body(), format="json"))
    codes = [response.status_code for response in responses]
    assert codes == [201] * 10 + [429] * 90
    blocked = responses[10]
    assert blocked.json()["success"] is False
    # The rest of this window (30 s), then until the weighted count of this one lets one more
    # through: 10 × (1 − x/60) + 1 ≤ 10 at x = 6 s.
    assert blocked["Retry-After"] == "36"
    # Ten accepted requests for one address: three e-mails, the rest held back.
    assert len(mail.outbox) == 3
    assert DownloadLinkEmail.objects.count() == 3


def test_filled_honeypot_stores_and_sends_nothing(api_client, whitepaper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(
            post_url(whitepaper), {**lead_body(), "website_url": "http://spam.example"}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["success"] is True
    assert set(response.json()["data"]) == {"download_url", "thanks_url", "expires_at", "remaining_downloads"}
    assert callbacks == []
    assert Lead.objects.count() == 0
    assert DownloadToken.objects.count() == 0
    assert DownloadLinkEmail.objects.count() == 0
    assert mail.outbox == []


MEGABYTE = "x" * (1024 * 1024)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lead_body(name=MEGABYTE), "lead.name"),
        (lead_body(first_name=MEGABYTE), "lead.first_name"),
        (lead_body(company=MEGABYTE), "lead.company"),
        (lead_body(phone=MEGABYTE), "lead.phone"),
        (lead_body(email=MEGABYTE + "@example.com"), "lead.email"),
        ({**lead_body(), "referrer": MEGABYTE}, "referrer"),
        ({**lead_body(), "utm_source": MEGABYTE}, "utm_source"),
        ({**lead_body(), "website_url": MEGABYTE}, "website_url"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_megabyte_field_is_refused_and_nothing_stored(api_client, whitepaper, body, field):
    response = api_client.post(post_url(whitepaper), body, format="json")
    assert response.status_code == 422
    # An oversized e-mail is both too long and invalid: two details, one field.
    assert {detail["field"] for detail in response.json()["error"]["details"]} == {field}
    assert Lead.objects.count() == 0
    assert DownloadToken.objects.count() == 0


def test_script_payload_is_stored_as_text_and_escaped_in_the_admin(api_client, admin_client, whitepaper):
    payload = "<script>alert(1)</script>"
    response = api_client.post(
        post_url(whitepaper),
        {**lead_body(name=f"{payload} Lovelace", company=payload), "referrer": payload, "utm_source": payload},
        format="json",
    )
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.company) == (payload, "Lovelace", payload)
    token = DownloadToken.objects.get()
    assert (token.referrer, token.utm) == (payload, {"utm_source": payload})
    pages = [
        reverse("admin:leads_lead_changelist"),
        reverse("admin:leads_lead_change", args=[lead.pk]),
        reverse("admin:whitepapers_downloadtoken_changelist"),
        reverse("admin:whitepapers_downloadtoken_change", args=[token.pk]),
        reverse("admin:whitepapers_whitepaper_change", args=[whitepaper.pk]),
    ]
    escaped = 0
    for page in pages:
        answer = admin_client.get(page)
        assert answer.status_code == 200, page
        html = answer.content.decode()
        assert "<script>alert(1)" not in html, page
        escaped += html.count("&lt;script&gt;alert(1)&lt;/script&gt;")
    # The lead pages show name and company, the link page the referrer and UTM: all as text.
    assert escaped >= 4
