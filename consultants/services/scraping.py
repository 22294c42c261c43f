"""The LinkedIn import through Scoopp (spec 000 "LinkedIn Integration via Scoopp", "ScrappingJob").

A job's life (``ScrapingJob``): :func:`scraping_job_create` stores it ``pending`` (one active job
per consultant: a conditional unique constraint, 409 otherwise) and, after commit, a task calls
:func:`scraping_job_start`, which asks Scoopp outside any transaction and records the answer in a
short one: ``running`` with Scoopp's job id. Scoopp reports the end by a signed webhook
(:func:`scraping_job_apply_state`, idempotent on the job: a duplicate changes nothing); jobs whose
webhook does not come are polled by ``manage.py poll_scraping_jobs`` (:func:`scraping_jobs_run_due`)
from ``SCOOPP_POLL_AFTER_MINUTES`` after the start. A failed try (Scoopp unreachable, 5xx, 429, or
a job still unfinished when polled) is recorded on the job (``retry_count``, ``error_message``,
``next_retry_at`` = now + the base × 2^(tries − 1), at least Scoopp's ``Retry-After``); after
``max_retries`` tries, or at once for a refusal (bad key, a URL Scoopp will not scrape), the job is
``failed`` with the error. Staff retry a failed or cancelled job and cancel a pending or running one.

A completed job stores the vendor-neutral profile (:func:`consultants.scoopp_gateway.profile_from_result`)
on the consultant (``linkedin_scraped_data``, sync status ``not_synced``: new data not yet in the
profile); :func:`consultant_linkedin_sync` copies it into the profile through
:func:`consultant_update` and records the change in the audit trail. ``linkedin_sync_status``:
``syncing`` while a job is active, ``failed`` when the last one failed, ``synced`` once the latest
data is in the profile (``linkedin_last_sync``), ``not_synced`` otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultants import scoopp_gateway as scoopp
from consultants.exceptions import (
    ConsultantDeleted,
    LinkedInDataMissing,
    LinkedInUrlMissing,
    ScooppError,
    ScooppNotConfigured,
    ScrapingInProgress,
    ScrapingJobNotCancellable,
    ScrapingJobNotRetryable,
)
from consultants.models import (
    ACTIVE_SCRAPING_STATUSES,
    Consultant,
    LinkedInSyncStatus,
    ScrapingJob,
    ScrapingJobStatus,
    ScrapingJobType,
)
from magnetiq.audit import log_action
from magnetiq.links import absolute_url

from .profiles import consultant_update

logger = logging.getLogger(__name__)

#: The profile fields a LinkedIn sync may set, in the order they are shown.
LINKEDIN_SYNC_FIELDS = ("title", "company", "bio", "expertise_areas", "profile_image_url", "years_experience")
#: A ``pending`` job younger than this is left to the task enqueued when it was created.
START_GRACE = timedelta(minutes=2)
#: How long a start or poll owns the job it claimed (longer than Scoopp's timeouts and retries).
CLAIM_LEASE = timedelta(minutes=5)


def scoopp_webhook_url() -> str:
    """Our webhook's absolute URL (on ``SITE_URL``), given to Scoopp unless the request names another."""
    return absolute_url(reverse("api:webhook-scoopp"))


def _poll_base() -> timedelta:
    return timedelta(minutes=max(1, int(settings.SCOOPP_POLL_AFTER_MINUTES)))


def _check_linkedin_url(url: str) -> str:
    url = (url or "").strip()
    host = (urlsplit(url).hostname or "").lower()
    if not url.startswith(("https://", "http://")) or not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        raise ValidationError(
            {"linkedin_url": _("Give the address of a LinkedIn profile (https://www.linkedin.com/in/…).")}
        )
    return url


def _enqueue_start(job_id: int) -> None:
    from consultants.tasks import start_scraping_job_task  # tasks import this module

    transaction.on_commit(lambda: start_scraping_job_task.enqueue(job_id))


def _lock_consultant(consultant_id: int) -> Consultant:
    consultant = Consultant.objects.select_for_update().get(pk=consultant_id)
    if consultant.deleted_at is not None:
        raise ConsultantDeleted()
    return consultant


