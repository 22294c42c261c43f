"""Django admin for users: e-mail instead of username; every save goes through accounts.services,
so the role's group and the staff flags stay in step with what the API does. Also the second
factors (allauth's ``Authenticator``): listed without their secrets, removed through
:func:`accounts.mfa.user_mfa_reset` (a lost phone: the user enrols again)."""

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy, ngettext

from magnetiq.exceptions import ApplicationError

from . import mfa, services
from .models import Role, User


class UserAddForm(forms.ModelForm):
    """E-mail, names, role and an optional password; without one an invitation can be e-mailed."""

    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=gettext_lazy("Leave empty to let the user choose one through the invitation e-mail."),
    )
    send_invitation = forms.BooleanField(
        required=False, initial=True, help_text=gettext_lazy("E-mail a link to set the password.")
    )

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(gettext_lazy("A user with this e-mail address already exists."))
        return email

    def clean(self):
        data = super().clean()
        if data.get("password"):
            candidate = User(email=data.get("email", ""), first_name=data.get("first_name", ""))
            try:
                validate_password(data["password"], candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class UserChangeForm(DjangoUserChangeForm):
    """Django's change form (read-only password hash with a link to the password form), by e-mail."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError(gettext_lazy("A user with this e-mail address already exists."))
        return email


class ServicePasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form, saving through ``user_set_password`` (ends sessions)."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        try:
            return services.user_set_password(user=self.user, new_password=password)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = ServicePasswordChangeForm
    list_display = ["email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    readonly_fields = ["is_active", "is_staff", "is_superuser", "last_login", "created_at", "updated_at", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["first_name", "last_name"]}),
        (
            "Role",
            {
                "fields": ["role", "is_active", "is_staff", "is_superuser"],
                "description": "Staff flags and permissions follow from the role.",
            },
        ),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "first_name", "last_name", "role", "password", "send_invitation"]})]
    filter_horizontal: list = []
    actions = ["deactivate_users", "reactivate_users", "reset_mfa"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "role" in form.base_fields and not (request.user.is_superuser or request.user.role == Role.SUPER_ADMIN):
            choices = [c for c in form.base_fields["role"].choices if c[0] != Role.SUPER_ADMIN]
            form.base_fields["role"].choices = choices
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                saved = services.user_update(
                    user=obj,
                    actor=request.user,
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    role=data["role"],
                )
            else:
                saved = services.user_create(
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    role=data["role"],
                    password=data.get("password") or None,
                    send_invitation=bool(data.get("send_invitation")) and not data.get("password"),
                    actor=request.user,
                )
        except (ApplicationError, ValidationError, PermissionDenied) as exc:
            # The form validated the fields; a broken rule (last super admin, …) is shown instead.
            raise _AdminRuleError(_message(exc)) from exc
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Groups and permissions follow the role (set by the service); the form has none.
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _AdminRuleError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description=gettext_lazy("Deactivate selected users"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.user_deactivate,
            lambda n: ngettext("%(count)s user deactivated.", "%(count)s users deactivated.", n),
        )

    @admin.action(description=gettext_lazy("Reactivate selected users"), permissions=["change"])
    def reactivate_users(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.user_reactivate,
            lambda n: ngettext("%(count)s user reactivated.", "%(count)s users reactivated.", n),
        )

    @admin.action(description=gettext_lazy("Reset two-factor authentication of selected users"), permissions=["change"])
    def reset_mfa(self, request, queryset):
        for user in queryset:
            removed = mfa.user_mfa_reset(user=user, actor=request.user)
            self.message_user(
                request,
                ngettext(
                    "%(email)s: %(count)s authenticator removed.",
                    "%(email)s: %(count)s authenticators removed.",
                    removed,
                )
                % {"email": user.email, "count": removed},
                level=messages.SUCCESS,
            )

    def _bulk(self, request, queryset, service, done_message) -> None:
        """Call ``service`` for each user; ``done_message(count)`` is the success message (a ``%(count)s``
        text in the staff member's language), each refusal an error message."""
        done = 0
        for user in queryset:
            try:
                service(user=user, actor=request.user)
                done += 1
            except (ApplicationError, PermissionDenied) as exc:
                self.message_user(request, f"{user.email}: {_message(exc)}", level=messages.ERROR)
        if done:
            self.message_user(request, done_message(done) % {"count": done}, level=messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        # Users are deactivated (soft delete), never deleted: their history stays linked.
        return False


class _AdminRuleError(Exception):
    pass


def _message(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You are not allowed to do this."


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Who has which second factor and when it was last used. The ``data`` field (the TOTP secret,
    the recovery-code seed) is never shown; deleting removes all of the user's factors through
    :func:`accounts.mfa.user_mfa_reset`, so no recovery codes are left without their TOTP."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type", "created_at", "last_used_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        mfa.user_mfa_reset(user=obj.user, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in User.objects.filter(pk__in=queryset.values("user_id")):
            mfa.user_mfa_reset(user=user, actor=request.user)
