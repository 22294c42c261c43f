"""Staff payments API (spec 000 "Admin Payment Management", "Financial Reporting"), under /api/v1/."""

from django.urls import path

from . import admin_views as views

urlpatterns = [
    path("admin/payments/transactions", views.TransactionListView.as_view(), name="admin-payments-transactions"),
    path(
        "admin/payments/transactions/<id:pk>",
        views.TransactionDetailView.as_view(),
        name="admin-payments-transaction",
    ),
    path(
        "admin/payments/transactions/<id:pk>/status",
        views.TransactionStatusView.as_view(),
        name="admin-payments-transaction-status",
    ),
    path("admin/payments/refunds", views.RefundListCreateView.as_view(), name="admin-payments-refunds"),
    path("admin/payments/disputes", views.DisputeListView.as_view(), name="admin-payments-disputes"),
    path(
        "admin/payments/disputes/<id:pk>/resolve",
        views.DisputeResolveView.as_view(),
        name="admin-payments-dispute-resolve",
    ),
    path("admin/payments/reports/daily", views.DailyReportView.as_view(), name="admin-payments-reports-daily"),
    path("admin/payments/reports/monthly", views.MonthlyReportView.as_view(), name="admin-payments-reports-monthly"),
    path("admin/payments/reconciliation", views.ReconciliationView.as_view(), name="admin-payments-reconciliation"),
    path("admin/payments/tax-reports", views.TaxReportView.as_view(), name="admin-payments-tax-reports"),
]
