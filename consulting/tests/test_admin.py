"""Admin smoke tests and the admin actions (resend invitation, retry job) going through the services."""

import pytest
from django.core import mail
from django.urls import reverse

from consulting.models import CollectionJob, CollectionStatus, OutreachRequest, OutreachState

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    from accounts.models import User

    user = User.objects.create_superuser("root@magnetiq.example", "Pw-0123456789!")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["researcherprofile", "outreachrequest", "collectionjob"])
def test_changelists_and_search(admin_client, researcher, model):
    url = reverse(f"admin:consulting_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "stanford"}).status_code == 200


def test_researcher_change_page_has_papers_inline(admin_client, researcher):
    response = admin_client.get(reverse("admin:consulting_researcherprofile_change", args=[researcher.pk]))
    assert response.status_code == 200
    assert b"Deep Learning Applications" in response.content


def test_resend_invitation_action(admin_client, django_capture_on_commit_callbacks):
    failed = OutreachRequest.objects.create(researcher_email="a@uni.example", state=OutreachState.EMAIL_FAILED)
    accepted = OutreachRequest.objects.create(researcher_email="b@uni.example", state=OutreachState.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:consulting_outreachrequest_changelist"),
            {"action": "resend_invitation", "_selected_action": [failed.pk, accepted.pk]},
            follow=True,
        )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.state == OutreachState.PENDING
    assert failed.invitation_sent_at is not None
    assert [m.to for m in mail.outbox] == [["a@uni.example"]]
    assert b"1 invitation queued again." in response.content
    assert b"1 accepted or declined request skipped." in response.content
    assert admin_client.get(reverse("admin:consulting_outreachrequest_add")).status_code == 403


def test_retry_action_and_read_only_jobs(admin_client, openalex_down, django_capture_on_commit_callbacks):
    job = CollectionJob.objects.create(kind="by_author", query="A1", status=CollectionStatus.FAILED, error="x")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:consulting_collectionjob_changelist"), {"action": "retry", "_selected_action": [job.pk]}
        )
    job.refresh_from_db()
    assert job.status == CollectionStatus.FAILED  # ran again; OpenAlex is still down
    assert job.attempts == 1
    assert job.error.startswith("OpenAlex could not be reached")
    assert admin_client.get(reverse("admin:consulting_collectionjob_change", args=[job.pk])).status_code == 200
    assert admin_client.get(reverse("admin:consulting_collectionjob_add")).status_code == 403
