"""Background tasks of the communications app (django-tasks): the worker, for a scheduler that runs
tasks instead of the ``send_campaigns`` command."""

from django_tasks import task

from .services import campaigns_run


@task()
def send_campaigns(seconds: float = 55.0) -> dict:
    """What ``manage.py send_campaigns`` does: start due campaigns and send for ``seconds``.
    Returns ``{campaign_id: {"sent", "failed", "retried", "paused", "finished"}}`` (ids as strings)."""
    return {
        str(campaign_id): {
            "sent": result.sent,
            "failed": result.failed,
            "retried": result.retried,
            "paused": result.paused,
            "finished": result.finished,
        }
        for campaign_id, result in campaigns_run(seconds=seconds).items()
    }
