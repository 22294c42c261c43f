"""Site-wide page endpoints that belong to no app: the visitor's clock preference."""

from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from magnetiq.formatting import CLOCKS, TIME_FORMAT_COOKIE, parse_clock

#: A year, in seconds: the choice outlives the session like the language does.
TIME_FORMAT_COOKIE_AGE = 365 * 24 * 60 * 60


@require_POST
def set_time_format(request):
    """``POST /time-format/`` with ``time_format`` (``12h`` or ``24h``) and ``next`` (a path on this
    site): set the ``time_format`` cookie for a year and go back to ``next`` (else the referring page
    on this site, else ``/``). Any other ``time_format`` is a 400 naming the choices."""
    clock = parse_clock(request.POST.get("time_format"))
    if clock is None:
        return HttpResponseBadRequest(
            _("Choose the time format %(choices)s.") % {"choices": " / ".join(CLOCKS)},
            content_type="text/plain; charset=utf-8",
        )
    target = "/"
    for candidate in (request.POST.get("next"), request.headers.get("referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = candidate
            break
    response = HttpResponseRedirect(target)
    response.set_cookie(TIME_FORMAT_COOKIE, clock, max_age=TIME_FORMAT_COOKIE_AGE, samesite="Lax")
    return response
