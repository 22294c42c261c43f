"""The lead list's filters, shared by ``GET /admin/leads`` and the bulk export's ``filters``."""

import django_filters

from leads.models import Lead, OdooStatus
from magnetiq.api.filters import DateFilter, FilterSet, IntegerFilter


class LeadFilter(FilterSet):
    """``min_score``/``max_score`` (inclusive), ``qualified``, ``source``, ``created_from``/
    ``created_to`` (dates, inclusive, UTC), ``search`` (e-mail, names, company), ``odoo_status``
    and ``ordering`` (``score``, ``created_at``, ``last_activity_at``; ``-`` for descending)."""

    min_score = IntegerFilter(field_name="score", lookup_expr="gte")
    max_score = IntegerFilter(field_name="score", lookup_expr="lte")
    qualified = django_filters.BooleanFilter(field_name="is_qualified")
    source = django_filters.CharFilter(field_name="source", max_length=50)
    created_from = DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_to = DateFilter(field_name="created_at", lookup_expr="date__lte")
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    odoo_status = django_filters.ChoiceFilter(choices=OdooStatus.choices)
    ordering = django_filters.OrderingFilter(fields=["score", "created_at", "last_activity_at"])

    class Meta:
        model = Lead
        fields: list = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
