"""Request-wide preferences of the visitor that pages and the text they format share."""

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
