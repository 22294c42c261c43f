"""The LinkedIn import endpoints (spec 000 "LinkedIn Integration via Scoopp", "Scraping Job
Management") and Scoopp's webhook, against recorded Scoopp replies over local HTTP."""

import json
import time
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from consultants import scoopp_gateway
from consultants.models import LinkedInSyncStatus, ScrapingJob, ScrapingJobStatus
from consultants.tests.factories import ConsultantFactory
from magnetiq.models import AuditLogEntry

from .conftest import SCOOPP_FIXTURES, SCOOPP_SECRET

pytestmark = pytest.mark.django_db

PROFILE_URL = "https://www.linkedin.com/in/anna-schmidt-consulting/"
SCRAPING = ("view_scrapingjob", "add_scrapingjob", "change_scrapingjob")


@pytest.fixture
def staff(make_user):
    """Holds CONSULTANT_SCRAPING and may change consultants (as a consultant manager)."""
    user = make_user("scraper@magnetiq.example", "view_consultant", "change_consultant", *SCRAPING)
    client = APIClient()
    client.force_authenticate(user)
    return client


def start(client, consultant, **body):
    return client.post(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-scraping", body, format="json")


def webhook(body: bytes, *, secret: str = SCOOPP_SECRET, timestamp: int | None = None, signature: str | None = None):
    sent_at = int(time.time()) if timestamp is None else timestamp
    headers = {
        "HTTP_X_SCOOPP_TIMESTAMP": str(sent_at),
        "HTTP_X_SCOOPP_SIGNATURE": signature or scoopp_gateway.sign_webhook(body, secret=secret, timestamp=sent_at),
    }
    return APIClient().post("/api/v1/webhooks/scoopp", body, content_type="application/json", **headers)


def completed_body(reference: int) -> bytes:
    data = json.loads((SCOOPP_FIXTURES / "job_completed.json").read_text())
    return json.dumps({"event": "job.completed", **data, "reference": str(reference)}).encode()


def test_start_answers_202_with_the_running_job(staff, scoopp, clock, django_capture_on_commit_callbacks):
    consultant = ConsultantFactory(linkedin_url=PROFILE_URL)
    scoopp.reply("job_started.json", 202)

    with django_capture_on_commit_callbacks(execute=True):
        response = start(staff, consultant, scrape_posts=True, scrape_connections=True)

    assert response.status_code == 202, response.content
    data = response.json()["data"]
    job = ScrapingJob.objects.get()
    assert data["id"] == job.pk
    assert data["job_id"] == str(job.pk)
    # Scoopp is asked after commit: the answer shows the job as stored, the task then starts it.
    assert (data["consultant_id"], data["status"], data["scoopp_job_id"]) == (consultant.pk, "pending", "")
    assert (job.status, job.scoopp_job_id) == ("running", "scp_job_7Hq2L9xK")
    assert (data["scrape_posts"], data["scrape_connections"], data["target_url"]) == (True, True, PROFILE_URL)
    assert job.estimated_completion.isoformat() == "2026-05-04T10:05:00+00:00"
    assert data["webhook_url"].endswith("/api/v1/webhooks/scoopp")
    assert AuditLogEntry.objects.for_object(job).last().actor.email == "scraper@magnetiq.example"


def test_second_start_is_409_and_other_errors_keep_the_error_shape(staff, scoopp, django_capture_on_commit_callbacks):
    consultant = ConsultantFactory(linkedin_url=PROFILE_URL)
    scoopp.reply("job_started.json", 202)
    with django_capture_on_commit_callbacks(execute=True):
        assert start(staff, consultant).status_code == 202

    response = start(staff, consultant)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "SCRAPING_IN_PROGRESS"

    no_url = start(staff, ConsultantFactory(linkedin_url=""))
    assert (no_url.status_code, no_url.json()["error"]["code"]) == (400, "LINKEDIN_URL_MISSING")
    not_linkedin = start(staff, ConsultantFactory(linkedin_url=""), linkedin_url="https://example.com/anna")
    assert not_linkedin.status_code == 422
    assert not_linkedin.json()["error"]["details"][0]["field"] == "linkedin_url"
    missing = staff.post("/api/v1/admin/consultants/999999/linkedin-scraping", {}, format="json")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "CONSULTANT_NOT_FOUND")
    assert ScrapingJob.objects.count() == 1


