"""Booking endpoints: public availability and booking (spec 000 "Public Consultant APIs", spec 001
"Booking API"), the visitor's own booking by reference, the consultant's calendar feed, and the
staff views (``/business/bookings``, ``/admin/bookings``).

Views are thin: they validate input with an input serializer, call ``bookings.services`` or
``bookings.availability`` and answer with an output serializer. Errors of the services keep their
codes: 409 ``BOOKING_UNAVAILABLE``, 400 ``BOOKING_POLICY_WINDOW_CLOSED``, 409
``BOOKING_NOT_RESCHEDULABLE``/``BOOKING_INVALID_STATE``, 400 ``BOOKING_PAYMENT_REQUIRED``, 404
``BOOKING_NOT_FOUND``, 410 ``BOOKING_LINK_EXPIRED``, 422 validation.

Who may read or change a visitor's booking is decided by :mod:`bookings.access` alone: the manage
token (``?token=`` or body ``token``), or a JWT of its owner, its consultant or staff — staff need
``bookings.view_consultationbooking`` to read it and ``bookings.change_consultationbooking`` to
reschedule, cancel or confirm it (403 ``BOOKING_CHANGE_FORBIDDEN`` for staff who may only read).
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import django_filters
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from bookings import services
from bookings.access import (
    ADD_PERMISSION,
    CHANGE_PERMISSION,
    VIEW_PERMISSION,
    booking_for_change,
    booking_for_reading,
    check_may_change,
)
from bookings.availability import day_slots, duration_for, slots_by_day
from bookings.feeds import check_feed_token, consultant_calendar, consultant_feed_token
from bookings.models import BookingStatus, BookingType, ConsultationBooking
from consultants.models import Consultant
from content.portable_text import to_html
from magnetiq.api.filters import DateFilter, FilterSet, IdFilter
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from magnetiq.api.views import PublicAPIMixin
from magnetiq.exceptions import NotFound

from .serializers import (
    MEETING_TYPES,
    AvailabilityByConsultantQuerySerializer,
    AvailabilityQuerySerializer,
    AvailabilityResponseSerializer,
    BookingCreateSerializer,
    BookingRequestSerializer,
    CalendarSyncResponseSerializer,
    CancelInputSerializer,
    MessageHtmlSerializer,
    PublicBookingSerializer,
    PublicBookingWithTokenSerializer,
    RescheduleInputSerializer,
    StaffBookingCreateSerializer,
    StaffBookingSerializer,
    StaffBookingUpdateSerializer,
    StaffStatusInputSerializer,
    TimeSlotsQuerySerializer,
    TimeSlotsResponseSerializer,
    TokenInputSerializer,
    WeeklyScheduleSerializer,
    slot_data,
)

TOKEN_PARAMETER = OpenApiParameter("token", OpenApiTypes.STR, description="The manage token of the booking link.")


def _public_consultant(pk: int) -> Consultant:
    consultant = Consultant.objects.public().filter(pk=pk).first()
    if consultant is None:
        raise NotFound(_("No such consultant."), code="CONSULTANT_NOT_FOUND")
    return consultant


def _availability(consultant: Consultant, params: dict) -> dict:
    minutes = duration_for(params["booking_type"], params.get("duration_minutes"))
    zone = params["timezone"]
    states = day_slots(
        consultant=consultant,
        day=params["date"],
        tz=ZoneInfo(zone),
        booking_type=params["booking_type"],
        duration_minutes=minutes,
    )
    return {
        "consultant_id": consultant.pk,
        "date": params["date"].isoformat(),
        "timezone": zone,
        "booking_type": params["booking_type"],
        "duration_minutes": minutes,
        "time_slots": [slot_data(state, zone) for state in states],
    }


# --- availability -----------------------------------------------------------------------------


@extend_schema(tags=["public-bookings"])
class ConsultantAvailabilityView(PublicAPIMixin, APIView):
    """Slots of one day (in ``timezone``) of a public consultant (spec 000 ``AvailabilityResponse``).

    Every slot of the schedule within notice and window is listed, with ``is_available``; times in
    UTC and in ``timezone`` with its offset. Unknown or non-public consultant → 404.
    """

    @extend_schema(
        summary="Consultant availability for a day",
        parameters=[AvailabilityQuerySerializer],
        responses=AvailabilityResponseSerializer,
    )
    def get(self, request, pk: int):
        params = AvailabilityQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(_availability(_public_consultant(pk), params.validated_data))


@extend_schema(tags=["public-bookings"])
class AvailabilityView(PublicAPIMixin, APIView):
    """``GET /public/availability?consultant_id=&date=&timezone=`` (spec 001 "Booking API"): the slots
    of one day, answered exactly as ``GET /public/consultants/{id}/availability`` answers.
    An unknown or non-public consultant → 404; a bad date, zone or id → 422."""

    @extend_schema(
        summary="Availability (spec 001)",
        parameters=[AvailabilityByConsultantQuerySerializer],
        responses=AvailabilityResponseSerializer,
    )
    def get(self, request):
        params = AvailabilityByConsultantQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            _availability(_public_consultant(params.validated_data["consultant_id"]), params.validated_data)
        )


@extend_schema(tags=["public-bookings"])
class ConsultantTimeSlotsView(PublicAPIMixin, APIView):
    """The free slots of several days (``from``–``to`` inclusive, days in ``timezone``, at most 31;
    default: the next 7 days), computed for the whole range at once (two queries)."""

    @extend_schema(
        summary="Free time slots over several days",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default today)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive (default from + 6)."),
            OpenApiParameter("timezone", OpenApiTypes.STR),
            OpenApiParameter("booking_type", OpenApiTypes.STR, enum=BookingType.values),
            OpenApiParameter("duration_minutes", OpenApiTypes.INT),
        ],
        responses=TimeSlotsResponseSerializer,
    )
    def get(self, request, pk: int):
        params = TimeSlotsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        consultant = _public_consultant(pk)
        zone = data["timezone"]
        minutes = duration_for(data["booking_type"], data.get("duration_minutes"))
        first = data.get("from_date") or timezone.now().astimezone(ZoneInfo(zone)).date()
        last = data.get("to_date") or first + timedelta(days=6)
        if (last - first).days >= TimeSlotsQuerySerializer.MAX_DAYS or last < first:
            last = first + timedelta(days=6)
        free = slots_by_day(
            consultant=consultant,
            first_day=first,
            last_day=last,
            tz=ZoneInfo(zone),
            booking_type=data["booking_type"],
            duration_minutes=minutes,
            available_only=True,
        )
        days = [
            {"date": day.isoformat(), "time_slots": [slot_data(state, zone) for state in states]}
            for day, states in free.items()
        ]
        return Response(
            {
                "consultant_id": consultant.pk,
                "timezone": zone,
                "booking_type": data["booking_type"],
                "duration_minutes": minutes,
                "days": days,
            }
        )


@extend_schema(tags=["public-bookings"])
class ConsultantCalendarSyncView(APIView):
    """The consultant's ICS feed URL (subscribe in any calendar app).

    Needs a token: the consultant's own user, or staff with ``bookings.view_consultationbooking``
    (the feed lists client names, so it is never handed to anonymous callers). Others → 403.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="ICS feed URL of a consultant", request=None, responses=CalendarSyncResponseSerializer)
    def post(self, request, pk: int):
        consultant = get_object_or_404(Consultant.objects.alive(), pk=pk)
        own = consultant.user_id is not None and consultant.user_id == request.user.pk
        if not (own or request.user.has_perm(VIEW_PERMISSION)):
            self.permission_denied(request, message=_("Only the consultant or staff may subscribe to this calendar."))
        path = reverse("api:public-consultant-calendar", kwargs={"pk": consultant.pk})
        url = request.build_absolute_uri(f"{path}?token={consultant_feed_token(consultant)}")
        return Response({"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]})


@extend_schema(tags=["public-bookings"])
class ConsultantCalendarFeedView(PublicAPIMixin, APIView):
    """``text/calendar``: the consultant's confirmed and completed bookings. A wrong token → 404."""

    @extend_schema(
        summary="Consultant calendar feed (ICS)",
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True)],
        responses={(200, "text/calendar"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int):
        consultant = Consultant.objects.alive().filter(pk=pk).first()
        if consultant is None or not check_feed_token(consultant, request.query_params.get("token")):
            raise NotFound(_("No such calendar."))
        response = HttpResponse(consultant_calendar(consultant), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="magnetiq-{consultant.slug}.ics"'
        return response


# --- booking ----------------------------------------------------------------------------------


def _client_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class VisitorBookingMixin(PublicAPIMixin):
    """Public, throttled, and JWT-aware: a signed-in owner, consultant or staff needs no token.
    Every booking is looked up through :mod:`bookings.access` (read or change)."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [AllowAny]

    def booking_to_read(self, request, reference: str, token: str | None) -> tuple[ConsultationBooking, dict]:
        """The booking and the serializer context (which says whether the caller may change it)."""
        booking, access = booking_for_reading(reference=reference, user=request.user, token=token)
        return booking, {"request": request, "access": access}

    def booking_to_change(self, request, reference: str, token: str | None) -> ConsultationBooking:
        return booking_for_change(reference=reference, user=request.user, token=token)


@extend_schema(tags=["public-bookings"])
class Book30For30View(PublicAPIMixin, APIView):
    """Book a consultant (spec 000 ``BookingRequest``; any type, 30-for-30 by default).

    201 with the booking and its ``manage_token``: ``confirmed`` when free, else ``pending_payment``
    with ``hold_expires_at``. 409 ``BOOKING_UNAVAILABLE`` when the time is not free (or was just
    taken), 404 for an unknown consultant, 422 for bad fields.
    """

    authentication_classes = [JWTAuthentication]

    @extend_schema(
        summary="Book a consultation",
        request=BookingRequestSerializer,
        responses={201: PublicBookingWithTokenSerializer},
    )
    def post(self, request, pk: int):
        payload = BookingRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        booking = services.booking_create(
            consultant=_public_consultant(pk),
            start=data["scheduled_date"],
            booking_type=data["booking_type"],
            duration_minutes=data.get("duration_minutes"),
            visitor_timezone=data["timezone"],
            language=data["language"],
            client_name=data["client_name"],
            client_email=data["client_email"],
            client_phone=data["client_phone"],
            client_company=data["client_company"],
            client_message=data.get("client_message"),
            questions=data["questions"],
            meeting_platform=data["meeting_platform"],
            client_user=_client_user(request),
            coupon_code=data["coupon_code"],
            coupon_context={"ip": BaseThrottle().get_ident(request) or ""},
            actor=_client_user(request),
        )
        return created(
            PublicBookingWithTokenSerializer(booking, context={"request": request}).data, message=_("Booked.")
        )


@extend_schema(tags=["public-bookings"])
class BookingCreateView(PublicAPIMixin, APIView):
    """``POST /public/bookings`` (spec 001 "Booking API"): books a consultant from the nested ``client``
    request shape, with the same answers as ``POST /public/consultants/{id}/book-30for30``: 201 with the
    booking and its ``manage_token`` (``confirmed`` when free, else ``pending_payment`` with
    ``hold_expires_at``), 409 ``BOOKING_UNAVAILABLE`` when the time is not free, 404 for an unknown
    consultant, 422 for bad fields."""

    authentication_classes = [JWTAuthentication]

    @extend_schema(
        summary="Book a consultation (spec 001)",
        request=BookingCreateSerializer,
        responses={201: PublicBookingWithTokenSerializer},
    )
    def post(self, request):
        payload = BookingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        client = data["client"]
        booking = services.booking_create(
            consultant=_public_consultant(data["consultant_id"]),
            start=data["datetime"],
            booking_type=data["booking_type"],
            duration_minutes=data["duration"],
            visitor_timezone=data["timezone"],
            language=data["language"],
            client_name=f"{client['first_name']} {client['last_name']}".strip(),
            client_email=client["email"],
            client_phone=client["phone"],
            client_company=client["company"],
            client_message=data.get("message"),
            questions=data["questions"],
            meeting_platform=MEETING_TYPES[data["meeting_type"]],
            client_user=_client_user(request),
            coupon_code=data["coupon_code"],
            coupon_context={"ip": BaseThrottle().get_ident(request) or ""},
            actor=_client_user(request),
        )
        return created(
            PublicBookingWithTokenSerializer(booking, context={"request": request}).data, message=_("Booked.")
        )


@extend_schema(tags=["public-bookings"])
class PublicBookingDetailView(VisitorBookingMixin, APIView):
    """A visitor's booking by reference (token, or a JWT of someone who may read it); 404
    ``BOOKING_NOT_FOUND`` otherwise, 410 ``BOOKING_LINK_EXPIRED`` for the token of a booking that is
    over (its end + 14 days)."""

    @extend_schema(summary="Get a booking", parameters=[TOKEN_PARAMETER], responses=PublicBookingSerializer)
    def get(self, request, reference: str):
        booking, context = self.booking_to_read(request, reference, request.query_params.get("token"))
        return Response(PublicBookingSerializer(booking, context=context).data)


def _token(request, payload) -> str | None:
    return payload.validated_data.get("token") or request.query_params.get("token")


@extend_schema(tags=["public-bookings"])
class PublicBookingRescheduleView(VisitorBookingMixin, APIView):
    """Move the booking to ``scheduled_date`` (POST, or PUT as in spec 000). Answers with the booking
    and its ``manage_token`` (the same as before: links from earlier e-mails keep working). Who may:
    :mod:`bookings.access`."""

    @extend_schema(
        summary="Reschedule a booking",
        parameters=[TOKEN_PARAMETER],
        request=RescheduleInputSerializer,
        responses=PublicBookingWithTokenSerializer,
    )
    def post(self, request, reference: str):
        payload = RescheduleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        booking = self.booking_to_change(request, reference, _token(request, payload))
        booking = services.booking_reschedule(
            booking=booking, new_start=payload.validated_data["scheduled_date"], actor=_client_user(request)
        )
        data = PublicBookingWithTokenSerializer(booking, context={"request": request}).data
        return ok(data, message=_("Rescheduled."))

    @extend_schema(
        summary="Reschedule a booking (spec 000 method)",
        parameters=[TOKEN_PARAMETER],
        request=RescheduleInputSerializer,
        responses=PublicBookingWithTokenSerializer,
    )
    def put(self, request, reference: str):
        return self.post(request, reference)


@extend_schema(tags=["public-bookings"])
class PublicBookingCancelView(VisitorBookingMixin, APIView):
    """Cancel the booking (POST, or DELETE as in spec 000). Guests until 24 h before the start.
    Who may: :mod:`bookings.access`."""

    @extend_schema(
        summary="Cancel a booking",
        parameters=[TOKEN_PARAMETER],
        request=CancelInputSerializer,
        responses=PublicBookingSerializer,
    )
    def post(self, request, reference: str):
        payload = CancelInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        booking = self.booking_to_change(request, reference, _token(request, payload))
        booking = services.booking_cancel(
            booking=booking, reason=payload.validated_data["reason"], actor=_client_user(request)
        )
        return ok(PublicBookingSerializer(booking, context={"request": request}).data, message=_("Cancelled."))

    @extend_schema(
        summary="Cancel a booking (spec 000 method)",
        parameters=[TOKEN_PARAMETER],
        request=CancelInputSerializer,
        responses=PublicBookingSerializer,
    )
    def delete(self, request, reference: str):
        return self.post(request, reference)


@extend_schema(tags=["public-bookings"])
class PublicBookingConfirmView(VisitorBookingMixin, APIView):
    """Confirm attendance (spec 000). A booking waiting for payment → 400 ``BOOKING_PAYMENT_REQUIRED``.
    Who may: :mod:`bookings.access`."""

    @extend_schema(
        summary="Confirm attendance",
        parameters=[TOKEN_PARAMETER],
        request=TokenInputSerializer,
        responses=PublicBookingSerializer,
    )
    def post(self, request, reference: str):
        payload = TokenInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        booking = self.booking_to_change(request, reference, _token(request, payload))
        booking = services.booking_confirm_attendance(booking=booking)
        return ok(PublicBookingSerializer(booking, context={"request": request}).data, message=_("Confirmed."))


# --- staff ------------------------------------------------------------------------------------


class StaffBookingFilter(FilterSet):
    """``status``, ``consultant`` (id), ``booking_type``, ``date_from``/``date_to`` (UTC dates of the
    start, inclusive) and ``search`` (client name or e-mail, reference)."""

    status = django_filters.ChoiceFilter(choices=BookingStatus.choices)
    booking_type = django_filters.ChoiceFilter(choices=BookingType.choices)
    consultant = IdFilter(field_name="consultant_id")
    date_from = DateFilter(field_name="start", lookup_expr="date__gte")
    date_to = DateFilter(field_name="start", lookup_expr="date__lte")
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = ConsultationBooking
        fields = ["status", "booking_type", "consultant"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(client_name__icontains=value) | Q(client_email__icontains=value) | Q(reference=value))


class StaffBookingMixin:
    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": [VIEW_PERMISSION], "POST": [ADD_PERMISSION], "*": [CHANGE_PERMISSION]}
    queryset = ConsultationBooking.objects.select_related("consultant").order_by("-start", "-id")


@extend_schema(tags=["staff-bookings"])
class StaffBookingListView(StaffBookingMixin, generics.ListAPIView):
    """All bookings, newest start first, with filters (``status``, ``consultant``, ``booking_type``,
    ``date_from``, ``date_to``, ``search``). Needs ``bookings.view_consultationbooking``; booking
    for a client (POST) needs ``bookings.add_consultationbooking``."""

    serializer_class = StaffBookingSerializer
    filterset_class = StaffBookingFilter
    resource_name = "bookings"

    @extend_schema(summary="List bookings (staff)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Book for a client (staff, by phone)",
        request=StaffBookingCreateSerializer,
        responses={201: StaffBookingSerializer},
    )
    def post(self, request, *args, **kwargs):
        """Book through :func:`bookings.services.booking_create_for_client`: the public path's slot
        rules and e-mails, the staff member recorded as ``created_by_staff`` and in the history.
        201 ``confirmed`` (free) or ``pending_payment`` (held ``STAFF_HOLD_HOURS``, the client is
        e-mailed the payment link); 409 ``BOOKING_UNAVAILABLE``, 404 for a consultant who is not
        public, 422 for bad fields."""
        payload = StaffBookingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        booking = services.booking_create_for_client(
            staff=request.user,
            consultant=_public_consultant(data["consultant_id"]),
            start=data["scheduled_date"],
            booking_type=data["booking_type"],
            duration_minutes=data.get("duration_minutes"),
            visitor_timezone=data["timezone"],
            language=data["language"],
            client_name=data["client_name"],
            client_email=data["client_email"],
            client_phone=data["client_phone"],
            client_company=data["client_company"],
            client_message=data.get("client_message"),
            questions=data["questions"],
            meeting_platform=data["meeting_platform"],
        )
        return created(StaffBookingSerializer(booking).data, message=_("Booked."))


@extend_schema(tags=["staff-bookings"])
class StaffBookingDetailView(StaffBookingMixin, generics.RetrieveAPIView):
    """One booking by id (staff); PUT moves it and/or changes its status (needs
    ``bookings.change_consultationbooking``)."""

    serializer_class = StaffBookingSerializer

    @extend_schema(summary="Get a booking (staff)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Update a booking (staff): move it, change its status",
        request=StaffBookingUpdateSerializer,
        responses=StaffBookingSerializer,
    )
    def put(self, request, pk: int):
        """``scheduled_date`` → :func:`bookings.services.booking_reschedule` (409
        ``BOOKING_UNAVAILABLE`` / ``BOOKING_NOT_RESCHEDULABLE``), ``status`` →
        :func:`bookings.services.booking_update_status` (409 ``BOOKING_INVALID_STATE``); the staff
        member is the actor of the history entries. 422 when neither is given."""
        booking = get_object_or_404(self.queryset, pk=pk)
        check_may_change(booking, user=request.user, token=None)
        payload = StaffBookingUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if "scheduled_date" in data:
            booking = services.booking_reschedule(booking=booking, new_start=data["scheduled_date"], actor=request.user)
        if "status" in data:
            booking = services.booking_update_status(
                booking=booking, status=data["status"], reason=data["reason"], actor=request.user
            )
        return ok(StaffBookingSerializer(booking).data, message=_("Updated."))


@extend_schema(tags=["staff-bookings"])
class StaffBookingStatusView(StaffBookingMixin, APIView):
    """Set the status (``confirmed``, ``cancelled``, ``completed``, ``no_show``) through the services;
    staff are not bound by the 24 h rule. Needs ``bookings.change_consultationbooking``."""

    @extend_schema(
        summary="Update a booking's status", request=StaffStatusInputSerializer, responses=StaffBookingSerializer
    )
    def put(self, request, pk: int):
        booking = get_object_or_404(self.queryset, pk=pk)
        check_may_change(booking, user=request.user, token=None)
        payload = StaffStatusInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        booking = services.booking_update_status(
            booking=booking,
            status=payload.validated_data["status"],
            reason=payload.validated_data["reason"],
            actor=request.user,
        )
        return ok(StaffBookingSerializer(booking).data, message=_("Status updated."))


@extend_schema(tags=["staff-bookings"])
class StaffBookingMessageHtmlView(StaffBookingMixin, APIView):
    """The client's message rendered to safe HTML (spec 000 ``message-html``)."""

    @extend_schema(summary="The client's message as HTML", responses=MessageHtmlSerializer)
    def get(self, request, pk: int):
        booking = get_object_or_404(self.queryset, pk=pk)
        return Response({"id": booking.pk, "html": to_html(booking.client_message or [])})


@extend_schema(tags=["staff-bookings"])
class StaffConsultantScheduleView(APIView):
    """Read or replace a consultant's weekly schedule (times in the consultant's zone). Needs
    ``bookings.view_availabilityrule`` to read and ``bookings.change_availabilityrule`` to replace;
    bad ranges → 422. Existing bookings are kept."""

    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["bookings.view_availabilityrule"], "*": ["bookings.change_availabilityrule"]}

    def _data(self, consultant) -> dict:
        return {
            "consultant_id": consultant.pk,
            "timezone": consultant.timezone,
            "schedule": services.availability_weekly(consultant),
        }

    @extend_schema(summary="A consultant's weekly schedule", responses=WeeklyScheduleSerializer)
    def get(self, request, pk: int):
        return Response(self._data(get_object_or_404(Consultant.objects.alive(), pk=pk)))

    @extend_schema(
        summary="Replace a consultant's weekly schedule",
        request=WeeklyScheduleSerializer,
        responses=WeeklyScheduleSerializer,
    )
    def put(self, request, pk: int):
        consultant = get_object_or_404(Consultant.objects.alive(), pk=pk)
        payload = WeeklyScheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.availability_set_weekly(
            consultant=consultant, schedule=payload.validated_data["schedule"], actor=request.user
        )
        return ok(self._data(consultant), message=_("Schedule saved."))


class OwnScheduleView(StaffConsultantScheduleView):
    """The signed-in consultant's own weekly schedule (``GET``/``PUT /api/v1/consultant/schedule``,
    times in their zone, same shape as the staff endpoint). A user without a consultant profile → 404
    ``CONSULTANT_PROFILE_NOT_FOUND``; no token → 401."""

    permission_classes = [IsAuthenticated]
    required_permissions = None

    @staticmethod
    def _own(request) -> Consultant:
        consultant = Consultant.objects.alive().filter(user=request.user).first()
        if consultant is None:
            raise NotFound(_("You have no consultant profile."), code="CONSULTANT_PROFILE_NOT_FOUND")
        return consultant

    @extend_schema(summary="My weekly schedule (consultants)", responses=WeeklyScheduleSerializer)
    def get(self, request):
        return Response(self._data(self._own(request)))

    @extend_schema(
        summary="Replace my weekly schedule (consultants)",
        request=WeeklyScheduleSerializer,
        responses=WeeklyScheduleSerializer,
    )
    def put(self, request):
        consultant = self._own(request)
        payload = WeeklyScheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.availability_set_weekly(
            consultant=consultant, schedule=payload.validated_data["schedule"], actor=request.user
        )
        return ok(self._data(consultant), message=_("Schedule saved."))
