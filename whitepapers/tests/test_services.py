"""Download links: capture, rotation, expiry, use count, forgery, cross-lead reuse, concurrency."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from leads.models import Lead, LeadEvent
from magnetiq.exceptions import InvalidInput
from magnetiq.tests.parallel import run_together
from whitepapers import services
from whitepapers.exceptions import DownloadLinkGone, DownloadLinkNotFound, WhitepaperNotFound
from whitepapers.models import DownloadToken, Whitepaper, WhitepaperDownload

from .factories import WhitepaperFactory

pytestmark = pytest.mark.django_db


def request_link(whitepaper, email="ada@example.com", **extra):
    values = {"first_name": "Ada", "last_name": "Lovelace", "consent_terms": True, **extra}
    return services.download_request(whitepaper=whitepaper, email=email, **values)


def test_request_captures_lead_and_stores_only_the_hash(whitepaper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        token, raw = request_link(whitepaper, utm={"utm_source": "linkedin", "evil": "x"}, company="ACME")
    lead = Lead.objects.get(email="ada@example.com")
    assert token.lead == lead and lead.company == "ACME"
    assert token.remaining_downloads == 5
    assert token.utm == {"utm_source": "linkedin"}
    assert len(raw) == 64 and raw not in token.token_hash and token.token_hash == services.token_digest(raw)
    assert not DownloadToken.objects.filter(token_hash=raw).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert f"/api/v1/public/whitepapers/download/{raw}" in mail.outbox[0].body


def test_download_link_mail_is_sent_once_per_link(whitepaper, django_capture_on_commit_callbacks):
    from whitepapers.tasks import send_download_link

    with django_capture_on_commit_callbacks(execute=True):
        token, _ = request_link(whitepaper)
    send_download_link.call(token.pk)
    assert len(mail.outbox) == 1


def test_missing_terms_consent_is_422_and_stores_nothing(whitepaper):
    with pytest.raises(InvalidInput) as exc:
        request_link(whitepaper, consent_terms=False)
    assert exc.value.details[0]["field"] == "consent_terms"
    assert DownloadToken.objects.count() == 0
    assert Lead.objects.count() == 0


def test_unpublished_whitepaper_gives_no_link(db):
    hidden = WhitepaperFactory(is_active=False)
    with pytest.raises(WhitepaperNotFound):
        request_link(hidden)


def test_recapture_rotates_the_link_and_resets_counters(whitepaper):
    first, first_raw = request_link(whitepaper)
    services.download_consume(raw_token=first_raw)
    second, second_raw = request_link(whitepaper, company="New Co")
    assert second.pk == first.pk
    assert second_raw != first_raw
    assert second.remaining_downloads == 5
    assert DownloadToken.objects.count() == 1
    with pytest.raises(DownloadLinkNotFound):
        services.download_consume(raw_token=first_raw)
    assert services.download_consume(raw_token=second_raw).remaining_downloads == 4


def test_consume_counts_and_records_the_lead_action(whitepaper):
    token, raw = request_link(whitepaper, utm={"utm_campaign": "autumn"})
    spent = services.download_consume(raw_token=raw, ip="203.0.113.77", referrer="https://ref.example/")
    assert spent.remaining_downloads == 4 and spent.download_count == 1
    whitepaper.refresh_from_db()
    assert whitepaper.download_count == 1
    assert WhitepaperDownload.objects.get().lead == token.lead
    event = LeadEvent.objects.get(action="whitepaper_download")
    assert event.lead == token.lead
    assert event.data == {
        "whitepaper_id": whitepaper.pk,
        "utm_campaign": "autumn",
        "referrer": "https://ref.example/",
        "ip": "203.0.113.0",
    }


def test_five_downloads_then_410_with_a_new_link_hint(whitepaper):
    _, raw = request_link(whitepaper)
    for expected in (4, 3, 2, 1, 0):
        assert services.download_consume(raw_token=raw).remaining_downloads == expected
    with pytest.raises(DownloadLinkGone) as exc:
        services.download_consume(raw_token=raw)
    assert exc.value.code == "DOWNLOAD_LIMIT_REACHED"
    assert exc.value.details == [
        {
            "field": "request_new_link",
            "message": f"http://testserver/whitepapers/{whitepaper.slug}/",
            "code": "request_new_link",
        }
    ]
    whitepaper.refresh_from_db()
    assert whitepaper.download_count == 5


def test_link_expires_after_seven_days(whitepaper):
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        whitepaper.published_at = start - timedelta(days=1)
        whitepaper.save()
        _, raw = request_link(whitepaper)
    with time_machine.travel(start + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert services.download_consume(raw_token=raw).remaining_downloads == 4
    with time_machine.travel(start + timedelta(days=7), tick=False), pytest.raises(DownloadLinkGone) as exc:
        services.download_consume(raw_token=raw)
    assert exc.value.code == "DOWNLOAD_LINK_EXPIRED"


def test_settings_change_lifetime_and_uses(whitepaper, settings):
    settings.WHITEPAPER_DOWNLOAD_TTL_DAYS = 1
    settings.WHITEPAPER_DOWNLOAD_MAX_USES = 2
    token, _ = request_link(whitepaper)
    assert token.remaining_downloads == 2
    assert timedelta(hours=23) < token.expires_at - token.created_at <= timedelta(days=1)


@pytest.mark.parametrize("forged", ["", "abc", "0" * 64, "f" * 64])
def test_forged_tokens_are_404(whitepaper, forged):
    request_link(whitepaper)
    with pytest.raises(DownloadLinkNotFound):
        services.download_consume(raw_token=forged)


def test_the_stored_hash_is_not_a_usable_token(whitepaper):
    token, _ = request_link(whitepaper)
    with pytest.raises(DownloadLinkNotFound):
        services.download_consume(raw_token=token.token_hash)
    with pytest.raises(DownloadLinkNotFound):
        services.download_consume(raw_token=token.nonce)


def test_links_are_per_lead_and_per_whitepaper(db):
    paper_x, paper_y = WhitepaperFactory(), WhitepaperFactory()
    token_a, raw_a = request_link(paper_x, email="a@example.com")
    _token_b, raw_b = request_link(paper_y, email="b@example.com")
    token_a_y, raw_a_y = request_link(paper_y, email="a@example.com")
    assert len({raw_a, raw_b, raw_a_y}) == 3
    assert services.download_consume(raw_token=raw_a).whitepaper == paper_x
    assert services.download_consume(raw_token=raw_b).whitepaper == paper_y
    assert services.download_consume(raw_token=raw_b).lead.email == "b@example.com"
    # Lead A's link for X only ever spends A's X counter.
    token_a_y.refresh_from_db()
    assert token_a_y.remaining_downloads == 5
    token_a.refresh_from_db()
    assert token_a.remaining_downloads == 4


def test_deleted_whitepaper_kills_its_links(whitepaper):
    _, raw = request_link(whitepaper)
    services.whitepaper_delete(whitepaper=whitepaper)
    with pytest.raises(DownloadLinkNotFound):
        services.download_consume(raw_token=raw)


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_downloads_of_the_last_use_give_one_success(private_root):
    whitepaper = WhitepaperFactory()
    token, raw = request_link(whitepaper)
    DownloadToken.objects.filter(pk=token.pk).update(remaining_downloads=1)

    def worker() -> str:
        try:
            services.download_consume(raw_token=raw)
        except DownloadLinkGone:
            return "gone"
        return "ok"

    outcomes = run_together([worker] * 10)
    assert [type(outcome) for outcome in outcomes] == [str] * 10, outcomes
    assert sorted(outcomes) == ["gone"] * 9 + ["ok"]
    token.refresh_from_db()
    assert token.remaining_downloads == 0
    assert Whitepaper.objects.get(pk=whitepaper.pk).download_count == 1
    assert WhitepaperDownload.objects.count() == 1


def test_gdpr_erasure_removes_links_and_keeps_counts(whitepaper):
    from leads.services import lead_erase

    token, raw = request_link(whitepaper)
    services.download_consume(raw_token=raw)
    lead_erase(lead=token.lead, actor=None)
    assert DownloadToken.objects.count() == 0
    download = WhitepaperDownload.objects.get()
    assert download.lead is None and download.whitepaper == whitepaper
    assert Whitepaper.objects.get(pk=whitepaper.pk).download_count == 1
    with pytest.raises(DownloadLinkNotFound):
        services.download_consume(raw_token=raw)


def test_a_language_added_to_the_settings_is_a_valid_choice(settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("pt-br", "Português (Brasil)")]
    field = Whitepaper._meta.get_field("language")
    assert field.clean("pt-br", None) == "pt-br"
    assert ("pt-br", "Português (Brasil)") in field.choices
