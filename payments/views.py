"""Webhook endpoints: plain Django views, ``csrf_exempt`` (the provider cannot send a CSRF token;
the signature is the authentication). They are the only csrf-exempt views of the project.

Each view verifies the notification (400 on any doubt, nothing stored), stores it in the inbox by
its event id (a duplicate is answered 200 and nothing else happens) and answers at once; the event
is applied by a task (:mod:`payments.services.webhooks`). A locked database while storing answers
503 so the provider retries; an event whose processing failed is recorded ``failed`` by the task
(with no partial change) and the provider's next delivery of the same id processes it again.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers

from magnetiq.api.parsers import json_loads
from magnetiq.api.schema import plain_view_schema

from . import paypal_gateway
from .exceptions import PaymentError, WebhookSignatureInvalid
from .models import Provider, WebhookStatus
from .services.webhooks import webhook_receive
from .stripe_gateway import get_gateway

logger = logging.getLogger(__name__)


_ANSWER = inline_serializer(
    "WebhookAnswer",
    {
        "status": serializers.ChoiceField(choices=["success", "error"]),
        "message": serializers.CharField(),
        "event_id": serializers.CharField(required=False, help_text="The provider's event id (on 200)."),
    },
)
_RESPONSES = {
    200: OpenApiResponse(_ANSWER, description="Stored (or a duplicate of a stored event): no retry needed."),
    400: OpenApiResponse(_ANSWER, description="Not verified or not an event: nothing stored."),
    503: OpenApiResponse(_ANSWER, description="Busy or the provider unreachable: the provider retries."),
}
_WEBHOOK_SCHEMA = {
    "tags": ["webhooks"],
    "auth": [],
    "request": {"application/json": OpenApiTypes.OBJECT},
    "responses": _RESPONSES,
}


def _header(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description=description)


def _answer(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"status": "success" if status < 400 else "error", "message": message, **extra}, status=status)


def _store(*, provider: str, event_id: str, type_: str, payload: dict, object_id: str = "", created=None):
    try:
        event, created_now = webhook_receive(
            provider=provider,
            event_id=event_id,
            type=type_,
            payload=payload,
            object_id=object_id,
            event_created_at=created,
        )
    except OperationalError:
        logger.warning("Database busy while storing %s event %s; asking for a retry", provider, event_id)
        return _answer(503, "Busy, please retry.")
    if not created_now and event.status in (WebhookStatus.PROCESSED, WebhookStatus.IGNORED):
        return _answer(200, f"Duplicate {type_} event ignored.", event_id=event_id)
    if not created_now:
        return _answer(200, f"Retrying {type_} event", event_id=event_id)
    return _answer(200, f"Processed {type_} event", event_id=event_id)


@plain_view_schema("POST")
@extend_schema(
    summary="Stripe webhook",
    description=(
        "A Stripe event, verified by `Stripe-Signature` over the raw body with the endpoint secret "
        "(tolerance 300 s), stored once by event id and applied in the background. Answers in its own "
        "shape `{status, message, event_id}`, not the API envelope."
    ),
    parameters=[_header("Stripe-Signature", "`t=<unix time>,v1=<HMAC-SHA256 hex>` as Stripe sends it.")],
    **_WEBHOOK_SCHEMA,
)
@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """``POST /api/v1/public/payment/webhooks/stripe`` and ``/api/v1/webhooks/stripe`` (spec 000, 004).

    Verifies ``Stripe-Signature`` over the raw body with ``STRIPE_WEBHOOK_SECRET`` (tolerance 300 s):
    missing, wrong or stale → 400. Answers ``{"status": "success", "message": "Processed <type> event"}``.
    """
    try:
        event = get_gateway().construct_event(request.body, request.headers.get("Stripe-Signature"))
    except WebhookSignatureInvalid as exc:
        return _answer(400, exc.message)
    except PaymentError as exc:
        return _answer(exc.status, exc.message)
    return _store(
        provider=Provider.STRIPE,
        event_id=event.id,
        type_=event.type,
        payload=event.payload,
        object_id=event.object_id,
        created=event.created,
    )


@plain_view_schema("POST")
@extend_schema(
    summary="PayPal webhook",
    description=(
        "A PayPal event (an object with `id`), verified through PayPal's verify-webhook-signature API "
        "with the transmission headers, stored once by event id. 503 when PayPal cannot be asked."
    ),
    parameters=[
        _header("PAYPAL-TRANSMISSION-ID", "The delivery's id."),
        _header("PAYPAL-TRANSMISSION-TIME", "When PayPal sent it (ISO 8601)."),
        _header("PAYPAL-TRANSMISSION-SIG", "PayPal's signature over id, time, webhook id and body CRC."),
        _header("PAYPAL-CERT-URL", "Where PayPal's signing certificate is."),
        _header("PAYPAL-AUTH-ALGO", "The signature algorithm, e.g. SHA256withRSA."),
    ],
    **_WEBHOOK_SCHEMA,
)
@csrf_exempt
@require_POST
def paypal_webhook(request: HttpRequest) -> JsonResponse:
    """``POST /api/v1/public/payment/webhooks/paypal``: verified by PayPal's verify-webhook-signature
    API (400 when PayPal says no or headers are missing, 503 when PayPal is unreachable)."""
    try:
        payload = json_loads(request.body)
        if not isinstance(payload, dict) or not payload.get("id"):
            raise ValueError
    except ValueError:
        return _answer(400, "The body is not a PayPal event.")
    try:
        paypal_gateway.verify_webhook(headers=dict(request.headers), event=payload)
    except PaymentError as exc:
        return _answer(exc.status, exc.message)
    except WebhookSignatureInvalid as exc:
        return _answer(400, exc.message)
    resource = payload.get("resource") or {}
    return _store(
        provider=Provider.PAYPAL,
        event_id=str(payload["id"]),
        type_=str(payload.get("event_type", "unknown")),
        payload=payload,
        object_id=str(resource.get("id", "")) if isinstance(resource, dict) else "",
    )


@plain_view_schema("POST")
@extend_schema(
    summary="Brevo webhook",
    description=(
        "A Brevo e-mail event (a JSON object), authenticated by the shared secret "
        "`BREVO_WEBHOOK_SECRET` in `X-Brevo-Secret` or the `secret` query parameter; stored once."
    ),
    parameters=[
        OpenApiParameter("X-Brevo-Secret", OpenApiTypes.STR, OpenApiParameter.HEADER, description="The shared secret."),
        OpenApiParameter(
            "secret", OpenApiTypes.STR, OpenApiParameter.QUERY, description="The shared secret, if not in the header."
        ),
    ],
    **_WEBHOOK_SCHEMA,
)
@csrf_exempt
@require_POST
def brevo_webhook(request: HttpRequest) -> JsonResponse:
    """``POST /api/v1/public/payment/webhooks/brevo``: the shared secret ``BREVO_WEBHOOK_SECRET`` in the
    ``X-Brevo-Secret`` header or the ``secret`` query parameter (constant-time compare; 400 otherwise)."""
    secret = settings.BREVO_WEBHOOK_SECRET
    given = request.headers.get("X-Brevo-Secret") or request.GET.get("secret") or ""
    if not secret or not constant_time_compare(given, secret):
        return _answer(400, "The webhook secret is missing or wrong.")
    try:
        payload = json_loads(request.body)
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return _answer(400, "The body is not a JSON object.")
    # Brevo events carry no single id: use theirs when present, else the body's hash (a resend of
    # the same notification is then a duplicate).
    event_id = str(payload.get("id") or payload.get("message-id") or hashlib.sha256(request.body).hexdigest())
    return _store(
        provider=Provider.BREVO,
        event_id=f"{event_id}:{payload.get('event', '')}",
        type_=str(payload.get("event", "unknown")),
        payload=payload,
        object_id=str(payload.get("message-id", ""))[:255],
    )
