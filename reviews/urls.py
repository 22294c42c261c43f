"""The rating page, included at ``/`` inside ``i18n_patterns`` (German under ``/de/``)."""

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("bookings/<str:reference>/review/", views.review, name="review"),
]
