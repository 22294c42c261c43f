"""The root URLconf plus the account pages at /accounts/ (as the root URLconf should include them)."""

from django.urls import include, path

from magnetiq.urls import urlpatterns as root_patterns

urlpatterns = [path("accounts/", include("accounts.urls")), *root_patterns]
