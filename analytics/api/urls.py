"""``/api/v1`` routes of the analytics app (paths of spec/endpoints.txt, no trailing slash).

Mounted before ``consultants.api.urls`` (``magnetiq/api_urls.py``): the consultant statistics live
under ``admin/consultants/`` beside that app's ``admin/consultants/<id>`` routes. The fixed words
(``statistics``, ``performance``, …) never match ``<id:pk>`` (digits only), and no consultants
route ends in ``/analytics`` or ``/statistics``, so the order only makes the intent explicit.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("admin/analytics", views.OverviewView.as_view(), name="admin-analytics"),
    path("admin/analytics/bookings", views.BookingsView.as_view(), name="admin-analytics-bookings"),
    path("admin/analytics/revenue", views.RevenueView.as_view(), name="admin-analytics-revenue"),
    path("admin/analytics/conversion", views.ConversionView.as_view(), name="admin-analytics-conversion"),
    path("admin/analytics/user-behavior", views.UserBehaviorView.as_view(), name="admin-analytics-user-behavior"),
    path(
        "admin/consultants/statistics",
        views.ConsultantsStatisticsView.as_view(),
        name="admin-consultants-statistics",
    ),
    path("admin/consultants/performance", views.PerformanceView.as_view(), name="admin-consultants-performance"),
    path("admin/consultants/retention", views.RetentionView.as_view(), name="admin-consultants-retention"),
    path("admin/consultants/engagement", views.EngagementView.as_view(), name="admin-consultants-engagement"),
    path(
        "admin/consultants/<id:pk>/analytics",
        views.ConsultantAnalyticsView.as_view(),
        name="admin-consultant-analytics",
    ),
    path(
        "admin/consultants/<id:pk>/statistics",
        views.ConsultantStatisticsView.as_view(),
        name="admin-consultant-statistics",
    ),
]
