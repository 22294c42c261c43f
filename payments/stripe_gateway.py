"""The payment provider interface and its Stripe implementation: the ONLY module importing ``stripe``
(ruff ``banned-api``), so amounts, idempotency keys and timeouts are handled in one place.

:class:`PaymentProvider` lists one method per step; each docstring says what it may and may not do.
:class:`StripeGateway` implements it with the official SDK (``stripe.StripeClient``), configured from
settings on every :func:`get_gateway` call (``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE`` — empty means
Stripe itself; tests and ``make run`` point it at localstripe — ``STRIPE_WEBHOOK_SECRET``,
``STRIPE_WEBHOOK_TOLERANCE``).

Rules every method keeps:

- amounts go to Stripe in minor units (:func:`to_minor`, per currency exponent: JPY has none, KWD
  three) and come back as ``Decimal`` in major units (:func:`from_minor`);
- every call that creates or moves money (create, confirm, refund, cancel, subscription) takes a
  deterministic ``idempotency_key`` from the caller, so a retry never charges or refunds twice;
- results are plain dataclasses (:class:`IntentInfo`, :class:`ChargeInfo`, …), never SDK objects;
- SDK errors become :mod:`payments.exceptions` (declined card → :class:`PaymentDeclined` 402,
  network/5xx/rate limit → :class:`PaymentProviderUnavailable` 503, anything else →
  :class:`PaymentError` 400). Nothing here touches the database;
- every call that reaches Stripe refuses to run inside an open database transaction
  (:func:`magnetiq.vendors.assert_no_transaction`), waits at most ``VENDOR_CONNECT_TIMEOUT_SECONDS``
  to connect and ``STRIPE_TIMEOUT_SECONDS`` to read, and is retried by the SDK up to
  ``STRIPE_MAX_NETWORK_RETRIES`` times (connection errors, 409, 429, 5xx; POSTs keep their key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from stripe.params import TransferCreateParams

from magnetiq.vendors import assert_no_transaction

from .exceptions import (
    PaymentDeclined,
    PaymentError,
    PaymentInvalidAmount,
    PaymentNotConfigured,
    PaymentProviderUnavailable,
    TransferFailed,
    WebhookSignatureInvalid,
)

#: Stripe's zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal).
ZERO_DECIMAL_CURRENCIES = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
#: Three-decimal currencies (Stripe wants the last digit 0, i.e. whole hundredths of the minor unit).
THREE_DECIMAL_CURRENCIES = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (USD 2, JPY 0, KWD 3)."""
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("150.00")``, ``"USD"`` → ``15000``; ``Decimal("1500")``, ``"JPY"`` → ``1500``.

    Raises :class:`PaymentInvalidAmount` for amounts ≤ 0 or with more decimals than the currency has.
    """
    amount = Decimal(amount)
    exponent = currency_exponent(currency)
    minor = amount.scaleb(exponent)
    if amount <= 0 or minor != minor.to_integral_value():
        raise PaymentInvalidAmount(
            _("%(amount)s is not a valid amount in %(currency)s.") % {"amount": amount, "currency": currency.upper()}
        )
    return int(minor)


def from_minor(minor: int | None, currency: str) -> Decimal:
    """``15000``, ``"usd"`` → ``Decimal("150.00")``; ``1500``, ``"jpy"`` → ``Decimal("1500")``."""
    exponent = currency_exponent(currency)
    return (Decimal(int(minor or 0)).scaleb(-exponent)).quantize(Decimal(1).scaleb(-max(exponent, 2)))


def _id(value: Any) -> str:
    """An expandable field as its id (localstripe expands some fields Stripe leaves as ids)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("id") or ""
    return ""


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentInfo:
    """A PaymentIntent as Stripe has it now."""

    id: str
    status: str
    amount: Decimal
    currency: str  # upper case
    client_secret: str
    customer_id: str
    charge_id: str
    metadata: dict
    last_error_code: str = ""
    last_error_message: str = ""
    created: datetime | None = None


@dataclass(frozen=True)
class ChargeInfo:
    """A charge with its fee (``fee`` None when Stripe's balance transaction has none yet)."""

    id: str
    payment_intent_id: str
    status: str
    amount: Decimal
    amount_refunded: Decimal
    currency: str
    fee: Decimal | None
    balance_transaction_id: str
    disputed: bool
    created: datetime | None = None


