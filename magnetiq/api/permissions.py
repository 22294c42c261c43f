"""Permissions shared by every API view.

Roles are Django groups holding model and custom permissions (``accounts/roles.py``), so the API asks
Django's ``user.has_perms`` exactly as the admin does.
"""

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission


class HasRolePermissions(BasePermission):
    """Allow an authenticated, active user holding the view's ``required_permissions``.

    ``required_permissions`` is either a list of ``"app_label.codename"`` strings needed for every
    method, or a dict from HTTP method (``"GET"``, ``"POST"``, …; ``"SAFE"`` for GET/HEAD/OPTIONS,
    ``"*"`` as fallback) to such a list. No token → 401, token without the permissions → 403.
    """

    message = gettext_lazy("Your role does not allow this action.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return user.has_perms(self.required_for(view, request.method))

    @staticmethod
    def required_for(view, method: str) -> list[str]:
        required = getattr(view, "required_permissions", None)
        if required is None:
            return []
        if isinstance(required, list | tuple):
            return list(required)
        if method in required:
            return list(required[method])
        if method in SAFE_METHODS and "SAFE" in required:
            return list(required["SAFE"])
        return list(required.get("*", []))


class IsStaff(BasePermission):
    """Any active staff member (any staff role)."""

    message = gettext_lazy("Staff only.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
