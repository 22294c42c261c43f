"""The fraud controls' staff endpoints, under ``/api/v1/admin/coupons/`` (spec 000 "Coupon
Management", fraud and security), no trailing slash. Mounted before the coupons app's URLs, whose
``admin/coupons/<id>`` would not match these words anyway."""

from django.urls import path, re_path

from . import views

app_name = "fraud"

PREFIX = "admin/coupons"

urlpatterns = [
    path(f"{PREFIX}/fraud-detection", views.FraudDetectionView.as_view(), name="fraud-detection"),
    path(f"{PREFIX}/fraud/flag-user", views.FlagUserView.as_view(), name="flag-user"),
    path(f"{PREFIX}/fraud/reports", views.FraudReportView.as_view(), name="reports"),
    path(f"{PREFIX}/fraud/whitelist", views.WhitelistView.as_view(), name="whitelist"),
    path(f"{PREFIX}/fraud/whitelist/<id:user_id>", views.WhitelistDetailView.as_view(), name="whitelist-detail"),
    path(f"{PREFIX}/security/rate-limits", views.RateLimitsView.as_view(), name="rate-limits"),
    path(f"{PREFIX}/security/reset-user", views.ResetUserView.as_view(), name="reset-user"),
    path(f"{PREFIX}/security/blocked-ips", views.BlockedIPListView.as_view(), name="blocked-ips"),
    path(f"{PREFIX}/security/block-ip", views.BlockIPView.as_view(), name="block-ip"),
    # An address (IPv6 has colons) or a CIDR network (a slash): everything after block-ip/.
    re_path(rf"^{PREFIX}/security/block-ip/(?P<ip>[^?#]+)$", views.UnblockIPView.as_view(), name="unblock-ip"),
]
