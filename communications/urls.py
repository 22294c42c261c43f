"""Recipient-facing pages, mounted under ``i18n_patterns`` (English without a prefix, German under
``/de/``); the addresses in e-mails are the English ones except the preference page's."""

from django.urls import path

from . import views

app_name = "communications"

urlpatterns = [
    path("email/unsubscribe/<str:token>", views.one_click_unsubscribe, name="unsubscribe"),
    path("email/preferences/<str:token>/", views.preferences, name="preferences"),
    path("email/o/<str:token>.gif", views.open_pixel, name="open"),
    path("email/c/<str:token>", views.click, name="click"),
]