def test_not_configured_is_503_in_the_error_shape(staff, settings):
    settings.SCOOPP_API_KEY = ""
    response = start(staff, ConsultantFactory(linkedin_url=PROFILE_URL))
    assert response.status_code == 503
    body = response.json()
    assert (body["success"], body["error"]["code"]) == (False, "SCOOPP_NOT_CONFIGURED")
    assert body["error"]["message"] == "The LinkedIn import is disabled: set SCOOPP_API_KEY."
    assert ScrapingJob.objects.count() == 0


def test_starts_are_throttled_per_user(staff, scoopp, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "scraping": "2/min"},
    }
    consultant = ConsultantFactory(linkedin_url="")
    codes = [start(staff, consultant).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_list_filters_and_paginates(staff):
    anna, ben = ConsultantFactory(), ConsultantFactory()
    failed = ScrapingJob.objects.create(
        consultant=anna, job_type="linkedin_profile", target_url=PROFILE_URL, status="failed"
    )
    ScrapingJob.objects.create(consultant=anna, job_type="linkedin_profile", target_url=PROFILE_URL, status="running")
    done = ScrapingJob.objects.create(
        consultant=ben, job_type="linkedin_profile", target_url=PROFILE_URL, status="completed"
    )

    everything = staff.get("/api/v1/admin/consultants/scraping-jobs").json()["data"]
    assert everything["pagination"] == {"page": 1, "limit": everything["pagination"]["limit"], "total": 3, "pages": 1}
    failed_only = staff.get("/api/v1/admin/consultants/scraping-jobs?status=failed").json()["data"]
    assert [job["id"] for job in failed_only["scraping_jobs"]] == [failed.pk]
    bens = staff.get(f"/api/v1/admin/consultants/scraping-jobs?consultant={ben.pk}").json()["data"]
    assert [job["id"] for job in bens["scraping_jobs"]] == [done.pk]
    page = staff.get("/api/v1/admin/consultants/scraping-jobs?limit=2&page=2").json()["data"]
    assert [job["id"] for job in page["scraping_jobs"]] == [failed.pk]
    assert staff.get("/api/v1/admin/consultants/scraping-jobs?status=nonsense").status_code == 422


def test_get_retry_and_cancel_with_409s_for_the_wrong_state(staff, scoopp, django_capture_on_commit_callbacks):
    consultant = ConsultantFactory(linkedin_url=PROFILE_URL)
    job = ScrapingJob.objects.create(
        consultant=consultant, job_type="linkedin_profile", target_url=PROFILE_URL, status="completed"
    )
    url = f"/api/v1/admin/consultants/scraping-jobs/{job.pk}"

    assert staff.get(url).json()["data"]["status"] == "completed"
    retry = staff.post(f"{url}/retry")
    assert (retry.status_code, retry.json()["error"]["code"]) == (409, "SCRAPING_JOB_NOT_RETRYABLE")
    cancel = staff.delete(url)
    assert (cancel.status_code, cancel.json()["error"]["code"]) == (409, "SCRAPING_JOB_NOT_CANCELLABLE")

    ScrapingJob.objects.filter(pk=job.pk).update(status="failed")
    scoopp.reply("job_started.json", 202)
    with django_capture_on_commit_callbacks(execute=True):
        retried = staff.post(f"{url}/retry")
    assert retried.status_code == 202
    assert (retried.json()["data"]["status"], retried.json()["data"]["runs"]) == ("pending", 2)
    assert staff.get(url).json()["data"]["status"] == "running"

    scoopp.reply(None, 204)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = staff.delete(url)
    assert (cancelled.status_code, cancelled.json()["data"]["status"]) == (200, "cancelled")
    assert staff.get("/api/v1/admin/consultants/scraping-jobs/999999").status_code == 404


def test_webhook_applies_once_and_a_duplicate_changes_nothing(staff, scoopp, django_capture_on_commit_callbacks):
    consultant = ConsultantFactory(linkedin_url=PROFILE_URL, title="Consultant")
    scoopp.reply("job_started.json", 202)
    with django_capture_on_commit_callbacks(execute=True):
        start(staff, consultant)
    job = ScrapingJob.objects.get()
    body = completed_body(job.pk)

    first = webhook(body)
    consultant.refresh_from_db()
    stored = (consultant.linkedin_scraped_data, consultant.updated_at)
    second = webhook(body)

    assert (first.status_code, first.json()["data"]) == (200, {"scoopp_job_id": "scp_job_7Hq2L9xK", "applied": True})
    assert (second.status_code, second.json()["data"]["applied"]) == (200, False)
    job.refresh_from_db()
    assert job.status == ScrapingJobStatus.COMPLETED
    consultant.refresh_from_db()
    assert (consultant.linkedin_scraped_data, consultant.updated_at) == stored
    assert AuditLogEntry.objects.filter(action="consultants.scraping_job.completed").count() == 1

    profile = staff.get(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-profile").json()["data"]
    assert profile["scraped_data"]["title"] == "Partner"
    assert profile["linkedin_sync_status"] == LinkedInSyncStatus.NOT_SYNCED
    assert profile["pending_changes"]["title"] == "Partner"
    assert profile["latest_job"]["status"] == "completed"

    synced = staff.put(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-sync", {}, format="json")
    assert synced.status_code == 200, synced.content
    assert "title" in synced.json()["data"]["changed_fields"]
    assert synced.json()["data"]["consultant"]["linkedin_sync_status"] == "synced"
    after = staff.get(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-profile").json()["data"]
    assert (after["pending_changes"], after["linkedin_sync_status"]) == ({}, "synced")


def test_webhook_with_a_bad_signature_is_refused(scoopp, clock):
    consultant = ConsultantFactory(linkedin_url=PROFILE_URL)
    job = ScrapingJob.objects.create(
        consultant=consultant,
        job_type="linkedin_profile",
        target_url=PROFILE_URL,
        status="running",
        scoopp_job_id="scp_job_7Hq2L9xK",
    )
    body = completed_body(job.pk)

    wrong = webhook(body, secret="not-the-secret")
    stale = webhook(body, timestamp=int(time.time()) - 301)
    unsigned = APIClient().post("/api/v1/webhooks/scoopp", body, content_type="application/json")
    garbage = webhook(b"not json")

    for response in (wrong, stale, unsigned, garbage):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "SCOOPP_WEBHOOK_INVALID"
    job.refresh_from_db()
    assert job.status == ScrapingJobStatus.RUNNING
    consultant.refresh_from_db()
    assert consultant.linkedin_last_sync is None


def test_webhook_for_an_unknown_job_is_acknowledged(scoopp):
    response = webhook(json.dumps({"job_id": "scp_unknown", "status": "completed", "result": {}}).encode())
    assert (response.status_code, response.json()["data"]["applied"]) == (200, False)


def test_sync_before_any_import_is_409(staff):
    consultant = ConsultantFactory(linkedin_url=PROFILE_URL, linkedin_scraped_data=None)
    response = staff.put(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-sync", {}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "LINKEDIN_DATA_MISSING")
    profile = staff.get(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-profile").json()["data"]
    assert (profile["scraped_data"], profile["pending_changes"], profile["latest_job"]) == (None, {}, None)
    bad_field = staff.put(
        f"/api/v1/admin/consultants/{consultant.pk}/linkedin-sync", {"fields": ["email"]}, format="json"
    )
    assert bad_field.status_code == 422


def test_poll_command_finishes_a_job_whose_webhook_never_came(staff, scoopp, clock, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    consultant = ConsultantFactory(linkedin_url=PROFILE_URL)
    scoopp.reply("job_started.json", 202)
    with django_capture_on_commit_callbacks(execute=True):
        start(staff, consultant)
    clock.shift(timedelta(minutes=10))
    scoopp.reply("job_completed.json")
    call_command("poll_scraping_jobs")
    assert ScrapingJob.objects.get().status == ScrapingJobStatus.COMPLETED


def test_permissions_need_consultant_scraping(make_user):
    viewer = make_user("viewer2@magnetiq.example", "view_consultant", "change_consultant")
    client = APIClient()
    client.force_authenticate(viewer)
    consultant = ConsultantFactory()
    assert start(client, consultant).status_code == 403
    assert client.get("/api/v1/admin/consultants/scraping-jobs").status_code == 403
    assert client.put(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-sync", {}, format="json").status_code == 403
    assert client.get(f"/api/v1/admin/consultants/{consultant.pk}/linkedin-profile").status_code == 200
    assert APIClient().get("/api/v1/admin/consultants/scraping-jobs").status_code == 401
