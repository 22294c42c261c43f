"""JSON renderer that wraps every DRF response in the envelope."""

from rest_framework.renderers import JSONRenderer

from .envelope import is_enveloped, metadata

DEFAULT_MESSAGES = {
    "GET": "OK",
    "HEAD": "OK",
    "OPTIONS": "OK",
    "POST": "Created",
    "PUT": "Updated",
    "PATCH": "Updated",
    "DELETE": "Deleted",
}


class EnvelopeJSONRenderer(JSONRenderer):
    """Wrap ``response.data`` as ``{"success", "data", "message", "metadata"}``.

    A view sets the human message with ``response.message = "…"`` (see :func:`magnetiq.api.responses.ok`);
    otherwise a default per method is used. Bodies the exception handler already shaped as errors
    only get ``metadata`` added. A 204 stays empty.
    """

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        request = renderer_context.get("request")
        if response is not None and response.status_code == 204:
            return b""
        if is_enveloped(data):
            body = dict(data)
        elif response is not None and response.status_code >= 400:
            # Only reached when something bypassed the exception handler.
            body = {"success": False, "error": {"code": "error", "message": str(data), "details": []}}
        else:
            method = getattr(request, "method", "GET")
            if response is not None and response.status_code == 200 and method == "POST":
                method = "GET"  # a POST action that creates nothing (login, search, …)
            message = getattr(response, "message", None) or DEFAULT_MESSAGES.get(method, "OK")
            body = {"success": True, "data": data, "message": message}
        body["metadata"] = metadata(request)
        return super().render(body, accepted_media_type, renderer_context)
