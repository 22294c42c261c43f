from django.urls import path

from . import views

urlpatterns = [
    path(
        "public/consultants/<id:pk>/testimonials",
        views.ConsultantTestimonialsView.as_view(),
        name="consultant-testimonials",
    ),
]
