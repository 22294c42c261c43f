"""The download request's own throttle: tighter than the general public one, against form bots."""

from magnetiq.api.throttling import CounterRateThrottle

from . import conf


class WhitepaperDownloadThrottle(CounterRateThrottle):
    """Per IP, signed in or not, ``WHITEPAPER_DOWNLOAD_THROTTLE`` (default 10/min), for the API and
    the landing page form (which calls ``allow_request(request, None)`` itself).

    The rate is read on every request (not from ``REST_FRAMEWORK``), so settings overrides apply.
    """

    scope = "whitepaper_download"

    def get_rate(self) -> str:
        return conf.download_throttle_rate()