@dataclass(frozen=True)
class RefundInfo:
    id: str
    status: str
    amount: Decimal
    currency: str
    charge_id: str
    payment_intent_id: str
    failure_reason: str
    metadata: dict
    created: datetime | None = None


@dataclass(frozen=True)
class DisputeInfo:
    id: str
    status: str
    amount: Decimal
    currency: str
    reason: str
    charge_id: str
    payment_intent_id: str
    evidence_due_by: datetime | None
    created: datetime | None = None


@dataclass(frozen=True)
class SetupIntentInfo:
    id: str
    status: str
    client_secret: str
    customer_id: str


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    status: str
    customer_id: str
    price_id: str
    current_period_end: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    client_secret: str = ""


@dataclass(frozen=True)
class EventInfo:
    """A verified webhook event: ``object`` is the payload's ``data.object`` (a hint only — handlers
    re-fetch ``object_id`` from the provider)."""

    id: str
    type: str
    object_id: str
    object: dict
    created: datetime | None
    payload: dict = field(default_factory=dict)


# --- the interface ------------------------------------------------------------------------------


class PaymentProvider:
    """One method per step of taking money. Implementations talk to the provider only: they never
    read or write our database, never send e-mail, and never decide business rules (whether a booking
    may be paid, confirmed or refunded) — the services in ``payments.services`` do that."""

    name = "base"

    def create_customer(self, *, email: str, name: str, idempotency_key: str, metadata: dict | None = None) -> str:
        """Create a customer; returns its id. May: one create call. May not: charge anything."""
        raise NotImplementedError

    def create_payment_intent(
        self,
        *,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        metadata: dict,
        customer_id: str = "",
    ) -> IntentInfo:
        """Create an unconfirmed PaymentIntent for ``amount`` (major units). The same key returns the
        same PaymentIntent. May not: confirm or charge."""
        raise NotImplementedError

    def retrieve_payment_intent(self, payment_intent_id: str) -> IntentInfo:
        """Read the PaymentIntent as the provider has it now. May not: change it."""
        raise NotImplementedError

    def confirm_payment_intent(
        self,
        *,
        payment_intent_id: str,
        idempotency_key: str,
        customer_id: str = "",
        card_token: str = "",
        payment_method_id: str = "",
    ) -> IntentInfo:
        """Attach a card (a Stripe.js token ``tok_…`` saved on the customer, or a PaymentMethod /
        card id) and confirm. Raises :class:`PaymentDeclined` for a declined card. May: charge the
        card once per key. May not: retry with another card."""
        raise NotImplementedError

    def cancel_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> IntentInfo:
        """Cancel an unpaid PaymentIntent. A PaymentIntent that already succeeded or was canceled
        is returned as it is (no error): the caller reads ``status``. May not: refund."""
        raise NotImplementedError

    def create_refund(
        self, *, payment_intent_id: str, amount: Decimal, currency: str, idempotency_key: str, metadata: dict
    ) -> RefundInfo:
        """Refund ``amount`` (major units) of a succeeded PaymentIntent. Same key → same refund."""
        raise NotImplementedError

    def retrieve_refund(self, refund_id: str) -> RefundInfo:
        raise NotImplementedError

    def list_refunds(self, payment_intent_id: str) -> list[RefundInfo]:
        """Every refund of the PaymentIntent's charge (for ``charge.refunded`` events)."""
        raise NotImplementedError

    def retrieve_charge(self, charge_id: str) -> ChargeInfo:
        """The charge with its fee (from the balance transaction)."""
        raise NotImplementedError

    def retrieve_dispute(self, dispute_id: str) -> DisputeInfo:
        raise NotImplementedError

    def create_setup_intent(self, *, idempotency_key: str, customer_id: str = "") -> SetupIntentInfo:
        """A SetupIntent to save a card for later (spec 000 ``setup-intent``). May not: charge."""
        raise NotImplementedError

    def create_subscription(self, *, customer_id: str, price_id: str, idempotency_key: str) -> SubscriptionInfo:
        """Subscribe the customer to ``price_id``. May: create the first invoice (Stripe charges it)."""
        raise NotImplementedError

    def retrieve_subscription(self, subscription_id: str) -> SubscriptionInfo:
        raise NotImplementedError

    def construct_event(self, payload: bytes, signature_header: str | None) -> EventInfo:
        """Verify the signature over the RAW body and parse it. Raises :class:`WebhookSignatureInvalid`
        (missing/bad/stale, tolerance ``STRIPE_WEBHOOK_TOLERANCE`` s). May not: apply the event."""
        raise NotImplementedError


