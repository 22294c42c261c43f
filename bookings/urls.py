"""Booking pages, included at ``/`` inside ``i18n_patterns`` (German under ``/de/``). The payment
step of a held booking, ``bookings/<reference>/pay/``, is the payments app's page (``payments.urls``)."""

from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("consultants/<slug:slug>/book/", views.book, name="book"),
    path("bookings/<str:reference>/", views.manage, name="manage"),
    path("bookings/<str:reference>/invite.ics", views.calendar_file, name="calendar-file"),
    path("bookings/<str:reference>/reschedule/", views.reschedule, name="reschedule"),
    path("bookings/<str:reference>/cancel/", views.cancel, name="cancel"),
    path("account/bookings/", views.account, name="account"),
]
