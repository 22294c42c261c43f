"""One exception handler for the whole API: every error leaves in the same shape.

Maps DRF exceptions, Django's ``ValidationError``/``Http404``/``PermissionDenied``,
``IntegrityError`` (a constraint that lost a race → 409) and :class:`ApplicationError` to
``{"success": false, "error": {"code", "message", "details"}}`` with one meaning per status
code, so a client can act on the status alone: 400 broken rule, 401 no or bad token, 403 not
allowed, 404 absent, 409 conflict, 422 field validation, 429 throttled (with ``Retry-After``).
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.utils import OperationalError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions as drf
from rest_framework.response import Response

from magnetiq.exceptions import ApplicationError, RateLimited

from .envelope import error_body

logger = logging.getLogger(__name__)

_DRF_CODES = {
    drf.NotAuthenticated: ("NOT_AUTHENTICATED", 401),
    drf.AuthenticationFailed: ("AUTHENTICATION_FAILED", 401),
    drf.PermissionDenied: ("PERMISSION_DENIED", 403),
    drf.NotFound: ("NOT_FOUND", 404),
    drf.MethodNotAllowed: ("METHOD_NOT_ALLOWED", 405),
    drf.NotAcceptable: ("NOT_ACCEPTABLE", 406),
    drf.UnsupportedMediaType: ("UNSUPPORTED_MEDIA_TYPE", 415),
    drf.Throttled: ("RATE_LIMITED", 429),
    drf.ParseError: ("PARSE_ERROR", 400),
}


def flatten_errors(detail, field: str | None = None) -> list[dict]:
    """Turn DRF's nested error detail into ``[{"field", "message", "code"}]``.

    Nested fields are joined with dots (``"content.en.3"``); non-field errors have ``field: null``.
    """
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else (f"{field}.{key}" if field else str(key))
            out.extend(flatten_errors(value, name if name is not None else field))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list) and not isinstance(item, drf.ErrorDetail):
                out.extend(flatten_errors(item, f"{field}.{index}" if field else str(index)))
            else:
                out.extend(flatten_errors(item, field))
    else:
        out.append({"field": field, "message": str(detail), "code": getattr(detail, "code", "invalid")})
    return out


def exception_handler(exc, context):
    """DRF ``EXCEPTION_HANDLER``: return a ``Response`` in the error shape, or ``None`` to re-raise."""
    headers = {}
    if isinstance(exc, ApplicationError):
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.wait)
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status, headers=headers)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body("VALIDATION_ERROR", gettext("The input is not valid."), flatten_errors(detail)), status=422
        )
    elif isinstance(exc, IntegrityError):
        logger.info("Integrity error turned into 409: %s", exc)
        return Response(error_body("CONFLICT", gettext("The request conflicts with existing data.")), status=409)
    elif isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return Response(
            error_body("BUSY", gettext("The resource is busy, please retry in a moment.")),
            status=503,
            headers={"Retry-After": "1"},
        )

    if isinstance(exc, drf.ValidationError):
        return Response(
            error_body("VALIDATION_ERROR", gettext("The input is not valid."), flatten_errors(exc.detail)), status=422
        )
    if not isinstance(exc, drf.APIException):
        return None

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait) + (0 if float(exc.wait).is_integer() else 1))
    code, status = _DRF_CODES.get(type(exc), (None, exc.status_code))
    if code is None:
        for klass, (klass_code, klass_status) in _DRF_CODES.items():
            if isinstance(exc, klass):
                code, status = klass_code, klass_status
                break
        else:
            code = str(getattr(exc, "default_code", "error")).upper()
    detail = exc.detail
    if isinstance(detail, dict | list):
        message = gettext("The request could not be completed.")
        details = flatten_errors(detail)
    else:
        message = str(detail)
        details = []
    return Response(error_body(code, message, details), status=status, headers=headers)
