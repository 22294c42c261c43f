"""``/api/v1`` routes of the bookings app (paths of spec/endpoints.txt, no trailing slash)."""

from django.urls import path

from . import views

urlpatterns = [
    # public: availability and calendar
    path(
        "public/consultants/<id:pk>/availability",
        views.ConsultantAvailabilityView.as_view(),
        name="public-consultant-availability",
    ),
    path(
        "public/consultants/<id:pk>/time-slots",
        views.ConsultantTimeSlotsView.as_view(),
        name="public-consultant-time-slots",
    ),
    path(
        "public/consultants/<id:pk>/calendar-sync",
        views.ConsultantCalendarSyncView.as_view(),
        name="public-consultant-calendar-sync",
    ),
    path(
        "public/consultants/<id:pk>/calendar.ics",
        views.ConsultantCalendarFeedView.as_view(),
        name="public-consultant-calendar",
    ),
    path("public/availability", views.AvailabilityView.as_view(), name="public-availability"),
    # public: booking
    path("public/consultants/<id:pk>/book-30for30", views.Book30For30View.as_view(), name="public-book-30for30"),
    path("public/bookings", views.BookingCreateView.as_view(), name="public-bookings"),
    path("public/bookings/<str:reference>", views.PublicBookingDetailView.as_view(), name="public-booking"),
    path(
        "public/bookings/<str:reference>/reschedule",
        views.PublicBookingRescheduleView.as_view(),
        name="public-booking-reschedule",
    ),
    path(
        "public/bookings/<str:reference>/cancel", views.PublicBookingCancelView.as_view(), name="public-booking-cancel"
    ),
    path(
        "public/bookings/<str:reference>/confirm",
        views.PublicBookingConfirmView.as_view(),
        name="public-booking-confirm",
    ),
    # staff (spec 000 /business, spec 001 /admin: the same views)
    path("business/bookings", views.StaffBookingListView.as_view(), name="business-bookings"),
    path("business/bookings/<id:pk>", views.StaffBookingDetailView.as_view(), name="business-booking"),
    path("business/bookings/<id:pk>/status", views.StaffBookingStatusView.as_view(), name="business-booking-status"),
    path(
        "business/bookings/<id:pk>/message-html",
        views.StaffBookingMessageHtmlView.as_view(),
        name="business-booking-message-html",
    ),
    path(
        "business/consultants/<id:pk>/schedule",
        views.StaffConsultantScheduleView.as_view(),
        name="business-consultant-schedule",
    ),
    path("consultant/schedule", views.OwnScheduleView.as_view(), name="consultant-own-schedule"),
    path("admin/bookings", views.StaffBookingListView.as_view(), name="admin-bookings"),
    path("admin/bookings/<id:pk>", views.StaffBookingDetailView.as_view(), name="admin-booking"),
]
