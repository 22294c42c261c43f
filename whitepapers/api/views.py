"""Whitepaper endpoints: public catalogue and gated downloads, staff management, e-mail queue.

Spec 000 "Whitepapers - Public API", "Whitepapers - Admin API", "Email Submission Processing";
spec 002 ``/business/whitepapers`` paths reuse these views. Public endpoints show only
``Whitepaper.objects.published()`` (everything else is 404) and are throttled per IP; the download
request has its own tighter throttle (``WHITEPAPER_DOWNLOAD_THROTTLE``). Staff endpoints check the
standard model permissions through ``HasRolePermissions``.
"""

import secrets
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from consultants.models import Consultant
from leads.models import Lead
from magnetiq.api.fields import IdField, query_param
from magnetiq.api.parsers import JSONParser
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from magnetiq.api.views import PublicAPIMixin
from magnetiq.translation import LANGUAGE_CODES
from whitepapers import conf, selectors, services
from whitepapers.models import DownloadToken, EmailSubmission, SubmissionStatus, Whitepaper
from whitepapers.throttling import WhitepaperDownloadThrottle

from .serializers import (
    AdminWhitepaperSerializer,
    AnalyticsSerializer,
    BulkActionResultSerializer,
    BulkActionSerializer,
    CategorySerializer,
    ContentUpdateSerializer,
    DownloadRequestSerializer,
    DownloadResponseSerializer,
    EmailSubmissionSerializer,
    EmailUploadSerializer,
    PublicAnalyticsSerializer,
    PublicWhitepaperCardSerializer,
    PublicWhitepaperDetailSerializer,
    RejectSerializer,
    WhitepaperLeadSerializer,
)

