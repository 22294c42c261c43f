"""``/api/v1`` routes of spec 004's consulting service (paths of spec/endpoints.txt, no trailing slash)."""

from django.urls import path

from . import views

urlpatterns = [
    # researchers (public)
    path("consulting/researchers", views.ResearcherListView.as_view(), name="consulting-researchers"),
    path("consulting/researchers/search", views.ResearcherListView.as_view(), name="consulting-researchers-search"),
    path("consulting/researchers/collect", views.CollectByAuthorView.as_view(), name="consulting-collect"),
    path(
        "consulting/researchers/collect-by-institution",
        views.CollectByInstitutionView.as_view(),
        name="consulting-collect-by-institution",
    ),
    path(
        "consulting/researchers/paper/<path:paper_id>",
        views.ResearcherByPaperView.as_view(),
        name="consulting-researcher-by-paper",
    ),
    path("consulting/researchers/<id:pk>", views.ResearcherDetailView.as_view(), name="consulting-researcher"),
    path(
        "consulting/researchers/<id:pk>/availability",
        views.ResearcherAvailabilityView.as_view(),
        name="consulting-researcher-availability",
    ),
    path("consulting/time-slots", views.TimeSlotListView.as_view(), name="consulting-time-slots"),
    path("consulting/time-slots/<str:slot>", views.TimeSlotDetailView.as_view(), name="consulting-time-slot"),
    # sessions (JWT)
    path("consulting/sessions", views.SessionListCreateView.as_view(), name="consulting-sessions"),
    path("consulting/sessions/<str:reference>", views.SessionDetailView.as_view(), name="consulting-session"),
    path(
        "consulting/sessions/<str:reference>/cancel",
        views.SessionCancelView.as_view(),
        name="consulting-session-cancel",
    ),
    path(
        "consulting/sessions/<str:reference>/accept",
        views.SessionAcceptView.as_view(),
        name="consulting-session-accept",
    ),
    # outreach and registration
    path("consulting/outreach", views.OutreachListCreateView.as_view(), name="consulting-outreach"),
    path("consulting/outreach/decline", views.OutreachDeclineView.as_view(), name="consulting-outreach-decline"),
    path("auth/register-researcher", views.RegisterResearcherView.as_view(), name="auth-register-researcher"),
    # collection jobs (staff)
    path(
        "consulting/collection-jobs/<id:pk>",
        views.CollectionJobDetailView.as_view(),
        name="consulting-collection-job",
    ),
]
