"""Prometheus metrics at ``/metrics`` for staff and for the scraper (django-prometheus).

Production counts every request (``django_http_requests_total_by_view_transport_method``, latency
histograms, responses by status) with django-prometheus' middleware; the process and Python
collectors of prometheus-client come along. Under gunicorn each worker is its own process, so
``deploy/gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` and this view sums every worker's
figures (prometheus-client's multiprocess mode).

Who may read them: a signed-in staff user (session), or a request with
``Authorization: Bearer <METRICS_TOKEN>`` when that setting is non-empty (Prometheus'
``authorization`` scrape option). Anyone else gets a 404, so the URL does not advertise itself.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView


def _may_read(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition format (``text/plain; version=0.0.4``). 404 unless
    :func:`_may_read`."""
    if not _may_read(request):
        raise Http404
    return ExportToDjangoView(request)
