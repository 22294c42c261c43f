"""The LinkedIn import through Scoopp: services, gateway and ``poll_scraping_jobs`` against recorded
Scoopp replies served over real HTTP on 127.0.0.1 (``conftest.scoopp``)."""

import contextlib
import json
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from consultants import scoopp_gateway, services
from consultants.exceptions import (
    LinkedInDataMissing,
    LinkedInUrlMissing,
    ScooppNotConfigured,
    ScooppWebhookInvalid,
    ScrapingInProgress,
    ScrapingJobNotCancellable,
    ScrapingJobNotRetryable,
)
from consultants.models import LinkedInSyncStatus, ScrapingJob, ScrapingJobStatus
from consultants.tests.factories import ConsultantFactory, bio_blocks
from magnetiq.exceptions import ApplicationError
from magnetiq.models import AuditLogEntry

from .conftest import SCOOPP_FIXTURES, SCOOPP_KEY, SCOOPP_SECRET, SHORT_TIMEOUT

pytestmark = pytest.mark.django_db

PROFILE_URL = "https://www.linkedin.com/in/anna-schmidt-consulting/"


def make_consultant(**fields):
    return ConsultantFactory(linkedin_url=PROFILE_URL, linkedin_scraped_data=None, **fields)


def create_job(consultant, capture, **kwargs):
    with capture(execute=True):
        job = services.scraping_job_create(consultant=consultant, **kwargs)
    job.refresh_from_db()
    return job


def actions(obj) -> list[str]:
    return list(AuditLogEntry.objects.for_object(obj).order_by("id").values_list("action", flat=True))


def completed_state(job_id="scp_job_7Hq2L9xK") -> scoopp_gateway.JobState:
    data = json.loads((SCOOPP_FIXTURES / "job_completed.json").read_text())
    return scoopp_gateway.JobState(job_id=job_id, status="completed", result=data["result"])


# --- start -------------------------------------------------------------------------------------