LANGUAGE_PARAMETER = OpenApiParameter(
    "language", OpenApiTypes.STR, enum=list(LANGUAGE_CODES), description="Language of title, summary, body."
)
FILTER_PARAMETERS = [
    LANGUAGE_PARAMETER,
    OpenApiParameter("category", OpenApiTypes.STR),
    OpenApiParameter("tag", OpenApiTypes.STR),
    OpenApiParameter("author", OpenApiTypes.INT, description="Consultant id."),
    OpenApiParameter("featured", OpenApiTypes.BOOL),
    OpenApiParameter("whitepaper_language", OpenApiTypes.STR, description="Main language of the whitepaper."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Words that must all appear in title, summary or body."),
]


def client_ip(request) -> str:
    """The client's address as DRF's throttles see it (honours ``NUM_PROXIES``)."""
    return BaseThrottle().get_ident(request) or ""


# --- public -------------------------------------------------------------------------------------


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperListView(PublicAPIMixin, generics.ListAPIView):
    """Published whitepapers, newest first, with the filters of :func:`whitepapers.selectors.public_whitepapers`."""

    serializer_class = PublicWhitepaperCardSerializer
    resource_name = "whitepapers"

    @extend_schema(summary="List published whitepapers", parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        author = query_param(self.request, "author", IdField())
        return selectors.public_whitepapers(
            category=params.get("category"),
            tag=params.get("tag"),
            language=params.get("whitepaper_language"),
            author_id=author,
            featured=params.get("featured", "").lower() in ("1", "true", "yes") or None,
            q=params.get("q"),
        )


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperSearchView(PublicWhitepaperListView):
    """Full-text search (every word of ``q`` in title, summary or body, any language)."""

    @extend_schema(summary="Search whitepapers", parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        if not request.query_params.get("q", "").strip():
            raise serializers.ValidationError({"q": [_("Give at least one search word.")]})
        return generics.ListAPIView.get(self, request, *args, **kwargs)


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperFeaturedView(PublicAPIMixin, generics.ListAPIView):
    """Featured published whitepapers, newest first."""

    serializer_class = PublicWhitepaperCardSerializer
    resource_name = "whitepapers"

    @extend_schema(summary="Featured whitepapers", parameters=[LANGUAGE_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.public_whitepapers(featured=True)


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperRecentView(PublicAPIMixin, generics.ListAPIView):
    """Published in the last ``days`` days (default 90, at most 365), newest first."""

    serializer_class = PublicWhitepaperCardSerializer
    resource_name = "whitepapers"

    @extend_schema(
        summary="Recently published whitepapers",
        parameters=[LANGUAGE_PARAMETER, OpenApiParameter("days", OpenApiTypes.INT)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        days = query_param(self.request, "days", serializers.IntegerField(min_value=1, max_value=365), default=90)
        return selectors.public_whitepapers().filter(published_at__gte=timezone.now() - timedelta(days=days))


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperCategoriesView(PublicAPIMixin, APIView):
    """Categories of published whitepapers with counts, most common first."""

    @extend_schema(
        summary="Whitepaper categories",
        responses=inline_serializer("WhitepaperCategories", {"categories": CategorySerializer(many=True)}),
    )
    def get(self, request):
        return Response({"categories": selectors.categories()})


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperTagsView(PublicAPIMixin, APIView):
    """Tags of published whitepapers with counts, most common first."""

    @extend_schema(
        summary="Whitepaper tags",
        responses=inline_serializer("WhitepaperTags", {"tags": CategorySerializer(many=True)}),
    )
    def get(self, request):
        return Response({"tags": selectors.tags()})


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperDetailView(PublicAPIMixin, generics.RetrieveAPIView):
    """One published whitepaper by id or slug (the landing page data); counts a view."""

    serializer_class = PublicWhitepaperDetailSerializer

    def get_queryset(self):
        return Whitepaper.objects.published().select_related("author", "cover_image")

    @extend_schema(summary="Get a published whitepaper", parameters=[LANGUAGE_PARAMETER])
    def get(self, request, *args, **kwargs):
        whitepaper = self.get_object()
        services.whitepaper_register_view(whitepaper=whitepaper)
        whitepaper.view_count = selectors.view_count(whitepaper)
        return Response(self.get_serializer(whitepaper).data)


class PublicWhitepaperBySlugView(PublicWhitepaperDetailView):
    lookup_field = "slug"

    @extend_schema(
        summary="Get a published whitepaper by slug",
        operation_id="public_whitepapers_by_slug_retrieve",
        parameters=[LANGUAGE_PARAMETER],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperAnalyticsView(PublicAPIMixin, APIView):
    """Public counts of one published whitepaper."""

    @extend_schema(summary="Public whitepaper counts", responses=PublicAnalyticsSerializer)
    def get(self, request, pk: int):
        whitepaper = get_object_or_404(Whitepaper.objects.published(), pk=pk)
        return Response(
            {
                "id": whitepaper.pk,
                "view_count": selectors.view_count(whitepaper),
                "download_count": whitepaper.download_count,
            }
        )


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperDownloadRequestView(PublicAPIMixin, APIView):
    """Lead capture → download link (spec 000, spec 001 "Whitepapers API").

    201 with ``download_url`` (``GET …/download/{token}``), ``thanks_url``, ``expires_at`` and
    ``remaining_downloads``; the link is also e-mailed. 422 for a bad e-mail or
    ``terms_accepted`` false; 404 for an unpublished whitepaper; 429 past
    ``WHITEPAPER_DOWNLOAD_THROTTLE``. A filled honeypot (``website_url``) gets the same 201 shape
    with a link that leads nowhere, and nothing is stored.
    """

    throttle_classes = [WhitepaperDownloadThrottle]

    @extend_schema(
        summary="Request a whitepaper download (lead capture)",
        request=DownloadRequestSerializer,
        responses={201: DownloadResponseSerializer},
    )
    def post(self, request, pk: int):
        whitepaper = get_object_or_404(Whitepaper.objects.published(), pk=pk)
        body = DownloadRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["website_url"].strip():
            return created(honeypot_answer(whitepaper, data["language"]), message=_("Download link created"))
        token, raw = services.download_request(
            whitepaper=whitepaper,
            consent_terms=data["terms_accepted"],
            consent_marketing=data["marketing_consent"],
            language=data["language"],
            utm={key: value for key, value in data.items() if key.startswith("utm_")},
            referrer=data["referrer"] or request.headers.get("Referer", ""),
            **data["lead"],
        )
        return created(download_answer(whitepaper, token, raw), message=_("Download link created"))


def download_answer(whitepaper: Whitepaper, token: DownloadToken, raw: str) -> dict:
    return {
        "download_url": services.download_url(raw),
        "thanks_url": f"{whitepaper.get_absolute_url(token.language)}thanks/?t={raw}",
        "expires_at": token.expires_at,
        "remaining_downloads": token.remaining_downloads,
    }


def honeypot_answer(whitepaper: Whitepaper, language: str) -> dict:
    raw = secrets.token_hex(32)
    return {
        "download_url": services.download_url(raw),
        "thanks_url": f"{whitepaper.get_absolute_url(language)}thanks/?t={raw}",
        "expires_at": timezone.now() + conf.download_ttl(),
        "remaining_downloads": conf.download_max_uses(),
    }


@extend_schema(tags=["public-whitepapers"])
class PublicWhitepaperDownloadView(PublicAPIMixin, APIView):
    """Stream the PDF of a download link (``Content-Disposition: attachment``, ``no-store``).

    404 unknown or forged; 410 expired or used up, with ``details[0]`` =
    ``{"field": "request_new_link", "message": "<landing page URL>"}``.
    """

    @extend_schema(
        summary="Download a whitepaper with a link token",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description="Unknown or forged token"),
            410: OpenApiResponse(description="Expired or used up"),
        },
    )
    def get(self, request, token: str):
        spent = services.download_consume(
            raw_token=token, ip=client_ip(request), referrer=request.headers.get("Referer", "")
        )
        whitepaper = spent.whitepaper
        handle = whitepaper.pdf.open("rb")
        response = FileResponse(
            handle, as_attachment=True, filename=f"{whitepaper.slug}.pdf", content_type="application/pdf"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


@extend_schema(tags=["public-whitepapers"])
class PublicConsultantWhitepapersView(PublicAPIMixin, generics.ListAPIView):
    """Published whitepapers written by one public consultant (404 for an unknown/hidden one)."""

    serializer_class = PublicWhitepaperCardSerializer
    resource_name = "whitepapers"

    @extend_schema(summary="A consultant's whitepapers", parameters=[LANGUAGE_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Whitepaper.objects.none()
        consultant = get_object_or_404(Consultant.objects.public(), pk=self.kwargs["pk"])
        return selectors.public_whitepapers(author_id=consultant.pk)


# --- staff --------------------------------------------------------------------------------------


WHITEPAPER_PERMISSIONS = {
    "SAFE": ["whitepapers.view_whitepaper"],
    "POST": ["whitepapers.add_whitepaper"],
    "PUT": ["whitepapers.change_whitepaper"],
    "PATCH": ["whitepapers.change_whitepaper"],
    "DELETE": ["whitepapers.delete_whitepaper"],
}


@extend_schema(tags=["admin-whitepapers"])
class AdminWhitepaperViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff management of whitepapers (spec 000 "Whitepapers - Admin API").

    Create/update take JSON or multipart (``file``: the PDF). Soft-deleted whitepapers answer 404.
    Filters: ``is_active``, ``is_featured``, ``category``, ``q``.
    """

    permission_classes = [HasRolePermissions]
    required_permissions = WHITEPAPER_PERMISSIONS
    serializer_class = AdminWhitepaperSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    resource_name = "whitepapers"

    def get_queryset(self):
        qs = Whitepaper.objects.alive().select_related("author").order_by("-created_at", "-id")
        params = self.request.query_params
        for name in ("is_active", "is_featured"):
            if params.get(name, "").lower() in ("true", "false"):
                qs = qs.filter(**{name: params[name].lower() == "true"})
        if params.get("category"):
            qs = qs.filter(category=params["category"])
        return qs.search(params.get("q"))

    @extend_schema(
        summary="List whitepapers (staff)",
        parameters=[
            OpenApiParameter("is_active", OpenApiTypes.BOOL),
            OpenApiParameter("is_featured", OpenApiTypes.BOOL),
            OpenApiParameter("category", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Get a whitepaper (staff)")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Create a whitepaper", responses={201: AdminWhitepaperSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        whitepaper = services.whitepaper_create(actor=request.user, **serializer.validated_data)
        return created(self.get_serializer(whitepaper).data, message=_("Whitepaper created"))

    @extend_schema(summary="Update a whitepaper")
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    @extend_schema(summary="Update some fields of a whitepaper")
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        whitepaper = self.get_object()
        serializer = self.get_serializer(whitepaper, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        whitepaper = services.whitepaper_update(whitepaper=whitepaper, actor=request.user, **serializer.validated_data)
        return ok(self.get_serializer(whitepaper).data, message=_("Whitepaper updated"))

    @extend_schema(summary="Delete a whitepaper (soft delete)", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.whitepaper_delete(whitepaper=self.get_object(), actor=request.user)
        return Response(status=204)

    @extend_schema(summary="Activate a whitepaper", request=None, responses=AdminWhitepaperSerializer)
    def activate(self, request, *args, **kwargs):
        whitepaper = services.whitepaper_set_active(whitepaper=self.get_object(), active=True, actor=request.user)
        return ok(self.get_serializer(whitepaper).data, message=_("Whitepaper activated"))

    @extend_schema(summary="Deactivate a whitepaper", request=None, responses=AdminWhitepaperSerializer)
    def deactivate(self, request, *args, **kwargs):
        whitepaper = services.whitepaper_set_active(whitepaper=self.get_object(), active=False, actor=request.user)
        return ok(self.get_serializer(whitepaper).data, message=_("Whitepaper deactivated"))

    @extend_schema(
        summary="Replace the body with Markdown from the editor",
        request=ContentUpdateSerializer,
        responses=AdminWhitepaperSerializer,
    )
    def content(self, request, *args, **kwargs):
        body = ContentUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        whitepaper = services.whitepaper_update_content(
            whitepaper=self.get_object(), markdown=body.validated_data["markdown"], actor=request.user
        )
        return ok(self.get_serializer(whitepaper).data, message=_("Content updated"))

    @extend_schema(summary="Generate the PDF from the body now", request=None, responses=AdminWhitepaperSerializer)
    def generate_pdf(self, request, *args, **kwargs):
        whitepaper = services.whitepaper_generate_pdf(whitepaper_id=self.get_object().pk, force=True)
        return ok(self.get_serializer(whitepaper).data, message=_("PDF generated"))

    @extend_schema(
        summary="Whitepaper analytics",
        parameters=[OpenApiParameter("days", OpenApiTypes.INT, description="Days of downloads_per_day (default 30).")],
        responses=AnalyticsSerializer,
    )
    def analytics(self, request, *args, **kwargs):
        whitepaper = self.get_object()
        days = query_param(request, "days", serializers.IntegerField(min_value=1, max_value=366), default=30)
        return Response(selectors.analytics(whitepaper, days=days))


@extend_schema(tags=["admin-whitepapers"])
class AdminWhitepaperLeadsView(generics.ListAPIView):
    """Leads who asked for this whitepaper, newest link first, with their download counts."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["whitepapers.view_whitepaper", "leads.view_lead"]
    serializer_class = WhitepaperLeadSerializer
    resource_name = "leads"

    @extend_schema(summary="Leads of a whitepaper")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        whitepaper = get_object_or_404(Whitepaper.objects.alive(), pk=self.kwargs["pk"])
        return (
            Lead.objects.filter(whitepaper_tokens__whitepaper=whitepaper, erased_at__isnull=True)
            .annotate(
                downloads=Count(
                    "whitepaper_downloads", filter=Q(whitepaper_downloads__whitepaper=whitepaper), distinct=True
                ),
                last_download_at=Max(
                    "whitepaper_downloads__downloaded_at", filter=Q(whitepaper_downloads__whitepaper=whitepaper)
                ),
                link_requested_at=Max("whitepaper_tokens__refreshed_at"),
            )
            .order_by("-link_requested_at", "-id")
        )


@extend_schema(tags=["admin-whitepapers"])
class AdminWhitepaperBulkActionView(APIView):
    """Activate, deactivate, feature, unfeature or delete many whitepapers at once."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": ["whitepapers.change_whitepaper"]}

    @extend_schema(
        summary="Bulk action on whitepapers", request=BulkActionSerializer, responses=BulkActionResultSerializer
    )
    def post(self, request):
        body = BulkActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["action"] == "delete" and not request.user.has_perm("whitepapers.delete_whitepaper"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(_("Deleting needs the delete_whitepaper permission."))
        result = services.whitepaper_bulk_action(actor=request.user, **body.validated_data)
        return ok(
            result,
            message=ngettext(
                "%(count)s whitepaper(s) updated", "%(count)s whitepaper(s) updated", len(result["processed"])
            )
            % {"count": len(result["processed"])},
        )


SUBMISSION_PERMISSIONS = {
    "SAFE": ["whitepapers.view_emailsubmission"],
    "POST": ["whitepapers.change_emailsubmission"],
    "DELETE": ["whitepapers.change_emailsubmission"],
}


@extend_schema(tags=["admin-whitepapers"])
class EmailQueueView(generics.ListAPIView):
    """Author e-mail submissions, newest first; ``status`` filter (default: queued, processing, failed)."""

    permission_classes = [HasRolePermissions]
    required_permissions = SUBMISSION_PERMISSIONS
    serializer_class = EmailSubmissionSerializer
    resource_name = "submissions"

    @extend_schema(
        summary="List e-mail submissions",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=[*SubmissionStatus.values, "all"])],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = EmailSubmission.objects.prefetch_related("attachments")
        status = self.request.query_params.get("status", "")
        if status == "all":
            return qs
        if status:
            if status not in SubmissionStatus.values:
                choices = ", ".join(SubmissionStatus.values)
                raise serializers.ValidationError(
                    {"status": [_("Use one of %(choices)s, all.") % {"choices": choices}]}
                )
            return qs.filter(status=status)
        return qs.filter(status__in=[SubmissionStatus.QUEUED, SubmissionStatus.PROCESSING, SubmissionStatus.FAILED])


class _SubmissionActionView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = SUBMISSION_PERMISSIONS

    def submission(self, pk: int) -> EmailSubmission:
        return get_object_or_404(EmailSubmission, pk=pk)


@extend_schema(tags=["admin-whitepapers"])
class EmailQueueProcessView(_SubmissionActionView):
    """Check a submission (author, content): → ``processing`` or ``failed`` with ``error``."""

    @extend_schema(summary="Process an e-mail submission", request=None, responses=EmailSubmissionSerializer)
    def post(self, request, pk: int):
        submission = services.email_submission_process(submission=self.submission(pk), actor=request.user)
        return ok(
            EmailSubmissionSerializer(submission).data,
            message=_("Submission is %(status)s") % {"status": submission.status},
        )


@extend_schema(tags=["admin-whitepapers"])
class EmailQueueApproveView(_SubmissionActionView):
    """Publish a whitepaper from the submission (needs ``add_whitepaper`` too). 409 when it cannot."""

    required_permissions = {"POST": ["whitepapers.change_emailsubmission", "whitepapers.add_whitepaper"]}

    @extend_schema(summary="Approve and publish", request=None, responses={201: AdminWhitepaperSerializer})
    def post(self, request, pk: int):
        whitepaper = services.email_submission_approve(submission=self.submission(pk), actor=request.user)
        return created(AdminWhitepaperSerializer(whitepaper).data, message=_("Whitepaper published"))


@extend_schema(tags=["admin-whitepapers"])
class EmailQueueRejectView(_SubmissionActionView):
    """Reject a submission (the row stays, status ``rejected``); optional JSON ``reason``."""

    @extend_schema(summary="Reject an e-mail submission", request=RejectSerializer, responses=EmailSubmissionSerializer)
    def delete(self, request, pk: int):
        body = RejectSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        submission = services.email_submission_reject(
            submission=self.submission(pk), actor=request.user, reason=body.validated_data["reason"]
        )
        return ok(EmailSubmissionSerializer(submission).data, message=_("Submission rejected"))


@extend_schema(tags=["admin-whitepapers"])
class EmailSubmissionUploadView(APIView):
    """Upload a raw ``.eml`` (multipart ``file`` or JSON ``raw``): 201 new, 200 already imported."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"POST": ["whitepapers.add_emailsubmission"]}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="Submit an author e-mail", request=EmailUploadSerializer, responses=EmailSubmissionSerializer
    )
    def post(self, request):
        body = EmailUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data.get("file")
        if upload is not None:
            if upload.size > conf.max_file_bytes() * 2:
                raise serializers.ValidationError({"file": [_("The e-mail is too large.")]})
            raw = upload.read()
        else:
            raw = body.validated_data["raw"].encode("utf-8")
        submission, is_new = services.email_submission_import(raw=raw, source="upload", actor=request.user)
        data = EmailSubmissionSerializer(submission).data
        if is_new:
            return created(data, message=_("Submission queued"))
        return ok(data, message=_("This e-mail was already imported"))
