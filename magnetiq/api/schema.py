"""drf-spectacular post-processing: document every response inside the envelope."""

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
    """Wrap each 2xx JSON schema in ``{success, data, message, metadata}`` and add the error responses."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["EnvelopeMetadata"] = ENVELOPE_META
    components["ErrorEnvelope"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
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