def _settled_sync_status(consultant: Consultant) -> str:
    """The status once no job is active: ``synced`` when the latest scraped data is in the profile."""
    data = consultant.linkedin_scraped_data if isinstance(consultant.linkedin_scraped_data, dict) else {}
    scraped_at = data.get("scraped_at")
    try:
        scraped = parse_datetime(scraped_at) if isinstance(scraped_at, str) else None
    except ValueError:
        scraped = None
    last_sync = consultant.linkedin_last_sync
    if last_sync is not None and (scraped is None or scraped <= last_sync):
        return LinkedInSyncStatus.SYNCED
    return LinkedInSyncStatus.NOT_SYNCED


def _set_sync_status(consultant: Consultant, status: str) -> None:
    if consultant.linkedin_sync_status != status:
        consultant.linkedin_sync_status = status
        consultant.save(update_fields=["linkedin_sync_status", "updated_at"])


def _save_active(job: ScrapingJob, *, update_fields: list[str] | None = None) -> None:
    """Save a job that is (again) active; the database refuses a second active job → 409."""
    try:
        with transaction.atomic():
            job.save(update_fields=update_fields)
    except IntegrityError as error:
        if "scraping_job_one_active_per_consultant" in str(error) or "UNIQUE" in str(error).upper():
            raise ScrapingInProgress() from error
        raise


def scraping_job_create(
    *,
    consultant: Consultant,
    linkedin_url: str = "",
    scrape_posts: bool = False,
    scrape_connections: bool = False,
    webhook_url: str = "",
    actor=None,
) -> ScrapingJob:
    """Start a LinkedIn profile import of ``consultant`` (``linkedin_url``, default the profile's).

    Stores a ``pending`` job (``scoopp_webhook_url``: ``webhook_url`` or :func:`scoopp_webhook_url`)
    and starts it at Scoopp after commit. Raises :class:`ScooppNotConfigured` (503) before anything
    is stored, :class:`LinkedInUrlMissing` (400), ``ValidationError`` (422) for a URL that is not a
    LinkedIn address, :class:`ScrapingInProgress` (409) while another job of the consultant is
    active, :class:`ConsultantDeleted` for a soft-deleted consultant.
    """
    scoopp.require_configured()
    with transaction.atomic():
        consultant = _lock_consultant(consultant.pk)
        url = linkedin_url or consultant.linkedin_url
        if not url:
            raise LinkedInUrlMissing()
        url = _check_linkedin_url(url)
        if ScrapingJob.objects.active().filter(consultant=consultant).exists():
            raise ScrapingInProgress()
        job = ScrapingJob(
            consultant=consultant,
            job_type=ScrapingJobType.LINKEDIN_PROFILE,
            target_url=url,
            scrape_posts=scrape_posts,
            scrape_connections=scrape_connections,
            scoopp_webhook_url=webhook_url or scoopp_webhook_url(),
        )
        try:
            job.full_clean(validate_constraints=False)
        except ValidationError as error:
            # The model's field names are the API's, except the URL's.
            raise ValidationError(
                {
                    (
                        "linkedin_url" if key == "target_url" else "webhook_url" if key == "scoopp_webhook_url" else key
                    ): value
                    for key, value in error.message_dict.items()
                }
            ) from None
        _save_active(job)
        _set_sync_status(consultant, LinkedInSyncStatus.SYNCING)
        log_action(
            job,
            "consultants.scraping_job.created",
            actor=actor,
            data={"consultant_id": consultant.pk, "url": url, "posts": scrape_posts, "connections": scrape_connections},
        )
        _enqueue_start(job.pk)
    logger.info("consultants.scraping_job.created id=%s consultant=%s", job.pk, consultant.pk)
    return job


