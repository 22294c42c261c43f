"""The back office of social publishing: accounts (connect through OAuth, disconnect; tokens never
shown), posts (status filters; publish now, schedule, resolve an unknown outcome; engagement inline)
and uploaded images. Every change goes through ``social.services``."""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled

from content.exceptions import PortableTextError
from magnetiq.exceptions import ApplicationError

from . import formatting, services
from .models import EngagementSnapshot, Network, PostStatus, SocialAccount, SocialMedia, SocialPost


class SnapshotInline(admin.TabularInline):
    model = EngagementSnapshot
    fk_name = "post"
    fields = ["fetched_at", "impressions", "likes", "comments", "shares"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-fetched_at"]
    verbose_name_plural = _("Engagement (fetched by fetch_social_engagement)")

    def has_add_permission(self, request, obj=None):
        return False


class AccountSnapshotInline(SnapshotInline):
    fk_name = "account"
    fields = ["fetched_at", "followers", "likes", "comments", "shares"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(post__isnull=True)


def _error_text(error: Exception) -> str:
    if isinstance(error, Throttled):
        return str(error.detail)
    return str(getattr(error, "message", error))


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "handle", "status", "token_expires_at", "followers", "connected_at"]
    list_filter = ["network", "status"]
    search_fields = ["name", "handle", "external_id"]
    fields = [
        "network",
        "name",
        "handle",
        "external_id",
        "author_urn",
        "status",
        "scopes",
        "token_expires_at",
        "refresh_expires_at",
        "connected_by",
        "connected_at",
        "disconnected_at",
        "followers",
        "engagement_fetched_at",
    ]
    readonly_fields = fields
    inlines = [AccountSnapshotInline]
    actions = ["disconnect"]
    change_list_template = "admin/social/socialaccount/change_list.html"

    def has_add_permission(self, request):
        # Accounts are added through the network's authorisation (the connect links above the list).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_disconnect_permission(self, request):
        return request.user.has_perm("social.delete_socialaccount")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "networks": [(network.value, network.label) for network in Network],
            "can_connect": request.user.has_perm("social.add_socialaccount"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        return [
            path(
                "oauth/<str:network>/start/",
                self.admin_site.admin_view(self.oauth_start),
                name="social_socialaccount_oauth_start",
            ),
            path(
                "oauth/<str:network>/callback/",
                self.admin_site.admin_view(self.oauth_callback),
                name="social_socialaccount_oauth_callback",
            ),
            *super().get_urls(),
        ]

    def _network(self, request, network: str) -> str:
        if not request.user.has_perm("social.add_socialaccount"):
            raise PermissionDenied
        if network not in Network.values:
            raise PermissionDenied
        return network

    def oauth_start(self, request, network: str):
        """Send staff to the network's authorisation page (state and PKCE verifier kept server-side)."""
        network = self._network(request, network)
        try:
            start = services.account_connect_start(network=network, actor=request.user)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:social_socialaccount_changelist"))
        return HttpResponseRedirect(start.authorize_url)

    def oauth_callback(self, request, network: str):
        """The network sends staff back here with ``code`` and ``state`` (or ``error``)."""
        network = self._network(request, network)
        changelist = HttpResponseRedirect(reverse("admin:social_socialaccount_changelist"))
        if request.GET.get("error"):
            text = request.GET.get("error_description") or request.GET["error"]
            self.message_user(request, _("The network refused: %(reason)s") % {"reason": text[:300]}, messages.ERROR)
            return changelist
        code, state = request.GET.get("code", "")[:2000], request.GET.get("state", "")[:100]
        if not code or not state:
            self.message_user(request, _("The network's answer holds no code."), messages.ERROR)
            return changelist
        try:
            account = services.account_connect(network=network, code=code, state=state, actor=request.user)
        except (ApplicationError, Throttled) as error:
            self.message_user(request, _error_text(error), messages.ERROR)
            return changelist
        self.message_user(request, _("%(account)s is connected.") % {"account": account}, messages.SUCCESS)
        return changelist

    @admin.action(description=_("Disconnect the selected accounts"), permissions=["disconnect"])
    def disconnect(self, request, queryset):
        for account in queryset:
            services.account_disconnect(account=account, actor=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d account disconnected.", "%(count)d accounts disconnected.", count) % {"count": count},
        )


class ScheduleActionForm(ActionForm):
    scheduled_at = forms.DateTimeField(
        label=_("Time (UTC)"),
        required=False,
        help_text=_("For “Schedule”: YYYY-MM-DD HH:MM in UTC."),
    )


class SocialPostForm(forms.ModelForm):
    body = forms.JSONField(
        label=_("Text"),
        help_text=_(
            "Portable Text blocks. Hashtags: #word. LinkedIn mentions: @[Name](urn:li:organization:123). "
            "See “Formatted” below for what each network gets."
        ),
    )

    class Meta:
        model = SocialPost
        fields = ["network", "title", "account", "body", "media", "scheduled_at"]

    def clean(self):
        cleaned = super().clean()
        network = cleaned.get("network") or (self.instance.network if self.instance.pk else None)
        if network and "body" in cleaned:
            try:
                services.post_check_text(network=network, body=cleaned["body"])
            except (ApplicationError, PortableTextError) as error:
                self.add_error("body", error.message)
        if network:
            data = {
                name: cleaned.get(name) for name in ("account", "media", "scheduled_at") if name in self.changed_data
            }
            try:
                services.post_check_fields(network=network, data=data)
            except ApplicationError as error:
                field = error.details[0]["field"] if error.details else None
                self.add_error(field if field in self.fields else None, error.message)
        return cleaned


@admin.register(SocialPost)
class SocialPostAdmin(admin.ModelAdmin):
    form = SocialPostForm
    action_form = ScheduleActionForm
    list_display = ["__str__", "network", "status", "scheduled_at", "published_at", "account"]
    list_filter = ["status", "network", "account"]
    search_fields = ["title", "external_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "status",
        "formatted",
        "published_at",
        "external_id",
        "external_url",
        "external_ids",
        "last_error",
        "created_at",
        "updated_at",
    ]
    filter_horizontal = ["media"]
    inlines = [SnapshotInline]
    actions = ["publish_now", "schedule", "resolve_published", "resolve_not_published"]

    def get_fields(self, request, obj=None):
        fields = ["network", "title", "account", "body", "media", "scheduled_at", *self.readonly_fields]
        return fields if obj else fields[:6]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status not in (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED):
            return ["network", "title", "account", "body", "media", "scheduled_at", *self.readonly_fields]
        return ["network", *self.readonly_fields]

    @admin.display(description=_("Formatted"))
    def formatted(self, obj):
        if obj.network == Network.LINKEDIN:
            text = formatting.for_linkedin(obj.body)
            return f"{text.length}/{text.limit}\n\n{text.text}"
        return "\n\n".join(formatting.for_x(obj.body).parts)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.POST_EDITABLE_FIELDS if name in form.changed_data}
        if change and not data:
            return
        if change:
            post = services.post_update(post=SocialPost.objects.get(pk=obj.pk), data=data, actor=request.user)
        else:
            post = services.post_create(network=form.cleaned_data["network"], actor=request.user, **data)
        obj.pk = post.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The services set the images; the inline snapshots are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.post_delete(post=obj, actor=request.user)

    def _each(self, request, queryset, call, done_message):
        done = 0
        for post in queryset:
            try:
                call(post)
                done += 1
            except (ApplicationError, PortableTextError, Throttled) as error:
                self.message_user(request, f"{post}: {_error_text(error)}", messages.ERROR)
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Publish now"), permissions=["change"])
    def publish_now(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda post: services.post_publish(post=post, actor=request.user),
            lambda n: ngettext("%(count)d post published.", "%(count)d posts published.", n) % {"count": n},
        )

    @admin.action(description=_("Schedule for the time given (UTC)"), permissions=["change"])
    def schedule(self, request, queryset):
        raw = request.POST.get("scheduled_at", "").strip()
        try:
            when = datetime.fromisoformat(raw).replace(tzinfo=UTC) if raw else None
        except ValueError:
            when = None
        if when is None:
            self.message_user(request, _("Give the time as YYYY-MM-DD HH:MM (UTC)."), messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda post: services.post_schedule(post=post, scheduled_at=when, actor=request.user),
            lambda n: ngettext("%(count)d post scheduled.", "%(count)d posts scheduled.", n) % {"count": n},
        )

    @admin.action(description=_("Unknown outcome: it is on the network"), permissions=["change"])
    def resolve_published(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda post: services.post_resolve_unknown(post=post, published=True, actor=request.user),
            lambda n: (
                ngettext("%(count)d post marked published.", "%(count)d posts marked published.", n) % {"count": n}
            ),
        )

    @admin.action(description=_("Unknown outcome: it is not on the network (back to draft)"), permissions=["change"])
    def resolve_not_published(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda post: services.post_resolve_unknown(post=post, published=False, actor=request.user),
            lambda n: ngettext("%(count)d post back to draft.", "%(count)d posts back to draft.", n) % {"count": n},
        )


class SocialMediaForm(forms.ModelForm):
    upload = forms.FileField(label=_("Image"), help_text=_("PNG, JPEG or GIF (WebP for X); checked by its bytes."))

    class Meta:
        model = SocialMedia
        fields = ["network", "alt_text"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("network") and cleaned.get("upload"):
            try:
                services.media_check(network=cleaned["network"], upload=cleaned["upload"])
            except ApplicationError as error:
                self.add_error("upload", error.message)
        return cleaned


@admin.register(SocialMedia)
class SocialMediaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "mime_type", "size_bytes", "width", "height", "created_at"]
    list_filter = ["network", "mime_type"]
    search_fields = ["original_name", "alt_text"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SocialMediaForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "network",
            "file",
            "mime_type",
            "size_bytes",
            "width",
            "height",
            "alt_text",
            "original_name",
            "created_at",
        ]

    def save_model(self, request, obj, form, change):
        if change:
            return
        media = services.media_upload(
            network=form.cleaned_data["network"],
            upload=form.cleaned_data["upload"],
            alt_text=form.cleaned_data.get("alt_text") or "",
            actor=request.user,
        )
        obj.pk = media.pk
        obj.refresh_from_db()
