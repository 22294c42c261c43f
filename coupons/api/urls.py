"""``/api/v1`` routes of the coupons app (paths of spec/endpoints.txt, no trailing slash). The fraud
app's ``/admin/coupons/fraud…`` and ``/admin/coupons/security…`` are mounted before these."""

from django.urls import path

from . import views

urlpatterns = [
    path("public/coupons/validate", views.ValidateView.as_view(), name="public-coupon-validate"),
    path("public/coupons/apply", views.ApplyView.as_view(), name="public-coupon-apply"),
    path("public/coupons/<str:code>/info", views.InfoView.as_view(), name="public-coupon-info"),
    path("admin/coupons", views.CouponListView.as_view(), name="admin-coupons"),
    path("admin/coupons/bulk", views.BulkView.as_view(), name="admin-coupons-bulk"),
    path("admin/coupons/usage", views.UsageListView.as_view(), name="admin-coupons-usage"),
    path("admin/coupons/analytics/summary", views.SummaryView.as_view(), name="admin-coupons-summary"),
    path("admin/coupons/campaigns", views.CampaignListView.as_view(), name="admin-coupon-campaigns"),
    path(
        "admin/coupons/campaigns/<id:pk>/performance",
        views.CampaignPerformanceView.as_view(),
        name="admin-coupon-campaign-performance",
    ),
    path("admin/coupons/<id:pk>", views.CouponDetailView.as_view(), name="admin-coupon"),
    path("admin/coupons/<id:pk>/activate", views.ActivateView.as_view(), name="admin-coupon-activate"),
    path("admin/coupons/<id:pk>/deactivate", views.DeactivateView.as_view(), name="admin-coupon-deactivate"),
    path("admin/coupons/<id:pk>/usage", views.CouponUsageListView.as_view(), name="admin-coupon-usage"),
    path("admin/coupons/<id:pk>/analytics", views.CouponAnalyticsView.as_view(), name="admin-coupon-analytics"),
]
