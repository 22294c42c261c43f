"""Background tasks of the consultants app (django-tasks; tasks take ids and are idempotent)."""

from django_tasks import task

from . import services


@task()
def start_scraping_job_task(job_id: int) -> str | None:
    """Start one pending LinkedIn scraping job at Scoopp; returns its status afterwards
    (``running``, or ``pending`` with a later try, or ``failed``)."""
    job = services.scraping_job_start(job_id=job_id)
    return job.status if job else None


@task()
def cancel_scoopp_job_task(scoopp_job_id: str) -> bool:
    """Tell Scoopp to stop a job we cancelled; returns whether Scoopp accepted (best effort)."""
    return services.scraping_job_cancel_at_scoopp(scoopp_job_id=scoopp_job_id)
