"""Payments API (spec 000 "Payment Processing", spec 004 "Payment Endpoints"). Thin: every view
calls a service of :mod:`payments.services`; visitors address their booking by reference + manage
token, spec 004 users their own session (booking) by reference with their JWT."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.access import booking_for_change
from bookings.links import manage_url
from bookings.models import ConsultationBooking
from magnetiq.api.responses import created, ok
from magnetiq.api.views import PublicAPIMixin
from payments import paypal_gateway
from payments.exceptions import PaymentMismatch, PaymentNotRequired
from payments.models import Payment
from payments.services import (
    payment_confirm_card,
    payment_confirm_paid,
    payment_create_for_booking,
    subscription_create,
)
from payments.stripe_gateway import get_gateway

from .serializers import (
    BookingRefSerializer,
    ConsultingConfirmInput,
    ConsultingIntentInput,
    ConsultingIntentOutput,
    MethodsOutput,
    PaymentConfirmInput,
    PaymentOutput,
    PaymentProcessInput,
    SetupIntentOutput,
    SubscriptionOutput,
    ValidateOutput,
)


def _visitor_booking(data) -> ConsultationBooking:
    # These endpoints take no JWT: the manage token is the only way in.
    return booking_for_change(reference=data["booking_reference"], user=None, token=data["token"])


def _payment_data(payment: Payment) -> dict:
    booking = ConsultationBooking.objects.get(pk=payment.booking_id)
    return PaymentOutput(
        {
            "payment_intent_id": payment.payment_intent_id,
            "client_secret": payment.client_secret,
            "status": payment.status,
            "amount": payment.amount,
            "currency": payment.currency,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "confirmation_url": manage_url(booking),
            "booking_status": booking.status,
            "booking_payment_status": booking.payment_status,
        }
    ).data


class PaymentProcessView(PublicAPIMixin, APIView):
    @extend_schema(request=PaymentProcessInput, responses={200: PaymentOutput}, tags=["payments"])
    def post(self, request):
        """Start paying a held booking: the PaymentIntent's ``client_secret`` and the publishable key
        (idempotent: the same PaymentIntent every time). With ``card_token``/``payment_method_id``
        the card is confirmed at once (402 ``CARD_DECLINED`` with the decline code when refused).
        409 ``PAYMENT_NOT_REQUIRED`` for a free, confirmed or expired booking."""
        serializer = PaymentProcessInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["payment_method"] == "paypal":
            raise PaymentNotRequired(
                "PayPal is not offered for bookings; pay by card.", code="PAYMENT_METHOD_UNAVAILABLE"
            )
        booking = _visitor_booking(data)
        payment = payment_create_for_booking(booking=booking)
        if data.get("card_token") or data.get("payment_method_id"):
            payment = payment_confirm_card(
                payment=payment,
                card_token=data.get("card_token", ""),
                payment_method_id=data.get("payment_method_id", ""),
            )
        return ok(_payment_data(payment), message=_("Payment started"))


class PaymentValidateView(PublicAPIMixin, APIView):
    @extend_schema(request=BookingRefSerializer, responses={200: ValidateOutput}, tags=["payments"])
    def post(self, request):
        """Whether the booking can be paid now, and for how much (409 when it cannot)."""
        serializer = BookingRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = _visitor_booking(serializer.validated_data)
        if not booking.is_active or booking.status != "pending_payment" or booking.payment_amount <= 0:
            raise PaymentNotRequired()
        return ok(
            ValidateOutput(
                {
                    "valid": True,
                    "amount": booking.payment_amount,
                    "currency": booking.payment_currency,
                    "hold_expires_at": booking.hold_expires_at,
                    "booking_status": booking.status,
                }
            ).data
        )


class PaymentMethodsView(PublicAPIMixin, APIView):
    @extend_schema(responses={200: MethodsOutput}, tags=["payments"])
    def get(self, request):
        """Card (Stripe) always; PayPal only when its credentials are configured."""
        methods = [{"type": "card", "provider": "stripe", "label": "Credit or debit card"}]
        if paypal_gateway.is_configured():
            methods.append({"type": "paypal", "provider": "paypal", "label": "PayPal"})
        return Response(MethodsOutput({"methods": methods, "publishable_key": settings.STRIPE_PUBLISHABLE_KEY}).data)


class SetupIntentView(PublicAPIMixin, APIView):
    @extend_schema(request=BookingRefSerializer, responses={200: SetupIntentOutput}, tags=["payments"])
    def post(self, request):
        """A Stripe SetupIntent to save the visitor's card for the booking's customer (key
        ``booking-<reference>-seti``)."""
        serializer = BookingRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = _visitor_booking(serializer.validated_data)
        payment = booking.payments.exclude(customer_id="").first()
        info = get_gateway().create_setup_intent(
            idempotency_key=f"booking-{booking.reference}-seti", customer_id=payment.customer_id if payment else ""
        )
        return ok(
            SetupIntentOutput(
                {
                    "setup_intent_id": info.id,
                    "client_secret": info.client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                }
            ).data
        )


class PaymentConfirmView(PublicAPIMixin, APIView):
    @extend_schema(request=PaymentConfirmInput, responses={200: PaymentOutput}, tags=["payments"])
    def post(self, request):
        """After Stripe.js: re-fetch the PaymentIntent from Stripe and apply it (the client is not
        trusted). With ``card_token``/``payment_method_id`` the card is confirmed first (402 on a
        decline). 409 ``PAYMENT_NOT_COMPLETED`` when Stripe has not taken the money (RELIABILITY C-12)."""
        serializer = PaymentConfirmInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        booking = _visitor_booking(data)
        payment = booking.payments.order_by("-created_at").first()
        if payment is None:
            raise PaymentNotRequired(_("Start the payment first."), code="PAYMENT_NOT_STARTED", status=409)
        if data.get("payment_intent_id") and data["payment_intent_id"] != payment.payment_intent_id:
            raise PaymentMismatch(_("This payment does not belong to the booking."))
        if data.get("card_token") or data.get("payment_method_id"):
            payment = payment_confirm_card(
                payment=payment,
                card_token=data.get("card_token", ""),
                payment_method_id=data.get("payment_method_id", ""),
            )
        payment = payment_confirm_paid(payment=payment)
        return ok(_payment_data(payment), message=_("Payment confirmed"))


def _own_session(request, reference: str) -> ConsultationBooking:
    return booking_for_change(reference=reference, user=request.user, token=None)


class ConsultingPaymentIntentView(APIView):
    @extend_schema(request=ConsultingIntentInput, responses={200: ConsultingIntentOutput}, tags=["consulting"])
    def post(self, request):
        """Spec 004 ``POST /consulting/payments/intent`` (and ``/payment/intent``): the PaymentIntent of
        one of the user's sessions (``session_id`` = booking reference; 422 without it; who may pay
        is :mod:`bookings.access`: 403 for staff who may only read bookings, 404 for anyone else).
        ``type: subscription`` creates the user's subscription instead (as
        ``POST /consulting/subscriptions``)."""
        serializer = ConsultingIntentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["type"] == "subscription":
            subscription = subscription_create(user=request.user)
            return ok(
                ConsultingIntentOutput(
                    {
                        "client_secret": "",
                        "amount": None,
                        "type": "subscription",
                        "subscription_id": subscription.subscription_id,
                    }
                ).data
            )
        payment = payment_create_for_booking(booking=_own_session(request, data["session_id"]))
        return ok(
            ConsultingIntentOutput(
                {
                    "client_secret": payment.client_secret,
                    "amount": payment.amount,
                    "type": "session",
                    "payment_intent_id": payment.payment_intent_id,
                }
            ).data
        )


class ConsultingPaymentConfirmView(APIView):
    @extend_schema(request=ConsultingConfirmInput, responses={200: PaymentOutput}, tags=["consulting"])
    def post(self, request):
        """Spec 004 ``POST /consulting/payment/confirm``: re-fetch from Stripe and apply; 409 while unpaid."""
        serializer = ConsultingConfirmInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        booking = _own_session(request, data["session_id"])
        payment = booking.payments.filter(payment_intent_id=data["payment_intent_id"]).first()
        if payment is None:
            raise PaymentMismatch(_("This payment does not belong to the session."))
        return ok(_payment_data(payment_confirm_paid(payment=payment)), message=_("Payment confirmed"))


class SubscriptionCreateView(APIView):
    @extend_schema(request=None, responses={201: SubscriptionOutput}, tags=["consulting"])
    def post(self, request):
        """Spec 004 ``POST /consulting/subscriptions``: a Stripe subscription to
        ``STRIPE_SUBSCRIPTION_PRICE_ID`` for the current user (idempotent per user and price)."""
        subscription = subscription_create(user=request.user)
        return created(SubscriptionOutput(subscription).data, message=_("Subscription created successfully"))
