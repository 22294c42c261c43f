"""Django-level 400/403/404/500 handlers: the JSON error shape under ``/api/``, templates elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .envelope import error_body, metadata


def _respond(request, status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        body = error_body(code, message)
        body["metadata"] = metadata(request)
        return JsonResponse(body, status=status)
    return render(request, f"{status}.html", status=status)


def handler400(request, exception=None):
    return _respond(request, 400, "BAD_REQUEST", _("The request could not be understood."))


def handler403(request, exception=None):
    return _respond(request, 403, "PERMISSION_DENIED", _("You are not allowed to do this."))


def handler404(request, exception=None):
    return _respond(request, 404, "NOT_FOUND", _("No endpoint or resource at this address."))


def handler500(request):
    return _respond(request, 500, "SERVER_ERROR", _("Something went wrong on our side; it has been logged."))
