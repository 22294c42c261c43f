"""The payment step of the booking pages: ``/bookings/<reference>/pay/?token=`` (``payments:pay``,
mounted by ``payments/urls.py``). Stripe.js (``STRIPE_JS_URL``: Stripe's in production, localstripe's stand-in
in development and tests) turns the card into a token in the browser; the page posts it to
``/api/v1/public/payment/confirm``, which confirms at Stripe, re-fetches and applies the result, so a
declined card shows Stripe's message (English pages; others show their own text) and a paid booking
goes to its confirmed page. A priced booking made on the booking page lands here straight away. The
page repeats the consultant, the time (in the visitor's zone), the booking steps and the cancellation
and refund rule (``bookings.policy``) next to the amount. Text
follows the page language (gettext), the amount is written by :func:`magnetiq.formatting.format_money`."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import BaseThrottle

from bookings.forms import TYPE_LABELS
from bookings.links import booking_for_page_change, format_when, manage_url
from bookings.models import BookingStatus
from bookings.policy import policy_text
from magnetiq.exceptions import ApplicationError
from magnetiq.formatting import format_money
from magnetiq.translation import DEFAULT_LANGUAGE, request_language
from payments.csp import csp_allow_stripe_js
from payments.services import payment_create_for_booking, payment_restart_with_discount


@require_http_methods(["GET", "POST"])
@csp_allow_stripe_js
def pay(request, reference: str):
    """Show the card form for a held, priced booking; anything else goes to the booking page.

    A POST with ``coupon_code`` applies a discount code before paying
    (:func:`payments.services.payment_restart_with_discount`): the page opens again with the new
    amount, or with the code's precise refusal as a message."""
    booking, token = booking_for_page_change(request, reference)
    lang = request_language(request)
    if booking.status != BookingStatus.PENDING_PAYMENT or not booking.is_active:
        return redirect(manage_url(booking))
    if request.method == "POST":
        try:
            booking = payment_restart_with_discount(
                booking=booking,
                coupon_code=request.POST.get("coupon_code", "")[:50],
                context={"ip": BaseThrottle().get_ident(request) or ""},
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your discount code was applied."))
            if booking.status == BookingStatus.CONFIRMED:
                return redirect(manage_url(booking))
        return redirect(request.get_full_path())
    try:
        payment = payment_create_for_booking(booking=booking)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(manage_url(booking))
    amount = format_money(payment.amount, payment.currency)
    return render(
        request,
        "payments/pay.html",
        {
            "booking": booking,
            "token": token,
            "heading": _("Pay for your consultation"),
            "amount": amount,
            "discount": format_money(booking.discount_amount, booking.payment_currency)
            if booking.discount_amount
            else "",
            "list_price": format_money(booking.list_amount, booking.payment_currency),
            "your_time": format_when(booking.start, booking.timezone),
            "type_label": TYPE_LABELS.get(booking.booking_type, booking.get_booking_type_display()),
            "policy_text": policy_text(),
            "pay_label": _("Pay %(amount)s") % {"amount": amount},
            "hold_text": _("This time is held for you until %(until)s; pay before then to keep it.")
            % {"until": format_when(booking.hold_expires_at, booking.timezone)},
            "hold_expires_at": booking.hold_expires_at.isoformat(),
            "stripe_js_url": settings.STRIPE_JS_URL,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "confirm_url": reverse("api:payment-confirm"),
            "done_url": manage_url(booking),
            # Stripe words its decline reasons in English: shown as they are on English pages only.
            "provider_messages": lang == DEFAULT_LANGUAGE,
        },
    )