def _record_failure(job_id: int, error: ScooppError | ScooppNotConfigured, now: datetime) -> ScrapingJob:
    """Record a failed try on an active job: another try later (backoff), or ``failed`` for good."""
    transient = getattr(error, "transient", True)
    retry_after = getattr(error, "retry_after", None)
    with transaction.atomic():
        job = ScrapingJob.objects.select_for_update().get(pk=job_id)
        if job.status not in ACTIVE_SCRAPING_STATUSES:
            return job
        job.error_message = str(error.message)[:2000]
        if transient and job.retry_count < job.max_retries:
            job.retry_count += 1
            wait = _poll_base() * (2 ** (job.retry_count - 1))
            if retry_after:
                wait = max(wait, timedelta(seconds=retry_after))
            job.next_retry_at = now + wait
            job.save(update_fields=["error_message", "retry_count", "next_retry_at", "updated_at"])
            log_action(
                job,
                "consultants.scraping_job.try_failed",
                data={
                    "error": job.error_message,
                    "retry_count": job.retry_count,
                    "next_retry_at": job.next_retry_at.isoformat(),
                },
            )
            logger.warning(
                "consultants.scraping_job.try_failed id=%s tries=%s error=%s",
                job.pk,
                job.retry_count,
                job.error_message,
            )
            return job
        return _fail(job, job.error_message, now)


def _fail(job: ScrapingJob, message: str, now: datetime) -> ScrapingJob:
    """Mark a locked, active job ``failed`` (inside the caller's transaction)."""
    job.status = ScrapingJobStatus.FAILED
    job.error_message = message[:2000]
    job.completed_at = now
    job.next_retry_at = None
    job.save(update_fields=["status", "error_message", "completed_at", "next_retry_at", "updated_at"])
    consultant = Consultant.objects.select_for_update().get(pk=job.consultant_id)
    _set_sync_status(consultant, LinkedInSyncStatus.FAILED)
    log_action(job, "consultants.scraping_job.failed", data={"error": job.error_message})
    logger.warning("consultants.scraping_job.failed id=%s error=%s", job.pk, job.error_message)
    return job


def _claim(job: ScrapingJob, now: datetime) -> bool:
    """Take the job's due try with ONE conditional UPDATE (moving ``next_retry_at`` a lease ahead),
    so two workers or cron runs never try the same job at once; an abandoned lease expires."""
    same_try = Q(next_retry_at__isnull=True) if job.next_retry_at is None else Q(next_retry_at=job.next_retry_at)
    return bool(
        ScrapingJob.objects.filter(same_try, pk=job.pk, status=job.status).update(next_retry_at=now + CLAIM_LEASE)
    )


def scraping_job_start(*, job_id: int, now: datetime | None = None) -> ScrapingJob | None:
    """Start one ``pending`` job at Scoopp (the task after creation or a retry; the poller when a
    try failed). A job that is not pending, or whose next try is not due, is returned unchanged.

    Calls Scoopp with no transaction open; the idempotency key (job id and run) makes a repeated
    start return Scoopp's same job. Failures are recorded on the job, never raised. A job cancelled
    while Scoopp was being asked is stopped at Scoopp again.
    """
    now = now or timezone.now()
    job = ScrapingJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ScrapingJobStatus.PENDING:
        return job
    if job.next_retry_at is not None and job.next_retry_at > now:
        return job
    if not _claim(job, now):
        return ScrapingJob.objects.get(pk=job_id)
    try:
        started = scoopp.start_job(
            url=job.target_url,
            webhook_url=job.scoopp_webhook_url or scoopp_webhook_url(),
            reference=str(job.pk),
            idempotency_key=f"magnetiq-scraping-job-{job.pk}-run-{job.runs}",
            scrape_posts=job.scrape_posts,
            scrape_connections=job.scrape_connections,
        )
    except (ScooppError, ScooppNotConfigured) as error:
        return _record_failure(job.pk, error, now)
    with transaction.atomic():
        job = ScrapingJob.objects.select_for_update().get(pk=job_id)
        if job.status != ScrapingJobStatus.PENDING:
            cancelled_meanwhile = job.status == ScrapingJobStatus.CANCELLED
        else:
            cancelled_meanwhile = False
            job.status = ScrapingJobStatus.RUNNING
            job.scoopp_job_id = started.job_id
            job.estimated_completion = started.estimated_completion
            job.started_at = now
            job.retry_count = 0
            job.error_message = ""
            job.next_retry_at = now + _poll_base()
            job.save(
                update_fields=[
                    "status",
                    "scoopp_job_id",
                    "estimated_completion",
                    "started_at",
                    "retry_count",
                    "error_message",
                    "next_retry_at",
                    "updated_at",
                ]
            )
            log_action(job, "consultants.scraping_job.started", data={"scoopp_job_id": started.job_id})
    if cancelled_meanwhile:
        scraping_job_cancel_at_scoopp(scoopp_job_id=started.job_id)
    return job


