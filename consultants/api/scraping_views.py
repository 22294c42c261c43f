"""The LinkedIn import through Scoopp (spec 000 "LinkedIn Integration via Scoopp", "Scraping Job
Management") and Scoopp's webhook. Thin: each view parses, calls ``consultants.services`` and shapes
the answer; the rules (one active job per consultant, which states may be retried or cancelled) and
their 409s live in the services.

Permissions (spec 000 ``CONSULTANT_SCRAPING``, held by super admins and consultant managers as the
model permissions on scraping jobs): starting, retrying and cancelling need
``consultants.add_/change_scrapingjob``, reading jobs ``view_scrapingjob``; reading a consultant's
scraped profile needs ``view_consultant`` like the rest of the profile; a sync changes the profile,
so it needs ``change_consultant`` and ``change_scrapingjob``.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from consultants import scoopp_gateway, services
from consultants.exceptions import ScrapingJobNotFound
from consultants.models import ScrapingJob, ScrapingJobStatus
from magnetiq.api.filters import FilterSet, IdFilter
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import ok
from magnetiq.api.throttling import CounterRateThrottle

from .serializers import (
    LinkedInProfileSerializer,
    LinkedInScrapingRequestSerializer,
    LinkedInSyncRequestSerializer,
    LinkedInSyncResultSerializer,
    ScrapingJobSerializer,
)

TAGS = ["admin-consultants-linkedin"]


class ScrapingThrottle(CounterRateThrottle):
    """Per user: starts and retries of LinkedIn imports (rate ``scraping``, default 5/min, spec 000
    "Rate limiting": ``/api/v1/admin/consultants/scraping`` 5 per minute)."""

    scope = "scraping"

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or "5/min"

    def get_cache_key(self, request, view) -> str | None:
        user = request.user
        return f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)


def _job_answer(job: ScrapingJob, message: str, *, status_code: int = status.HTTP_200_OK) -> Response:
    job.refresh_from_db()  # the immediate task backend (tests, development) may have started it already
    return ok(ScrapingJobSerializer(job).data, message=message, status=status_code)


def _job(pk: int) -> ScrapingJob:
    job = ScrapingJob.objects.filter(pk=pk).first()
    if job is None:
        raise ScrapingJobNotFound()
    return job


@extend_schema(tags=TAGS)
class LinkedInScrapingStartView(APIView):
    """``POST /admin/consultants/{id}/linkedin-scraping``: start a LinkedIn profile import.

    202 with the job (``pending``; Scoopp is asked in the background). 400 ``LINKEDIN_URL_MISSING``,
    422 for a URL that is not a LinkedIn profile, 404 ``CONSULTANT_NOT_FOUND``, 409
    ``SCRAPING_IN_PROGRESS`` while another import of the consultant is active, 503
    ``SCOOPP_NOT_CONFIGURED`` without ``SCOOPP_API_KEY``.
    """

    permission_classes = [HasRolePermissions]
    required_permissions = ["consultants.add_scrapingjob"]
    throttle_classes = [ScrapingThrottle]

    @extend_schema(
        summary="Start a LinkedIn profile import (Scoopp)",
        request=LinkedInScrapingRequestSerializer,
        responses={202: ScrapingJobSerializer},
    )
    def post(self, request, pk: int):
        consultant = services.consultant_get_alive(pk=pk)
        body = LinkedInScrapingRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = services.scraping_job_create(consultant=consultant, actor=request.user, **body.validated_data)
        return _job_answer(job, str(_("LinkedIn import started.")), status_code=status.HTTP_202_ACCEPTED)


@extend_schema(tags=TAGS)
class LinkedInProfileView(APIView):
    """``GET /admin/consultants/{id}/linkedin-profile``: the scraped LinkedIn data of a consultant,
    its sync state, the changes a sync would make and the latest import job (``scraped_data`` is
    null before the first completed import)."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["consultants.view_consultant"]

    @extend_schema(summary="Get a consultant's scraped LinkedIn data", responses=LinkedInProfileSerializer)
    def get(self, request, pk: int):
        consultant = services.consultant_get_alive(pk=pk)
        scraped = consultant.linkedin_scraped_data if isinstance(consultant.linkedin_scraped_data, dict) else None
        pending: dict = {}
        if scraped and "scraped_at" in scraped:
            values = services.linkedin_sync_values(consultant=consultant)
            pending = {name: value for name, value in values.items() if getattr(consultant, name) != value}
        else:
            scraped = None
        latest = consultant.scraping_jobs.order_by("-created_at", "-id").first()
        data = {
            "consultant_id": consultant.pk,
            "linkedin_url": consultant.linkedin_url,
            "linkedin_sync_status": consultant.linkedin_sync_status,
            "linkedin_last_sync": consultant.linkedin_last_sync,
            "scraped_data": scraped,
            "pending_changes": pending,
            "latest_job": latest,
        }
        return Response(LinkedInProfileSerializer(data).data)


