"""Reviews of completed consultations: one per booking, rated 1–5, shown once staff approve them.

``consultants.Consultant.average_rating`` and ``total_reviews`` are recomputed from the approved rows
by :mod:`reviews.services` after every moderation (spec 000 ``ConsultantProfile``: ``average_rating``,
``total_reviews``; testimonials at ``/api/v1/public/consultants/{id}/testimonials``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MIN_RATING = 1
MAX_RATING = 5
MAX_TEXT_CHARS = 2000


class ReviewStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("review status", "Pending")
    APPROVED = "approved", pgettext_lazy("review status", "Approved")
    REJECTED = "rejected", _("Rejected")


class ReviewQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=ReviewStatus.APPROVED)

    def testimonials(self, consultant_id: int):
        """The approved reviews of one consultant, newest first (the profile page and the public API)."""
        return self.approved().filter(consultant_id=consultant_id).order_by("-created_at", "-id")


class Review(models.Model):
    """A client's rating of one completed booking.

    ``author_name`` is the client's first name as it was when they wrote it: the only part of their
    name ever shown. ``moderated_by``/``moderated_at``: the last staff decision.
    """

    booking = models.OneToOneField(
        "bookings.ConsultationBooking", on_delete=models.CASCADE, related_name="review", verbose_name=_("booking")
    )
    consultant = models.ForeignKey(
        "consultants.Consultant", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("consultant")
    )
    rating = models.PositiveSmallIntegerField(_("rating"), help_text=_("1 (poor) to 5 (excellent) stars."))
    text = models.TextField(_("text"), blank=True, max_length=MAX_TEXT_CHARS)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    author_name = models.CharField(_("first name"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["consultant", "status", "-created_at"], name="review_consultant_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING),
                name="review_rating_1_5",
                violation_error_message=_("The rating must be between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.PENDING) | Q(moderated_at__isnull=False),
                name="review_moderated_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.booking_id} ({self.status})"

    @property
    def stars(self) -> str:
        """The rating drawn as five stars, filled ones first: ``★★★★☆``."""
        return "★" * self.rating + "☆" * (MAX_RATING - self.rating)
