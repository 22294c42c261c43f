"""Review endpoints.

- ``GET /api/v1/public/consultants/{id}/testimonials`` (spec 000 "Public Consultant APIs": the
  consultant's testimonials/reviews): the approved reviews of a public consultant, newest first,
  paginated (``page``, ``limit`` ≤ 100). 404 ``CONSULTANT_NOT_FOUND`` for a consultant who is not public.
- ``GET /api/v1/admin/reviews`` (``reviews.view_review``) and ``POST /api/v1/admin/reviews/{id}/approve``
  or ``/reject`` (``reviews.change_review``): moderation for staff, the same services as the admin.
"""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.views import APIView

from consultants.exceptions import ConsultantNotFound
from consultants.models import Consultant
from magnetiq.api.filters import FilterSet, IdFilter
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import ok
from magnetiq.api.views import PublicAPIMixin
from reviews import services
from reviews.models import Review, ReviewStatus

from .serializers import StaffReviewSerializer, TestimonialSerializer

VIEW_PERMISSION = "reviews.view_review"
CHANGE_PERMISSION = "reviews.change_review"


@extend_schema(tags=["public-consultants"])
class ConsultantTestimonialsView(PublicAPIMixin, generics.ListAPIView):
    """The approved reviews of one public consultant, newest first, as ``data.testimonials`` with
    ``data.pagination``; only the client's first name is shown. The consultant's
    ``average_rating``/``total_reviews`` are computed from exactly these rows."""

    serializer_class = TestimonialSerializer
    resource_name = "testimonials"

    @extend_schema(summary="A consultant's testimonials")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    queryset = Review.objects.none()  # the schema's model; get_queryset gives the rows

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        consultant_id = self.kwargs["pk"]
        if not Consultant.objects.public().filter(pk=consultant_id).exists():
            raise ConsultantNotFound()
        return Review.objects.testimonials(consultant_id)


class StaffReviewFilter(FilterSet):
    """``status`` (pending, approved, rejected), ``consultant`` (id) and ``rating`` (1–5)."""

    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    consultant = IdFilter(field_name="consultant_id")
    rating = django_filters.ChoiceFilter(choices=[(value, str(value)) for value in range(1, 6)])

    class Meta:
        model = Review
        fields = ["status", "consultant", "rating"]


@extend_schema(tags=["staff-reviews"])
class StaffReviewListView(generics.ListAPIView):
    """Every review, newest first, with filters (``status``, ``consultant``, ``rating``); the pending
    ones are the moderation queue. Needs ``reviews.view_review``."""

    permission_classes = [HasRolePermissions]
    required_permissions = [VIEW_PERMISSION]
    serializer_class = StaffReviewSerializer
    filterset_class = StaffReviewFilter
    queryset = Review.objects.select_related("booking", "consultant").order_by("-created_at", "-id")
    resource_name = "reviews"

    @extend_schema(summary="List reviews (staff)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _ModerateView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = [CHANGE_PERMISSION]
    service = staticmethod(services.review_approve)
    done = ""

    def post(self, request, pk: int):
        review = get_object_or_404(Review.objects.all(), pk=pk)
        review = self.service(review=review, actor=request.user)
        return ok(StaffReviewSerializer(review).data, message=str(self.done))


@extend_schema(tags=["staff-reviews"])
class StaffReviewApproveView(_ModerateView):
    """Approve a review: it shows on the profile and in the testimonials, and the consultant's
    ``average_rating``/``total_reviews`` are recomputed. Idempotent. Needs ``reviews.change_review``."""

    service = staticmethod(services.review_approve)
    done = _("Approved.")

    @extend_schema(summary="Approve a review", request=None, responses=StaffReviewSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)


@extend_schema(tags=["staff-reviews"])
class StaffReviewRejectView(_ModerateView):
    """Reject a review: hidden (taken off the profile if it was approved) and the consultant's rating
    recomputed. Idempotent. Needs ``reviews.change_review``."""

    service = staticmethod(services.review_reject)
    done = _("Rejected.")

    @extend_schema(summary="Reject a review", request=None, responses=StaffReviewSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)