def scraping_job_poll(*, job_id: int, now: datetime | None = None) -> ScrapingJob | None:
    """Ask Scoopp about one ``running`` job whose check is due, and apply what it says.

    Completed or failed → as by the webhook (:func:`scraping_job_apply_state`); still queued or
    running → a failed try (backoff, and ``failed`` after ``max_retries``). Never raises for
    Scoopp's failures; a job that is not running or not due is returned unchanged.
    """
    now = now or timezone.now()
    job = ScrapingJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ScrapingJobStatus.RUNNING:
        return job
    if job.next_retry_at is not None and job.next_retry_at > now:
        return job
    if not _claim(job, now):
        return ScrapingJob.objects.get(pk=job_id)
    try:
        state = scoopp.get_job(job.scoopp_job_id)
    except (ScooppError, ScooppNotConfigured) as error:
        return _record_failure(job.pk, error, now)
    if state.status in ("completed", "failed", "cancelled"):
        applied, _changed = scraping_job_apply_state(state=state, reference=str(job.pk), now=now)
        return applied
    minutes = int((now - (job.started_at or job.created_at)).total_seconds() // 60)
    unfinished = ScooppError(
        gettext("Scoopp had not finished the job after %(minutes)s minutes.") % {"minutes": minutes}, transient=True
    )
    return _record_failure(job.pk, unfinished, now)


def scraping_job_apply_state(
    *, state: scoopp.JobState, reference: str = "", now: datetime | None = None
) -> tuple[ScrapingJob | None, bool]:
    """Apply a job's end as Scoopp reports it (webhook or poll); returns ``(job, changed)``.

    The job is found by Scoopp's id, else by ``reference`` (our id, for a job whose start answer
    was lost). Idempotent: only an active job changes, so a repeated webhook, or one for a cancelled
    job, returns ``changed=False`` and writes nothing. ``completed``: the result is stored on the
    job and, as the vendor-neutral profile, on the consultant (sync status ``not_synced``);
    ``failed``/``cancelled`` at Scoopp: the job fails with Scoopp's error. Progress reports
    (``queued``, ``running``) change nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lookup = Q(scoopp_job_id=state.job_id)
        if reference.isdigit():
            lookup |= Q(pk=int(reference), scoopp_job_id="")
        job = ScrapingJob.objects.select_for_update().filter(lookup).order_by("-id").first()
        if job is None or job.status not in ACTIVE_SCRAPING_STATUSES:
            return job, False
        if state.status == "completed":
            profile = scoopp.profile_from_result(state.result)
            job.status = ScrapingJobStatus.COMPLETED
            job.scoopp_job_id = state.job_id
            job.scraped_data = state.result or {}
            job.error_message = ""
            job.completed_at = now
            job.next_retry_at = None
            job.save()
            consultant = Consultant.objects.select_for_update().get(pk=job.consultant_id)
            consultant.linkedin_scraped_data = {
                **profile,
                "scraped_at": now.isoformat(),
                "job_id": job.pk,
                "source_url": job.target_url,
            }
            consultant.linkedin_sync_status = LinkedInSyncStatus.NOT_SYNCED
            consultant.save(update_fields=["linkedin_scraped_data", "linkedin_sync_status", "updated_at"])
            log_action(job, "consultants.scraping_job.completed", data={"scoopp_job_id": state.job_id})
            return job, True
        if state.status in ("failed", "cancelled"):
            message = state.error or gettext("Scoopp reported the job as %(state)s.") % {"state": state.status}
            return _fail(job, message, now), True
    return job, False


def scraping_job_retry(*, job: ScrapingJob, actor=None) -> ScrapingJob:
    """Run a ``failed`` or ``cancelled`` job again (a new run: fresh tries, a new Scoopp job).

    Raises :class:`ScooppNotConfigured` (503), :class:`ScrapingJobNotRetryable` (409) in any other
    state, :class:`ScrapingInProgress` (409) when the consultant has another active job.
    """
    scoopp.require_configured()
    with transaction.atomic():
        job = ScrapingJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (ScrapingJobStatus.FAILED, ScrapingJobStatus.CANCELLED):
            raise ScrapingJobNotRetryable()
        consultant = _lock_consultant(job.consultant_id)
        if ScrapingJob.objects.active().filter(consultant_id=job.consultant_id).exists():
            raise ScrapingInProgress()
        job.status = ScrapingJobStatus.PENDING
        job.runs += 1
        job.retry_count = 0
        job.scoopp_job_id = ""
        job.error_message = ""
        job.scraped_data = None
        job.estimated_completion = job.started_at = job.completed_at = job.next_retry_at = None
        _save_active(job)
        _set_sync_status(consultant, LinkedInSyncStatus.SYNCING)
        log_action(job, "consultants.scraping_job.retried", actor=actor, data={"run": job.runs})
        _enqueue_start(job.pk)
    return job


def scraping_job_cancel(*, job: ScrapingJob, actor=None, now: datetime | None = None) -> ScrapingJob:
    """Cancel a ``pending`` or ``running`` job; Scoopp is told after commit (best effort), and a
    late webhook of the job changes nothing. Raises :class:`ScrapingJobNotCancellable` (409)."""
    now = now or timezone.now()
    with transaction.atomic():
        job = ScrapingJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in ACTIVE_SCRAPING_STATUSES:
            raise ScrapingJobNotCancellable()
        job.status = ScrapingJobStatus.CANCELLED
        job.completed_at = now
        job.next_retry_at = None
        job.save(update_fields=["status", "completed_at", "next_retry_at", "updated_at"])
        consultant = Consultant.objects.select_for_update().get(pk=job.consultant_id)
        _set_sync_status(consultant, _settled_sync_status(consultant))
        log_action(job, "consultants.scraping_job.cancelled", actor=actor)
        if job.scoopp_job_id:
            from consultants.tasks import cancel_scoopp_job_task

            scoopp_job_id = job.scoopp_job_id
            transaction.on_commit(lambda: cancel_scoopp_job_task.enqueue(scoopp_job_id))
    return job


def scraping_job_cancel_at_scoopp(*, scoopp_job_id: str) -> bool:
    """Tell Scoopp to stop ``scoopp_job_id`` (outside any transaction); returns whether it accepted.
    A failure is logged, not raised: our job is cancelled either way and ignores Scoopp's results."""
    try:
        scoopp.cancel_job(scoopp_job_id)
    except (ScooppError, ScooppNotConfigured) as error:
        logger.warning(
            "consultants.scraping_job.cancel_at_scoopp_failed scoopp_job_id=%s error=%s", scoopp_job_id, error
        )
        return False
    return True


@dataclass
class DueRunCounts:
    """What one :func:`scraping_jobs_run_due` run did: ``started`` (now running), ``completed``,
    ``failed`` (for good), ``waiting`` (a failed try, another is due later)."""

    started: int = 0
    completed: int = 0
    failed: int = 0
    waiting: int = 0


def scraping_jobs_run_due(*, now: datetime | None = None, limit: int = 100) -> DueRunCounts:
    """Start the pending jobs whose try is due (or whose task never ran, after 2 minutes) and poll
    the running jobs whose check is due, oldest first, at most ``limit``. Idempotent, cron-safe."""
    now = now or timezone.now()
    counts = DueRunCounts()
    due = (
        ScrapingJob.objects.filter(status__in=ACTIVE_SCRAPING_STATUSES)
        .filter(
            Q(next_retry_at__lte=now)
            | Q(status=ScrapingJobStatus.PENDING, next_retry_at__isnull=True, created_at__lte=now - START_GRACE)
        )
        .order_by("created_at", "id")
        .values_list("pk", "status")[:limit]
    )
    for pk, status in list(due):
        run = scraping_job_start if status == ScrapingJobStatus.PENDING else scraping_job_poll
        job = run(job_id=pk, now=now)
        if job is None:
            continue
        if job.status == ScrapingJobStatus.RUNNING and status == ScrapingJobStatus.PENDING:
            counts.started += 1
        elif job.status == ScrapingJobStatus.COMPLETED:
            counts.completed += 1
        elif job.status == ScrapingJobStatus.FAILED:
            counts.failed += 1
        else:
            counts.waiting += 1
    return counts


# --- sync into the profile ---------------------------------------------------------------------


def _bio_blocks(summary: str) -> list[dict]:
    paragraphs = [part.strip() for part in summary.replace("\r\n", "\n").split("\n\n") if part.strip()]
    return [
        {
            "_type": "block",
            "_key": f"linkedin{index}",
            "style": "normal",
            "markDefs": [],
            "children": [{"_type": "span", "_key": f"linkedin{index}s", "text": text, "marks": []}],
        }
        for index, text in enumerate(paragraphs)
    ]


def linkedin_sync_values(*, consultant: Consultant, now: datetime | None = None) -> dict[str, Any]:
    """The profile values the consultant's scraped LinkedIn data gives (only those it has):
    ``title``, ``company``, ``profile_image_url``, ``expertise_areas`` (the skills), ``bio`` (the
    summary as the English Portable Text; other languages kept) and ``years_experience`` (years
    since the earliest position, at most 50). Raises :class:`LinkedInDataMissing` (409)."""
    data = consultant.linkedin_scraped_data
    if not isinstance(data, dict) or "scraped_at" not in data:
        raise LinkedInDataMissing()
    now = now or timezone.now()
    values: dict[str, Any] = {}
    for name in ("title", "company", "profile_image_url"):
        if isinstance(data.get(name), str) and data[name]:
            values[name] = data[name]
    skills = data.get("skills")
    if isinstance(skills, list) and skills:
        values["expertise_areas"] = skills
    summary = data.get("summary")
    if isinstance(summary, str) and summary.strip():
        bio = dict(consultant.bio) if isinstance(consultant.bio, dict) else {}
        bio["en"] = _bio_blocks(summary)
        values["bio"] = bio
    start = data.get("career_start_year")
    if isinstance(start, int) and not isinstance(start, bool) and start <= now.year:
        values["years_experience"] = min(now.year - start, 50)
    return values


def consultant_linkedin_sync(
    *,
    consultant: Consultant,
    fields: Iterable[str] | None = None,
    actor=None,
    now: datetime | None = None,
) -> tuple[Consultant, list[str]]:
    """Copy the scraped LinkedIn data into the profile (spec 000 "Sync updates from LinkedIn").

    ``fields``: which of :data:`LINKEDIN_SYNC_FIELDS` to copy (default all). The values go through
    :func:`consultant_update` (the profile's validation); then ``linkedin_last_sync`` = now and
    ``linkedin_sync_status`` = ``synced`` (``syncing`` while a job is active), and the audit trail
    records ``consultants.consultant.linkedin_synced`` with the changed fields. Returns the
    consultant and the changed field names. Raises :class:`LinkedInDataMissing` (409),
    ``ValidationError`` (422) for an unknown field or a value the profile refuses,
    :class:`ConsultantDeleted`.
    """
    now = now or timezone.now()
    chosen = list(LINKEDIN_SYNC_FIELDS if fields is None else fields)
    unknown = sorted(set(chosen) - set(LINKEDIN_SYNC_FIELDS))
    if unknown:
        raise ValidationError({"fields": _("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)}})
    with transaction.atomic():
        consultant = _lock_consultant(consultant.pk)
        values = linkedin_sync_values(consultant=consultant, now=now)
        changed = {
            name: value for name, value in values.items() if name in chosen and getattr(consultant, name) != value
        }
        if changed:
            consultant = consultant_update(consultant=consultant, data=changed)
        active = ScrapingJob.objects.active().filter(consultant=consultant).exists()
        consultant.linkedin_last_sync = now
        consultant.linkedin_sync_status = LinkedInSyncStatus.SYNCING if active else LinkedInSyncStatus.SYNCED
        consultant.save(update_fields=["linkedin_last_sync", "linkedin_sync_status", "updated_at"])
        log_action(
            consultant,
            "consultants.consultant.linkedin_synced",
            actor=actor,
            data={"fields": sorted(changed), "job_id": (consultant.linkedin_scraped_data or {}).get("job_id")},
        )
    logger.info("consultants.consultant.linkedin_synced id=%s fields=%s", consultant.pk, ",".join(sorted(changed)))
    return consultant, sorted(changed)
