"""Account pages; meant to be included at ``/accounts/`` by the root URLconf."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("reset-password/<str:uidb64>/<str:token>/", views.ResetPasswordPageView.as_view(), name="reset-password"),
]
