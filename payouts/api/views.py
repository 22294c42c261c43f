"""Staff endpoints of spec 000 "Payment & KYC Management" under ``/api/v1/admin/consultants/{id}/``.

Permissions (standard model permissions, ``HasRolePermissions``):

- ``payment-status`` GET: ``payouts.view_consultantpaymentaccount``
- ``payment-setup`` POST, ``kyc-verification`` PUT: ``payouts.change_consultantpaymentaccount``
- ``payouts`` GET, ``earnings`` GET: ``payouts.view_consultantpayout``
- ``payouts`` POST: ``payouts.add_consultantpayout``

A soft-deleted or unknown consultant is 404 ``CONSULTANT_NOT_FOUND``; Stripe errors come back as
the payments errors (400 refused, 503 unreachable or not configured).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.views import APIView

from consultants.models import Consultant
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from payouts import services
from payouts.exceptions import ConsultantNotFound
from payouts.models import ConsultantPayout

from .serializers import (
    EarningsSerializer,
    KYCOutputSerializer,
    KYCUpdateInputSerializer,
    PaymentSetupInputSerializer,
    PaymentSetupOutputSerializer,
    PaymentStatusOutputSerializer,
    PayoutRequestSerializer,
    PayoutSerializer,
)

NEXT_STEPS = {
    "not_started": ["Start the payment set-up to get an onboarding link."],
    "in_progress": ["Send the consultant the onboarding link; they enter their details at Stripe."],
    "pending_verification": ["Stripe is verifying the details; check the payment status again later."],
    "completed": ["Nothing to do: payouts can be sent."],
    "failed": ["Stripe or staff rejected the account; review the KYC decision."],
}


def _consultant(pk: int) -> Consultant:
    consultant = Consultant.objects.alive().filter(pk=pk).first()
    if consultant is None:
        raise ConsultantNotFound()
    return consultant


class _Staff:
    permission_classes = [HasRolePermissions]


@extend_schema(tags=["admin-consultant-payments"])
class PaymentSetupView(_Staff, APIView):
    required_permissions = ["payouts.change_consultantpaymentaccount"]

    @extend_schema(
        summary="Start or resume Stripe Connect onboarding",
        request=PaymentSetupInputSerializer,
        responses=PaymentSetupOutputSerializer,
    )
    def post(self, request, pk: int):
        """Creates the consultant's Stripe Express account once (idempotent) and returns a fresh
        onboarding URL (``verification_url``, valid a few minutes). ``payment_setup_status`` becomes
        ``in_progress`` unless verification already moved further."""
        _consultant(pk)
        data = PaymentSetupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = data.validated_data["account_details"]
        start = services.consultant_payment_setup_start(
            consultant_id=pk, actor=request.user, country=details.get("country", ""), email=details.get("email", "")
        )
        body = {
            "setup_status": start.consultant.payment_setup_status,
            "kyc_status": start.consultant.kyc_status,
            "account_id": start.consultant.stripe_account_id,
            "verification_url": start.onboarding_url,
            "expires_at": start.expires_at,
            "next_steps": NEXT_STEPS[start.consultant.payment_setup_status],
        }
        message = _("Payment account created.") if start.account_created else _("Onboarding link renewed.")
        return ok(PaymentSetupOutputSerializer(body).data, message=message)


@extend_schema(tags=["admin-consultant-payments"])
class PaymentStatusView(_Staff, APIView):
    required_permissions = ["payouts.view_consultantpaymentaccount"]

    @extend_schema(summary="Payment set-up status (re-fetched from Stripe)", responses=PaymentStatusOutputSerializer)
    def get(self, request, pk: int):
        """Re-fetches the connected account and maps it onto ``payment_setup_status``/``kyc_status``
        (mapping: ``payouts.services.setup``). Without an account the stored state is returned and
        the Stripe fields are null."""
        _consultant(pk)
        consultant, account = services.consultant_payment_status_refresh(consultant_id=pk, actor=request.user)
        blocked = services.consultant_can_receive_transfers(consultant)
        body = {
            "consultant_id": consultant.pk,
            "payment_setup_status": consultant.payment_setup_status,
            "kyc_status": consultant.kyc_status,
            "stripe_account_id": consultant.stripe_account_id,
            "bank_account_verified": consultant.bank_account_verified,
            "charges_enabled": account.charges_enabled if account else None,
            "payouts_enabled": account.payouts_enabled if account else None,
            "details_submitted": account.details_submitted if account else None,
            "requirements": {
                "currently_due": account.requirements_currently_due,
                "past_due": account.requirements_past_due,
                "pending_verification": account.requirements_pending_verification,
                "errors": account.requirements_errors,
                "disabled_reason": account.disabled_reason,
            }
            if account
            else None,
            "can_receive_payouts": not blocked,
            "blocked_reason": blocked,
        }
        return ok(PaymentStatusOutputSerializer(body).data)


@extend_schema(tags=["admin-consultant-payments"])
class KYCVerificationView(_Staff, APIView):
    required_permissions = ["payouts.change_consultantpaymentaccount"]

    @extend_schema(summary="Record a KYC decision", request=KYCUpdateInputSerializer, responses=KYCOutputSerializer)
    def put(self, request, pk: int):
        """Allowed transitions only (``payouts.services.KYC_TRANSITIONS``; else 409
        ``KYC_TRANSITION_NOT_ALLOWED``). ``rejected`` also fails the payment set-up."""
        _consultant(pk)
        data = KYCUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consultant = services.consultant_kyc_update(
            consultant_id=pk,
            status=data.validated_data["status"],
            notes=data.validated_data["verification_notes"],
            required_documents=data.validated_data["required_documents"],
            actor=request.user,
        )
        return ok(KYCOutputSerializer(consultant).data, message=_("KYC status updated."))


@extend_schema(tags=["admin-consultant-payments"])
class ConsultantPayoutsView(_Staff, generics.ListAPIView):
    required_permissions = {"SAFE": ["payouts.view_consultantpayout"], "POST": ["payouts.add_consultantpayout"]}
    serializer_class = PayoutSerializer
    resource_name = "payouts"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConsultantPayout.objects.none()
        consultant = _consultant(self.kwargs["pk"])
        return consultant.payouts.prefetch_related("items__booking").order_by("-created_at", "-id")

    @extend_schema(summary="List the consultant's payouts (newest first)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Create a manual payout", request=PayoutRequestSerializer, responses={201: PayoutSerializer})
    def post(self, request, pk: int):
        """A pending payout of ``amount`` (≤ what is owed, else 422 ``PAYOUT_EXCEEDS_OWED``) made of
        the oldest payable sessions that fit; sent like the scheduled ones (``run_payouts --execute``
        or the admin action)."""
        _consultant(pk)
        data = PayoutRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout = services.payout_create_manual(
            consultant_id=pk,
            amount=data.validated_data["amount"],
            payout_method=data.validated_data["payout_method"],
            notes=data.validated_data["notes"],
            currency=data.validated_data.get("currency"),
            actor=request.user,
        )
        return created(PayoutSerializer(payout).data, message=_("Payout created."))


@extend_schema(tags=["admin-consultant-payments"])
class EarningsView(_Staff, APIView):
    required_permissions = ["payouts.view_consultantpayout"]

    @extend_schema(summary="Earnings summary per currency", responses=EarningsSerializer)
    def get(self, request, pk: int):
        """Completed paid sessions, gross, fees, refunds, disputes, tax, paid out (ledger), in flight
        and owed, per currency (``payouts.services.consultant_earnings``)."""
        consultant = _consultant(pk)
        body = {
            "consultant_id": consultant.pk,
            "total_consultations": consultant.total_consultations,
            "total_revenue": consultant.total_revenue,
            "currencies": services.consultant_earnings(consultant=consultant, now=timezone.now()),
        }
        return ok(EarningsSerializer(body).data)
