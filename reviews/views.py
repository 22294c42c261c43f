"""The client's rating page and the approved reviews on the consultant's profile.

- ``/bookings/<reference>/review/?token=`` (``reviews:review``, German under ``/de/``): the link of
  the follow-up e-mail. Access is the booking's manage token (:mod:`bookings.tokens`: bound to the
  reference, valid until 14 days after the end); a wrong or expired token is the site's 404 page.
  Only a completed booking can be rated, once; the form is plain HTML (no JavaScript).
- :func:`testimonials_section`: the "What clients say" section of ``/consultants/<slug>/``,
  registered with :mod:`consultants.profile_sections` (the newest approved reviews, first names only).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookings.exceptions import BookingLinkExpired, BookingNotFound
from bookings.links import format_when, given_token
from bookings.models import BookingStatus, ConsultationBooking
from bookings.tokens import check_manage_token
from magnetiq.exceptions import ApplicationError
from magnetiq.translation import request_language

from . import services
from .forms import ReviewForm
from .models import Review

#: How many approved reviews the profile page shows (the API pages through all of them).
PROFILE_TESTIMONIALS = 5


def _booking(request, reference: str) -> ConsultationBooking:
    booking = ConsultationBooking.objects.select_related("consultant").filter(reference=reference).first()
    if booking is None:
        raise Http404("No such booking.")
    try:
        check_manage_token(booking, given_token(request))
    except (BookingNotFound, BookingLinkExpired):
        raise Http404("No such booking.") from None
    return booking


@require_http_methods(["GET", "POST"])
def review(request, reference: str):
    """Show the rating form (GET) and record the rating (POST, then back to this page, which thanks)."""
    booking = _booking(request, reference)
    token = given_token(request)
    review = Review.objects.filter(booking=booking).first()
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST" and review is None and booking.status == BookingStatus.COMPLETED:
        if form.is_valid():
            try:
                services.review_submit(
                    booking=booking,
                    rating=form.cleaned_data["rating"],
                    text=form.cleaned_data["text"],
                    language=request_language(request),
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Thank you for your rating!"))
            return redirect(f"{reverse('reviews:review', args=[booking.reference])}?{urlencode({'token': token})}")
        status = 422
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "reviews/review.html",
        {
            "booking": booking,
            "token": token,
            "form": form,
            "review": review,
            "can_rate": review is None and booking.status == BookingStatus.COMPLETED,
            "your_time": format_when(booking.start, booking.timezone),
            "heading": _("Rate your consultation with %(name)s") % {"name": booking.consultant.full_name},
        },
        status=status,
    )


def testimonials_section(request, consultant) -> str:
    """The profile's section of approved reviews (the newest :data:`PROFILE_TESTIMONIALS`), or ``""``."""
    reviews = list(Review.objects.testimonials(consultant.pk)[:PROFILE_TESTIMONIALS])
    if not reviews:
        return ""
    return render_to_string(
        "reviews/_testimonials.html", {"reviews": reviews, "consultant": consultant}, request=request
    )
