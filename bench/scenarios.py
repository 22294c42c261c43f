"""The bench's in-process measures, run by ``bench/run.py`` as ``python -m bench.scenarios BUSY_ID``
on the seeded database (``DATABASE_URL``, ``DJANGO_SETTINGS_MODULE=magnetiq.settings.bench``).
Prints one JSON object:

- ``availability``: the free slots of the next 60 days of the consultant ``BUSY_ID`` (2 000
  bookings, ``bench/seed.py``) as the booking pages and the API compute them (``slots_by_day`` over
  the whole range, free slots only, as ``GET /public/consultants/{id}/time-slots`` and the booking
  page's month do), against the one SQL query the answer cannot do without (the consultant's
  active bookings overlapping the 60 days; the weekly rules and overrides are a second, small one).
- ``pdf``: a whitepaper's PDF through ``whitepaper_generate_pdf`` (render the HTML, WeasyPrint, store
  the file) against WeasyPrint alone on the same HTML.
- ``campaign``: an e-mail campaign to :data:`CAMPAIGN_RECIPIENTS` consenting leads through the worker
  (``communications.services.campaign_process``: claim batches, render each message, mark each row
  ``sending`` then ``sent``, one SMTP connection per batch) against plain ``smtplib`` sending the
  same personalised messages (built by the same builder as it goes) over one connection, both to
  one aiosmtpd server on loopback; throughput in messages per second and the campaign's share of
  the plain rate; also the rate of smtplib sending bytes built beforehand (SMTP alone).

Each pair is measured alternately; medians in milliseconds and the median of the pairs' ratios.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import django

AVAILABILITY_DAYS = 60
REPEAT = 7
PDF_REPEAT = 5
CAMPAIGN_RECIPIENTS = 1000
CAMPAIGN_REPEAT = 3


def _ms(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def compare(work: Callable[[], object], yardstick: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median milliseconds of ``work`` and of ``yardstick``, run alternately ``repeat`` times each
    (so a busy moment of the machine hits both), and the median of the pairs' ratios."""
    work(), yardstick()  # warm: imports, first connection, template loading, fonts
    pairs = [(_ms(work), _ms(yardstick)) for _ in range(repeat)]
    return (
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(a / b for a, b in pairs),
    )


def availability(consultant_id: int) -> dict:
    from django.utils import timezone

    from bookings.availability import slots_by_day
    from bookings.models import ConsultationBooking
    from consultants.models import Consultant

    consultant = Consultant.objects.get(pk=consultant_id)
    utc = ZoneInfo("UTC")
    first = timezone.now().date() + timedelta(days=1)
    days = [first + timedelta(days=offset) for offset in range(AVAILABILITY_DAYS)]

    def service() -> int:
        free = slots_by_day(consultant=consultant, first_day=days[0], last_day=days[-1], tz=utc, available_only=True)
        return sum(len(states) for states in free.values())

    def single_query() -> int:
        span_start = timezone.now()
        span_end = span_start + timedelta(days=AVAILABILITY_DAYS + 2)
        bookings = ConsultationBooking.objects.active().filter(consultant=consultant).overlapping(span_start, span_end)
        return len(list(bookings.values_list("pk", "start", "end")))

    service_ms, query_ms, ratio = compare(service, single_query, REPEAT)
    return {
        "days": AVAILABILITY_DAYS,
        "bookings": ConsultationBooking.objects.filter(consultant=consultant).count(),
        "bookings_in_range": single_query(),
        "free_slots": service(),
        "service_ms": service_ms,
        "query_ms": query_ms,
        "ratio": ratio,
    }


def pdf() -> dict:
    from weasyprint import HTML, URLFetcher

    from whitepapers.models import Whitepaper
    from whitepapers.pdf import render_html
    from whitepapers.services import whitepaper_generate_pdf

    whitepaper = Whitepaper.objects.published().exclude(body={}).select_related("author", "cover_image").first()
    if whitepaper is None:
        raise SystemExit("No published whitepaper with a body to render.")
    html = render_html(whitepaper)

    def raw() -> bytes:
        return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()

    def service() -> object:
        return whitepaper_generate_pdf(whitepaper_id=whitepaper.pk, force=True)

    service_ms, weasyprint_ms, ratio = compare(service, raw, PDF_REPEAT)
    return {"whitepaper": whitepaper.slug, "service_ms": service_ms, "weasyprint_ms": weasyprint_ms, "ratio": ratio}


_SINK = """
import logging, sys
logging.disable(logging.CRITICAL)
from magnetiq.tests.smtp import SMTPTestServer
with SMTPTestServer() as server:
    print(server.port, flush=True)
    for line in sys.stdin:
        print(len(server.messages), flush=True)
"""


