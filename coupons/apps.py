from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "coupons"

    def ready(self) -> None:
        from bookings.discounts import register_provider

        from . import receivers  # noqa: F401 - connects the bookings signal receivers
        from .services import CouponDiscountProvider

        register_provider(CouponDiscountProvider())
