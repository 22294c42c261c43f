"""Whitepaper pages, mounted at ``/whitepapers/`` inside ``i18n_patterns`` (German under ``/de/``)."""

from django.urls import path

from . import views

app_name = "whitepapers"

urlpatterns = [
    path("", views.whitepaper_list, name="list"),
    path("<slug:slug>/", views.whitepaper_detail, name="detail"),
    path("<slug:slug>/thanks/", views.whitepaper_thanks, name="thanks"),
]
