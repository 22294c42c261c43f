"""Booking pages, included at ``/`` inside ``i18n_patterns`` (German under ``/de/``)."""

from django.urls import path

from payments import pages as payment_pages

from . import views

app_name = "bookings"

urlpatterns = [
    path("consultants/<slug:slug>/book/", views.book, name="book"),
    path("bookings/<str:reference>/", views.manage, name="manage"),
    path("bookings/<str:reference>/reschedule/", views.reschedule, name="reschedule"),
    path("bookings/<str:reference>/cancel/", views.cancel, name="cancel"),
    # The payment step (payments app): a held, priced booking is paid here.
    path("bookings/<str:reference>/pay/", payment_pages.pay, name="pay"),
    path("account/bookings/", views.account, name="account"),
]
