"""Pages and endpoints a recipient reaches from a campaign e-mail (no login: the signed token in the
address is the authority).

* ``/email/unsubscribe/<token>`` — RFC 8058 one-click: a mail client POSTs
  ``List-Unsubscribe=One-Click`` (``application/x-www-form-urlencoded`` or ``multipart/form-data``,
  no cookies, no CSRF token) and gets 200 at once; a person who opens it (GET) sees the
  preference page.
* ``/email/preferences/<token>/`` (``/de/…`` in German) — GET shows whether the address gets our
  e-mails, POST saves the choice (a plain form, no JavaScript).
* ``/email/o/<token>.gif`` — the open pixel; ``/email/c/<token>`` — a tracked link (302 to an
  address of the template only).
"""

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from leads.selectors import is_contactable

from . import links, services
from .exceptions import InvalidTrackingLink
from .models import CampaignSend


def _or_404(call, **kwargs):
    """Run a service for a recipient-facing page; a link that does not verify is the site's 404."""
    try:
        return call(**kwargs)
    except InvalidTrackingLink as error:
        raise Http404(error.message) from error


#: A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def one_click_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """POST with ``List-Unsubscribe=One-Click`` → the address is on the do-not-contact list, 200
    (RFC 8058 section 3.1; exempt from CSRF because the mail client has no token and no cookie —
    the signed token in the path authorises it, and unsubscribing is all it can do). A POST without
    that body is 400. GET → the preference page (links in the message and old mail clients)."""
    if request.method == "GET":
        _or_404(links.unsubscribe_send_id, token=token)
        return redirect(reverse("communications:preferences", args=[token]))
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponseBadRequest(_("Expected List-Unsubscribe=One-Click."), content_type="text/plain")
    _or_404(services.unsubscribe_recipient, token=token, source="one_click")
    return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The preference page: one checkbox, "send me e-mails about news, events and offers"."""
    send_id = _or_404(links.unsubscribe_send_id, token=token)
    email = CampaignSend.objects.filter(pk=send_id).values_list("email", flat=True).first()
    saved = False
    if request.method == "POST":
        services.preferences_save(token=token, subscribed=request.POST.get("subscribed") == "on")
        saved = True
    return render(
        request,
        "communications/preferences.html",
        {
            "email": email,
            "subscribed": bool(email) and is_contactable(email),
            "saved": saved,
            "token": token,
        },
    )


@never_cache
@require_http_methods(["GET"])
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """Record the open (tracked campaigns only) and answer the 1×1 GIF; a bad token gets the GIF
    too, so a mail program never shows a broken image."""
    services.send_record_open(token=token)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_http_methods(["GET"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    """302 to the template's link named by the token (404 for a bad or foreign token)."""
    return HttpResponseRedirect(_or_404(services.send_record_click, token=token))
