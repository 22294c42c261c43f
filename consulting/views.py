"""The researcher's page behind the invitation link: ``/researchers/register/?token=…`` (English,
German under ``/de/``), sent by ``consulting.services.outreach``.

GET checks the token (``consulting.selectors.invitation_get``) and shows the form; POST registers
through ``consulting.services.researcher_register``, the same service as
``POST /api/v1/auth/register-researcher``. A forged, superseded, expired, used or declined link
shows a page that says which (400, 410 when expired), never the site's 404 or a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from magnetiq.exceptions import ApplicationError

from . import services
from .exceptions import InvitationDeclined, InvitationExpired, InvitationInvalid, InvitationUsed
from .forms import ResearcherRegistrationForm
from .selectors import invitation_get

INVITATION_ERRORS = (InvitationInvalid, InvitationExpired, InvitationUsed, InvitationDeclined)


def _invitation_problem(request, exc: ApplicationError):
    status = 410 if isinstance(exc, InvitationExpired) else 400
    return render(
        request,
        "consulting/invitation_problem.html",
        {
            "message": exc.message,
            "used": isinstance(exc, InvitationUsed),
            "expired": isinstance(exc, InvitationExpired),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def register(request):
    """``/researchers/register/``: the invited researcher's registration (see the module docstring).
    Success: a message and the sign-in page (staff review the profile before it is public)."""
    token = request.POST.get("token") if request.method == "POST" else request.GET.get("token")
    try:
        outreach = invitation_get(token)
    except INVITATION_ERRORS as exc:
        return _invitation_problem(request, exc)
    form = ResearcherRegistrationForm(
        request.POST if request.method == "POST" else None,
        initial={"token": token, "name": outreach.researcher_name},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.researcher_register(
                token=data["token"],
                password=data["password"],
                name=data["name"],
                bio=data["bio"],
                expertise=data["expertise"],
                affiliation=data["affiliation"],
                timezone_name=data["timezone"],
                rate=data["rate"],
            )
        except INVITATION_ERRORS as exc:
            return _invitation_problem(request, exc)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, texts in errors.items():
                form.add_error(field if field in form.fields else None, texts)
        except ApplicationError as exc:
            placed = False
            for detail in exc.details:
                if detail.get("field") in form.fields:
                    form.add_error(detail["field"], detail.get("message") or exc.message)
                    placed = True
            if not placed:
                form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Welcome! Your researcher profile is created; our team reviews it before it is public. "
                    "Sign in with %(email)s."
                )
                % {"email": outreach.researcher_email},
            )
            return redirect(reverse("account_login"))
    return render(
        request,
        "consulting/register.html",
        {"form": form, "outreach": outreach},
        status=422 if request.method == "POST" and form.errors else 200,
    )
