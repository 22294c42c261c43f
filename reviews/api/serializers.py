"""Output of the testimonials endpoint."""

from rest_framework import serializers

from reviews.models import Review


class TestimonialSerializer(serializers.ModelSerializer):
    """One approved review: ``rating`` 1–5, the ``text`` in the client's ``language``, the client's
    first name only (``author_name``) and when it was written (``created_at``, UTC)."""

    class Meta:
        model = Review
        fields = ["id", "rating", "text", "language", "author_name", "created_at"]
        read_only_fields = fields


class StaffReviewSerializer(serializers.ModelSerializer):
    """A review as staff see it: the booking's reference, the consultant, the status and who decided."""

    booking_reference = serializers.CharField(source="booking.reference", read_only=True)
    consultant_name = serializers.CharField(source="consultant.full_name", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "booking",
            "booking_reference",
            "consultant",
            "consultant_name",
            "rating",
            "text",
            "language",
            "author_name",
            "status",
            "moderated_by",
            "moderated_at",
            "created_at",
        ]
        read_only_fields = fields
