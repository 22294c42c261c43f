from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        from consultants.profile_sections import register_profile_section

        from . import receivers  # noqa: F401 - connects the lead_erased receiver
        from .views import testimonials_section

        # The consultant's profile page (consultants, a lower layer) shows the approved reviews
        # through its section registry, without importing this app.
        register_profile_section("reviews.testimonials", testimonials_section)
