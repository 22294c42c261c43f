"""A consultant's payment set-up (Stripe Connect Express) and KYC state (spec 000 "Payment & KYC
Management"). The state lives on :class:`consultants.models.Consultant`; these services are the
only writers of ``payment_setup_status``, ``kyc_status``, ``stripe_account_id`` and
``bank_account_verified``.

How a Stripe account maps onto the spec's states (:func:`map_account`), first match wins:

=====================================================================  ======================  ===============
Stripe account                                                          payment_setup_status    kyc_status
=====================================================================  ======================  ===============
``requirements.disabled_reason`` starts with ``rejected.``              failed                  rejected
``details_submitted`` false                                             in_progress             not_submitted
``payouts_enabled`` and ``capabilities.transfers`` active, nothing due  completed               approved
``requirements.errors`` or ``past_due`` not empty                       pending_verification    requires_update
``requirements.pending_verification`` not empty, or disabled for        pending_verification    under_review
``requirements.pending_verification`` / ``under_review``
``currently_due`` not empty                                             pending_verification    requires_update
anything else (submitted, Stripe still deciding)                        pending_verification    submitted
=====================================================================  ======================  ===============

``bank_account_verified`` follows ``payouts_enabled``. A KYC rejection recorded by staff stays:
Stripe's state does not lift it (only a staff decision does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultants.models import Consultant, KYCStatus, PaymentSetupStatus
from consultants.services import consultant_set_payout_state
from magnetiq.audit import log_action
from magnetiq.links import absolute_url
from payments.stripe_gateway import ConnectAccountInfo
from payouts.conf import payouts_setting
from payouts.connect import connect_gateway
from payouts.exceptions import ConsultantNotFound, KYCTransitionNotAllowed


def _get(consultant_id: int, *, lock: bool = False) -> Consultant:
    qs = Consultant.objects.alive()
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=consultant_id)
    except Consultant.DoesNotExist:
        raise ConsultantNotFound() from None


@dataclass(frozen=True)
class SetupStart:
    consultant: Consultant
    onboarding_url: str
    expires_at: datetime | None
    account_created: bool


def connect_account_key(consultant: Consultant) -> str:
    """The idempotency key of the consultant's account creation: one consultant, one account."""
    return f"consultant-{consultant.pk}-connect-account"


def consultant_payment_setup_start(*, consultant_id: int, actor=None, country: str = "", email: str = "") -> SetupStart:
    """Start (or resume) Stripe Connect onboarding (``POST …/payment-setup``).

    Creates the Express account once (type express, ``country`` default ``PAYOUTS["CONNECT_COUNTRY"]``,
    ``email`` default the consultant's, capability ``transfers``; idempotency key
    ``consultant-<id>-connect-account``), stores ``stripe_account_id``, moves ``not_started``/``failed``
    to ``in_progress`` and returns a fresh onboarding link (refresh/return URLs on ``SITE_URL``).
    The Stripe calls run outside the row lock; the key makes a concurrent second call get the same account.
    """
    consultant = _get(consultant_id)
    gateway = connect_gateway()
    created = False
    account_id = consultant.stripe_account_id
    if not account_id:
        account = gateway.create_express_account(
            email=email or consultant.email,
            country=(country or payouts_setting("CONNECT_COUNTRY")).upper(),
            idempotency_key=connect_account_key(consultant),
            metadata={"consultant_id": str(consultant.pk)},
        )
        account_id, created = account.id, True
    link = gateway.create_account_link(
        account_id=account_id,
        refresh_url=absolute_url(payouts_setting("CONNECT_REFRESH_PATH")),
        return_url=absolute_url(payouts_setting("CONNECT_RETURN_PATH")),
    )
    with transaction.atomic():
        consultant = _get(consultant_id, lock=True)
        old = consultant.payment_setup_status
        consultant_set_payout_state(
            consultant=consultant,
            stripe_account_id=consultant.stripe_account_id or account_id,
            payment_setup_status=PaymentSetupStatus.IN_PROGRESS
            if old in (PaymentSetupStatus.NOT_STARTED, PaymentSetupStatus.FAILED)
            else old,
        )
        log_action(
            consultant,
            "payouts.payment_setup.started",
            actor=actor,
            data={
                "account": account_id,
                "account_created": created,
                "old": old,
                "new": consultant.payment_setup_status,
            },
        )
    return SetupStart(consultant, link.url, link.expires_at, created)


