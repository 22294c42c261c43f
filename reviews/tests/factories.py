import factory

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from reviews.models import Review


def completed_booking(**kwargs):
    return BookingFactory(status=BookingStatus.COMPLETED, **kwargs)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    booking = factory.LazyFunction(completed_booking)
    consultant = factory.LazyAttribute(lambda o: o.booking.consultant)
    rating = 5
    text = "Clear and useful."
    language = "en"
    author_name = "Clara"
