from django.urls import path

from . import views

urlpatterns = [
    path(
        "public/consultants/<id:pk>/testimonials",
        views.ConsultantTestimonialsView.as_view(),
        name="consultant-testimonials",
    ),
    path("admin/reviews", views.StaffReviewListView.as_view(), name="admin-reviews"),
    path("admin/reviews/<id:pk>/approve", views.StaffReviewApproveView.as_view(), name="admin-review-approve"),
    path("admin/reviews/<id:pk>/reject", views.StaffReviewRejectView.as_view(), name="admin-review-reject"),
]
