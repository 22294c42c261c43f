"""Consultant endpoints: staff management (``/admin/consultants``) and the public directory.

Staff endpoints check the standard model permissions through ``HasRolePermissions`` (the same
permissions the Django admin checks). Public endpoints need no token, are throttled per IP, show only
``Consultant.objects.public()`` and use the public serializers; everything else answers 404.
Every list runs a constant number of queries (a count and a page), whatever the directory's size.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from consultants import selectors, services
from consultants.models import Consultant, ConsultantStatus
from magnetiq.api.filters import FilterSet
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from magnetiq.api.views import PublicAPIMixin
from magnetiq.pagecache import cached_data

from .serializers import (
    PUBLIC_CARD_FIELDS,
    AdminConsultantSerializer,
    AdminConsultantStatusSerializer,
    PublicConsultantCardSerializer,
    PublicConsultantDetailSerializer,
    PublicConsultantSearchQuerySerializer,
    PublicExpertiseCategorySerializer,
)

LANGUAGE_PARAMETER = OpenApiParameter(
    "language", OpenApiTypes.STR, enum=["en", "de"], description="Language of bio and meta description (default en)."
)

# --- staff ------------------------------------------------------------------------------------


class AdminConsultantFilter(FilterSet):
    """``status``, ``is_verified`` and ``search`` (names, e-mail, company, title, expertise)."""

    status = django_filters.ChoiceFilter(choices=ConsultantStatus.choices)
    is_verified = django_filters.BooleanFilter()
    is_featured = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = Consultant
        fields = ["status", "is_verified", "is_featured"]

    def filter_search(self, queryset, name, value):
        matching = Consultant.objects.search(value).values("pk")
        return queryset.filter(Q(pk__in=matching) | Q(email__icontains=value.strip()))


@extend_schema(tags=["admin-consultants"])
class AdminConsultantViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Staff management of consultant profiles (spec 000 "Admin Consultant Management").

    Soft-deleted consultants answer 404. Writes go through ``consultants.services``: a taken
    e-mail is 409 ``CONSULTANT_EMAIL_TAKEN``, field errors 422.
    """

    permission_classes = [HasRolePermissions]
    required_permissions = {
        "SAFE": ["consultants.view_consultant"],
        "POST": ["consultants.add_consultant"],
        "PUT": ["consultants.change_consultant"],
        "PATCH": ["consultants.change_consultant"],
        "DELETE": ["consultants.delete_consultant"],
    }
    serializer_class = AdminConsultantSerializer
    filterset_class = AdminConsultantFilter
    resource_name = "consultants"
    queryset = Consultant.objects.alive().order_by("-created_at", "-id")

    @extend_schema(summary="List consultants (staff)")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Get a consultant (staff)")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Create a consultant", responses={201: AdminConsultantSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consultant = services.consultant_create(**serializer.validated_data)
        return created(self.get_serializer(consultant).data, message=_("Consultant created"))

    @extend_schema(summary="Replace a consultant's profile")
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    @extend_schema(summary="Change some fields of a consultant's profile")
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        consultant = self.get_object()
        serializer = self.get_serializer(consultant, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        consultant = services.consultant_update(consultant=consultant, data=serializer.validated_data)
        return ok(self.get_serializer(consultant).data, message=_("Consultant updated"))

    @extend_schema(summary="Deactivate a consultant (soft delete)", responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.consultant_delete(consultant=self.get_object())
        return Response(status=204)

    @extend_schema(
        summary="Set a consultant's status",
        request=AdminConsultantStatusSerializer,
        responses={200: AdminConsultantSerializer},
    )
    def set_status(self, request, *args, **kwargs):
        consultant = self.get_object()
        body = AdminConsultantStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consultant = services.consultant_set_status(consultant=consultant, **body.validated_data)
        return ok(
            self.get_serializer(consultant).data,
            message=_("Consultant is now %(status)s") % {"status": consultant.status},
        )


# --- public -----------------------------------------------------------------------------------

#: The columns a consultant card shows (``PublicConsultantCardSerializer``): lists load no bio,
#: portfolio or private column.
CARD_COLUMNS = [name for name in PUBLIC_CARD_FIELDS if name not in ("url", "full_name")]


class CachedPublicListMixin:
    """A public list whose page data (cards and pagination) is kept per full path until a
    consultant changes (``magnetiq.pagecache.cached_data``); every anonymous caller sees the same."""

    def list(self, request, *args, **kwargs):
        data = cached_data("consultants", request, lambda: super(CachedPublicListMixin, self).list(request).data)
        return Response(data)


@extend_schema(tags=["public-consultants"])
class PublicConsultantListView(CachedPublicListMixin, PublicAPIMixin, generics.ListAPIView):
    """Public directory, featured first, then by rating and reviews (spec 000 "Public Consultant APIs").

    Optional ``expertise`` (one tag) and ``featured_only`` (true/false) filters.
    """

    serializer_class = PublicConsultantCardSerializer
    resource_name = "consultants"

    @extend_schema(
        summary="List public consultants",
        parameters=[
            OpenApiParameter("expertise", OpenApiTypes.STR, description="Only consultants with this expertise."),
            OpenApiParameter("featured_only", OpenApiTypes.BOOL),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = Consultant.objects.public()
        expertise = self.request.query_params.get("expertise", "").strip()
        if expertise:
            qs = qs.with_expertise(expertise)
        if self.request.query_params.get("featured_only", "").lower() in ("1", "true", "yes"):
            qs = qs.featured()
        return qs.only(*CARD_COLUMNS).order_by(*selectors.default_public_ordering())


@extend_schema(tags=["public-consultants"])
class PublicConsultantSearchView(CachedPublicListMixin, PublicAPIMixin, generics.ListAPIView):
    """Search the directory with every filter and sort of spec 000 ``ConsultantSearchRequest``."""

    serializer_class = PublicConsultantCardSerializer
    resource_name = "consultants"

    @extend_schema(summary="Search public consultants", parameters=[PublicConsultantSearchQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = PublicConsultantSearchQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.public_consultant_search(**params.validated_data).only(*CARD_COLUMNS)


@extend_schema(tags=["public-consultants"])
class PublicConsultantFeaturedView(PublicConsultantListView):
    """Featured public consultants, best rated first."""

    @extend_schema(summary="Featured consultants", parameters=[])
    def get(self, request, *args, **kwargs):
        return generics.ListAPIView.get(self, request, *args, **kwargs)

    def get_queryset(self):
        return Consultant.objects.public().featured().only(*CARD_COLUMNS).order_by(*selectors.default_public_ordering())


@extend_schema(tags=["public-consultants"])
class PublicConsultantByExpertiseView(PublicConsultantListView):
    """Public consultants with one expertise, given by its slug (``cloud-architecture``) or name."""

    @extend_schema(summary="Consultants by expertise", parameters=[])
    def get(self, request, *args, **kwargs):
        return generics.ListAPIView.get(self, request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no URL kwargs
            return Consultant.objects.none()
        name = selectors.expertise_by_slug(self.kwargs["expertise"])
        if name is None:
            return Consultant.objects.none()
        return (
            Consultant.objects.public()
            .with_expertise(name)
            .only(*CARD_COLUMNS)
            .order_by(*selectors.default_public_ordering())
        )


@extend_schema(tags=["public-consultants"])
class PublicConsultantCategoriesView(PublicAPIMixin, APIView):
    """Expertise areas of public consultants with counts, most common first."""

    @extend_schema(
        summary="Expertise categories",
        responses=inline_serializer(
            "PublicExpertiseCategories", {"categories": PublicExpertiseCategorySerializer(many=True)}
        ),
    )
    def get(self, request):
        categories = selectors.expertise_categories()
        return Response({"categories": PublicExpertiseCategorySerializer(categories, many=True).data})


@extend_schema(tags=["public-consultants"])
class PublicConsultantDetailView(PublicAPIMixin, generics.RetrieveAPIView):
    """One public profile with its bio in ``language`` (Portable Text and rendered HTML); others 404."""

    serializer_class = PublicConsultantDetailSerializer
    queryset = Consultant.objects.public()

    @extend_schema(summary="Public consultant profile", parameters=[LANGUAGE_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
