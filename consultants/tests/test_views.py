from decimal import Decimal

import pytest
from django.contrib.sitemaps.views import sitemap
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from consultants.models import Consultant, ConsultantStatus
from consultants.sitemaps import ConsultantSitemap
from consultants.tests.factories import ConsultantFactory, bio_blocks

pytestmark = pytest.mark.django_db


def names_on(response) -> list[str]:
    return [c.first_name for c in response.context["page"].object_list]


def test_directory_lists_public_consultants_with_card_details(client):
    ConsultantFactory(
        first_name="Ada",
        last_name="Adler",
        title="Cloud Architect",
        company="Acme",
        expertise_areas=["Cloud"],
        hourly_rate=Decimal("250"),
        currency="EUR",
        average_rating=Decimal("4.8"),
        total_reviews=7,
    )
    ConsultantFactory(first_name="Hidden", status=ConsultantStatus.PENDING)
    response = client.get("/consultants/")
    assert response.status_code == 200
    html = response.content.decode()
    assert names_on(response) == ["Ada"]
    assert 'href="/consultants/ada-adler/"' in html
    for text in (
        "Ada Adler",
        "Cloud Architect",
        "Acme",
        '<span class="tag">Cloud</span>',
        "<strong>€250.00</strong> per hour",
        "★ 4.8",
        "(7 reviews)",
    ):
        assert text in html
    assert "Hidden" not in html
    assert '<form method="get" action="/consultants/"' in html
    assert '<meta property="og:title"' in html


def test_directory_search_filter_and_sort(client):
    ConsultantFactory(first_name="Ada", expertise_areas=["Cloud"], hourly_rate=Decimal("300"), company="Acme")
    ConsultantFactory(first_name="Ben", expertise_areas=["Cloud", "AI"], hourly_rate=Decimal("100"))
    ConsultantFactory(first_name="Cat", expertise_areas=["Finance"], hourly_rate=Decimal("200"))
    assert names_on(client.get("/consultants/", {"q": "acme"})) == ["Ada"]
    assert names_on(client.get("/consultants/", {"expertise": "Cloud", "sort": "rate_asc"})) == ["Ben", "Ada"]
    assert names_on(client.get("/consultants/", {"sort": "rate_desc"})) == ["Ada", "Cat", "Ben"]
    response = client.get("/consultants/", {"expertise": "AI"})
    assert names_on(response) == ["Ben"]
    assert '<option value="AI" selected>AI</option>' in response.content.decode()