def test_create_starts_the_job_at_scoopp_after_commit(scoopp, clock, settings, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    scoopp.reply("job_started.json", 202)

    job = create_job(consultant, django_capture_on_commit_callbacks, scrape_posts=True)

    now = time.time()
    assert job.status == ScrapingJobStatus.RUNNING
    assert job.scoopp_job_id == "scp_job_7Hq2L9xK"
    assert job.started_at.timestamp() == now
    assert job.next_retry_at == job.started_at + timedelta(minutes=10)
    assert job.estimated_completion.isoformat() == "2026-05-04T10:05:00+00:00"
    assert (job.retry_count, job.error_message, job.runs) == (0, "", 1)
    (request,) = scoopp.requests
    assert (request.method, request.path) == ("POST", "/v1/jobs")
    assert request.headers["Authorization"] == f"Bearer {SCOOPP_KEY}"
    assert request.headers["Idempotency-Key"] == f"magnetiq-scraping-job-{job.pk}-run-1"
    assert request.json() == {
        "type": "linkedin_profile",
        "url": PROFILE_URL,
        "webhook_url": f"{settings.SITE_URL}/api/v1/webhooks/scoopp",
        "reference": str(job.pk),
        "options": {"scrape_posts": True, "scrape_connections": False},
    }
    assert job.scoopp_webhook_url == f"{settings.SITE_URL}/api/v1/webhooks/scoopp"
    consultant.refresh_from_db()
    assert consultant.linkedin_sync_status == LinkedInSyncStatus.SYNCING
    assert actions(job) == ["consultants.scraping_job.created", "consultants.scraping_job.started"]


def test_not_configured_refuses_before_storing_anything(settings):
    settings.SCOOPP_API_KEY = ""
    with pytest.raises(ScooppNotConfigured) as error:
        services.scraping_job_create(consultant=make_consultant())
    assert (error.value.status, error.value.code) == (503, "SCOOPP_NOT_CONFIGURED")
    assert ScrapingJob.objects.count() == 0


def test_a_url_is_needed_and_must_be_linkedin(scoopp):
    with pytest.raises(LinkedInUrlMissing):
        services.scraping_job_create(consultant=ConsultantFactory(linkedin_url=""))
    with pytest.raises(ValidationError) as error:
        services.scraping_job_create(consultant=make_consultant(), linkedin_url="https://example.com/in/anna")
    assert list(error.value.message_dict) == ["linkedin_url"]
    assert ScrapingJob.objects.count() == 0


def test_bad_key_fails_the_job_at_once(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    scoopp.reply("error_unauthorized.json", 401)

    job = create_job(consultant, django_capture_on_commit_callbacks)

    assert job.status == ScrapingJobStatus.FAILED
    assert job.error_message == "Scoopp refused the API key (HTTP 401); check SCOOPP_API_KEY."
    assert (job.retry_count, job.next_retry_at) == (0, None)
    assert len(scoopp.requests) == 1
    consultant.refresh_from_db()
    assert consultant.linkedin_sync_status == LinkedInSyncStatus.FAILED
    assert actions(job)[-1] == "consultants.scraping_job.failed"


def test_429_waits_for_retry_after_then_the_poller_starts_it(
    scoopp, clock, settings, django_capture_on_commit_callbacks
):
    settings.VENDOR_MAX_RETRIES = 0  # the service's own retry, not the HTTP client's
    consultant = make_consultant()
    scoopp.reply("error_rate_limited.json", 429, headers={"Retry-After": "1800"})

    job = create_job(consultant, django_capture_on_commit_callbacks)

    assert job.status == ScrapingJobStatus.PENDING
    assert job.retry_count == 1
    assert job.error_message == "Scoopp answered 429: Too many requests; retry after the time in Retry-After."
    # Retry-After (30 min) is longer than the first backoff step (10 min).
    assert job.next_retry_at.timestamp() == time.time() + 1800

    clock.shift(timedelta(minutes=29))
    call_command("poll_scraping_jobs")
    assert len(scoopp.requests) == 1  # not due yet

    clock.shift(timedelta(minutes=1))
    scoopp.reply("job_started.json", 202)
    call_command("poll_scraping_jobs")
    job.refresh_from_db()
    assert job.status == ScrapingJobStatus.RUNNING
    assert job.retry_count == 0
    first, second = scoopp.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


def test_http_client_retries_a_5xx_with_the_same_idempotency_key(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    scoopp.reply("error_server.json", 503)
    scoopp.reply("job_started.json", 202)

    job = create_job(consultant, django_capture_on_commit_callbacks)

    assert job.status == ScrapingJobStatus.RUNNING
    assert [r.headers["Idempotency-Key"] for r in scoopp.requests] == [f"magnetiq-scraping-job-{job.pk}-run-1"] * 2


def test_5xx_then_success_on_the_next_try(scoopp, clock, settings, django_capture_on_commit_callbacks):
    settings.VENDOR_MAX_RETRIES = 0
    consultant = make_consultant()
    scoopp.reply("error_server.json", 500)

    job = create_job(consultant, django_capture_on_commit_callbacks)
    assert (job.status, job.retry_count) == (ScrapingJobStatus.PENDING, 1)
    assert job.error_message == "Scoopp answered 500: Something went wrong on our side."
    assert job.next_retry_at.timestamp() == time.time() + 600

    clock.shift(timedelta(minutes=10))
    scoopp.reply("job_started.json", 202)
    call_command("poll_scraping_jobs")
    job.refresh_from_db()
    assert (job.status, job.scoopp_job_id, job.error_message) == (ScrapingJobStatus.RUNNING, "scp_job_7Hq2L9xK", "")


def test_timeouts_back_off_exponentially_then_fail(scoopp, clock, settings, django_capture_on_commit_callbacks):
    settings.VENDOR_MAX_RETRIES = 0
    settings.SCOOPP_TIMEOUT_SECONDS = SHORT_TIMEOUT
    consultant = make_consultant()
    scoopp.reply("job_started.json", 202, delay=1.0)

    job = create_job(consultant, django_capture_on_commit_callbacks)
    assert (job.status, job.retry_count) == (ScrapingJobStatus.PENDING, 1)
    assert job.error_message.startswith("Scoopp did not answer: ")
    waits = []
    for _attempt in range(3):
        waits.append(round(job.next_retry_at.timestamp() - time.time()))
        clock.shift(job.next_retry_at - timezone.now())
        scoopp.reply("job_started.json", 202, delay=1.0)
        if job.retry_count < job.max_retries:
            call_command("poll_scraping_jobs")
        else:
            with pytest.raises(CommandError, match="1 failed"):
                call_command("poll_scraping_jobs")
        job.refresh_from_db()

    assert waits == [600, 1200, 2400]
    assert job.status == ScrapingJobStatus.FAILED
    assert job.retry_count == 3
    assert job.error_message.startswith("Scoopp did not answer: ")
    consultant.refresh_from_db()
    assert consultant.linkedin_sync_status == LinkedInSyncStatus.FAILED


# --- results -----------------------------------------------------------------------------------


def running_job(consultant, clock, scoopp, capture):
    scoopp.reply("job_started.json", 202)
    return create_job(consultant, capture)


def test_poll_applies_a_completed_job(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    job = running_job(consultant, clock, scoopp, django_capture_on_commit_callbacks)

    clock.shift(timedelta(minutes=9))
    call_command("poll_scraping_jobs")
    assert len(scoopp.requests) == 1  # a running job is polled only N minutes after its start

    clock.shift(timedelta(minutes=1))
    scoopp.reply("job_completed.json")
    call_command("poll_scraping_jobs")

    job.refresh_from_db()
    assert job.status == ScrapingJobStatus.COMPLETED
    assert job.scraped_data["profile"]["full_name"] == "Anna Schmidt"
    assert (scoopp.requests[-1].method, scoopp.requests[-1].path) == ("GET", "/v1/jobs/scp_job_7Hq2L9xK")
    consultant.refresh_from_db()
    data = consultant.linkedin_scraped_data
    assert (data["title"], data["company"]) == ("Partner", "Nordlicht Advisory")
    assert data["skills"] == ["Cloud Architecture", "Manufacturing IT", "IT Strategy", "SAP S/4HANA"]
    assert (data["career_start_year"], data["connections_count"], data["job_id"]) == (2008, 812, job.pk)
    assert len(data["posts"]) == 1
    assert consultant.linkedin_sync_status == LinkedInSyncStatus.NOT_SYNCED


def test_poll_of_an_unfinished_job_backs_off_and_finally_fails(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    job = running_job(consultant, clock, scoopp, django_capture_on_commit_callbacks)
    waits = []
    for _attempt in range(4):
        clock.shift(job.next_retry_at - timezone.now())
        scoopp.reply("job_running.json")
        # The last poll fails the job, and the command says so with a non-zero exit.
        with contextlib.suppress(CommandError):
            call_command("poll_scraping_jobs")
        job.refresh_from_db()
        if job.next_retry_at:
            waits.append(round(job.next_retry_at.timestamp() - time.time()))

    assert waits == [600, 1200, 2400]
    assert job.status == ScrapingJobStatus.FAILED
    assert job.error_message == "Scoopp had not finished the job after 80 minutes."
    assert [r.method for r in scoopp.requests] == ["POST", "GET", "GET", "GET", "GET"]


def test_scoopp_failure_fails_the_job_with_its_error(scoopp, clock, django_capture_on_commit_callbacks):
    job = running_job(make_consultant(), clock, scoopp, django_capture_on_commit_callbacks)
    state = scoopp_gateway.JobState(job_id=job.scoopp_job_id, status="failed", error="The profile is private.")

    job, changed = services.scraping_job_apply_state(state=state)

    assert changed is True
    assert (job.status, job.error_message) == (ScrapingJobStatus.FAILED, "The profile is private.")


def test_applying_the_same_result_twice_changes_nothing(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    job = running_job(consultant, clock, scoopp, django_capture_on_commit_callbacks)

    first, changed = services.scraping_job_apply_state(state=completed_state())
    consultant.refresh_from_db()
    stored = (consultant.linkedin_scraped_data, consultant.updated_at)
    clock.shift(timedelta(minutes=5))
    again, changed_again = services.scraping_job_apply_state(state=completed_state())

    assert (changed, changed_again) == (True, False)
    assert first.pk == again.pk == job.pk
    consultant.refresh_from_db()
    assert (consultant.linkedin_scraped_data, consultant.updated_at) == stored
    assert actions(job).count("consultants.scraping_job.completed") == 1


def test_a_result_is_found_by_reference_when_the_start_answer_was_lost(scoopp, settings):
    settings.VENDOR_MAX_RETRIES = 0
    job = services.scraping_job_create(consultant=make_consultant())  # the task never ran
    state = scoopp_gateway.JobState(
        job_id="scp_job_other", status="completed", result=completed_state().result, reference=str(job.pk)
    )

    applied, changed = services.scraping_job_apply_state(state=state, reference=state.reference)

    assert (applied.pk, changed, applied.scoopp_job_id) == (job.pk, True, "scp_job_other")


# --- one at a time, retry, cancel ------------------------------------------------------------


def test_one_active_job_per_consultant(scoopp, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    scoopp.reply("job_started.json", 202)
    job = create_job(consultant, django_capture_on_commit_callbacks)

    with pytest.raises(ScrapingInProgress):
        services.scraping_job_create(consultant=consultant)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScrapingJob.objects.create(consultant=consultant, job_type=job.job_type, target_url=PROFILE_URL)
    assert ScrapingJob.objects.filter(consultant=consultant).count() == 1
    # Another consultant is not held up.
    scoopp.reply("job_started.json", 202)
    assert create_job(make_consultant(), django_capture_on_commit_callbacks).status == ScrapingJobStatus.RUNNING


def test_retry_only_failed_or_cancelled(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    scoopp.reply("error_unauthorized.json", 401)
    job = create_job(consultant, django_capture_on_commit_callbacks)
    assert job.status == ScrapingJobStatus.FAILED

    scoopp.reply("job_started.json", 202)
    with django_capture_on_commit_callbacks(execute=True):
        services.scraping_job_retry(job=job)
    job.refresh_from_db()
    assert (job.status, job.runs, job.error_message) == (ScrapingJobStatus.RUNNING, 2, "")
    assert scoopp.requests[-1].headers["Idempotency-Key"] == f"magnetiq-scraping-job-{job.pk}-run-2"
    with pytest.raises(ScrapingJobNotRetryable):
        services.scraping_job_retry(job=job)


def test_retry_refused_while_another_job_is_active(scoopp, django_capture_on_commit_callbacks):
    consultant = make_consultant()
    scoopp.reply("error_unauthorized.json", 401)
    failed = create_job(consultant, django_capture_on_commit_callbacks)
    scoopp.reply("job_started.json", 202)
    create_job(consultant, django_capture_on_commit_callbacks)

    with pytest.raises(ScrapingInProgress):
        services.scraping_job_retry(job=failed)
    failed.refresh_from_db()
    assert failed.status == ScrapingJobStatus.FAILED


def test_cancel_a_running_job_tells_scoopp_and_ignores_its_late_result(
    scoopp, clock, django_capture_on_commit_callbacks
):
    consultant = make_consultant()
    job = running_job(consultant, clock, scoopp, django_capture_on_commit_callbacks)
    scoopp.reply(None, 204)

    with django_capture_on_commit_callbacks(execute=True):
        services.scraping_job_cancel(job=job)

    job.refresh_from_db()
    assert job.status == ScrapingJobStatus.CANCELLED
    assert (scoopp.requests[-1].method, scoopp.requests[-1].path) == ("DELETE", "/v1/jobs/scp_job_7Hq2L9xK")
    consultant.refresh_from_db()
    assert consultant.linkedin_sync_status == LinkedInSyncStatus.NOT_SYNCED
    assert services.scraping_job_apply_state(state=completed_state()) == (job, False)
    with pytest.raises(ScrapingJobNotCancellable):
        services.scraping_job_cancel(job=job)


# --- webhooks (gateway) ------------------------------------------------------------------------


def test_verify_webhook(scoopp, clock):
    body = (SCOOPP_FIXTURES / "job_completed.json").read_bytes()
    now = int(time.time())
    signature = scoopp_gateway.sign_webhook(body, secret=SCOOPP_SECRET, timestamp=now)

    state = scoopp_gateway.verify_webhook(body, signature=signature, timestamp=str(now))
    assert (state.job_id, state.status, state.reference) == ("scp_job_7Hq2L9xK", "completed", "1")
    # A rotated secret: any of several v1 values may match.
    assert scoopp_gateway.verify_webhook(body, signature=f"v1=00ff, {signature}", timestamp=str(now)).status == (
        "completed"
    )
    wrong = scoopp_gateway.sign_webhook(body, secret="another-secret", timestamp=now)
    stale = scoopp_gateway.sign_webhook(body, secret=SCOOPP_SECRET, timestamp=now - 301)
    for bad_body, bad_signature, bad_timestamp in [
        (body, wrong, str(now)),
        (body + b" ", signature, str(now)),
        (body, stale, str(now - 301)),
        (body, "", str(now)),
        (body, signature, ""),
    ]:
        with pytest.raises(ScooppWebhookInvalid):
            scoopp_gateway.verify_webhook(bad_body, signature=bad_signature, timestamp=bad_timestamp)
    fresh = scoopp_gateway.sign_webhook(body, secret=SCOOPP_SECRET, timestamp=now - 299)
    assert scoopp_gateway.verify_webhook(body, signature=fresh, timestamp=str(now - 299)).status == "completed"


def test_webhook_without_a_configured_secret_is_refused(settings, clock):
    settings.SCOOPP_WEBHOOK_SECRET = ""
    body = b'{"job_id": "x", "status": "completed"}'
    now = int(time.time())
    with pytest.raises(ScooppWebhookInvalid):
        scoopp_gateway.verify_webhook(
            body, signature=scoopp_gateway.sign_webhook(body, secret="", timestamp=now), timestamp=str(now)
        )


# --- sync --------------------------------------------------------------------------------------


def test_sync_copies_the_scraped_fields_and_records_it(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant(title="Consultant", company="Old GmbH", years_experience=3)
    running_job(consultant, clock, scoopp, django_capture_on_commit_callbacks)
    services.scraping_job_apply_state(state=completed_state())
    consultant.refresh_from_db()
    clock.shift(timedelta(hours=1))

    consultant, changed = services.consultant_linkedin_sync(consultant=consultant)

    now = timezone.now()
    assert changed == ["bio", "company", "expertise_areas", "profile_image_url", "title", "years_experience"]
    assert (consultant.title, consultant.company) == ("Partner", "Nordlicht Advisory")
    assert consultant.expertise_areas == ["Cloud Architecture", "Manufacturing IT", "IT Strategy", "SAP S/4HANA"]
    assert consultant.years_experience == min(now.year - 2008, 50)
    assert [block["children"][0]["text"] for block in consultant.bio["en"]] == [
        "I help manufacturers move their plants' software to the cloud without stopping production.",
        "Before consulting I ran IT operations for a supplier of automotive parts for eight years.",
    ]
    assert consultant.bio["de"] == bio_blocks(f"{consultant.first_name} hilft Kunden.")
    assert (consultant.linkedin_sync_status, consultant.linkedin_last_sync) == (LinkedInSyncStatus.SYNCED, now)
    entry = AuditLogEntry.objects.for_object(consultant).first()
    assert entry.action == "consultants.consultant.linkedin_synced"
    assert entry.data["fields"] == changed

    # A second sync of the same data changes no field.
    clock.shift(timedelta(minutes=1))
    _consultant, changed_again = services.consultant_linkedin_sync(consultant=consultant)
    assert changed_again == []


def test_sync_of_chosen_fields_only(scoopp, clock, django_capture_on_commit_callbacks):
    consultant = make_consultant(title="Consultant", company="Old GmbH")
    running_job(consultant, clock, scoopp, django_capture_on_commit_callbacks)
    services.scraping_job_apply_state(state=completed_state())

    consultant, changed = services.consultant_linkedin_sync(consultant=consultant, fields=["title"])

    assert changed == ["title"]
    assert (consultant.title, consultant.company) == ("Partner", "Old GmbH")


def test_sync_without_scraped_data_is_refused():
    with pytest.raises(LinkedInDataMissing):
        services.consultant_linkedin_sync(consultant=make_consultant())


def test_profile_from_result_keeps_only_safe_values():
    result = {
        "profile": {
            "full_name": "  X  " * 100,
            "profile_picture_url": "javascript:alert(1)",
            "skills": ["a" * 80, 3, "", "Go"],
            "experience": [{"title": "CTO", "company": "Y", "start_date": "bogus"}, "nonsense"],
        },
        "connections": {"count": True},
    }
    profile = scoopp_gateway.profile_from_result(result)
    assert len(profile["full_name"]) == 200
    assert profile["profile_image_url"] == ""
    assert profile["skills"] == ["a" * 60, "Go"]
    assert (profile["title"], profile["career_start_year"], profile["connections_count"]) == ("CTO", None, None)
    assert scoopp_gateway.profile_from_result(None)["skills"] == []


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_starts_make_one_job(scoopp, settings):
    """Real threads released together on the file database: one job, nine 409s, nothing else."""
    settings.SCOOPP_BASE_URL = "http://127.0.0.1:9/v1"  # the start task's answer does not matter here
    settings.VENDOR_MAX_RETRIES = 0
    consultant = make_consultant()
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def attempt():
        try:
            barrier.wait()
            services.scraping_job_create(consultant=consultant)
            outcomes.append("created")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["SCRAPING_IN_PROGRESS"] * 9 + ["created"]
    assert ScrapingJob.objects.filter(consultant=consultant).count() == 1
