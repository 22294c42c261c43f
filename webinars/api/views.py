"""Webinar endpoints: public (spec 001 "Webinars API"), business (spec 000 "Business Operations")
and staff sessions (spec 001 ``/admin/webinars/sessions``).

Public endpoints need no token, are throttled per IP (registration: 10/min, spec 001 "Rate
Limiting") and show only published webinars; drafts, deleted ones and unknown ids are 404. Staff
endpoints check the standard ``webinars`` model permissions through ``HasRolePermissions``. Every
write goes through ``webinars.services``: full → waitlisted (201, with the position), duplicate
e-mail → 409 ``ALREADY_REGISTERED``, cancelled/past/unpublished → 400, field errors → 422.
"""

import csv
import io
import json

import django_filters
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from consultants.models import Consultant
from content.portable_text import to_html
from magnetiq.api.filters import FilterSet, IdFilter
from magnetiq.api.pagination import PagePagination
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.renderers import EnvelopeJSONRenderer
from magnetiq.api.responses import created, ok
from magnetiq.api.throttling import CounterRateThrottle
from magnetiq.api.views import PublicAPIMixin
from magnetiq.translation import pick_language
from webinars import selectors, services
from webinars.exceptions import SpamRejected
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus

from .serializers import (
    ConsultantWebinarsSerializer,
    DescriptionHtmlSerializer,
    PublicWebinarDetailSerializer,
    PublicWebinarSerializer,
    RegisterInputSerializer,
    RegistrationResultSerializer,
    StaffRegistrationSerializer,
    StaffWebinarSerializer,
    requested_language,
)

LANGUAGE_PARAMETER = OpenApiParameter(
    "language", OpenApiTypes.STR, enum=["en", "de"], description="Language of rendered text (default en)."
)


class RegistrationThrottle(CounterRateThrottle):
    """Per-IP limit on registrations: rate ``webinar_register`` of ``DEFAULT_THROTTLE_RATES``
    (``THROTTLE_WEBINAR_REGISTER``, default 10/min, spec 001 "Rate Limiting")."""

    scope = "webinar_register"


class PublicWebinarPagination(PagePagination):
    """Spec 001: ``limit`` defaults to 10 (max 100)."""

    page_size = 10


def _register(request, webinar: Webinar, *, actor=None) -> Response:
    body = RegisterInputSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    if body.validated_data.get("nickname"):
        raise SpamRejected()
    registration = services.webinar_register(webinar=webinar, actor=actor, **body.service_arguments())
    data = RegistrationResultSerializer(registration).data
    if registration.status == RegistrationStatus.WAITLISTED:
        message = _("The webinar is full: you are number %(position)s on the waiting list.") % {
            "position": registration.waitlist_position
        }
    else:
        message = _("You are registered. The confirmation is on its way.")
    return created(data, message=message)


# --- public -----------------------------------------------------------------------------------