def test_directory_bad_filter_shows_form_error_not_500(client):
    ConsultantFactory(first_name="Ada")
    response = client.get("/consultants/", {"sort": "height", "expertise": "Knitting", "page": "abc"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"sort", "expertise"}
    assert names_on(response) == ["Ada"]


def test_directory_paginates_and_keeps_filters(client):
    ConsultantFactory.create_batch(26, expertise_areas=["Cloud"])
    first = client.get("/consultants/", {"expertise": "Cloud"})
    assert len(names_on(first)) == 24
    assert 'href="?expertise=Cloud&amp;page=2"' in first.content.decode()
    second = client.get("/consultants/", {"expertise": "Cloud", "page": 2})
    assert len(names_on(second)) == 2


def test_directory_runs_constant_queries(client):
    def count_for(n: int) -> int:
        Consultant.objects.all().delete()
        ConsultantFactory.create_batch(n, expertise_areas=["Cloud", "AI"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/consultants/", {"q": "anna", "sort": "rating"})
        assert response.status_code == 200
        assert response.context["page"].paginator.count == n
        return len(queries)

    assert count_for(5) == count_for(200)


def test_profile_page_renders_bio_and_seo(client):
    ConsultantFactory(
        first_name="Ada",
        last_name="Adler",
        title="Cloud Architect",
        company="Acme",
        profile_image_url="https://img.example.com/ada.jpg",
        bio={"en": bio_blocks("Ada builds clouds."), "de": bio_blocks("Ada baut Wolken.")},
        meta_description={"en": "Ada, cloud architect.", "de": "Ada, Cloud-Architektin."},
    )
    response = client.get("/consultants/ada-adler/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Ada Adler — Cloud Architect · Magnetiq</title>" in html
    assert '<meta name="description" content="Ada, cloud architect.">' in html
    assert '<meta property="og:type" content="profile">' in html
    assert '<meta property="og:image" content="https://img.example.com/ada.jpg">' in html
    assert '<link rel="canonical" href="http://127.0.0.1:3036/consultants/ada-adler/">' in html
    assert '<div class="pt-content"><p>Ada builds clouds.</p></div>' in html


def test_profile_page_in_german(client):
    ConsultantFactory(
        first_name="Ada",
        last_name="Adler",
        bio={"en": bio_blocks("Ada builds clouds."), "de": bio_blocks("Ada baut Wolken.")},
        meta_description={},
    )
    response = client.get("/de/consultants/ada-adler/")
    html = response.content.decode()
    assert "<p>Ada baut Wolken.</p>" in html
    assert '<meta name="description" content="Ada baut Wolken.">' in html
    assert "Über Ada" in html


@pytest.mark.parametrize("status", ["pending", "inactive", "suspended", "rejected"])
def test_profile_page_404_for_non_public(client, status):
    ConsultantFactory(first_name="Ada", last_name="Adler", status=status)
    response = client.get("/consultants/ada-adler/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_profile_page_404_for_unknown_and_deleted(client):
    consultant = ConsultantFactory(first_name="Ada", last_name="Adler")
    Consultant.objects.filter(pk=consultant.pk).update(deleted_at="2026-01-01T00:00:00Z")
    assert client.get("/consultants/ada-adler/").status_code == 404
    assert client.get("/consultants/nobody/").status_code == 404


def test_sitemap_lists_public_profiles_only():
    ConsultantFactory(first_name="Ada", last_name="Adler")
    ConsultantFactory(first_name="Ben", last_name="Brook", status=ConsultantStatus.PENDING)
    request = RequestFactory().get("/sitemap.xml")
    response = sitemap(request, sitemaps={"consultants": ConsultantSitemap})
    response.render()
    xml = response.content.decode()
    assert "/consultants/ada-adler/</loc>" in xml
    assert "ben-brook" not in xml


def test_directory_in_german_under_de_prefix_with_language_switch(client):
    ConsultantFactory(first_name="Ada", last_name="Adler")
    response = client.get("/de/consultants/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in html
    assert 'href="/de/consultants/ada-adler/"' in html
    assert 'href="/consultants/" hreflang="en"' in html
    assert "<h1>Unsere Berater</h1>" in html
    assert '<p class="muted" id="result-count">1 Berater gefunden</p>' in html
    assert '<option value="" selected>Alle Fachgebiete</option>' in html
    assert '<option value="rate_asc">Honorar: aufsteigend</option>' in html


def test_profile_in_german(client):
    consultant = ConsultantFactory(
        first_name="Ada",
        last_name="Adler",
        hourly_rate=Decimal("250"),
        currency="EUR",
        average_rating=Decimal("4.8"),
        total_reviews=1,
        years_experience=12,
        bio={"en": [], "de": []},
    )
    html = client.get(f"/de/consultants/{consultant.slug}/").content.decode()

    assert "← Alle Berater</a>" in html
    assert "<strong>250,00\xa0€</strong> pro Stunde" in html
    assert "(1 Bewertung)" in html
    assert "12 Jahre Erfahrung" in html
    assert f'href="/de/consultants/{consultant.slug}/book/">Termin buchen</a>' in html
    assert "<dt>Zeitzone</dt>" in html


def test_directory_pagination_in_german(client):
    for index in range(25):
        ConsultantFactory(first_name=f"Name{index:02d}")

    html = client.get("/de/consultants/", {"page": 2}).content.decode()

    assert '<p class="muted" id="result-count">25 Berater gefunden</p>' in html
    assert "<span>Seite 2 von 2</span>" in html
    assert ">Zurück</a>" in html


def test_directory_filters_by_spoken_language(client):
    ConsultantFactory(first_name="Ada", languages=["en", "fr"])
    ConsultantFactory(first_name="Ben", languages=["en"])
    response = client.get("/consultants/", {"language": "fr"})
    assert names_on(response) == ["Ada"]
    html = response.content.decode()
    assert '<option value="fr" selected>French</option>' in html
    assert '<option value="en">English</option>' in html


def test_directory_language_names_in_german(client):
    ConsultantFactory(first_name="Ada", languages=["en", "fr"])
    html = client.get("/de/consultants/").content.decode()
    assert '<option value="fr">Französisch</option>' in html
    assert '<option value="" selected>Alle Sprachen</option>' in html


def test_directory_unknown_language_is_a_form_error_and_ignored(client):
    ConsultantFactory(first_name="Ada", languages=["en"])
    response = client.get("/consultants/", {"language": "xx"})
    assert names_on(response) == ["Ada"]
    assert response.context["form"].errors["language"]


def test_available_this_week_reads_schedule_and_days_off(client):
    from datetime import UTC, datetime, time, timedelta

    import time_machine

    from bookings.tests.factories import AvailabilityOverrideFactory, AvailabilityRuleFactory

    now = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    today = now.date()
    weekly = ConsultantFactory(first_name="Weekly")
    AvailabilityRuleFactory(consultant=weekly, weekday=(today + timedelta(days=3)).weekday())
    off = ConsultantFactory(first_name="Off")  # its only weekday is taken off this week
    AvailabilityRuleFactory(consultant=off, weekday=(today + timedelta(days=2)).weekday())
    AvailabilityOverrideFactory(consultant=off, date=today + timedelta(days=2), kind="unavailable")
    extra = ConsultantFactory(first_name="Extra")  # no schedule, extra hours in 5 days
    AvailabilityOverrideFactory(
        consultant=extra, date=today + timedelta(days=5), kind="extra", start_time=time(9), end_time=time(12)
    )
    later = ConsultantFactory(first_name="Later")  # extra hours only in 8 days
    AvailabilityOverrideFactory(
        consultant=later, date=today + timedelta(days=8), kind="extra", start_time=time(9), end_time=time(12)
    )
    ConsultantFactory(first_name="None")

    with time_machine.travel(now, tick=False):
        response = client.get("/consultants/", {"available": "on", "sort": "name"})
        every = client.get("/consultants/", {"sort": "name"})

    assert sorted(names_on(response)) == ["Extra", "Weekly"]
    assert len(names_on(every)) == 5
    assert 'name="available" id="id_available" checked' in response.content.decode()


def test_rate_sort_compares_currencies_in_dollars(client, settings):
    settings.EXCHANGE_RATES = {"USD": "1.0", "EUR": "1.10", "GBP": "1.30"}
    ConsultantFactory(first_name="Usd", hourly_rate=Decimal("230.00"), currency="USD")  # 230
    ConsultantFactory(first_name="Eur", hourly_rate=Decimal("200.00"), currency="EUR")  # 220
    ConsultantFactory(first_name="Gbp", hourly_rate=Decimal("180.00"), currency="GBP")  # 234
    ConsultantFactory(first_name="Jpy", hourly_rate=Decimal("9000.00"), currency="JPY")  # not listed: last
    ConsultantFactory(first_name="Free", hourly_rate=None)

    ascending = client.get("/consultants/", {"sort": "rate_asc"})
    descending = client.get("/consultants/", {"sort": "rate_desc"})

    # Without a dollar value (no rate, a currency the setting does not list): last, by name.
    assert names_on(ascending) == ["Eur", "Usd", "Gbp", "Free", "Jpy"]
    assert names_on(descending) == ["Gbp", "Usd", "Eur", "Free", "Jpy"]


def test_rate_sort_in_one_query_whatever_the_size(client):
    def count_for(n: int) -> int:
        Consultant.objects.all().delete()
        for index in range(n):
            ConsultantFactory(currency="EUR" if index % 2 else "USD")
        with CaptureQueriesContext(connection) as queries:
            client.get("/consultants/", {"sort": "rate_asc", "available": "on", "language": "en"})
        return len(queries)

    assert count_for(3) == count_for(40)


def test_directory_expertise_menu_and_tags_alphabetical(client):
    ConsultantFactory(first_name="Ada", expertise_areas=["cloud", "Zoning", "AI"])
    ConsultantFactory(first_name="Ben", expertise_areas=["Zoning"])
    html = client.get("/consultants/").content.decode()
    menu = html[html.index('name="expertise"') : html.index("</select>", html.index('name="expertise"'))]
    assert [part.split('"')[1] for part in menu.split("<option value=")[1:]] == ["", "AI", "cloud", "Zoning"]
    card = html[html.index(">Ada Schmidt<") :]
    assert card.index(">AI<") < card.index(">cloud<") < card.index(">Zoning<")


def test_each_card_has_a_book_button_and_filters_can_be_cleared(client):
    ConsultantFactory(first_name="Ada", last_name="Adler")
    plain = client.get("/consultants/").content.decode()
    filtered = client.get("/consultants/", {"q": "nobody"}).content.decode()

    assert (
        '<a class="button" href="/consultants/ada-adler/book/">Book<span class="visually-hidden"> Ada</span></a>'
    ) in plain
    assert "Clear filters" not in plain
    assert '<a class="clear-filters" href="/consultants/">Clear filters</a>' in filtered
