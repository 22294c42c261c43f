"""OpenAlex collection jobs: create, retry, run (claim, fetch outside any transaction, upsert)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consulting import conf
from consulting import openalex_gateway as openalex
from consulting.exceptions import (
    CollectionJobNotRetryable,
    OpenAlexError,
    OpenAlexNotFound,
)
from consulting.models import (
    CollectionJob,
    CollectionKind,
    CollectionStatus,
)
from magnetiq.audit import log_action

from .researchers import researcher_upsert_from_openalex

logger = logging.getLogger(__name__)


def _enqueue_job(job: CollectionJob) -> None:
    from consulting.tasks import run_collection_job_task  # tasks import this module

    transaction.on_commit(lambda: run_collection_job_task.enqueue(job.pk))


@transaction.atomic
def collection_job_create(*, kind: str, query: str, params: dict | None = None, actor=None) -> CollectionJob:
    """Create a ``pending`` job and enqueue it after commit (:func:`collection_job_run` runs it).
    Raises ``ValidationError`` (422) for an unknown kind or an empty query."""
    job = CollectionJob(
        kind=kind,
        query=(query or "").strip(),
        params=params or {},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    job.full_clean()
    job.save()
    log_action(job, "consulting.collection_job.created", actor=actor, data={"kind": kind, "query": job.query})
    _enqueue_job(job)
    return job


@transaction.atomic
def collection_job_retry(*, job: CollectionJob, actor=None) -> CollectionJob:
    """Put a ``failed`` job back to ``pending`` and enqueue it. Raises :class:`CollectionJobNotRetryable`."""
    job = CollectionJob.objects.select_for_update().get(pk=job.pk)
    if job.status != CollectionStatus.FAILED:
        raise CollectionJobNotRetryable()
    job.status = CollectionStatus.PENDING
    job.error = ""
    job.started_at = job.finished_at = None
    job.save(update_fields=["status", "error", "started_at", "finished_at", "updated_at"])
    log_action(job, "consulting.collection_job.retried", actor=actor)
    _enqueue_job(job)
    return job


def _authors_for(job: CollectionJob) -> list[openalex.AuthorRecord]:
    """Ask OpenAlex for the authors a job is about (no database writes)."""
    params = job.params or {}
    if job.kind == CollectionKind.BY_INSTITUTION:
        limit = max(1, min(int(params.get("limit") or 10), 50))
        institution = openalex.find_institution(job.query)
        return openalex.institution_authors(institution.openalex_id, limit=limit)
    if openalex.short_id(job.query, "A") or openalex.bare_orcid(job.query):
        return [openalex.get_author(job.query)]
    limit = max(1, min(int(params.get("limit") or 1), 25))
    candidates = openalex.search_authors(job.query, limit=max(limit, 10))
    affiliation = (params.get("affiliation") or "").strip().lower()
    if affiliation:
        # The spec's request names the affiliation: prefer authors last seen there.
        candidates.sort(
            key=lambda a: not (a.institution and affiliation in a.institution.name.lower()),
        )
    if not candidates:
        raise OpenAlexNotFound(_("OpenAlex knows no author matching “%(query)s”.") % {"query": job.query})
    return candidates[:limit]


def _claim(job_id: int, now: datetime) -> bool:
    """Move a pending job to running (one conditional UPDATE: only one worker wins)."""
    from django.db.models import F

    return bool(
        CollectionJob.objects.filter(pk=job_id, status=CollectionStatus.PENDING).update(
            status=CollectionStatus.RUNNING,
            started_at=now,
            finished_at=None,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )


def _fail(job: CollectionJob, message: str) -> CollectionJob:
    job.status = CollectionStatus.FAILED
    job.error = message[:2000]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    log_action(job, "consulting.collection_job.failed", data={"error": job.error})
    logger.warning("consulting.collection_job.failed id=%s error=%s", job.pk, job.error)
    return job


def collection_job_run(*, job_id: int, now: datetime | None = None) -> CollectionJob | None:
    """Run one pending job: fetch from OpenAlex, upsert researchers and papers, record the counts.

    Idempotent: a job that is not ``pending`` is left alone (another worker has it, or it is done).
    Every failure ends in ``failed`` with a readable ``error`` (source unreachable, unknown author,
    bad data); nothing is raised. Researchers saved before a failure stay saved.
    """
    now = now or timezone.now()
    if not _claim(job_id, now):
        return CollectionJob.objects.filter(pk=job_id).first()
    job = CollectionJob.objects.get(pk=job_id)
    found = created = updated = papers = 0
    try:
        authors = _authors_for(job)
        found = len(authors)
        for author in authors:
            works = openalex.author_works(author.openalex_id, limit=conf.get("OPENALEX_MAX_WORKS"))
            profile, was_created, saved = researcher_upsert_from_openalex(author=author, works=works, now=now)
            job.researchers.add(profile)
            created += was_created
            updated += not was_created
            papers += saved
    except OpenAlexError as error:
        job.researchers_found, job.researchers_created = found, created
        job.researchers_updated, job.papers_saved = updated, papers
        job.save(update_fields=["researchers_found", "researchers_created", "researchers_updated", "papers_saved"])
        return _fail(job, str(error.message))
    except Exception as error:  # a job records every failure instead of crashing the worker
        logger.exception("consulting.collection_job.crashed id=%s", job.pk)
        return _fail(job, f"Unexpected error: {type(error).__name__}: {error}")
    job.status = CollectionStatus.COMPLETED
    job.researchers_found, job.researchers_created = found, created
    job.researchers_updated, job.papers_saved = updated, papers
    job.error = ""
    job.finished_at = timezone.now()
    job.save()
    log_action(
        job,
        "consulting.collection_job.completed",
        data={"found": found, "created": created, "updated": updated, "papers": papers},
    )
    return job
