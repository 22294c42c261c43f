"""Background tasks of the webinars app: they take ids, and sending twice is impossible
(``webinars.notifications`` claims every e-mail before sending it)."""

from django_tasks import task

from . import notifications
from .services import webinar_send_due_reminders


@task()
def send_registration_email(registration_id: int, kind: str) -> bool:
    """Send the ``kind`` e-mail (``confirmation``, ``waitlist``, ``promotion``, ``cancellation``,
    ``webinar_cancelled``, ``reminder_7d`` / ``_1d`` / ``_1h``) once; ``False`` when already sent or moot."""
    return notifications.deliver(registration_id, kind)


@task()
def send_reschedule_notice(registration_id: int, sequence: int) -> bool:
    """Send the updated invite (ICS ``SEQUENCE`` = ``sequence``) once."""
    return notifications.deliver_reschedule(registration_id, sequence)


@task()
def send_due_webinar_reminders() -> dict:
    """What ``manage.py send_webinar_reminders`` does, for a scheduler that runs tasks."""
    return webinar_send_due_reminders()
