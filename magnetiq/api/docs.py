"""Who may read the OpenAPI schema and docs: anyone in development, staff only in production
(``API_DOCS_PUBLIC``; cookiecutter-django keeps the schema staff-only the same way)."""

from django.conf import settings
from django.utils.translation import gettext_lazy
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework_simplejwt.authentication import JWTAuthentication


class DocsPermission(BasePermission):
    message = gettext_lazy("The API documentation is for staff.")

    def has_permission(self, request, view) -> bool:
        if settings.API_DOCS_PUBLIC:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


DOCS_VIEW_OPTIONS = {
    "permission_classes": [DocsPermission],
    "authentication_classes": [SessionAuthentication, JWTAuthentication],
}
