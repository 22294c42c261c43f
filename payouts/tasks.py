"""Background work of the payouts app; tasks take ids and are idempotent."""

from django_tasks import task

from .services import consultant_totals_refresh


@task()
def refresh_consultant_totals(consultant_id: int) -> None:
    """Recompute a consultant's ``total_consultations`` and ``total_revenue`` from the rows (a
    recount, so running it twice or late changes nothing)."""
    consultant_totals_refresh(consultant_id=consultant_id)
