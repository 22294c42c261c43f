"""Webinar pages, mounted at ``/webinars/`` (German under ``/de/webinars/``)."""

from django.urls import path

from . import views

app_name = "webinars"

urlpatterns = [
    path("", views.webinar_list, name="list"),
    path("registrations/<slug:reference>/cancel/", views.registration_cancel, name="registration-cancel"),
    path("<slug:slug>/", views.webinar_detail, name="detail"),
]
