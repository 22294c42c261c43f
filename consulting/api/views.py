"""Spec 004's consulting API under ``/api/v1/consulting/`` on consultants and bookings.

* Researchers (public, throttled): list/search/filter, one by id, the primary researcher of a paper,
  availability of a day, and time slots over several days.
* Sessions (JWT): create (a booking of the researcher, ``bookings.services.booking_create``), list
  and get the caller's own, cancel (``booking_cancel``: clients until 24 h before the start), accept
  (only the session's researcher). A session is addressed by its booking ``reference``. Visibility:
  a client sees the sessions they booked, a researcher (a user linked through ``Consultant.user``)
  the sessions with them, staff holding ``bookings.view_consultationbooking`` all; anything else is
  404 ``SESSION_NOT_FOUND``, so ids of others cannot be probed.
* Outreach (JWT): clients and staff holding ``consulting.add_outreachrequest`` invite a researcher by
  e-mail; the list shows one's own requests (staff with ``consulting.view_outreachrequest`` all).
  ``outreach/decline`` (public, with the invitation token) records a "no".
* ``auth/register-researcher`` (public, with the invitation token).
* Collection (staff): ``researchers/collect``, ``researchers/collect-by-institution`` (202 with the
  job; needs ``consulting.add_collectionjob``) and ``collection-jobs/{id}`` (``view_collectionjob``).
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from bookings.access import check_may_change
from bookings.availability import day_slots
from bookings.models import BookingType, ConsultationBooking
from bookings.services import booking_cancel
from consulting import conf, services
from consulting.exceptions import ResearcherNotFound, SessionNotFound
from consulting.models import CollectionJob, CollectionKind, OutreachRequest, Paper, ResearcherProfile
from consulting.openalex_gateway import short_id
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from magnetiq.api.views import PublicAPIMixin
from magnetiq.exceptions import NotFound

from .serializers import (
    CollectByAuthorSerializer,
    CollectByInstitutionSerializer,
    CollectionJobSerializer,
    InvitationTokenSerializer,
    OutreachCreateSerializer,
    OutreachSerializer,
    RegisteredResearcherSerializer,
    RegisterResearcherSerializer,
    ResearcherAvailabilityQuerySerializer,
    ResearcherAvailabilityResponseSerializer,
    ResearcherDetailSerializer,
    ResearcherForPaperSerializer,
    ResearcherListQuerySerializer,
    ResearcherSerializer,
    ResearcherTimeSlotSerializer,
    ResearcherTimeSlotsQuerySerializer,
    ResearcherTimeSlotsResponseSerializer,
    SessionCancelInputSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    utc_iso,
)
from .slots import parse_slot_id, slot_id

VIEW_BOOKINGS = "bookings.view_consultationbooking"
ADD_OUTREACH = "consulting.add_outreachrequest"
VIEW_OUTREACH = "consulting.view_outreachrequest"


def _public_researcher(pk: int) -> ResearcherProfile:
    profile = ResearcherProfile.objects.public().select_related("consultant").filter(consultant_id=pk).first()
    if profile is None:
        raise ResearcherNotFound()
    return profile


def _slot_states(profile: ResearcherProfile, day, zone: str):
    return day_slots(
        consultant=profile.consultant,
        day=day,
        tz=ZoneInfo(zone),
        booking_type=BookingType.CUSTOM,
        duration_minutes=conf.get("CONSULTING_SESSION_MINUTES"),
    )


def _slot_data(profile: ResearcherProfile, state, zone: str) -> dict:
    tz = ZoneInfo(zone)
    return {
        "id": slot_id(profile.consultant_id, state.slot.start),
        "researcher_id": profile.consultant_id,
        "start_time": utc_iso(state.slot.start),
        "end_time": utc_iso(state.slot.end),
        "start_local": state.slot.start.astimezone(tz).isoformat(),
        "end_local": state.slot.end.astimezone(tz).isoformat(),
        "available": state.available,
    }


# --- researchers --------------------------------------------------------------------------------


@extend_schema(tags=["consulting"])
class ResearcherListView(PublicAPIMixin, generics.ListAPIView):
    """Public researchers (active consultants with a researcher profile), by name.

    Query: ``search`` (or spec 004's ``query``: every word in the name, affiliation, a research area
    or an expertise tag), ``area`` (a whole research area or expertise tag), ``institution`` (part
    of the affiliation, an OpenAlex institution id or a ROR URL), ``page``, ``limit``.
    """

    serializer_class = ResearcherSerializer
    resource_name = "researchers"

    def get_queryset(self):
        params = ResearcherListQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        qs = ResearcherProfile.objects.public().select_related("consultant")
        qs = qs.search(data.get("search") or data.get("query"))
        if data.get("area"):
            needle = data["area"].strip()
            qs = qs.filter(
                Q(research_areas__icontains=f'"{needle}"') | Q(consultant__expertise_areas__icontains=f'"{needle}"')
            )
        if data.get("institution"):
            value = data["institution"].strip()
            institution_id = short_id(value, "I")
            if institution_id:
                qs = qs.filter(institution_openalex_id=institution_id)
            elif "ror.org/" in value:
                qs = qs.filter(institution_ror__iexact=value if value.startswith("http") else f"https://{value}")
            else:
                qs = qs.filter(affiliation__icontains=value)
        return qs.order_by("consultant__last_name", "consultant__first_name", "pk")

    @extend_schema(summary="List researchers", parameters=[ResearcherListQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["consulting"])
class ResearcherDetailView(PublicAPIMixin, APIView):
    """One public researcher by id (spec 004 "Get Researcher by ID"). Unknown or not public → 404."""

    @extend_schema(summary="Get a researcher", responses=ResearcherDetailSerializer)
    def get(self, request, pk: int):
        profile = _public_researcher(pk)
        return ok(ResearcherDetailSerializer(profile, context={"request": request}).data, "Researcher retrieved.")


@extend_schema(tags=["consulting"])
class ResearcherByPaperView(PublicAPIMixin, APIView):
    """The primary researcher of a paper (spec 004 "Get Researcher by Paper ID"): ``paper_id`` is a
    DOI (``10.…``, also as ``https://doi.org/…``) or an OpenAlex work id (``W…``). 404 when the paper
    is unknown or its researcher is not public."""

    @extend_schema(summary="Get the researcher of a paper", responses=ResearcherForPaperSerializer)
    def get(self, request, paper_id: str):
        paper = services.paper_lookup(paper_id)
        profile = _public_researcher(paper.researcher.consultant_id)
        data = ResearcherForPaperSerializer(profile, context={"request": request, "paper": paper}).data
        return ok(data, "Researcher retrieved.")


@extend_schema(tags=["consulting"])
class ResearcherAvailabilityView(PublicAPIMixin, APIView):
    """Free session slots of one day in ``timezone`` (spec 004 "Get Researcher Availability"):
    ``{"availability": {"<date>": ["09:00-10:00", …]}, "time_slots": [...]}``. Sessions last
    ``CONSULTING_SESSION_MINUTES``; the booking rules (notice, window, buffers, day limit) apply."""

    @extend_schema(
        summary="Researcher availability for a day",
        parameters=[ResearcherAvailabilityQuerySerializer],
        responses=ResearcherAvailabilityResponseSerializer,
    )
    def get(self, request, pk: int):
        params = ResearcherAvailabilityQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        zone = params.validated_data["timezone"]
        tz = ZoneInfo(zone)
        day = params.validated_data.get("date") or timezone.now().astimezone(tz).date()
        profile = _public_researcher(pk)
        free = [state for state in _slot_states(profile, day, zone) if state.available]
        ranges = [f"{s.slot.start.astimezone(tz):%H:%M}-{s.slot.end.astimezone(tz):%H:%M}" for s in free]
        return Response(
            {
                "researcher_id": profile.consultant_id,
                "timezone": zone,
                "duration_minutes": conf.get("CONSULTING_SESSION_MINUTES"),
                "availability": {day.isoformat(): ranges},
                "time_slots": [_slot_data(profile, state, zone) for state in free],
            }
        )


@extend_schema(tags=["consulting"])
class TimeSlotListView(PublicAPIMixin, APIView):
    """Every session slot of a researcher over ``date`` or ``from``–``to`` (days in ``timezone``, at
    most 31; default the next 7 days), each with ``available`` (spec 004 "Time Slot Availability":
    booked slots are listed with ``available: false``)."""

    @extend_schema(
        summary="Time slots of a researcher",
        parameters=[
            OpenApiParameter("researcher_id", OpenApiTypes.INT, required=True),
            OpenApiParameter("date", OpenApiTypes.DATE),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("timezone", OpenApiTypes.STR),
        ],
        responses=ResearcherTimeSlotsResponseSerializer,
    )
    def get(self, request):
        params = ResearcherTimeSlotsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        zone = data["timezone"]
        profile = _public_researcher(data["researcher_id"])
        first = data.get("from_date") or timezone.now().astimezone(ZoneInfo(zone)).date()
        last = data.get("to_date") or first + timedelta(days=6)
        slots = []
        for offset in range((last - first).days + 1):
            states = _slot_states(profile, first + timedelta(days=offset), zone)
            slots.extend(_slot_data(profile, state, zone) for state in states)
        return Response(
            {
                "researcher_id": profile.consultant_id,
                "timezone": zone,
                "duration_minutes": conf.get("CONSULTING_SESSION_MINUTES"),
                "time_slots": slots,
            }
        )


@extend_schema(tags=["consulting"])
class TimeSlotDetailView(PublicAPIMixin, APIView):
    """One time slot by id (``<researcher_id>-<YYYYMMDDTHHMM>Z``): 404 when it is not a slot of the
    researcher's schedule, else the slot with ``available``."""

    @extend_schema(
        summary="Get a time slot",
        operation_id="consulting_time_slot_retrieve",
        parameters=[OpenApiParameter("timezone", OpenApiTypes.STR)],
        responses=ResearcherTimeSlotSerializer,
    )
    def get(self, request, slot: str):
        params = ResearcherAvailabilityQuerySerializer(data={"timezone": request.query_params.get("timezone", "UTC")})
        params.is_valid(raise_exception=True)
        zone = params.validated_data["timezone"]
        researcher_id, start = parse_slot_id(slot)
        profile = _public_researcher(researcher_id)
        day = start.astimezone(ZoneInfo(zone)).date()
        state = next((s for s in _slot_states(profile, day, zone) if s.slot.start == start), None)
        if state is None:
            raise NotFound(_("No such time slot."), code="TIME_SLOT_NOT_FOUND")
        return Response(_slot_data(profile, state, zone))


# --- sessions -----------------------------------------------------------------------------------


def visible_sessions(user):
    """The sessions ``user`` may see: staff with ``bookings.view_consultationbooking`` all sessions
    with researchers; everyone else the ones they booked or that are with them as the researcher."""
    qs = ConsultationBooking.objects.select_related("consultant").filter(consultant__researcher_profile__isnull=False)
    if user.has_perm(VIEW_BOOKINGS):
        return qs
    return qs.filter(Q(client_user=user) | Q(consultant__user=user))


def _session(user, reference: str) -> ConsultationBooking:
    booking = visible_sessions(user).filter(reference=reference).first()
    if booking is None:
        raise SessionNotFound()
    return booking


def _paper_titles(bookings) -> dict[str, str]:
    references = {b.paper_id for b in bookings if b.paper_id}
    if not references:
        return {}
    papers = Paper.objects.filter(Q(doi__in=references) | Q(openalex_id__in=references))
    return {paper.reference: paper.title for paper in papers}


def _session_data(booking, request) -> dict:
    return SessionSerializer(booking, context={"request": request, "paper_titles": _paper_titles([booking])}).data


@extend_schema(tags=["consulting"])
class SessionListCreateView(generics.ListAPIView):
    """``GET``: the caller's sessions (see module docstring), latest start first, paginated.
    ``POST``: book a session (spec 004 "Create Session") → 201 with the session; 409
    ``BOOKING_UNAVAILABLE`` when the time is not free, 404 for an unknown researcher or paper, 422 for
    bad fields. Priced sessions wait in ``pending_payment`` (see payments.services.checkout)."""

    permission_classes = [IsAuthenticated]
    serializer_class = SessionSerializer
    resource_name = "sessions"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ConsultationBooking.objects.none()
        return visible_sessions(self.request.user).order_by("-start", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(), "paper_titles": _paper_titles(page)}
        return self.get_paginated_response(SessionSerializer(page, many=True, context=context).data)

    @extend_schema(summary="List my sessions")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Book a session", request=SessionCreateSerializer, responses={201: SessionSerializer})
    def post(self, request):
        payload = SessionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        booking = services.session_create(
            client=request.user,
            researcher=_public_researcher(data["researcher_id"]),
            start=data["start_time"],
            end=data.get("end_time"),
            paper_id=data.get("paper_id") or "",
            questions=data.get("questions"),
            visitor_timezone=data["timezone"],
            language=data["language"],
        )
        return created(_session_data(booking, request), message=_("Session created successfully."))


@extend_schema(tags=["consulting"])
class SessionDetailView(APIView):
    """One session by id (its booking reference); someone else's → 404 ``SESSION_NOT_FOUND``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Get a session", responses=SessionSerializer)
    def get(self, request, reference: str):
        return Response(_session_data(_session(request.user, reference), request))


@extend_schema(tags=["consulting"])
class SessionCancelView(APIView):
    """Cancel a session (POST, or PATCH as in spec 004's first API list). The client may cancel until
    24 h before the start (400 ``BOOKING_POLICY_WINDOW_CLOSED`` later); the researcher and staff
    holding ``bookings.change_consultationbooking`` at any time; staff who may only view → 403."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Cancel a session", request=SessionCancelInputSerializer, responses=SessionSerializer)
    def post(self, request, reference: str):
        booking = _session(request.user, reference)
        user = request.user
        check_may_change(booking, user=user, token=None)
        payload = SessionCancelInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        booking = booking_cancel(booking=booking, actor=user, reason=payload.validated_data["reason"])
        return ok(_session_data(booking, request), message=_("Session canceled successfully."))

    @extend_schema(
        summary="Cancel a session (spec 004 PATCH)", request=SessionCancelInputSerializer, responses=SessionSerializer
    )
    def patch(self, request, reference: str):
        return self.post(request, reference)


@extend_schema(tags=["consulting"])
class SessionAcceptView(APIView):
    """The researcher accepts a session (spec 004 "Accept Session"); only the session's researcher
    (403 for the client or staff, 404 for others). 409 ``SESSION_NOT_ACCEPTABLE`` for a cancelled,
    expired or past session; accepting twice is a no-op."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Accept a session", request=None, responses=SessionSerializer)
    def post(self, request, reference: str):
        booking = _session(request.user, reference)
        if booking.consultant.user_id != request.user.pk:
            raise PermissionDenied(_("Only the researcher of this session can accept it."))
        booking = services.session_accept(booking=booking, actor=request.user)
        return ok(_session_data(booking, request), message=_("Session accepted successfully."))


# --- outreach -----------------------------------------------------------------------------------


def _may_request_outreach(user) -> bool:
    return user.role == Role.CLIENT or user.has_perm(ADD_OUTREACH)


@extend_schema(tags=["consulting"])
class OutreachListCreateView(generics.ListAPIView):
    """``POST``: invite a researcher who is not on the platform (spec 004 "Create Outreach Request");
    clients and staff holding ``consulting.add_outreachrequest`` (others → 403). 201 with the request;
    the e-mail leaves through a task (``email_failed`` when it cannot be sent); 409
    ``RESEARCHER_ALREADY_REGISTERED`` when the address has an account; 404 for an unknown paper.
    ``GET``: one's own requests; staff holding ``consulting.view_outreachrequest`` see all."""

    permission_classes = [IsAuthenticated]
    serializer_class = OutreachSerializer
    resource_name = "outreach"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return OutreachRequest.objects.none()
        qs = OutreachRequest.objects.select_related("paper")
        if not self.request.user.has_perm(VIEW_OUTREACH):
            qs = qs.filter(created_by=self.request.user)
        return qs.order_by("-created_at", "-id")

    @extend_schema(summary="List outreach requests")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Invite a researcher", request=OutreachCreateSerializer, responses={201: OutreachSerializer})
    def post(self, request):
        if not _may_request_outreach(request.user):
            raise PermissionDenied(_("Only clients and outreach staff can invite researchers."))
        payload = OutreachCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        outreach = services.outreach_create(
            researcher_email=data["researcher_email"],
            researcher_name=data["researcher_name"],
            paper=services.paper_lookup(data["paper_id"]) if data["paper_id"] else None,
            context=data["context"],
            message=data["message"],
            language=data["language"],
            actor=request.user,
        )
        outreach.refresh_from_db()  # the task may already have sent (or failed to send) the e-mail
        message = (
            _("Outreach request created, but the invitation e-mail could not be sent.")
            if outreach.state == "email_failed"
            else _("Outreach request created and email sent to researcher.")
        )
        return created(OutreachSerializer(outreach, context={"request": request}).data, message=message)


@extend_schema(tags=["consulting"])
class OutreachDeclineView(PublicAPIMixin, APIView):
    """The invited researcher declines (``token`` from the e-mail): the request becomes ``declined``
    and the link stops working. Token errors as for ``auth/register-researcher``."""

    @extend_schema(summary="Decline an invitation", request=InvitationTokenSerializer, responses={200: None})
    def post(self, request):
        payload = InvitationTokenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.outreach_decline(token=payload.validated_data["token"])
        return ok({"status": "declined"}, message=_("Invitation declined."))


@extend_schema(tags=["auth"])
class RegisterResearcherView(PublicAPIMixin, APIView):
    """Register as a researcher with the invitation token (spec 004 "Register Researcher").

    201 with the researcher (status ``pending`` until staff review it); the new user (role
    ``consultant``) logs in through ``/api/v1/auth/login``. Errors: 404 ``INVITATION_INVALID``
    (forged or superseded token), 410 ``INVITATION_EXPIRED``, 400 ``INVITATION_USED`` /
    ``INVITATION_DECLINED``, 409 ``EMAIL_TAKEN``, 422 for bad fields (password rules included).
    """

    @extend_schema(
        summary="Register a researcher",
        request=RegisterResearcherSerializer,
        responses={201: RegisteredResearcherSerializer},
    )
    def post(self, request):
        payload = RegisterResearcherSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        registration = services.researcher_register(
            token=data["token"],
            password=data["password"],
            name=data["name"],
            email=data["email"],
            bio=data["bio"],
            expertise=data["expertise"],
            achievements=data["achievements"],
            availability=data["availability"],
            rate=data.get("rate"),
            affiliation=data["affiliation"],
            timezone_name=data["timezone"],
        )
        data = RegisteredResearcherSerializer(registration.profile, context={"request": request}).data
        return created(data, message=_("Researcher profile created successfully."))


# --- collection ---------------------------------------------------------------------------------


class CollectionStaffMixin:
    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["consulting.view_collectionjob"], "*": ["consulting.add_collectionjob"]}