# --- Stripe -------------------------------------------------------------------------------------


def _translate(exc: stripe.StripeError) -> PaymentError:
    if isinstance(exc, stripe.CardError):
        error = getattr(exc, "error", None)
        decline_code = (getattr(error, "decline_code", None) if error else None) or exc.code or "card_declined"
        message = exc.user_message or "Your card was declined."
        return PaymentDeclined(
            _("%(message)s Please use another card or contact your bank.") % {"message": message},
            decline_code=decline_code,
        )
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (exc.http_status or 0) >= 500:
        return PaymentProviderUnavailable()
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return PaymentNotConfigured(_("The payment service refused our credentials."))
    return PaymentError(exc.user_message or str(exc.user_message or "The payment service refused the request."))


class StripeGateway(PaymentProvider):
    name = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str = "",
        api_base: str = "",
        webhook_tolerance: int = 300,
    ):
        if not secret_key:
            raise PaymentNotConfigured()
        options: dict[str, Any] = {
            "max_network_retries": settings.STRIPE_MAX_NETWORK_RETRIES,
            "http_client": stripe.RequestsClient(
                timeout=(settings.VENDOR_CONNECT_TIMEOUT_SECONDS, settings.STRIPE_TIMEOUT_SECONDS)
            ),
        }
        if api_base:
            options["base_addresses"] = {"api": api_base.rstrip("/")}
        self.client = stripe.StripeClient(secret_key, **options)
        self.webhook_secret = webhook_secret
        self.webhook_tolerance = webhook_tolerance

    def _call(self, fn, *args, **kwargs):
        assert_no_transaction("Stripe")
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            raise _translate(exc) from exc

    # conversions (SDK objects → plain dicts → our dataclasses)

    @staticmethod
    def _intent(obj) -> IntentInfo:
        pi = obj.to_dict()
        currency = (pi.get("currency") or "").upper()
        error = pi.get("last_payment_error") or {}
        return IntentInfo(
            id=pi["id"],
            status=pi["status"],
            amount=from_minor(pi.get("amount"), currency),
            currency=currency,
            client_secret=pi.get("client_secret") or "",
            customer_id=_id(pi.get("customer")),
            charge_id=_id(pi.get("latest_charge")),
            metadata=dict(pi.get("metadata") or {}),
            last_error_code=error.get("decline_code") or error.get("code") or "",
            last_error_message=error.get("message") or "",
            created=_ts(pi.get("created")),
        )

    @staticmethod
    def _refund(obj) -> RefundInfo:
        refund = obj.to_dict()
        currency = (refund.get("currency") or "").upper()
        return RefundInfo(
            id=refund["id"],
            status=refund["status"],
            amount=from_minor(refund.get("amount"), currency),
            currency=currency,
            charge_id=_id(refund.get("charge")),
            payment_intent_id=_id(refund.get("payment_intent")),
            failure_reason=refund.get("failure_reason") or "",
            metadata=dict(refund.get("metadata") or {}),
            created=_ts(refund.get("created")),
        )

    @staticmethod
    def _subscription(obj, client_secret: str = "") -> SubscriptionInfo:
        sub = obj.to_dict()
        data = (sub.get("items") or {}).get("data") or []
        price_id = ""
        period_end = sub.get("current_period_end")
        if data:
            first = data[0]
            price_id = _id(first.get("price") or first.get("plan"))
            period_end = period_end or first.get("current_period_end")
        return SubscriptionInfo(
            id=sub["id"],
            status=sub["status"],
            customer_id=_id(sub.get("customer")),
            price_id=price_id,
            current_period_end=_ts(period_end),
            started_at=_ts(sub.get("start_date")),
            ended_at=_ts(sub.get("ended_at")),
            client_secret=client_secret,
        )

    # steps

    def create_customer(self, *, email, name, idempotency_key, metadata=None):
        customer = self._call(
            self.client.v1.customers.create,
            params={"email": email, "name": name, "metadata": metadata or {}},
            options={"idempotency_key": idempotency_key},
        )
        return customer.id

    def create_payment_intent(self, *, amount, currency, idempotency_key, metadata, customer_id=""):
        params: dict[str, Any] = {
            "amount": to_minor(amount, currency),
            "currency": currency.lower(),
            "metadata": metadata,
            "payment_method_types": ["card"],
        }
        if customer_id:
            params["customer"] = customer_id
        pi = self._call(
            self.client.v1.payment_intents.create, params=params, options={"idempotency_key": idempotency_key}
        )
        return self._intent(pi)

    def retrieve_payment_intent(self, payment_intent_id):
        return self._intent(self._call(self.client.v1.payment_intents.retrieve, payment_intent_id))

    def confirm_payment_intent(
        self, *, payment_intent_id, idempotency_key, customer_id="", card_token="", payment_method_id=""
    ):
        if not (card_token or payment_method_id):
            raise PaymentError(_("Give a card token or a payment method."), code="PAYMENT_METHOD_REQUIRED")
        method = payment_method_id
        if card_token:
            if not customer_id:
                raise PaymentError(_("A card token needs a customer."), code="PAYMENT_METHOD_REQUIRED")
            # The token becomes a card on the customer: Stripe checks the card here (a declined
            # card, e.g. 4000 0000 0000 0002, fails now with a card_error).
            card = self._call(
                self.client.v1.customers.payment_sources.create,
                customer_id,
                params={"source": card_token},
                options={"idempotency_key": f"{idempotency_key}-card"},
            )
            method = card.id
        elif customer_id and payment_method_id.startswith("pm_"):
            attached = self._call(
                self.client.v1.payment_methods.attach,
                payment_method_id,
                params={"customer": customer_id},
                options={"idempotency_key": f"{idempotency_key}-attach"},
            )
            method = attached.id
        # localstripe refuses ``payment_method`` on confirm: set it first, then confirm (Stripe accepts both).
        self._call(
            self.client.v1.payment_intents.update,
            payment_intent_id,
            params={"payment_method": method},
            options={"idempotency_key": f"{idempotency_key}-method"},
        )
        pi = self._call(
            self.client.v1.payment_intents.confirm, payment_intent_id, options={"idempotency_key": idempotency_key}
        )
        return self._intent(pi)

    def cancel_payment_intent(self, *, payment_intent_id, idempotency_key):
        current = self.retrieve_payment_intent(payment_intent_id)
        if current.status in ("succeeded", "canceled", "processing"):
            return current
        assert_no_transaction("Stripe")
        try:
            pi = self.client.v1.payment_intents.cancel(payment_intent_id, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError:
            # It moved on between the read and the cancel (paid just now): report where it is.
            return self.retrieve_payment_intent(payment_intent_id)
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return self._intent(pi)

    def create_refund(self, *, payment_intent_id, amount, currency, idempotency_key, metadata):
        refund = self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": payment_intent_id, "amount": to_minor(amount, currency), "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
        return self._refund(refund)

    def retrieve_refund(self, refund_id):
        return self._refund(self._call(self.client.v1.refunds.retrieve, refund_id))

    def list_refunds(self, payment_intent_id):
        page = self._call(self.client.v1.refunds.list, params={"payment_intent": payment_intent_id, "limit": 100})
        return [self._refund(r) for r in page.data]

    def retrieve_charge(self, charge_id):
        charge = self._call(
            self.client.v1.charges.retrieve, charge_id, params={"expand": ["balance_transaction"]}
        ).to_dict()
        currency = (charge.get("currency") or "").upper()
        txn = charge.get("balance_transaction")
        fee = None
        if isinstance(txn, dict):
            fee = from_minor(txn.get("fee") or 0, txn.get("currency") or currency)
        return ChargeInfo(
            id=charge["id"],
            payment_intent_id=_id(charge.get("payment_intent")),
            status=charge.get("status") or "",
            amount=from_minor(charge.get("amount"), currency),
            amount_refunded=from_minor(charge.get("amount_refunded"), currency),
            currency=currency,
            fee=fee,
            balance_transaction_id=_id(txn),
            disputed=bool(charge.get("disputed")),
            created=_ts(charge.get("created")),
        )

    def retrieve_dispute(self, dispute_id):
        dispute = self._call(self.client.v1.disputes.retrieve, dispute_id).to_dict()
        currency = (dispute.get("currency") or "").upper()
        details = dispute.get("evidence_details") or {}
        return DisputeInfo(
            id=dispute["id"],
            status=dispute["status"],
            amount=from_minor(dispute.get("amount"), currency),
            currency=currency,
            reason=dispute.get("reason") or "",
            charge_id=_id(dispute.get("charge")),
            payment_intent_id=_id(dispute.get("payment_intent")),
            evidence_due_by=_ts(details.get("due_by")),
            created=_ts(dispute.get("created")),
        )

    def create_setup_intent(self, *, idempotency_key, customer_id=""):
        params: dict[str, Any] = {"payment_method_types": ["card"]}
        if customer_id:
            params["customer"] = customer_id
        seti = self._call(
            self.client.v1.setup_intents.create, params=params, options={"idempotency_key": idempotency_key}
        )
        data = seti.to_dict()
        return SetupIntentInfo(
            id=data["id"],
            status=data["status"],
            client_secret=data.get("client_secret") or "",
            customer_id=_id(data.get("customer")),
        )

    def create_subscription(self, *, customer_id, price_id, idempotency_key):
        sub = self._call(
            self.client.v1.subscriptions.create,
            params={"customer": customer_id, "items": [{"price": price_id}], "payment_behavior": "default_incomplete"},
            options={"idempotency_key": idempotency_key},
        )
        return self._subscription(sub)

    def retrieve_subscription(self, subscription_id):
        return self._subscription(self._call(self.client.v1.subscriptions.retrieve, subscription_id))

    def construct_event(self, payload, signature_header):
        if not self.webhook_secret:
            raise WebhookSignatureInvalid(_("No webhook secret is configured."))
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature_header, self.webhook_secret, self.webhook_tolerance
            )
            data = json.loads(payload)
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
            raise WebhookSignatureInvalid() from exc
        if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
            raise WebhookSignatureInvalid(_("The event has no id or type."))
        obj = (data.get("data") or {}).get("object") or {}
        return EventInfo(
            id=str(data["id"]),
            type=str(data["type"]),
            object_id=str(obj.get("id", "")) if isinstance(obj, dict) else "",
            object=obj if isinstance(obj, dict) else {},
            created=_ts(data.get("created")),
            payload=data,
        )


