"""Input and output shapes of the payments API (spec 000 "Payment Processing Schemas", spec 004)."""

from django.utils.translation import gettext as _
from rest_framework import serializers


class BookingRefSerializer(serializers.Serializer):
    """A visitor's booking: its reference (``booking_id`` in spec 000 is the reference here) and the
    manage token from the booking e-mail/page."""

    booking_reference = serializers.CharField(max_length=32, required=False)
    booking_id = serializers.CharField(max_length=32, required=False, help_text="Alias of booking_reference.")
    token = serializers.CharField(max_length=200)

    def validate(self, attrs):
        reference = attrs.get("booking_reference") or attrs.get("booking_id")
        if not reference:
            raise serializers.ValidationError({"booking_reference": _("This field is required.")})
        attrs["booking_reference"] = reference
        return attrs


class PaymentProcessInput(BookingRefSerializer):
    payment_method = serializers.ChoiceField(choices=["stripe", "paypal"], default="stripe")
    payment_method_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    card_token = serializers.CharField(max_length=100, required=False, allow_blank=True)
    billing_details = serializers.DictField(required=False)
    return_url = serializers.URLField(required=False, allow_blank=True)


class PaymentConfirmInput(BookingRefSerializer):
    payment_intent_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    payment_method_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    card_token = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PaymentOutput(serializers.Serializer):
    payment_intent_id = serializers.CharField()
    client_secret = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    publishable_key = serializers.CharField()
    confirmation_url = serializers.CharField()
    booking_status = serializers.CharField()
    booking_payment_status = serializers.CharField()


class ValidateOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    hold_expires_at = serializers.DateTimeField(allow_null=True)
    booking_status = serializers.CharField()


class MethodSerializer(serializers.Serializer):
    type = serializers.CharField()
    provider = serializers.CharField()
    label = serializers.CharField()


class MethodsOutput(serializers.Serializer):
    methods = MethodSerializer(many=True)
    publishable_key = serializers.CharField()


class SetupIntentOutput(serializers.Serializer):
    setup_intent_id = serializers.CharField()
    client_secret = serializers.CharField()
    publishable_key = serializers.CharField()


class ConsultingIntentInput(serializers.Serializer):
    """Spec 004: ``{"type": "session", "session_id": "<booking reference>"}`` or ``{"type": "subscription"}``."""

    type = serializers.ChoiceField(choices=["session", "subscription"], default="session")
    session_id = serializers.CharField(
        max_length=32, required=False, help_text="The session's booking reference; required for type session."
    )

    def validate(self, attrs):
        if attrs["type"] == "session" and not attrs.get("session_id"):
            raise serializers.ValidationError({"session_id": _("This field is required for a session payment.")})
        return attrs


class ConsultingIntentOutput(serializers.Serializer):
    """Either a session's PaymentIntent (``type: session``: ``payment_intent_id``, ``amount`` in major
    units, ``client_secret``) or the user's subscription (``type: subscription``: ``subscription_id``,
    ``amount`` null, ``client_secret`` empty)."""

    client_secret = serializers.CharField(allow_blank=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False, allow_null=True)
    type = serializers.ChoiceField(choices=["session", "subscription"])
    payment_intent_id = serializers.CharField(required=False)
    subscription_id = serializers.CharField(required=False)


class ConsultingConfirmInput(serializers.Serializer):
    session_id = serializers.CharField(max_length=32)
    payment_intent_id = serializers.CharField(max_length=100)


class SubscriptionOutput(serializers.Serializer):
    id = serializers.CharField(source="subscription_id")
    user_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    start_date = serializers.DateTimeField(source="started_at", allow_null=True)
    end_date = serializers.DateTimeField(source="ended_at", allow_null=True)
    current_period_end = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
