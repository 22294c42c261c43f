"""Account pages: the page behind the links of password reset and invitation e-mails
(``PASSWORD_RESET_URL``, default ``/accounts/reset-password/<uid>/<token>/``), and the admin's
login, which hands a right password to allauth's login flow so the MFA step cannot be skipped."""

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views import View

from accounts import services
from accounts.exceptions import InvalidResetLink
from accounts.forms import SetPasswordForm
from accounts.models import User

TEMPLATE = "accounts/reset_password.html"


def _link_is_valid(uidb64: str, token: str) -> bool:
    """Check the link without using it up, so the form is only shown for a working link."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return False
    user = User.objects.alive().filter(pk=pk, is_active=True).first()
    return user is not None and default_token_generator.check_token(user, token)


class ResetPasswordPageView(View):
    """GET: the form (or "link invalid", status 400); POST: set the password through
    ``accounts.services.user_reset_password`` and confirm, or show the form's errors."""

    def get(self, request, uidb64: str, token: str):
        if not _link_is_valid(uidb64, token):
            return render(request, TEMPLATE, {"invalid": True}, status=400)
        return render(request, TEMPLATE, {"form": SetPasswordForm()})

    def post(self, request, uidb64: str, token: str):
        form = SetPasswordForm(request.POST)
        if not form.is_valid():
            return render(request, TEMPLATE, {"form": form}, status=422)
        try:
            user = services.user_reset_password(
                uid=uidb64, token=token, new_password=form.cleaned_data["new_password1"]
            )
        except InvalidResetLink:
            return render(request, TEMPLATE, {"invalid": True}, status=400)
        except ValidationError as exc:
            form.add_error("new_password1", exc.message_dict.get("new_password", exc.messages))
            return render(request, TEMPLATE, {"form": form}, status=422)
        return render(request, TEMPLATE, {"done": True, "email": user.email})


class StaffAdminLoginView(LoginView):
    """Django's admin login form (so django-axes still counts and locks out failures on
    ``/admin/login/``), but a right password does not log the session in: it enters allauth's login
    flow, whose MFA stage asks a user with TOTP for the code at ``/accounts/2fa/authenticate/``
    (throttled by allauth per user) and then redirects to ``next``. Users without TOTP are logged
    in at once; an enforced role is then sent to enrol by :class:`accounts.middleware.StaffMFAMiddleware`.
    """

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def form_valid(self, form):
        user = form.get_user()
        # Recorded as allauth's password login does, and as a reauthentication: the password was
        # given this instant, so enrolling the second factor the middleware sends an enforced role to
        # does not ask for it again (allauth's REAUTHENTICATION_TIMEOUT still applies afterwards).
        record_authentication(self.request, user, method="password", email=user.email, reauthenticated=True)
        return perform_login(self.request, user, redirect_url=self.get_success_url(), email=user.email)


def admin_login(request, extra_context=None):
    """Replaces ``admin.site.login`` (``magnetiq/urls.py``): the context of ``AdminSite.login``
    with :class:`StaffAdminLoginView` in place of Django's ``LoginView``."""
    site = admin.site
    if request.method == "GET" and site.has_permission(request):
        return HttpResponseRedirect(reverse("admin:index", current_app=site.name))
    context = {
        **site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    context.update(extra_context or {})
    request.current_app = site.name
    return StaffAdminLoginView.as_view(extra_context=context)(request)
