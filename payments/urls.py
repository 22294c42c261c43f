"""Payment pages, included at ``/`` inside ``i18n_patterns`` (German under ``/de/``): the card form
of a held, priced booking at ``/bookings/<reference>/pay/?token=`` (``payments:pay``)."""

from django.urls import path

from . import pages

app_name = "payments"

urlpatterns = [
    path("bookings/<str:reference>/pay/", pages.pay, name="pay"),
]
