"""Consulting subscriptions (spec 004 ``POST /consulting/subscriptions``) as Stripe subscriptions."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from magnetiq.audit import log_action
from magnetiq.exceptions import InvalidInput
from payments.exceptions import PaymentNotConfigured
from payments.models import Subscription
from payments.stripe_gateway import SubscriptionInfo, get_gateway


def subscription_create(*, user, price_id: str = "") -> Subscription:
    """Subscribe ``user`` to ``price_id`` (default ``STRIPE_SUBSCRIPTION_PRICE_ID``).

    Idempotent per user and price: an existing non-ended subscription is returned. Customer and
    subscription creates carry the keys ``user-<id>-customer`` / ``user-<id>-sub-<price>``.
    Raises :class:`PaymentNotConfigured` (no price configured) and the gateway's errors.
    """
    price_id = price_id or settings.STRIPE_SUBSCRIPTION_PRICE_ID
    if not price_id:
        raise PaymentNotConfigured(_("No subscription price is configured (STRIPE_SUBSCRIPTION_PRICE_ID)."))
    if not user.email:
        raise InvalidInput(_("The account has no e-mail address."))
    existing = (
        Subscription.objects.filter(user=user, price_id=price_id)
        .exclude(status__in=["canceled", "incomplete_expired"])
        .first()
    )
    if existing is not None:
        return existing
    gateway = get_gateway()
    customer_id = gateway.create_customer(
        email=user.email, name=user.get_full_name() or user.email, idempotency_key=f"user-{user.pk}-customer"
    )
    info = gateway.create_subscription(
        customer_id=customer_id, price_id=price_id, idempotency_key=f"user-{user.pk}-sub-{price_id}"
    )
    return subscription_apply_stripe(info=info, user=user, email=user.email)


def subscription_apply_stripe(*, info: SubscriptionInfo, user=None, email: str = "") -> Subscription:
    """Create or update the :class:`Subscription` from a fresh Stripe read (``customer.subscription.*``)."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(subscription_id=info.id).first()
        old = sub.status if sub else ""
        if sub is None:
            sub = Subscription(subscription_id=info.id, user=user, customer_email=email or "unknown@invalid")
        sub.customer_id = info.customer_id
        sub.price_id = info.price_id or sub.price_id
        sub.status = info.status
        sub.current_period_end = info.current_period_end
        sub.started_at = info.started_at
        sub.ended_at = info.ended_at
        sub.last_event_at = timezone.now()
        sub.full_clean(validate_constraints=False)
        sub.save()
        if sub.status != old:
            log_action(sub, f"payments.subscription.{sub.status}", actor=user, data={"from": old})
    return sub
