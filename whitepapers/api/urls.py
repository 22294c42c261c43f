"""``/api/v1`` routes of the whitepapers app (spec/endpoints.txt; fixed words before ``{id}``/``{slug}``)."""

from django.urls import path

from . import views

admin_collection = views.AdminWhitepaperViewSet.as_view({"get": "list", "post": "create"})
admin_item = views.AdminWhitepaperViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
business_item = views.AdminWhitepaperViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    # public
    path("public/whitepapers", views.PublicWhitepaperListView.as_view(), name="public-whitepapers"),
    path("public/whitepapers/search", views.PublicWhitepaperSearchView.as_view(), name="public-whitepapers-search"),
    path(
        "public/whitepapers/categories",
        views.PublicWhitepaperCategoriesView.as_view(),
        name="public-whitepapers-categories",
    ),
    path("public/whitepapers/tags", views.PublicWhitepaperTagsView.as_view(), name="public-whitepapers-tags"),
    path(
        "public/whitepapers/featured", views.PublicWhitepaperFeaturedView.as_view(), name="public-whitepapers-featured"
    ),
    path("public/whitepapers/recent", views.PublicWhitepaperRecentView.as_view(), name="public-whitepapers-recent"),
    path(
        "public/whitepapers/analytics/<id:pk>",
        views.PublicWhitepaperAnalyticsView.as_view(),
        name="public-whitepaper-analytics",
    ),
    path(
        "public/whitepapers/download/<str:token>",
        views.PublicWhitepaperDownloadView.as_view(),
        name="public-whitepaper-download",
    ),
    path(
        "public/whitepapers/<id:pk>/download",
        views.PublicWhitepaperDownloadRequestView.as_view(),
        name="public-whitepaper-download-request",
    ),
    path("public/whitepapers/<id:pk>", views.PublicWhitepaperDetailView.as_view(), name="public-whitepaper"),
    path(
        "public/whitepapers/<slug:slug>", views.PublicWhitepaperBySlugView.as_view(), name="public-whitepaper-by-slug"
    ),
    path(
        "public/consultants/<id:pk>/whitepapers",
        views.PublicConsultantWhitepapersView.as_view(),
        name="public-consultant-whitepapers",
    ),
    # staff
    path("admin/whitepapers", admin_collection, name="admin-whitepapers"),
    path("admin/whitepapers/bulk-action", views.AdminWhitepaperBulkActionView.as_view(), name="admin-whitepapers-bulk"),
    path("admin/whitepapers/email-queue", views.EmailQueueView.as_view(), name="admin-whitepapers-email-queue"),
    path(
        "admin/whitepapers/email-queue/<id:pk>",
        views.EmailQueueRejectView.as_view(),
        name="admin-whitepapers-email-reject",
    ),
    path(
        "admin/whitepapers/email-queue/<id:pk>/process",
        views.EmailQueueProcessView.as_view(),
        name="admin-whitepapers-email-process",
    ),
    path(
        "admin/whitepapers/email-queue/<id:pk>/approve",
        views.EmailQueueApproveView.as_view(),
        name="admin-whitepapers-email-approve",
    ),
    path(
        "admin/whitepapers/email-submission",
        views.EmailSubmissionUploadView.as_view(),
        name="admin-whitepapers-email-submission",
    ),
    path("admin/whitepapers/<id:pk>", admin_item, name="admin-whitepaper"),
    path(
        "admin/whitepapers/<id:pk>/activate",
        views.AdminWhitepaperViewSet.as_view({"put": "activate"}),
        name="admin-whitepaper-activate",
    ),
    path(
        "admin/whitepapers/<id:pk>/deactivate",
        views.AdminWhitepaperViewSet.as_view({"put": "deactivate"}),
        name="admin-whitepaper-deactivate",
    ),
    path(
        "admin/whitepapers/<id:pk>/content",
        views.AdminWhitepaperViewSet.as_view({"put": "content"}),
        name="admin-whitepaper-content",
    ),
    path(
        "admin/whitepapers/<id:pk>/generate-pdf",
        views.AdminWhitepaperViewSet.as_view({"post": "generate_pdf"}),
        name="admin-whitepaper-generate-pdf",
    ),
    path(
        "admin/whitepapers/<id:pk>/analytics",
        views.AdminWhitepaperViewSet.as_view({"get": "analytics"}),
        name="admin-whitepaper-analytics",
    ),
    path("admin/whitepapers/<id:pk>/leads", views.AdminWhitepaperLeadsView.as_view(), name="admin-whitepaper-leads"),
    # spec 002: the same views under /business
    path("business/whitepapers", admin_collection, name="business-whitepapers"),
    path("business/whitepapers/<id:pk>", business_item, name="business-whitepaper"),
    path(
        "business/whitepapers/<id:pk>/download",
        views.PublicWhitepaperDownloadRequestView.as_view(),
        name="business-whitepaper-download",
    ),
]
