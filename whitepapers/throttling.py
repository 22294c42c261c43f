"""The download request's own throttle: tighter than the general public one, against form bots."""

from rest_framework.throttling import AnonRateThrottle

from . import conf


class WhitepaperDownloadThrottle(AnonRateThrottle):
    """Per IP, ``WHITEPAPER_DOWNLOAD_THROTTLE`` (default 10/min), for the API and the landing page form.

    The rate is read on every request (not from ``REST_FRAMEWORK``), so settings overrides apply.
    """

    scope = "whitepaper_download"

    def get_rate(self):
        return conf.download_throttle_rate()

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
