"""``/api/v1`` routes of the leads app (paths of spec/endpoints.txt, no trailing slash)."""

from django.urls import path

from . import views

urlpatterns = [
    path("admin/leads", views.LeadListView.as_view(), name="admin-leads"),
    path("admin/leads/bulk-export", views.LeadBulkExportView.as_view(), name="admin-leads-bulk-export"),
    path("admin/leads/<id:pk>", views.LeadDetailView.as_view(), name="admin-lead"),
    path("admin/leads/<id:pk>/score", views.LeadScoreView.as_view(), name="admin-lead-score"),
    path("admin/leads/<id:pk>/qualify", views.LeadQualifyView.as_view(), name="admin-lead-qualify"),
    path("admin/leads/<id:pk>/export-odoo", views.LeadExportOdooView.as_view(), name="admin-lead-export-odoo"),
    path(
        "admin/leads/<id:pk>/download-history",
        views.LeadDownloadHistoryView.as_view(),
        name="admin-lead-download-history",
    ),
    path("admin/leads/<id:pk>/personal-data", views.LeadPersonalDataView.as_view(), name="admin-lead-personal-data"),
]
