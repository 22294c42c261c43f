"""``/api/v1`` routes of the consultants app (paths of spec/endpoints.txt, no trailing slash)."""

from django.urls import path

from . import scraping_views, views

admin_collection = views.AdminConsultantViewSet.as_view({"get": "list", "post": "create"})
admin_item = views.AdminConsultantViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
admin_status = views.AdminConsultantViewSet.as_view({"put": "set_status"})

urlpatterns = [
    path("admin/consultants", admin_collection, name="admin-consultants"),
    path("admin/consultants/<id:pk>", admin_item, name="admin-consultant"),
    path("admin/consultants/<id:pk>/status", admin_status, name="admin-consultant-status"),
    # LinkedIn import through Scoopp (spec 000 "LinkedIn Integration via Scoopp", "Scraping Job Management")
    path(
        "admin/consultants/<id:pk>/linkedin-scraping",
        scraping_views.LinkedInScrapingStartView.as_view(),
        name="admin-consultant-linkedin-scraping",
    ),
    path(
        "admin/consultants/<id:pk>/linkedin-profile",
        scraping_views.LinkedInProfileView.as_view(),
        name="admin-consultant-linkedin-profile",
    ),
    path(
        "admin/consultants/<id:pk>/linkedin-sync",
        scraping_views.LinkedInSyncView.as_view(),
        name="admin-consultant-linkedin-sync",
    ),
    path("admin/consultants/scraping-jobs", scraping_views.ScrapingJobListView.as_view(), name="admin-scraping-jobs"),
    path(
        "admin/consultants/scraping-jobs/<id:pk>",
        scraping_views.ScrapingJobDetailView.as_view(),
        name="admin-scraping-job",
    ),
    path(
        "admin/consultants/scraping-jobs/<id:pk>/retry",
        scraping_views.ScrapingJobRetryView.as_view(),
        name="admin-scraping-job-retry",
    ),
    path("webhooks/scoopp", scraping_views.ScooppWebhookView.as_view(), name="webhook-scoopp"),
    path("public/consultants", views.PublicConsultantListView.as_view(), name="public-consultants"),
    path("public/consultants/search", views.PublicConsultantSearchView.as_view(), name="public-consultants-search"),
    path(
        "public/consultants/categories",
        views.PublicConsultantCategoriesView.as_view(),
        name="public-consultants-categories",
    ),
    path(
        "public/consultants/featured", views.PublicConsultantFeaturedView.as_view(), name="public-consultants-featured"
    ),
    path(
        "public/consultants/by-expertise/<str:expertise>",
        views.PublicConsultantByExpertiseView.as_view(),
        name="public-consultants-by-expertise",
    ),
    path("public/consultants/<id:pk>", views.PublicConsultantDetailView.as_view(), name="public-consultant"),
]
