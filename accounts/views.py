"""The page behind the links of password reset and invitation e-mails
(``PASSWORD_RESET_URL``, default ``/accounts/reset-password/<uid>/<token>/``)."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views import View

from accounts import services
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
        except services.InvalidResetLink:
            return render(request, TEMPLATE, {"invalid": True}, status=400)
        except ValidationError as exc:
            form.add_error("new_password1", exc.message_dict.get("new_password", exc.messages))
            return render(request, TEMPLATE, {"form": form}, status=422)
        return render(request, TEMPLATE, {"done": True, "email": user.email})
