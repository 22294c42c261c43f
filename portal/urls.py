"""The account pages; included at ``/account/`` inside ``i18n_patterns`` (German under ``/de/``)."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.account, name="account"),
    path("consents/", views.consents, name="consents"),
    path("data/", views.data, name="data"),
    path("data/export/", views.data_export, name="data-export"),
    path("delete/", views.delete, name="delete"),
    path("consultant/sessions/", views.consultant_sessions, name="consultant-sessions"),
    path("consultant/schedule/", views.consultant_schedule, name="consultant-schedule"),
    path("consultant/earnings/", views.consultant_earnings, name="consultant-earnings"),
    path("consultant/profile/", views.consultant_profile, name="consultant-profile"),
]
