"""Directory pages, mounted at ``/consultants/``."""

from django.urls import path

from . import views

app_name = "consultants"

urlpatterns = [
    path("", views.consultant_directory, name="directory"),
    path("<slug:slug>/", views.consultant_detail, name="detail"),
]
