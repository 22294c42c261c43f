"""``/api/v1`` routes of the payouts app (spec 000 "Payment & KYC Management")."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "admin/consultants/<id:pk>/payment-setup",
        views.PaymentSetupView.as_view(),
        name="admin-consultant-payment-setup",
    ),
    path(
        "admin/consultants/<id:pk>/payment-status",
        views.PaymentStatusView.as_view(),
        name="admin-consultant-payment-status",
    ),
    path(
        "admin/consultants/<id:pk>/kyc-verification",
        views.KYCVerificationView.as_view(),
        name="admin-consultant-kyc-verification",
    ),
    path("admin/consultants/<id:pk>/payouts", views.ConsultantPayoutsView.as_view(), name="admin-consultant-payouts"),
    path("admin/consultants/<id:pk>/earnings", views.EarningsView.as_view(), name="admin-consultant-earnings"),
]
