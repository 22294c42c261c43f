"""The admin's second-factor gate (staff MFA, :mod:`accounts.mfa`).

Every request to the admin (except its login and logout pages) by a logged-in user passes here:

* a user with TOTP whose session did not complete allauth's MFA step (no ``mfa`` entry among the
  session's authentication records) is logged out and sent to the admin login: however the
  session was made, it only reaches the admin after the code;
* a user whose role must use MFA (``STAFF_MFA_REQUIRED_ROLES``) and has no TOTP yet is sent to
  allauth's TOTP set-up page, and back to the admin page afterwards.

The admin login itself (:func:`accounts.views.admin_login`) hands a right password to allauth's
login flow, which asks for the code before the session is logged in.
"""

from allauth.account.authentication import get_authentication_records
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from . import mfa


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


class StaffMFAMiddleware:
    """Runs on the admin's views only (recognised by the ``admin`` URL namespace once the URL is
    resolved, so other URLconfs, such as tests' own, need no admin)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponseRedirect | None:
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces or match.url_name in ("login", "logout"):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if mfa.mfa_enabled(user):
            if not any(record.get("method") == "mfa" for record in get_authentication_records(request, user)):
                logout(request)
                return HttpResponseRedirect(_with_next(reverse("admin:login"), request.get_full_path()))
            return None
        if mfa.mfa_required_for(user):
            return HttpResponseRedirect(_with_next(reverse("mfa_activate_totp"), request.get_full_path()))
        return None
