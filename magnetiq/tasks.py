"""Background tasks of the project package (django-tasks; they take ids and are idempotent)."""

from django_tasks import task


@task()
def deliver_outbound_email(email_id: int) -> str:
    """Send one outbox row if it is still waiting and due (:func:`magnetiq.mail.outbound_email_deliver`);
    returns its status afterwards. Running it twice, or on two workers at once, sends once."""
    from .mail import outbound_email_deliver

    return outbound_email_deliver(email_id=email_id)


@task()
def deliver_due_outbound_email() -> dict:
    """What ``manage.py deliver_outbound_email`` does, for deployments with a task scheduler."""
    from .mail import outbound_email_deliver_due

    return outbound_email_deliver_due()