def get_gateway() -> StripeGateway:
    """The Stripe gateway configured from the current settings. Raises :class:`PaymentNotConfigured`
    when ``STRIPE_SECRET_KEY`` is empty."""
    return StripeGateway(
        secret_key=settings.STRIPE_SECRET_KEY,
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        api_base=settings.STRIPE_API_BASE,
        webhook_tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
    )


# --- Stripe Connect (payouts app): Express accounts, account links, transfers -------------------
# For ``payouts`` (Connect accounts, account links, transfers). localstripe has no
# Connect: these calls are tested against recorded Stripe responses (payouts/tests/fixtures/stripe).


@dataclass(frozen=True)
class ConnectAccountInfo:
    """A connected (Express) account as Stripe has it now. ``requirements_*``: field names Stripe
    still needs (``currently_due``, ``past_due``, ``pending_verification``, ``errors`` as reason codes)."""

    id: str
    email: str
    country: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    transfers_capability: str  # "active", "inactive", "pending" or "" (not requested)
    requirements_currently_due: list[str] = field(default_factory=list)
    requirements_past_due: list[str] = field(default_factory=list)
    requirements_pending_verification: list[str] = field(default_factory=list)
    requirements_errors: list[str] = field(default_factory=list)
    disabled_reason: str = ""


