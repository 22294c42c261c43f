"""Request-wide preferences of the visitor that pages and the text they format share."""

from django.utils import translation

from magnetiq.formatting import TIME_FORMAT_COOKIE, parse_clock, preferred_clock


class TimeFormatMiddleware:
    """Make the visitor's clock (the ``time_format`` cookie: ``12h`` or ``24h``) current while the
    request is handled, so ``{{ dt|clock_time }}`` and :func:`magnetiq.formatting.format_clock_time`
    follow it in templates and views alike; without the cookie (or with another value) the page
    language's clock applies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with preferred_clock(parse_clock(request.COOKIES.get(TIME_FORMAT_COOKIE))):
            return self.get_response(request)


class APILanguageMiddleware:
    """Speak the API client's language under ``/api/``: its ``Accept-Language`` (or the language
    cookie) picks one of ``LANGUAGES``, English when none fits
    (``translation.get_language_from_request``).

    ``LocaleMiddleware`` alone answers every address without a ``/de/`` prefix in ``LANGUAGE_CODE``
    because the pages keep English unprefixed; an API address has no prefix, yet its refusals and
    field errors are text a front end shows as it is. Runs just after ``LocaleMiddleware``, so the
    language covers authentication, throttling, the view, the error envelope and the rendering of
    the body; the response names it in ``Content-Language`` and varies on ``Accept-Language``
    (both from ``LocaleMiddleware``). Content fields keep their own ``?language=`` parameter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return self.get_response(request)
