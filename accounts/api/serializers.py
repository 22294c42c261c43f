"""Input and output serializers of the auth and user admin endpoints.

Output never contains the password hash. ``is_staff`` and ``is_superuser`` are read-only: they
follow from ``role`` (accounts.services). Unknown input fields are ignored.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Role, User


class ProfileSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=100, allow_blank=True, required=False)


class UserOutputSerializer(serializers.ModelSerializer):
    """``{"id", "email", "role", "profile": {"first_name", "last_name"}, "is_active", "is_staff",
    "is_superuser", "last_login", "created_at", "updated_at", "deleted_at"}`` (spec 001 login ``user``)."""

    profile = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "role",
            "profile",
            "is_active",
            "is_staff",
            "is_superuser",
            "last_login",
            "created_at",
            "updated_at",
            "deleted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ProfileSerializer)
    def get_profile(self, user: User) -> dict:
        return {"first_name": user.first_name, "last_name": user.last_name}


# --- auth -----------------------------------------------------------------------------------


class LoginInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Lifetime of the access token in seconds.")


class LoginOutputSerializer(TokenPairSerializer):
    user = UserOutputSerializer()


class MFAChallengeOutputSerializer(serializers.Serializer):
    """The first login step's answer for a user with MFA: no tokens yet (accounts.mfa)."""

    mfa_required = serializers.BooleanField(help_text="Always true: send a code to `/auth/login/mfa`.")
    mfa_token = serializers.CharField(help_text="Signed challenge for the second step; single success.")
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=["totp", "recovery_codes"]),
        help_text="Second factors the user can answer with.",
    )
    expires_in = serializers.IntegerField(help_text="Seconds the challenge stays valid (300).")


class LoginMFAInputSerializer(serializers.Serializer):
    mfa_token = serializers.CharField(max_length=1024)
    code = serializers.CharField(
        max_length=64, help_text="The 6-digit code of the authenticator app, or an unused 8-digit recovery code."
    )


class RefreshInputSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=4096)


class MeUpdateInputSerializer(serializers.Serializer):
    profile = ProfileSerializer()


class ChangePasswordInputSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=4096, trim_whitespace=False)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)


class RequestPasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class ResetPasswordInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)


# --- user admin -----------------------------------------------------------------------------


class UserCreateInputSerializer(serializers.Serializer):
    """Spec 001 "User Management": ``{"email", "profile": {...}, "role", "send_invitation"}``,
    plus an optional initial ``password``."""

    email = serializers.EmailField(max_length=254)
    profile = ProfileSerializer(required=False)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, required=False, write_only=True)
    send_invitation = serializers.BooleanField(default=False)


class UserUpdateInputSerializer(serializers.Serializer):
    """PUT needs ``email`` and ``role``; PATCH any subset. ``is_active`` false deactivates, true
    reactivates."""

    email = serializers.EmailField(max_length=254)
    profile = ProfileSerializer(required=False)
    role = serializers.ChoiceField(choices=Role.choices)
    is_active = serializers.BooleanField(required=False)