@dataclass(frozen=True)
class AccountLinkInfo:
    url: str
    expires_at: datetime | None


@dataclass(frozen=True)
class TransferInfo:
    """A transfer to a connected account; ``amount``/``amount_reversed`` in major units."""

    id: str
    amount: Decimal
    amount_reversed: Decimal
    currency: str  # upper case
    destination: str
    reversed: bool
    transfer_group: str
    metadata: dict
    created: datetime | None


def _plain(value: Any) -> Any:
    """An SDK object (or nested dict) as plain dicts and lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


class StripeConnectGateway(StripeGateway):
    """Stripe Connect Express on top of :class:`StripeGateway` (same client, settings and error
    translation). May: create accounts, account links and transfers, reverse transfers. May not:
    charge anyone, touch the database."""

    @staticmethod
    def _account(account) -> ConnectAccountInfo:
        data = _plain(account) or {}
        requirements = data.get("requirements") or {}
        capabilities = data.get("capabilities") or {}
        return ConnectAccountInfo(
            id=data.get("id", ""),
            email=data.get("email") or "",
            country=data.get("country") or "",
            charges_enabled=bool(data.get("charges_enabled")),
            payouts_enabled=bool(data.get("payouts_enabled")),
            details_submitted=bool(data.get("details_submitted")),
            transfers_capability=capabilities.get("transfers") or "",
            requirements_currently_due=list(requirements.get("currently_due") or []),
            requirements_past_due=list(requirements.get("past_due") or []),
            requirements_pending_verification=list(requirements.get("pending_verification") or []),
            requirements_errors=[e.get("code", "") for e in requirements.get("errors") or []],
            disabled_reason=requirements.get("disabled_reason") or "",
        )

    @staticmethod
    def _transfer(transfer) -> TransferInfo:
        data = _plain(transfer) or {}
        currency = (data.get("currency") or "").upper()
        return TransferInfo(
            id=data.get("id", ""),
            amount=from_minor(data.get("amount"), currency),
            amount_reversed=from_minor(data.get("amount_reversed"), currency),
            currency=currency,
            destination=_id(data.get("destination")),
            reversed=bool(data.get("reversed")),
            transfer_group=data.get("transfer_group") or "",
            metadata=dict(data.get("metadata") or {}),
            created=_ts(data.get("created")),
        )

    def create_express_account(
        self, *, email: str, country: str, idempotency_key: str, metadata: dict | None = None
    ) -> ConnectAccountInfo:
        """An Express account with the ``transfers`` capability requested. Same key → same account."""
        account = self._call(
            self.client.v1.accounts.create,
            params={
                "type": "express",
                "country": country.upper(),
                "email": email,
                "capabilities": {"transfers": {"requested": True}},
                "metadata": metadata or {},
            },
            options={"idempotency_key": idempotency_key},
        )
        return self._account(account)

    def retrieve_account(self, account_id: str) -> ConnectAccountInfo:
        return self._account(self._call(self.client.v1.accounts.retrieve, account_id))

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> AccountLinkInfo:
        """A one-time onboarding URL (expires after a few minutes; create a new one each time)."""
        link = self._call(
            self.client.v1.account_links.create,
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        data = _plain(link) or {}
        return AccountLinkInfo(url=data.get("url", ""), expires_at=_ts(data.get("expires_at")))

    def create_transfer(
        self,
        *,
        amount: Decimal,
        currency: str,
        destination: str,
        idempotency_key: str,
        transfer_group: str = "",
        metadata: dict | None = None,
    ) -> TransferInfo:
        """Move ``amount`` (major units) from the platform balance to ``destination`` (``acct_…``).

        Raises :class:`TransferFailed` when Stripe refuses it (4xx: the outcome is final for this
        key) and :class:`PaymentProviderUnavailable` when Stripe cannot be reached (outcome unknown:
        retry with the same key)."""
        params: TransferCreateParams = {
            "amount": to_minor(amount, currency),
            "currency": currency.lower(),
            "destination": destination,
            "metadata": metadata or {},
        }
        if transfer_group:
            params["transfer_group"] = transfer_group
        assert_no_transaction("Stripe")
        try:
            transfer = self.client.v1.transfers.create(params=params, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            translated = _translate(exc)
            if isinstance(translated, PaymentProviderUnavailable | PaymentNotConfigured):
                raise translated from exc
            error = getattr(exc, "error", None)
            raise TransferFailed(
                (getattr(error, "message", None) if error else None) or str(exc.user_message or translated.message),
                stripe_code=exc.code or "",
            ) from exc
        return self._transfer(transfer)

    def retrieve_transfer(self, transfer_id: str) -> TransferInfo:
        return self._transfer(self._call(self.client.v1.transfers.retrieve, transfer_id))

    def reverse_transfer(
        self, *, transfer_id: str, idempotency_key: str, amount: Decimal | None = None
    ) -> TransferInfo:
        """Reverse all (or ``amount`` of) a transfer; returns the transfer as it is afterwards."""
        params: dict[str, Any] = {}
        current = self.retrieve_transfer(transfer_id)
        if amount is not None:
            params["amount"] = to_minor(amount, current.currency)
        self._call(
            self.client.v1.transfers.reversals.create,
            transfer_id,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return self.retrieve_transfer(transfer_id)


def get_connect_gateway() -> StripeConnectGateway:
    """:func:`get_gateway` with the Connect calls. Raises :class:`PaymentNotConfigured` without a key."""
    return StripeConnectGateway(
        secret_key=settings.STRIPE_SECRET_KEY,
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        api_base=settings.STRIPE_API_BASE,
        webhook_tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
    )
