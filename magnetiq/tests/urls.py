"""A tiny URLconf exercising the API plumbing with views that fail in every documented way."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.urls import include, path
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created
from magnetiq.api.throttling import CounterRateThrottle
from magnetiq.api.views import PublicAPIMixin
from magnetiq.exceptions import Conflict


class _Input(serializers.Serializer):
    email = serializers.EmailField()
    count = serializers.IntegerField(min_value=1)


class EchoView(PublicAPIMixin, APIView):
    throttle_classes: list = []

    def get(self, request):
        return Response({"hello": "world"})

    def post(self, request):
        data = _Input(data=request.data)
        data.is_valid(raise_exception=True)
        return created(data.validated_data, message="Echoed")


class FailView(PublicAPIMixin, APIView):
    throttle_classes: list = []

    def get(self, request, kind):
        if kind == "conflict":
            raise Conflict("Slot taken.", code="BOOKING_UNAVAILABLE")
        if kind == "http404":
            raise Http404
        if kind == "integrity":
            raise IntegrityError("UNIQUE constraint failed")
        if kind == "django-validation":
            raise DjangoValidationError({"slug": ["Taken."]})
        raise RuntimeError("boom")


class _TightThrottle(CounterRateThrottle):
    rate = "2/min"
    scope = "tight"


class ThrottledView(PublicAPIMixin, APIView):
    throttle_classes = [_TightThrottle]

    def get(self, request):
        return Response({"ok": True})


class ProtectedView(APIView):
    permission_classes = [HasRolePermissions]
    required_permissions = {"SAFE": ["accounts.view_user"], "POST": ["accounts.add_user"]}

    def get(self, request):
        return Response({"secret": True})

    def post(self, request):
        return created({"secret": True})


class _UserOut(serializers.Serializer):
    email = serializers.EmailField()


class UserListView(ListAPIView):
    permission_classes: list = []
    authentication_classes: list = []
    serializer_class = _UserOut
    resource_name = "users"

    def get_queryset(self):
        from accounts.models import User

        return User.objects.order_by("id")


api_patterns = [
    path("echo", EchoView.as_view()),
    path("fail/<str:kind>", FailView.as_view()),
    path("throttled", ThrottledView.as_view()),
    path("protected", ProtectedView.as_view()),
    path("users", UserListView.as_view()),
]

urlpatterns = [path("api/v1/", include(api_patterns))]
handler404 = "magnetiq.api.handlers.handler404"
handler500 = "magnetiq.api.handlers.handler500"