@extend_schema(tags=["public-webinars"])
class PublicWebinarListView(PublicAPIMixin, generics.ListAPIView):
    """Published webinars (spec 001 ``GET /public/webinars``), soonest first; ``filter=all`` newest first."""

    serializer_class = PublicWebinarSerializer
    pagination_class = PublicWebinarPagination
    resource_name = "webinars"

    @extend_schema(
        summary="List public webinars",
        parameters=[
            OpenApiParameter(
                "filter", OpenApiTypes.STR, enum=list(selectors.WHEN_FILTERS), description="Default upcoming."
            ),
            OpenApiParameter("search", OpenApiTypes.STR, description="Words in title, description or tags."),
            OpenApiParameter("topic", OpenApiTypes.STR, description="One topic (tag)."),
            OpenApiParameter("language", OpenApiTypes.STR, enum=["en", "de"], description="Webinar language."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        when = params.get("filter", "upcoming") or "upcoming"
        if when not in selectors.WHEN_FILTERS:
            raise DRFValidationError(
                {"filter": [_("Use one of %(choices)s.") % {"choices": ", ".join(selectors.WHEN_FILTERS)}]}
            )
        language = params.get("language", "")
        if language and language not in ("en", "de"):
            raise DRFValidationError({"language": [_("Use en or de.")]})
        return selectors.public_webinars(
            when=when,
            q=params.get("search", "").strip()[:200],
            topic=params.get("topic", "").strip()[:60],
            language=language,
        )


@extend_schema(tags=["public-webinars"])
class PublicWebinarDetailView(PublicAPIMixin, generics.RetrieveAPIView):
    """One published webinar by slug, with seats left and the description as HTML in ``language``."""

    serializer_class = PublicWebinarDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return Webinar.objects.visible().select_related("speaker").with_counts()

    @extend_schema(summary="Public webinar details", parameters=[LANGUAGE_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["public-webinars"])
class PublicWebinarRegisterView(PublicAPIMixin, APIView):
    """Register for a published webinar (spec 001 ``POST /public/webinars/{id}/register``).

    201 with the registration: ``status`` ``registered`` or ``waitlisted`` (with
    ``waitlist_position``). 409 ``ALREADY_REGISTERED``, 400 ``WEBINAR_CANCELLED`` /
    ``WEBINAR_PAST``, 404 unknown or unpublished, 422 invalid fields or terms not accepted,
    429 too many registrations from this address.
    """

    throttle_classes = [RegistrationThrottle]

    @extend_schema(
        summary="Register for a webinar", request=RegisterInputSerializer, responses={201: RegistrationResultSerializer}
    )
    def post(self, request, pk: int):
        webinar = get_object_or_404(Webinar.objects.visible(), pk=pk)
        return _register(request, webinar)


@extend_schema(tags=["public-webinars"])
class PublicRegistrationCancelView(PublicAPIMixin, APIView):
    """Cancel a registration by its unguessable reference (the link in the visitor's e-mails).

    The seat goes to the first person on the waiting list. Idempotent; unknown reference → 404.
    """

    @extend_schema(summary="Cancel my registration", request=None, responses={200: RegistrationResultSerializer})
    def post(self, request, reference: str):
        registration = selectors.registration_get_by_reference(reference=reference)
        registration = services.webinar_registration_cancel(registration=registration)
        return ok(RegistrationResultSerializer(registration).data, message=_("Your registration is cancelled."))


@extend_schema(tags=["public-consultants"])
class PublicConsultantWebinarsView(PublicAPIMixin, APIView):
    """A public consultant's webinars as speaker: ``upcoming`` (soonest first) and ``past`` (newest first)."""

    @extend_schema(summary="A consultant's webinars", responses={200: ConsultantWebinarsSerializer})
    def get(self, request, pk: int):
        consultant = get_object_or_404(Consultant.objects.public(), pk=pk)
        mine = Webinar.objects.published().filter(speaker=consultant).select_related("speaker").with_counts()
        context = {"request": request}
        return Response(
            {
                "upcoming": PublicWebinarSerializer(
                    mine.upcoming().order_by("starts_at", "id"), many=True, context=context
                ).data,
                "past": PublicWebinarSerializer(
                    mine.past().order_by("-starts_at", "-id"), many=True, context=context
                ).data,
            }
        )


# --- staff ------------------------------------------------------------------------------------

WEBINAR_PERMISSIONS = {
    "SAFE": ["webinars.view_webinar"],
    "POST": ["webinars.add_webinar"],
    "PUT": ["webinars.change_webinar"],
    "PATCH": ["webinars.change_webinar"],
    "DELETE": ["webinars.delete_webinar"],
}


class StaffWebinarFilter(FilterSet):
    """``status``, ``language``, ``when`` (upcoming / past) and ``search`` (title, description, tags)."""

    status = django_filters.ChoiceFilter(choices=WebinarStatus.choices)
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)
    when = django_filters.ChoiceFilter(choices=[("upcoming", "upcoming"), ("past", "past")], method="filter_when")
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    speaker = IdFilter(field_name="speaker_id")

    class Meta:
        model = Webinar
        fields = ["status", "language", "speaker"]

    def filter_when(self, queryset, name, value):
        return queryset.upcoming() if value == "upcoming" else queryset.past()

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


@extend_schema(tags=["admin-webinars"])
class StaffWebinarViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff management of webinars: ``/admin/webinars/sessions`` (spec 001) and
    ``/business/webinars`` (spec 000) share this class. Lists carry registration counts; deleted
    webinars answer 404. Writes go through ``webinars.services``."""

    permission_classes = [HasRolePermissions]
    required_permissions = WEBINAR_PERMISSIONS
    serializer_class = StaffWebinarSerializer
    filterset_class = StaffWebinarFilter
    resource_name = "webinars"

    def get_queryset(self):
        return Webinar.objects.alive().select_related("speaker").with_counts().order_by("-starts_at", "-id")

    @extend_schema(summary="List webinars with registration counts")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Get a webinar (staff)")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Create a webinar", responses={201: StaffWebinarSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webinar = services.webinar_create(actor=request.user, **serializer.validated_data)
        return created(self.get_serializer(self._fresh(webinar)).data, message=_("Webinar created"))

    @extend_schema(summary="Replace a webinar")
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    @extend_schema(summary="Change some fields of a webinar")
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        webinar = self.get_object()
        serializer = self.get_serializer(webinar, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        webinar = services.webinar_update(webinar=webinar, data=serializer.validated_data, actor=request.user)
        return ok(self.get_serializer(self._fresh(webinar)).data, message=_("Webinar updated"))

    @extend_schema(summary="Delete a webinar (soft; an upcoming one is cancelled first)", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.webinar_delete(webinar=self.get_object(), actor=request.user)
        return Response(status=204)

    def _fresh(self, webinar: Webinar) -> Webinar:
        return Webinar.objects.select_related("speaker").with_counts().get(pk=webinar.pk)


@extend_schema(tags=["business-webinars"])
class BusinessWebinarDescriptionHtmlView(APIView):
    """The description rendered to safe HTML (spec 000 ``/business/webinars/{id}/description-html``):
    ``html`` in ``language`` (default en, falling back to English) and ``translations`` per language."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["webinars.view_webinar"]

    @extend_schema(
        summary="Webinar description as HTML", parameters=[LANGUAGE_PARAMETER], responses=DescriptionHtmlSerializer
    )
    def get(self, request, pk: int):
        webinar = get_object_or_404(Webinar.objects.alive(), pk=pk)
        lang = requested_language({"request": request})
        payload = {
            "id": webinar.pk,
            "language": lang,
            "html": to_html(pick_language(webinar.description, lang) or []),
            "description": webinar.description,
        }
        return Response(DescriptionHtmlSerializer(payload).data)


@extend_schema(tags=["business-webinars"])
class BusinessWebinarRegisterView(APIView):
    """Staff register someone (spec 000 ``POST /business/webinars/{id}/register``): same body and
    answers as the public endpoint, for any non-deleted webinar that takes registrations."""

    permission_classes = [HasRolePermissions]
    required_permissions = ["webinars.add_webinarregistration"]

    @extend_schema(
        summary="Register someone for a webinar",
        request=RegisterInputSerializer,
        responses={201: RegistrationResultSerializer},
    )
    def post(self, request, pk: int):
        webinar = get_object_or_404(Webinar.objects.alive(), pk=pk)
        return _register(request, webinar, actor=request.user)


class CSVRenderer(BaseRenderer):
    """``?format=csv``: the view returns the CSV itself; errors (401, 403, 404, 422 before the view
    made its CSV) are the JSON error envelope, labelled ``application/json`` as documented."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str | bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, default=str)


CSV_COLUMNS = [
    "reference",
    "status",
    "waitlist_position",
    "first_name",
    "last_name",
    "email",
    "company",
    "job_title",
    "phone",
    "website",
    "language",
    "consent_terms_at",
    "consent_marketing",
    "consent_version",
    "attended",
    "created_at",
    "promoted_at",
    "cancelled_at",
    "questions",
]


def registrations_csv(webinar: Webinar, registrations) -> HttpResponse:
    """A CSV download of ``registrations`` (columns :data:`CSV_COLUMNS`), shared with the Django admin."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    positions = {
        pk: index for index, pk in enumerate(webinar.registrations.waitlisted().values_list("pk", flat=True), start=1)
    }
    for registration in registrations:
        row = []
        for column in CSV_COLUMNS:
            value = positions.get(registration.pk) if column == "waitlist_position" else getattr(registration, column)
            value = "" if value is None else value
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                value = "'" + value  # keep spreadsheet apps from running a formula (CSV injection)
            row.append(value)
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="webinar-{webinar.pk}-registrations.csv"'
    return response


@extend_schema(tags=["admin-webinars"])
class StaffWebinarRegistrationsView(generics.ListAPIView):
    """Registrations of one webinar (``/admin/webinars/sessions/{id}/registrations``), oldest first.

    ``status`` filters (registered / waitlisted / cancelled); ``?format=csv`` downloads every
    matching registration as CSV instead of a JSON page.
    """

    permission_classes = [HasRolePermissions]
    required_permissions = ["webinars.view_webinar", "webinars.view_webinarregistration"]
    serializer_class = StaffRegistrationSerializer
    renderer_classes = [EnvelopeJSONRenderer, CSVRenderer]
    resource_name = "registrations"

    def get_webinar(self) -> Webinar:
        return get_object_or_404(Webinar.objects.alive(), pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebinarRegistration.objects.none()
        qs = self.get_webinar().registrations.order_by("id")
        status = self.request.query_params.get("status")
        if status:
            if status not in RegistrationStatus.values:
                raise DRFValidationError(
                    {"status": [_("Use one of %(choices)s.") % {"choices": ", ".join(RegistrationStatus.values)}]}
                )
            qs = qs.filter(status=status)
        return qs

    @extend_schema(
        summary="List a webinar's registrations (JSON or CSV)",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(RegistrationStatus.values)),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
    )
    def get(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return registrations_csv(self.get_webinar(), self.get_queryset())
        return super().get(request, *args, **kwargs)
