"""drf-spectacular customisation: plain Django views in the schema, every response in the envelope."""

from django.urls import URLPattern
from drf_spectacular import generators
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

PLAIN_VIEW_EXTENSION = "x-envelope"
"""Operation extension set to ``false`` on plain Django views: their answers are not enveloped."""


def plain_view_schema(*methods: str):
    """Put a plain Django view (a webhook receiver) into the OpenAPI schema.

    drf-spectacular only documents DRF views. This decorator, applied on top of ``@extend_schema``,
    gives the view a DRF twin (``schema_view``) that :class:`SchemaGenerator` documents in its place
    for ``methods`` (``"POST"``, …), with no authentication and the ``x-envelope: false`` extension
    (the view answers in its own shape). The URLconf keeps serving the plain view unchanged.
    """

    def decorator(view):
        annotated = getattr(view, "kwargs", {}).get("schema")
        if annotated is None:
            raise TypeError(f"{view.__qualname__}: put @plain_view_schema above @extend_schema.")

        class PlainViewSchema(annotated):
            def get_extensions(self):
                return {**super().get_extensions(), PLAIN_VIEW_EXTENSION: False}

        def handler(self, request, *args, **kwargs):
            return view(request._request, *args, **kwargs)

        handler.kwargs = {"schema": PlainViewSchema}
        attrs = {
            "__doc__": view.__doc__,
            "__module__": view.__module__,
            "authentication_classes": [],
            "permission_classes": [AllowAny],
            "http_method_names": [*(method.lower() for method in methods), "options"],
            **{method.lower(): handler for method in methods},
        }
        twin = type(f"{view.__name__}_schema", (APIView,), attrs)
        view.schema_view = twin.as_view()
        return view

    return decorator


class EndpointEnumerator(generators.EndpointEnumerator):
    """drf-spectacular's enumerator, seeing a plain view's ``schema_view`` twin in its place."""

    def _get_api_endpoints(self, patterns, prefix):
        if patterns is None:
            patterns = self.patterns
        patterns = [
            URLPattern(entry.pattern, entry.callback.schema_view, entry.default_args, entry.name)
            if isinstance(entry, URLPattern) and hasattr(entry.callback, "schema_view")
            else entry
            for entry in patterns
        ]
        return super()._get_api_endpoints(patterns, prefix)


class SchemaGenerator(generators.SchemaGenerator):
    """``SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"]``: documents plain views marked with
    :func:`plain_view_schema` besides the DRF views."""

    endpoint_inspector_cls = EndpointEnumerator


ENVELOPE_META = {
    "type": "object",
    "properties": {
        "timestamp": {"type": "string", "format": "date-time"},
        "request_id": {"type": "string"},
        "version": {"type": "string", "example": "v1"},
        "execution_time_ms": {"type": "number"},
    },
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean", "example": False},
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "VALIDATION_ERROR"},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string", "nullable": True},
                            "message": {"type": "string"},
                            "code": {"type": "string"},
                        },
                    },
                },
            },
        },
        "metadata": {"$ref": "#/components/schemas/EnvelopeMetadata"},
    },
}
ERROR_STATUSES = {
    "400": "Broken business rule",
    "401": "Missing or invalid token",
    "403": "Not allowed",
    "404": "Absent or deleted",
    "409": "Conflict",
    "422": "Field validation failed",
    "429": "Throttled (see Retry-After)",
}


def wrap_in_envelope(result, generator, request, public):
    """Wrap each 2xx JSON schema in ``{success, data, message, metadata}`` and add the error responses;
    operations marked ``x-envelope: false`` (plain views) keep the responses they declare."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["EnvelopeMetadata"] = ENVELOPE_META
    components["ErrorEnvelope"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if operation.get(PLAIN_VIEW_EXTENSION) is False:
                continue
            for status, response in list(responses.items()):
                content = response.get("content", {})
                json_content = content.get("application/json")
                if status.startswith("2") and json_content is not None:
                    inner = json_content.get("schema", {})
                    json_content["schema"] = {
                        "type": "object",
                        "properties": {
                            "success": {"type": "boolean", "example": True},
                            "data": inner,
                            "message": {"type": "string"},
                            "metadata": {"$ref": "#/components/schemas/EnvelopeMetadata"},
                        },
                    }
            for status, description in ERROR_STATUSES.items():
                if status in ("401", "403") and not operation.get("security"):
                    continue
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
                    },
                )
    return result
