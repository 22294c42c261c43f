"""The consulting pages; included at ``/researchers/`` inside ``i18n_patterns`` (German under ``/de/``)."""

from django.urls import path

from . import views

app_name = "consulting"

urlpatterns = [
    path("register/", views.register, name="researcher-register"),
]
