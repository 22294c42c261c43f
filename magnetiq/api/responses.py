"""Small helpers for views that want a message in the envelope."""

from rest_framework import status as http_status
from rest_framework.response import Response


def ok(data=None, message: str = "OK", status: int = http_status.HTTP_200_OK, headers=None) -> Response:
    """A success ``Response`` whose envelope carries ``message``."""
    response = Response(data, status=status, headers=headers)
    response.message = message
    return response


def created(data=None, message: str = "Created") -> Response:
    return ok(data, message=message, status=http_status.HTTP_201_CREATED)
