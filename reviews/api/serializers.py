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
