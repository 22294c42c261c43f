"""GDPR erasure across apps: a lead who downloaded a whitepaper and registered
for a webinar is erased; afterwards no table in the database holds their e-mail, name, company,
phone or IP. Each app erases its own copies through ``leads.signals.lead_erased``."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from leads.models import Lead
from leads.services import lead_erase
from webinars.services import webinar_register
from webinars.tests.factories import WebinarFactory
from whitepapers.services import download_consume, download_request
from whitepapers.tests.factories import WhitepaperFactory

pytestmark = pytest.mark.django_db

PERSONAL = ("grace.hopper@example.org", "Grace", "Hopper", "grace+hopper", "Navy Computing", "555 0100", "198.51.100")


def dump_database() -> str:
    tables = set(connection.introspection.table_names())
    missing = [m._meta.label for m in apps.get_models() if m._meta.db_table not in tables]
    out = io.StringIO()
    call_command("dumpdata", *[f"--exclude={label}" for label in missing], stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.WHITEPAPER_PRIVATE_ROOT = tmp_path / "private"


def test_erasing_a_lead_leaves_no_personal_data_in_any_app(mailoutbox):
    whitepaper = WhitepaperFactory()
    _token, raw = download_request(
        whitepaper=whitepaper,
        email="Grace.Hopper@example.org",
        first_name="Grace",
        last_name="Hopper",
        company="Navy Computing",
        phone="555 0100",
        consent_terms=True,
        consent_marketing=True,
        utm={"utm_source": "newsletter"},
        referrer="https://search.example/?q=grace+hopper",
    )
    download_consume(raw_token=raw, ip="198.51.100.23", referrer="https://search.example/?q=grace+hopper")
    webinar_register(
        webinar=WebinarFactory(),
        email="grace.hopper@example.org",
        first_name="Grace",
        last_name="Hopper",
        company="Navy Computing",
        phone="555 0100",
        consent_terms=True,
    )
    before = dump_database()
    for value in PERSONAL:
        assert value in before  # the check below would find them if they stayed

    lead_erase(lead=Lead.objects.get(email="grace.hopper@example.org"), actor=None)

    after = dump_database()
    assert [value for value in PERSONAL if value in after] == []
