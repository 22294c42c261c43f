"""Background tasks of the bookings app (django-tasks; tasks take ids and are idempotent)."""

from django_tasks import task

from .services import bookings_release_expired_holds


@task()
def release_expired_holds_task() -> int:
    """Free the slots of expired payment holds; returns how many were released (idempotent)."""
    return bookings_release_expired_holds()
