from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # Connects the receivers of bookings.signals that send e-mails, make meetings and record leads.
        from . import (
            notifications,  # noqa: F401
            public_pages,
            receivers,  # noqa: F401 - erases a client's contact data when their lead is erased
        )

        # The directory's free slots and the page cache's invalidation (bookings/public_pages.py).
        public_pages.connect()