def campaign() -> dict:
    import smtplib
    from email.utils import parseaddr

    from django.conf import settings
    from django.utils import timezone

    from communications import services
    from communications.models import Campaign, CampaignSend, EmailTemplate
    from communications.rendering import prepare
    from leads.models import CONSENT_WORDING_VERSION, Lead, LeadConsent

    run = f"bench{time.time_ns()}"
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        [Lead(email=f"{run}-{i}@example.com", first_name=f"Reader{i}", source=run) for i in range(CAMPAIGN_RECIPIENTS)]
    )
    leads = list(Lead.objects.filter(email__startswith=f"{run}-"))
    LeadConsent.objects.bulk_create(
        [
            LeadConsent(
                lead=lead,
                kind=kind,
                granted=True,
                wording_version=CONSENT_WORDING_VERSION,
                source="bench",
                recorded_at=now,
            )
            for lead in leads
            for kind in ("terms", "marketing")
        ]
    )
    block = {
        "_type": "block",
        "_key": "b",
        "style": "normal",
        "markDefs": [{"_key": "l", "_type": "link", "href": "https://example.com/report"}],
        "children": [
            {"_type": "span", "_key": "s", "text": "Dear {{ first_name }}, our new report is out: ", "marks": []},
            {"_type": "span", "_key": "t", "text": "read it", "marks": ["l"]},
        ],
    }
    template = EmailTemplate.objects.create(
        name=run, subject={"en": "News for {{ first_name }}"}, body={"en": [block] * 6}, preheader={"en": "Monthly"}
    )
    segment = {"audience": "leads", "sources": [run]}
    # The server runs in a process of its own, as a relay does: in this process it would compete
    # with the sender for the interpreter lock and slow both sides alike.
    sink = subprocess.Popen(  # noqa: S603 - this interpreter and code of this file
        [sys.executable, "-c", _SINK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))},
    )
    try:
        port = int(sink.stdout.readline())

        def received() -> int:
            sink.stdin.write("count\n")
            sink.stdin.flush()
            return int(sink.stdout.readline())

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

        # Started beforehand (the recipients snapshot is a one-off cost of each campaign, timed
        # apart): the comparison is the sending itself.
        snapshot_ms = []
        started = []
        for _ in range(CAMPAIGN_REPEAT + 1):
            campaign = Campaign.objects.create(name=run, template=template, segment=segment, send_rate=100_000)
            snapshot_ms.append(_ms(lambda campaign=campaign: services.campaign_start(campaign_id=campaign.pk)))
            started.append(campaign)

        def through_worker() -> int:
            campaign = started.pop()
            services.campaign_process(campaign_id=campaign.pk)
            return CampaignSend.objects.filter(campaign=campaign, status="sent").count()

        # Two yardsticks over one smtplib connection. The target's: the same personalised messages
        # built with the worker's own builder inside the timed loop, as the plainest script sending
        # this campaign would, so the ratio is what the claims, the per-message records and the
        # retries cost. The floor, printed for comparison: the same bytes built beforehand (SMTP alone).
        sample = Campaign.objects.create(name=run, template=template, segment=segment, send_rate=100_000)
        services.campaign_start(campaign_id=sample.pk)
        sample_sends = list(CampaignSend.objects.filter(campaign=sample).order_by("id"))
        from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

        def message_bytes(send, prepared) -> bytes:
            message, _ = services.build_message(
                send=send, prepared=prepared, track=False, from_email=settings.DEFAULT_FROM_EMAIL
            )
            return message.message().as_bytes(linesep="\r\n")

        def prepared_en():
            return prepare(subject=template.subject, body=template.body, preheader=template.preheader, language="en")

        built = [(send.email, message_bytes(send, prepared_en())) for send in sample_sends]

        def plain_smtplib() -> int:
            prepared = prepared_en()
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as connection:
                for send in sample_sends:
                    connection.sendmail(from_address, [send.email], message_bytes(send, prepared))
            return len(sample_sends)

        def prebuilt_smtplib() -> int:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as connection:
                for address, data in built:
                    connection.sendmail(from_address, [address], data)
            return len(built)

        counts: list[tuple[int, int]] = []

        def worker_run() -> None:
            counts.append((through_worker(), 0))

        def plain_run() -> None:
            counts.append((0, plain_smtplib()))

        before = received()
        worker_ms, plain_ms, ratio = compare(worker_run, plain_run, CAMPAIGN_REPEAT)
        arrived = received() - before
        prebuilt_ms = statistics.median(_ms(prebuilt_smtplib) for _ in range(CAMPAIGN_REPEAT))
    finally:
        sink.stdin.close()
        sink.wait(timeout=10)
    delivered = [c for c, _ in counts if c]
    return {
        "recipients": CAMPAIGN_RECIPIENTS,
        "delivered_per_run": sorted(set(delivered)),
        "arrived": arrived,
        "snapshot_ms": statistics.median(snapshot_ms),
        "campaign_per_s": CAMPAIGN_RECIPIENTS / worker_ms * 1000,
        "smtplib_per_s": CAMPAIGN_RECIPIENTS / plain_ms * 1000,
        "prebuilt_smtplib_per_s": CAMPAIGN_RECIPIENTS / prebuilt_ms * 1000,
        # Throughput ratio: the campaign's messages per second over smtplib's (time ratio inverted).
        "ratio": 1 / ratio,
    }


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    django.setup()
    if sys.argv[1:] == ["campaign"]:
        print(json.dumps({"campaign": campaign()}))
    else:
        print(json.dumps({"availability": availability(int(sys.argv[1])), "pdf": pdf(), "campaign": campaign()}))
