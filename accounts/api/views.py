"""Auth endpoints (spec 001 "Authentication Endpoints", spec 000 "Admin Authentication Endpoints")
and the user admin API (spec 000 "Admin Panel Endpoints", spec 001 "User Management").

Every view only parses input, calls ``accounts.services`` / ``accounts.tokens`` and shapes output.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from accounts import services, tokens
from accounts.api import serializers as s
from accounts.models import Role, User
from magnetiq.api.filters import FilterSet
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from magnetiq.api.throttling import CounterRateThrottle
from magnetiq.api.views import PublicAPIMixin

AUTH_TAG = ["auth"]
USERS_TAG = ["admin users"]


def _login_payload(user: User, pair: dict) -> dict:
    return {**pair, "user": s.UserOutputSerializer(user).data}


class PasswordResetThrottle(CounterRateThrottle):
    """Per-IP limit on reset e-mails (rate ``password_reset``, default 5/hour)."""

    scope = "password_reset"


_LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="LoginResult",
    serializers=[s.LoginOutputSerializer, s.MFAChallengeOutputSerializer],
    resource_type_field_name=None,
)
_MFA_ENROLMENT_EXAMPLE = OpenApiExample(
    "MFA enrolment required",
    status_codes=["403"],
    response_only=True,
    value={
        "success": False,
        "error": {
            "code": "MFA_ENROLMENT_REQUIRED",
            "message": "Your role requires two-factor authentication. Set up an authenticator app on the web "
            "(log in there and open the enrolment URL), then log in again.",
            "details": [
                {
                    "field": "enrolment_url",
                    "message": "https://magnetiq.example/accounts/2fa/totp/activate/",
                    "code": "mfa_enrolment_required",
                }
            ],
        },
    },
)


def _result_payload(result: tokens.LoginResult) -> dict:
    if result.mfa_challenge is not None:
        return result.mfa_challenge
    return _login_payload(result.user, result.tokens)


class LoginView(PublicAPIMixin, APIView):
    @extend_schema(
        tags=AUTH_TAG,
        request=s.LoginInputSerializer,
        responses={
            200: _LOGIN_RESULT,
            403: OpenApiResponse(description="`MFA_ENROLMENT_REQUIRED`: the role must use MFA and has none yet."),
        },
        examples=[
            OpenApiExample(
                "MFA challenge",
                response_only=True,
                status_codes=["200"],
                value={
                    "mfa_required": True,
                    "mfa_token": "eyJ1Ijo…",
                    "methods": ["totp", "recovery_codes"],
                    "expires_in": 300,
                },
            ),
            _MFA_ENROLMENT_EXAMPLE,
        ],
        summary="Log in with e-mail and password (step 1 of 2 for users with MFA)",
        description=(
            'Returns `{access_token, refresh_token, token_type: "bearer", expires_in: 900, user}`, or, '
            "for a user with two-factor authentication, no tokens but an MFA challenge "
            '`{mfa_required: true, mfa_token, methods: ["totp", "recovery_codes"], expires_in: 300}` to '
            "answer at `POST /auth/login/mfa` within 5 minutes. Staff of the roles super admin, admin "
            "and payment manager must have MFA: without it, 403 `MFA_ENROLMENT_REQUIRED` with the set-up "
            "page in `details[0].message` (field `enrolment_url`): log in on the web, add an authenticator "
            "app there, then log in again. "
            "401 `AUTHENTICATION_FAILED` for wrong credentials or an inactive account. Every attempt "
            "counts before the password is checked: past 5 a minute for this IP and account, 50 a minute "
            "for this IP, or 10 a minute for the account from IPs it never logged in from, 429 "
            "`RATE_LIMITED` with `Retry-After`, even for the right password."
        ),
    )
    def post(self, request):
        data = _valid(s.LoginInputSerializer, request.data)
        result = tokens.token_obtain(request=request, email=data["email"], password=data["password"])
        if result.mfa_challenge is not None:
            return ok(_result_payload(result), message=_("Enter the code of your authenticator app."))
        return ok(_result_payload(result), message=_("Logged in."))


class LoginMFAView(PublicAPIMixin, APIView):
    @extend_schema(
        tags=AUTH_TAG,
        request=s.LoginMFAInputSerializer,
        responses={200: s.LoginOutputSerializer},
        examples=[
            OpenApiExample("TOTP code", request_only=True, value={"mfa_token": "eyJ1Ijo…", "code": "492039"}),
            OpenApiExample("Recovery code", request_only=True, value={"mfa_token": "eyJ1Ijo…", "code": "80312947"}),
        ],
        summary="Log in, step 2: the MFA code",
        description=(
            "Send the `mfa_token` of `POST /auth/login` and a code: the current 6-digit code of the "
            "authenticator app or an unused recovery code (each works once). Returns the token pair, as "
            "a login without MFA does. 401 `MFA_CODE_INVALID` for a wrong or used code (the challenge "
            "stays open); 401 `MFA_CHALLENGE_INVALID` for a forged, expired or already answered "
            "challenge, or when the password changed since (log in again); 429 `RATE_LIMITED` with "
            "`Retry-After` after 5 codes for one challenge or 10 an hour for one user."
        ),
    )
    def post(self, request):
        data = _valid(s.LoginMFAInputSerializer, request.data)
        result = tokens.token_obtain_mfa(mfa_token=data["mfa_token"], code=data["code"])
        return ok(_result_payload(result), message=_("Logged in."))


class RefreshView(PublicAPIMixin, APIView):
    @extend_schema(
        tags=AUTH_TAG,
        request=s.RefreshInputSerializer,
        responses={200: s.LoginOutputSerializer},
        summary="Exchange a refresh token for a new pair",
        description=(
            "The refresh token is single use: it is blacklisted and a new pair is returned. 401 for an "
            "invalid, expired, used or revoked token, or an account that can no longer log in. Using a "
            "refresh token again more than 10 seconds after it was exchanged ends that whole login: every "
            "refresh token issued since it (the family) is revoked, the user's other logins are not."
        ),
    )
    def post(self, request):
        data = _valid(s.RefreshInputSerializer, request.data)
        user, pair = tokens.token_refresh(refresh=data["refresh_token"])
        return ok(_login_payload(user, pair), message=_("Token refreshed."))


class LogoutView(PublicAPIMixin, APIView):
    @extend_schema(
        tags=AUTH_TAG,
        request=s.RefreshInputSerializer,
        responses={204: OpenApiResponse(description="Logged out; the refresh token is blacklisted.")},
        summary="Log out (revoke the refresh token)",
        description=(
            "Needs no access token, so a client whose access token expired can still end its session. "
            "Access tokens already issued stay valid until they expire (at most 15 minutes)."
        ),
    )
    def post(self, request):
        data = _valid(s.RefreshInputSerializer, request.data)
        tokens.token_revoke(refresh=data["refresh_token"])
        return ok(None, message=_("Logged out."), status=204)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=AUTH_TAG, responses={200: s.UserOutputSerializer}, summary="The logged-in user")
    def get(self, request):
        return ok(s.UserOutputSerializer(request.user).data)

    @extend_schema(
        tags=AUTH_TAG,
        request=s.MeUpdateInputSerializer,
        responses={200: s.UserOutputSerializer},
        summary="Change one's own names",
        description="Body `{profile: {first_name?, last_name?}}`; nothing else of one's own account is writable here.",
    )
    def patch(self, request):
        data = _valid(s.MeUpdateInputSerializer, request.data)
        user = services.user_update(user=request.user, actor=request.user, **data["profile"])
        return ok(s.UserOutputSerializer(user).data, message=_("Profile updated."))


class ChangePasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=AUTH_TAG,
        request=s.ChangePasswordInputSerializer,
        responses={200: s.LoginOutputSerializer},
        summary="Change one's own password",
        description=(
            "Every other session ends (refresh tokens revoked, older access tokens rejected); the "
            "response carries a new pair for this one. 422 for a wrong current or a weak new password."
        ),
    )
    def post(self, request):
        data = _valid(s.ChangePasswordInputSerializer, request.data)
        user = services.user_change_password(
            user=request.user, current_password=data["current_password"], new_password=data["new_password"]
        )
        return ok(_login_payload(user, tokens.token_pair_for(user)), message=_("Password changed."))


class RequestPasswordResetView(PublicAPIMixin, APIView):
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(
        tags=AUTH_TAG,
        request=s.RequestPasswordResetInputSerializer,
        responses={200: OpenApiResponse(description="Always the same answer, whether or not the address exists.")},
        summary="E-mail a password reset link",
    )
    def post(self, request):
        data = _valid(s.RequestPasswordResetInputSerializer, request.data)
        services.user_request_password_reset(email=data["email"])
        return ok(None, message=_("If the address belongs to an account, a reset link is on its way."))


class ForgotPasswordView(RequestPasswordResetView):
    """``POST /auth/forgot-password`` (spec 002): :class:`RequestPasswordResetView` under spec 002's
    name, with its serializer, service, throttle and its one answer whether or not the address has
    an account."""

    @extend_schema(
        tags=AUTH_TAG,
        request=s.RequestPasswordResetInputSerializer,
        responses={200: OpenApiResponse(description="Always the same answer, whether or not the address exists.")},
        summary="E-mail a password reset link (spec 002 name)",
        description="The same endpoint as `POST /auth/request-password-reset`.",
    )
    def post(self, request):
        return super().post(request)


class ResetPasswordView(PublicAPIMixin, APIView):
    @extend_schema(
        tags=AUTH_TAG,
        request=s.ResetPasswordInputSerializer,
        responses={200: s.UserOutputSerializer},
        summary="Set a new password from a reset or invitation link",
        description="400 `INVALID_RESET_TOKEN` for a wrong, used or expired link; 422 for a weak password.",
    )
    def post(self, request):
        data = _valid(s.ResetPasswordInputSerializer, request.data)
        user = services.user_reset_password(uid=data["uid"], token=data["token"], new_password=data["new_password"])
        return ok(s.UserOutputSerializer(user).data, message=_("Password set. You can log in now."))


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- user admin -----------------------------------------------------------------------------


class UserFilter(FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_active = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search", help_text="Part of the e-mail or a name.")

    class Meta:
        model = User
        fields = ["role", "is_active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(email__icontains=value) | Q(first_name__icontains=value) | Q(last_name__icontains=value)
        )


def _update_kwargs(data: dict) -> dict:
    kwargs = {key: data[key] for key in ("email", "role", "is_active") if key in data}
    kwargs.update(data.get("profile", {}))
    return kwargs


@extend_schema_view(
    list=extend_schema(
        tags=USERS_TAG,
        summary="List users",
        description=(
            "Paginated under `users`; filters `role`, `is_active`, `search` (e-mail or names). "
            "Deactivated users are listed too (`is_active=false`) so they can be reactivated."
        ),
    ),
    retrieve=extend_schema(tags=USERS_TAG, summary="Get a user"),
)
class AdminUserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """``/api/v1/admin/users``: staff holding ``accounts.*_user`` permissions (admin, super admin)."""

    permission_classes = [HasRolePermissions]
    queryset = User.objects.order_by("email")
    serializer_class = s.UserOutputSerializer
    filterset_class = UserFilter
    resource_name = "users"

    @property
    def required_permissions(self) -> dict:
        if getattr(self, "action", None) == "reset_password":
            return {"*": ["accounts.change_user"]}
        return {
            "SAFE": ["accounts.view_user"],
            "POST": ["accounts.add_user"],
            "PUT": ["accounts.change_user"],
            "PATCH": ["accounts.change_user"],
            "DELETE": ["accounts.delete_user"],
        }

    @extend_schema(
        tags=USERS_TAG,
        request=s.UserCreateInputSerializer,
        responses={201: s.UserOutputSerializer},
        summary="Create a user",
        description=(
            "`is_staff`/`is_superuser` follow from `role`. `send_invitation: true` e-mails a link to set "
            "the password. 409 `EMAIL_TAKEN`; 403 when a non-super-admin grants `super_admin`."
        ),
    )
    def create(self, request):
        data = _valid(s.UserCreateInputSerializer, request.data)
        user = services.user_create(
            email=data["email"],
            role=data["role"],
            password=data.get("password"),
            send_invitation=data["send_invitation"],
            actor=request.user,
            **data.get("profile", {}),
        )
        return created(s.UserOutputSerializer(user).data, message=_("User created."))

    @extend_schema(
        tags=USERS_TAG,
        request=s.UserUpdateInputSerializer,
        responses={200: s.UserOutputSerializer},
        summary="Replace a user's e-mail, names, role and active state",
        description="409 `LAST_SUPER_ADMIN` when demoting or deactivating the last super admin.",
    )
    def update(self, request, pk=None):
        return self._update(request, partial=False)

    @extend_schema(
        tags=USERS_TAG,
        request=s.UserUpdateInputSerializer,
        responses={200: s.UserOutputSerializer},
        summary="Change some of a user's fields",
    )
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        user = self.get_object()
        data = _valid(s.UserUpdateInputSerializer, request.data, partial=partial)
        user = services.user_update(user=user, actor=request.user, **_update_kwargs(data))
        return ok(s.UserOutputSerializer(user).data, message=_("User updated."))

    @extend_schema(
        tags=USERS_TAG,
        request=None,
        responses={204: OpenApiResponse(description="Deactivated (soft delete); refresh tokens revoked.")},
        summary="Deactivate a user",
        description="409 `CANNOT_DEACTIVATE_SELF` or `LAST_SUPER_ADMIN`.",
    )
    def destroy(self, request, pk=None):
        services.user_deactivate(user=self.get_object(), actor=request.user)
        return ok(None, message=_("User deactivated."), status=204)

    @extend_schema(
        tags=USERS_TAG,
        request=None,
        responses={200: OpenApiResponse(description="A reset link was e-mailed to the user.")},
        summary="E-mail the user a password reset link",
    )
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        user = self.get_object()
        services.user_send_password_reset(user=user)
        return ok(None, message=_("A password reset link was sent to %(email)s.") % {"email": user.email})


@extend_schema_view(
    create=extend_schema(
        tags=AUTH_TAG,
        request=s.UserCreateInputSerializer,
        responses={201: s.UserOutputSerializer},
        summary="Register a user (admin only; spec 002 name)",
        description=(
            "The same endpoint as `POST /admin/users`: needs `accounts.add_user` (admins), `role` decides "
            "`is_staff`/`is_superuser`, `send_invitation: true` e-mails a link to set the password. "
            "409 `EMAIL_TAKEN`; 403 when a non-super-admin grants `super_admin`."
        ),
    )
)
class RegisterView(AdminUserViewSet):
    """``POST /auth/register`` (spec 002 "User registration (admin only)"): ``AdminUserViewSet.create``."""
