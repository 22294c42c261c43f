"""Background tasks of the consulting app (django-tasks; tasks take ids and are idempotent)."""

from django_tasks import task

from . import services


@task()
def send_outreach_invitation_task(outreach_id: int) -> str | None:
    """Send the current invitation e-mail of one outreach request (once); returns its state."""
    outreach = services.outreach_send_invitation(outreach_id=outreach_id)
    return outreach.state if outreach else None


@task()
def run_collection_job_task(job_id: int) -> str | None:
    """Run one pending OpenAlex collection job; returns its final status (a failed source → ``failed``)."""
    job = services.collection_job_run(job_id=job_id)
    return job.status if job else None
