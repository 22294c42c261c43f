"""Page-number pagination inside the API's response envelope (``magnetiq.api.envelope``).

``data`` = ``{"<resources>": [...], "pagination": {"page", "limit", "total", "pages"}}``, with the
query parameters ``page`` (from 1) and ``limit`` (1–100, default 20). The list key is the view's
``resource_name`` or, failing that, the model's ``verbose_name_plural`` in snake case.
"""

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class PagePagination(PageNumberPagination):
    page_query_param = "page"
    page_size_query_param = "limit"
    page_size = 20
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.resource_name = resource_name_for(view, queryset)
        for param in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(param)
            if raw is not None and (not raw.isdigit() or int(raw) < 1):
                raise serializers.ValidationError({param: [_("Must be a positive whole number.")]})
        limit = request.query_params.get(self.page_size_query_param)
        if limit is not None and int(limit) > self.max_page_size:
            raise serializers.ValidationError({"limit": [_("At most %(max)s.") % {"max": self.max_page_size}]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise NotFound(_("That page does not exist.")) from None

    def get_paginated_response(self, data):
        page = self.page
        limit = page.paginator.per_page
        total = page.paginator.count
        return Response(
            {
                self.resource_name: data,
                "pagination": {
                    "page": page.number,
                    "limit": limit,
                    "total": total,
                    "pages": max(1, math.ceil(total / limit)) if limit else 1,
                },
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["pagination"],
            "properties": {
                "items": schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        "page": {"type": "integer", "example": 1},
                        "limit": {"type": "integer", "example": 20},
                        "total": {"type": "integer", "example": 42},
                        "pages": {"type": "integer", "example": 3},
                    },
                },
            },
        }


def resource_name_for(view, queryset) -> str:
    name = getattr(view, "resource_name", None)
    if name:
        return name
    model = getattr(queryset, "model", None)
    if model is not None:
        return str(model._meta.verbose_name_plural).replace(" ", "_").lower()
    return "items"