def _job_response(job: CollectionJob, message: str):
    job.refresh_from_db()  # the immediate backend (tests, development) may have run it already
    return ok(CollectionJobSerializer(job).data, message=message, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["consulting-staff"])
class CollectByAuthorView(CollectionStaffMixin, APIView):
    """Collect one researcher from OpenAlex (spec 004 "Collect Researcher Data") in the background:
    202 with the job (``status`` pending, or already finished when tasks run inline). New researchers
    are ``pending`` consultants for staff to review."""

    @extend_schema(
        summary="Collect researcher data", request=CollectByAuthorSerializer, responses={202: CollectionJobSerializer}
    )
    def post(self, request):
        payload = CollectByAuthorSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        query = data.pop("query")
        job = services.collection_job_create(
            kind=CollectionKind.BY_AUTHOR,
            query=query,
            params={k: v for k, v in data.items() if v not in ("", None)},
            actor=request.user,
        )
        return _job_response(job, _("Researcher data collection started for %(query)s.") % {"query": query})


@extend_schema(tags=["consulting-staff"])
class CollectByInstitutionView(CollectionStaffMixin, APIView):
    """Collect the most cited researchers of an institution from OpenAlex in the background (spec 004
    "Collect Researchers by Institution"): 202 with the job."""

    @extend_schema(
        summary="Collect researchers by institution",
        request=CollectByInstitutionSerializer,
        responses={202: CollectionJobSerializer},
    )
    def post(self, request):
        payload = CollectByInstitutionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        job = services.collection_job_create(
            kind=CollectionKind.BY_INSTITUTION,
            query=data["institution"].strip(),
            params={"limit": data["limit"], **({"position": data["position"]} if data["position"] else {})},
            actor=request.user,
        )
        return _job_response(
            job, _("Data collection for institution %(query)s started in background.") % {"query": job.query}
        )


@extend_schema(tags=["consulting-staff"])
class CollectionJobDetailView(CollectionStaffMixin, APIView):
    """The status and counts of one collection job."""

    @extend_schema(summary="Get a collection job", responses=CollectionJobSerializer)
    def get(self, request, pk: int):
        job = CollectionJob.objects.filter(pk=pk).first()
        if job is None:
            raise NotFound(_("No such collection job."), code="COLLECTION_JOB_NOT_FOUND")
        return Response(CollectionJobSerializer(job).data)
