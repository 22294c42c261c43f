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

#: Spec 002's names for the same views: ``register`` is the admin-only user creation of
#: ``POST /admin/users`` (same service, serializers, permissions and throttles), ``forgot-password``
#: the reset e-mail of ``request-password-reset`` (same answer whether or not the account exists).
_SPEC_002_ALIASES = [
    ("register", views.RegisterView.as_view({"post": "create"}), "register"),
    ("forgot-password", views.ForgotPasswordView.as_view(), "forgot-password"),
]

router = SimpleRouter(trailing_slash=False)
router.register("admin/users", views.AdminUserViewSet, basename="admin-users")

urlpatterns = [
    *[path(f"auth/{route}", view.as_view(), name=f"auth-{name}") for route, view, name in _AUTH],
    *[path(f"admin/auth/{route}", view.as_view(), name=f"admin-auth-{name}") for route, view, name in _AUTH],
    *[path(f"auth/{route}", view, name=f"auth-{name}") for route, view, name in _SPEC_002_ALIASES],
    *router.urls,
]