@extend_schema(tags=TAGS)
class LinkedInSyncView(APIView):
    """``PUT /admin/consultants/{id}/linkedin-sync``: copy the scraped data into the profile (all of
    ``title``, ``company``, ``bio`` (English), ``expertise_areas``, ``profile_image_url``,
    ``years_experience``, or the ``fields`` given). 409 ``LINKEDIN_DATA_MISSING`` before the first
    completed import; 422 when the profile refuses a value; recorded in the audit trail."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["consultants.change_consultant", "consultants.change_scrapingjob"]

    @extend_schema(
        summary="Sync a consultant's profile from LinkedIn",
        request=LinkedInSyncRequestSerializer,
        responses=LinkedInSyncResultSerializer,
    )
    def put(self, request, pk: int):
        consultant = services.consultant_get_alive(pk=pk)
        body = LinkedInSyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consultant, changed = services.consultant_linkedin_sync(
            consultant=consultant, fields=body.validated_data.get("fields"), actor=request.user
        )
        data = LinkedInSyncResultSerializer({"consultant": consultant, "changed_fields": changed}).data
        return ok(data, message=str(_("Profile synced from LinkedIn.")))


class ScrapingJobFilter(FilterSet):
    """``status`` and ``consultant`` (an id)."""

    status = django_filters.ChoiceFilter(choices=ScrapingJobStatus.choices)
    consultant = IdFilter(field_name="consultant_id")

    class Meta:
        model = ScrapingJob
        fields = ["status", "consultant"]


@extend_schema(tags=TAGS)
class ScrapingJobListView(generics.ListAPIView):
    """``GET /admin/consultants/scraping-jobs``: every import job, newest first, paginated under
    ``scraping_jobs``; filters ``status`` and ``consultant``."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["consultants.view_scrapingjob"]
    serializer_class = ScrapingJobSerializer
    filterset_class = ScrapingJobFilter
    resource_name = "scraping_jobs"
    queryset = ScrapingJob.objects.order_by("-created_at", "-id")

    @extend_schema(summary="List LinkedIn import jobs")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=TAGS)
class ScrapingJobDetailView(APIView):
    """``GET /admin/consultants/scraping-jobs/{job_id}``: one job; ``DELETE``: cancel it (only
    ``pending`` or ``running``, else 409 ``SCRAPING_JOB_NOT_CANCELLABLE``; Scoopp is told too)."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["consultants.view_scrapingjob"], "*": ["consultants.change_scrapingjob"]}

    @extend_schema(summary="Get a LinkedIn import job", responses=ScrapingJobSerializer)
    def get(self, request, pk: int):
        return Response(ScrapingJobSerializer(_job(pk)).data)

    @extend_schema(summary="Cancel a LinkedIn import job", responses=ScrapingJobSerializer)
    def delete(self, request, pk: int):
        job = services.scraping_job_cancel(job=_job(pk), actor=request.user)
        return _job_answer(job, str(_("LinkedIn import cancelled.")))


@extend_schema(tags=TAGS)
class ScrapingJobRetryView(APIView):
    """``POST /admin/consultants/scraping-jobs/{job_id}/retry``: run a ``failed`` or ``cancelled`` job
    again (409 ``SCRAPING_JOB_NOT_RETRYABLE`` otherwise, 409 ``SCRAPING_IN_PROGRESS`` when the
    consultant has another active job, 503 without ``SCOOPP_API_KEY``); 202 with the job."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["consultants.change_scrapingjob"]
    throttle_classes = [ScrapingThrottle]

    @extend_schema(summary="Retry a LinkedIn import job", request=None, responses={202: ScrapingJobSerializer})
    def post(self, request, pk: int):
        job = services.scraping_job_retry(job=_job(pk), actor=request.user)
        return _job_answer(job, str(_("LinkedIn import restarted.")), status_code=status.HTTP_202_ACCEPTED)


_WEBHOOK_ANSWER = inline_serializer(
    "ScooppWebhookAnswer",
    {
        "scoopp_job_id": serializers.CharField(),
        "applied": serializers.BooleanField(help_text="False for a duplicate, a progress report or an unknown job."),
    },
)


@extend_schema(tags=["webhooks"])
class ScooppWebhookView(APIView):
    """``POST /api/v1/webhooks/scoopp``: Scoopp reports the end of a job.

    Verified by ``X-Scoopp-Signature`` (HMAC-SHA256 over ``"<X-Scoopp-Timestamp>.<raw body>"`` with
    ``SCOOPP_WEBHOOK_SECRET``, 300 s tolerance): missing, wrong or stale → 400
    ``SCOOPP_WEBHOOK_INVALID``, nothing changed. A verified report is applied once per job (the job
    row is the inbox: only an active job changes), so a repeated delivery answers 200 with
    ``applied: false``.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Scoopp webhook",
        auth=[],
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "X-Scoopp-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description="`v1=<hex>`"
            ),
            OpenApiParameter(
                "X-Scoopp-Timestamp",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Unix seconds.",
            ),
        ],
        responses={
            200: _WEBHOOK_ANSWER,
            400: OpenApiResponse(description="Not verified or not a Scoopp job event: nothing changed."),
        },
    )
    def post(self, request):
        state = scoopp_gateway.verify_webhook(
            request.body,
            signature=request.headers.get("X-Scoopp-Signature", ""),
            timestamp=request.headers.get("X-Scoopp-Timestamp", ""),
        )
        _job, applied = services.scraping_job_apply_state(state=state, reference=state.reference)
        message = _("Scoopp job %(job)s applied.") if applied else _("Scoopp job %(job)s: nothing to change.")
        return ok({"scoopp_job_id": state.job_id, "applied": applied}, message=str(message % {"job": state.job_id}))