def map_account(account: ConnectAccountInfo) -> tuple[str, str]:
    """``(payment_setup_status, kyc_status)`` for a Stripe account (table in the module docstring)."""
    req_disabled = account.disabled_reason
    if req_disabled.startswith("rejected"):
        return PaymentSetupStatus.FAILED, KYCStatus.REJECTED
    if not account.details_submitted:
        return PaymentSetupStatus.IN_PROGRESS, KYCStatus.NOT_SUBMITTED
    nothing_due = not (
        account.requirements_currently_due or account.requirements_past_due or account.requirements_errors
    )
    if account.payouts_enabled and account.transfers_capability == "active" and nothing_due:
        return PaymentSetupStatus.COMPLETED, KYCStatus.APPROVED
    if account.requirements_errors or account.requirements_past_due:
        return PaymentSetupStatus.PENDING_VERIFICATION, KYCStatus.REQUIRES_UPDATE
    if account.requirements_pending_verification or req_disabled in (
        "requirements.pending_verification",
        "under_review",
    ):
        return PaymentSetupStatus.PENDING_VERIFICATION, KYCStatus.UNDER_REVIEW
    if account.requirements_currently_due:
        return PaymentSetupStatus.PENDING_VERIFICATION, KYCStatus.REQUIRES_UPDATE
    return PaymentSetupStatus.PENDING_VERIFICATION, KYCStatus.SUBMITTED


def consultant_payment_status_refresh(
    *, consultant_id: int, actor=None
) -> tuple[Consultant, ConnectAccountInfo | None]:
    """Re-fetch the connected account and map it onto the consultant (``GET …/payment-status``).

    Without a connected account nothing is fetched (``None``). Writes (and logs
    ``payouts.payment_setup.status_changed``) only when something changed.
    """
    consultant = _get(consultant_id)
    if not consultant.stripe_account_id:
        return consultant, None
    account = connect_gateway().retrieve_account(consultant.stripe_account_id)
    setup, kyc = map_account(account)
    with transaction.atomic():
        consultant = _get(consultant_id, lock=True)
        if consultant.kyc_status == KYCStatus.REJECTED:
            kyc = KYCStatus.REJECTED
            setup = PaymentSetupStatus.FAILED
        new = {"payment_setup_status": setup, "kyc_status": kyc, "bank_account_verified": account.payouts_enabled}
        old = {name: getattr(consultant, name) for name in new}
        if old != new:
            consultant_set_payout_state(
                consultant=consultant,
                payment_setup_status=setup,
                kyc_status=kyc,
                bank_account_verified=account.payouts_enabled,
            )
            log_action(
                consultant,
                "payouts.payment_setup.status_changed",
                actor=actor,
                data={"account": account.id, "old": old, "new": new},
            )
    return consultant, account


#: Which KYC status staff may record after which (spec 000 ``KYCStatusEnum``).
KYC_TRANSITIONS: dict[str, set[str]] = {
    KYCStatus.NOT_SUBMITTED: {KYCStatus.SUBMITTED, KYCStatus.UNDER_REVIEW},
    KYCStatus.SUBMITTED: {KYCStatus.UNDER_REVIEW, KYCStatus.APPROVED, KYCStatus.REJECTED, KYCStatus.REQUIRES_UPDATE},
    KYCStatus.UNDER_REVIEW: {KYCStatus.APPROVED, KYCStatus.REJECTED, KYCStatus.REQUIRES_UPDATE},
    KYCStatus.REQUIRES_UPDATE: {KYCStatus.SUBMITTED, KYCStatus.UNDER_REVIEW, KYCStatus.REJECTED},
    KYCStatus.APPROVED: {KYCStatus.REQUIRES_UPDATE, KYCStatus.REJECTED},
    KYCStatus.REJECTED: {KYCStatus.UNDER_REVIEW},
}


def consultant_kyc_update(
    *, consultant_id: int, status: str, notes: str = "", required_documents: list[str] | None = None, actor=None
) -> Consultant:
    """Record a staff KYC decision (``PUT …/kyc-verification``, spec ``KYCVerificationUpdate``).

    Only :data:`KYC_TRANSITIONS` are allowed (else :class:`KYCTransitionNotAllowed`, 409). The
    notes are appended, dated, to ``verification_notes``. A rejection also fails the payment set-up
    (no transfer goes out); approving a rejected consultant needs a review first.
    """
    if status not in KYCStatus.values:
        raise KYCTransitionNotAllowed(
            _("Unknown KYC status %(status)s.") % {"status": repr(status)}, code="KYC_STATUS_UNKNOWN", status=422
        )
    with transaction.atomic():
        consultant = _get(consultant_id, lock=True)
        old = consultant.kyc_status
        if status not in KYC_TRANSITIONS.get(old, set()):
            raise KYCTransitionNotAllowed(
                _("The KYC status cannot move from %(old)s to %(status)s.") % {"old": old, "status": status}
            )
        line = f"[{timezone.now():%Y-%m-%d %H:%M} UTC] KYC {old} → {status}" + (
            f": {notes.strip()}" if notes.strip() else ""
        )
        consultant_set_payout_state(
            consultant=consultant,
            kyc_status=status,
            payment_setup_status=PaymentSetupStatus.FAILED
            if status == KYCStatus.REJECTED
            else consultant.payment_setup_status,
            verification_notes="\n".join(filter(None, [consultant.verification_notes, line])),
        )
        log_action(
            consultant,
            "payouts.kyc.updated",
            actor=actor,
            data={"old": old, "new": status, "notes": notes, "required_documents": required_documents or []},
        )
    return consultant
