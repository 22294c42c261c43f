"""The back office of LinkedIn imports: the job list with its filters, read-only rows, and the retry
and cancel actions calling the same services as the API."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from consultants.models import ScrapingJob, ScrapingJobStatus
from consultants.tests.factories import ConsultantFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:consultants_scrapingjob_changelist")
URL = "https://www.linkedin.com/in/anna/"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser(email="root@magnetiq.example", password="x" * 12)
    client.force_login(user)
    return client


def job(status: str, **fields) -> ScrapingJob:
    return ScrapingJob.objects.create(
        consultant=ConsultantFactory(), job_type="linkedin_profile", target_url=URL, status=status, **fields
    )


def test_changelist_filters_and_read_only_detail(admin_client):
    failed, done = job("failed", error_message="Scoopp answered 500."), job("completed")

    page = admin_client.get(CHANGELIST, {"status__exact": "failed"})
    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == [failed]
    assert admin_client.get(CHANGELIST, {"q": "linkedin.com/in/anna"}).status_code == 200

    detail = admin_client.get(reverse("admin:consultants_scrapingjob_change", args=[done.pk]))
    assert detail.status_code == 200
    assert not detail.context["has_change_permission"]
    assert admin_client.get(reverse("admin:consultants_scrapingjob_add")).status_code == 403


def test_retry_and_cancel_actions(admin_client, scoopp, django_capture_on_commit_callbacks):
    failed, completed = job("failed"), job("completed")
    scoopp.reply("job_started.json", 202)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            CHANGELIST, {"action": "retry_jobs", "_selected_action": [failed.pk, completed.pk]}, follow=True
        )

    failed.refresh_from_db()
    assert failed.status == ScrapingJobStatus.RUNNING
    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == "Restarted: 1 job."
    assert messages[1].startswith(f"#{completed.pk} ")
    assert messages[1].endswith("Only a failed or cancelled scraping job can be retried.")

    scoopp.reply(None, 204)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(CHANGELIST, {"action": "cancel_jobs", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == ScrapingJobStatus.CANCELLED
    assert scoopp.requests[-1].method == "DELETE"


def test_consultant_list_shows_the_last_sync(admin_client):
    ConsultantFactory(linkedin_sync_status="synced")
    page = admin_client.get(
        reverse("admin:consultants_consultant_changelist"), {"linkedin_sync_status__exact": "synced"}
    )
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert "linkedin_last_sync" in page.context["cl"].list_display
