"""Django-level 404/500 handlers: JSON envelope under ``/api/``, templates elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render

from .envelope import error_body, metadata


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        body = error_body("NOT_FOUND", "No endpoint or resource at this address.")
        body["metadata"] = metadata(request)
        return JsonResponse(body, status=404)
    return render(request, "404.html", status=404)


def handler500(request):
    if _is_api(request):
        body = error_body("SERVER_ERROR", "Something went wrong on our side; it has been logged.")
        body["metadata"] = metadata(request)
        return JsonResponse(body, status=500)
    return render(request, "500.html", status=500)


def handler403(request, exception=None):
    if _is_api(request):
        body = error_body("PERMISSION_DENIED", "You are not allowed to do this.")
        body["metadata"] = metadata(request)
        return JsonResponse(body, status=403)
    return render(request, "403.html", status=403)


def handler400(request, exception=None):
    if _is_api(request):
        body = error_body("BAD_REQUEST", "The request could not be understood.")
        body["metadata"] = metadata(request)
        return JsonResponse(body, status=400)
    return render(request, "400.html", status=400)
