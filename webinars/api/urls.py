"""``/api/v1`` routes of the webinars app (paths of spec/endpoints.txt, no trailing slash)."""

from django.urls import path

from . import views

staff_collection = views.StaffWebinarViewSet.as_view({"get": "list", "post": "create"})
staff_item = views.StaffWebinarViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
business_item = views.StaffWebinarViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("public/webinars", views.PublicWebinarListView.as_view(), name="public-webinars"),
    path(
        "public/webinars/registrations/<slug:reference>/cancel",
        views.PublicRegistrationCancelView.as_view(),
        name="public-webinar-registration-cancel",
    ),
    path("public/webinars/<id:pk>/register", views.PublicWebinarRegisterView.as_view(), name="public-webinar-register"),
    path("public/webinars/<slug:slug>", views.PublicWebinarDetailView.as_view(), name="public-webinar"),
    path(
        "public/consultants/<id:pk>/webinars",
        views.PublicConsultantWebinarsView.as_view(),
        name="public-consultant-webinars",
    ),
    path("business/webinars", staff_collection, name="business-webinars"),
    path("business/webinars/<id:pk>", business_item, name="business-webinar"),
    path(
        "business/webinars/<id:pk>/description-html",
        views.BusinessWebinarDescriptionHtmlView.as_view(),
        name="business-webinar-description-html",
    ),
    path(
        "business/webinars/<id:pk>/register",
        views.BusinessWebinarRegisterView.as_view(),
        name="business-webinar-register",
    ),
    path("admin/webinars/sessions", staff_collection, name="admin-webinar-sessions"),
    path("admin/webinars/sessions/<id:pk>", staff_item, name="admin-webinar-session"),
    path(
        "admin/webinars/sessions/<id:pk>/registrations",
        views.StaffWebinarRegistrationsView.as_view(),
        name="admin-webinar-session-registrations",
    ),
]
