"""The fraud controls' staff endpoints, under ``/api/v1/admin/coupons/`` (spec 000 "Coupon
Management", fraud and security). Mounted before the coupons app's URLs."""

app_name = "fraud"

urlpatterns: list = []
