"""``/api/v1`` routes of the consultants app (paths of spec/endpoints.txt, no trailing slash)."""

from django.urls import path

from . import views

admin_collection = views.AdminConsultantViewSet.as_view({"get": "list", "post": "create"})
admin_item = views.AdminConsultantViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
admin_status = views.AdminConsultantViewSet.as_view({"put": "set_status"})

urlpatterns = [
    path("admin/consultants", admin_collection, name="admin-consultants"),
    path("admin/consultants/<id:pk>", admin_item, name="admin-consultant"),
    path("admin/consultants/<id:pk>/status", admin_status, name="admin-consultant-status"),
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
