"""Auth endpoints at ``/api/v1/auth/*`` and, the same views, at ``/api/v1/admin/auth/*``;
user admin at ``/api/v1/admin/users``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

_AUTH = [
    ("login", views.LoginView, "login"),
    ("login/mfa", views.LoginMFAView, "login-mfa"),
    ("refresh", views.RefreshView, "refresh"),
    ("logout", views.LogoutView, "logout"),
    ("me", views.MeView, "me"),
    ("change-password", views.ChangePasswordView, "change-password"),
    ("request-password-reset", views.RequestPasswordResetView, "request-password-reset"),
    ("reset-password", views.ResetPasswordView, "reset-password"),
]

router = SimpleRouter(trailing_slash=False)
router.register("admin/users", views.AdminUserViewSet, basename="admin-users")

urlpatterns = [
    *[path(f"auth/{route}", view.as_view(), name=f"auth-{name}") for route, view, name in _AUTH],
    *[path(f"admin/auth/{route}", view.as_view(), name=f"admin-auth-{name}") for route, view, name in _AUTH],
    *router.urls,
]
