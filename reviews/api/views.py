"""``GET /api/v1/public/consultants/{id}/testimonials`` (spec 000 "Public Consultant APIs": the
consultant's testimonials/reviews): the approved reviews of a public consultant, newest first,
paginated (``page``, ``limit`` ≤ 100). 404 ``CONSULTANT_NOT_FOUND`` for a consultant who is not public."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from consultants.exceptions import ConsultantNotFound
from consultants.models import Consultant
from magnetiq.api.views import PublicAPIMixin
from reviews.models import Review

from .serializers import TestimonialSerializer


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
