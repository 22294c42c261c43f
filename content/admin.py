"""Back office for pages and media. Every save, publish and delete goes through ``content.services``.

Titles and SEO texts have one box per language; the body and excerpt are written in Markdown
(``content.admin_widgets``), with a preview rendered by :func:`markdown_preview` through the
site's own Portable Text renderer. Deletes are soft.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError

from . import services
from .admin_widgets import (
    PortableTextMarkdownField,
    StoredValuesFormMixin,
    TranslatedKeywordsField,
    TranslatedTextField,
    TranslationsTextarea,
)
from .models import MediaAsset, Page, PageStatus
from .portable_text import to_html
from .portable_text.from_markdown import UnsupportedMarkdown, markdown_to_blocks
from .selectors import page_html

#: The longest Markdown the preview renders (characters); a page body is far shorter.
PREVIEW_MAX_CHARS = 200_000


def markdown_preview(request: HttpRequest) -> HttpResponse:
    """POST ``markdown`` (form-encoded) → the HTML the site would show for it (``text/html``).

    Staff only (wrapped by ``admin_site.admin_view``: others are sent to the admin login).
    Markdown the editor cannot store answers 400 with the sentence naming it, as plain text.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    text = request.POST.get("markdown", "")
    if len(text) > PREVIEW_MAX_CHARS:
        return HttpResponseBadRequest(gettext("The text is too long to preview."), content_type="text/plain")
    try:
        blocks = markdown_to_blocks(text)
    except UnsupportedMarkdown as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    return HttpResponse(to_html(blocks), content_type="text/html; charset=utf-8")


class PageAdminForm(StoredValuesFormMixin, forms.ModelForm):
    title = TranslatedTextField(label=_("Title"), help_text=_("English is required; other languages fall back to it."))
    content = PortableTextMarkdownField(label=_("Body"), required=False)
    excerpt = PortableTextMarkdownField(
        label=_("Excerpt"), required=False, help_text=_("A short teaser shown in lists and previews.")
    )
    meta_description = TranslatedTextField(
        label=_("Meta description"),
        required=False,
        widget=TranslationsTextarea(rows=2),
        help_text=_("The text search engines show under the title; about 150 characters."),
    )
    seo_title = TranslatedTextField(
        label=_("SEO title"), required=False, help_text=_("The browser tab and search result title, if not the title.")
    )
    seo_keywords = TranslatedKeywordsField(
        label=_("SEO keywords"), required=False, help_text=_("Separate keywords with commas.")
    )

    class Meta:
        model = Page
        fields = (
            "title",
            "slug",
            "content",
            "excerpt",
            "status",
            "published_at",
            "meta_description",
            "seo_title",
            "seo_keywords",
        )

    def clean(self):
        cleaned = super().clean()
        # Publishing without a time means "now", as in ``page_publish``.
        if cleaned.get("status") == PageStatus.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        for field in ("excerpt", "meta_description", "seo_title", "seo_keywords"):
            if field in cleaned and cleaned[field] is None:
                cleaned[field] = {}
        return cleaned


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
    list_display = ("title_en", "slug", "status", "published_at", "updated_at")
    list_filter = ("status", ("published_at", admin.DateFieldListFilter), "updated_at")
    search_fields = ("slug", "title__en", "title__de")
    ordering = ("slug",)
    date_hierarchy = "updated_at"
    actions = ("publish_pages", "unpublish_pages", "soft_delete_pages")
    readonly_fields = ("rendered_en", "rendered_de", "structured_data_pretty", "author", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "content", "excerpt")}),
        (_("Publishing"), {"fields": ("status", "published_at")}),
        (
            _("Search engines"),
            {
                "classes": ("collapse",),
                "fields": ("meta_description", "seo_title", "seo_keywords", "structured_data_pretty"),
            },
        ),
        (_("As shown on the site"), {"classes": ("collapse",), "fields": ("rendered_en", "rendered_de")}),
        (_("Record"), {"classes": ("collapse",), "fields": ("author", "created_at", "updated_at")}),
    )

    def get_urls(self):
        preview = path(
            "markdown-preview/", self.admin_site.admin_view(markdown_preview), name="content_markdown_preview"
        )
        return [preview, *super().get_urls()]

    def get_queryset(self, request):
        return super().get_queryset(request).alive().select_related("author")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a hard delete; ``soft_delete_pages`` replaces it
        return actions

    @admin.display(description=_("Title (en)"), ordering="title__en")
    def title_en(self, page: Page) -> str:
        return page.title_for("en")

    def _rendered(self, page: Page, language: str):
        if not page.pk:
            return "—"
        if not (page.content or {}).get(language):
            return gettext("No content in this language (English is shown on the site).")
        return format_html(
            '<div class="pt-content" style="max-width:760px">{}</div>', page_html(page, "content", language)
        )

    @admin.display(description=_("Rendered content (en)"))
    def rendered_en(self, page: Page):
        return self._rendered(page, "en")

    @admin.display(description=_("Rendered content (de)"))
    def rendered_de(self, page: Page):
        return self._rendered(page, "de")

    @admin.display(description=_("Structured data (JSON-LD, generated)"))
    def structured_data_pretty(self, page: Page):
        text = json.dumps(page.structured_data or {}, indent=2, ensure_ascii=False)
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.PAGE_FIELDS if name in form.cleaned_data}
        if change:
            page = services.page_update(page=Page.objects.get(pk=obj.pk), data=data, actor=request.user)
        else:
            page = services.page_create(**data, author=request.user)
        obj.pk = page.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.page_delete(page=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for page in queryset:
            services.page_delete(page=page, actor=request.user)

    def _each(self, request, queryset, action, done):
        """Call ``action`` for each page; ``done`` is the success message, an ``ngettext_lazy(…, "count")``."""
        count = 0
        for page in queryset:
            try:
                action(page=page, actor=request.user)
            except (ApplicationError, ValidationError) as exc:
                self.message_user(request, f"{page.slug}: {exc}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Publish selected pages"), permissions=["change"])
    def publish_pages(self, request, queryset):
        self._each(
            request,
            queryset,
            services.page_publish,
            ngettext_lazy("%(count)d page published.", "%(count)d pages published.", "count"),
        )

    @admin.action(description=_("Unpublish selected pages (back to draft)"), permissions=["change"])
    def unpublish_pages(self, request, queryset):
        self._each(
            request,
            queryset,
            services.page_unpublish,
            ngettext_lazy("%(count)d page unpublished.", "%(count)d pages unpublished.", "count"),
        )

    @admin.action(description=_("Delete selected pages (soft)"), permissions=["delete"])
    def soft_delete_pages(self, request, queryset):
        self._each(
            request,
            queryset,
            services.page_delete,
            ngettext_lazy("%(count)d page deleted.", "%(count)d pages deleted.", "count"),
        )


class MediaAssetAddForm(StoredValuesFormMixin, forms.ModelForm):
    """Upload: the file is checked by ``services.media_upload_check`` (size, bytes), the same check as the API."""

    upload = forms.FileField(
        label=_("File"), help_text=_("PNG, JPEG, GIF, WebP, PDF or MP4. SVG and HTML are refused.")
    )

    class Meta:
        model = MediaAsset
        fields = ("kind", "alt_text", "caption")
        field_classes = {"alt_text": TranslatedTextField, "caption": TranslatedTextField}

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            services.media_upload_check(upload=upload)
        except ApplicationError as exc:
            raise ValidationError(exc.message) from None
        return upload


class MediaAssetChangeForm(StoredValuesFormMixin, forms.ModelForm):
    class Meta:
        model = MediaAsset
        fields = ("alt_text", "caption")
        field_classes = {"alt_text": TranslatedTextField, "caption": TranslatedTextField}


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "original_filename", "mime_type", "size_bytes", "dimensions", "kind", "created_at")
    list_filter = ("kind", "mime_type", "created_at")
    search_fields = ("original_filename", "file", "alt_text__en", "alt_text__de")
    actions = ("soft_delete_assets",)
    readonly_fields = (
        "preview",
        "file",
        "original_filename",
        "mime_type",
        "size_bytes",
        "dimensions",
        "sha256",
        "kind",
        "uploaded_by",
        "created_at",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MediaAssetChangeForm if obj else MediaAssetAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("upload", "kind", "alt_text", "caption")
        return ("preview", "alt_text", "caption", *self.readonly_fields[1:])

    def get_queryset(self, request):
        return super().get_queryset(request).alive().select_related("uploaded_by")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="")
    def thumbnail(self, asset: MediaAsset):
        if asset.is_image and asset.file:
            return format_html(
                '<img src="{}" alt="{}" style="max-height:48px;max-width:80px;object-fit:cover">',
                asset.url,
                (asset.alt_text or {}).get("en", ""),
            )
        return asset.mime_type.split("/")[-1].upper()

    @admin.display(description=_("Preview"))
    def preview(self, asset: MediaAsset):
        if asset.is_image and asset.file:
            return format_html('<img src="{}" style="max-width:480px;max-height:320px">', asset.url)
        return format_html('<a href="{}">{}</a>', asset.url, asset.original_filename or asset.file.name)

    @admin.display(description=_("Size (px)"))
    def dimensions(self, asset: MediaAsset) -> str:
        return f"{asset.width}×{asset.height}" if asset.width else "—"

    def save_model(self, request, obj, form, change):
        if change:
            asset = services.media_asset_update(
                asset=MediaAsset.objects.get(pk=obj.pk),
                actor=request.user,
                alt_text=form.cleaned_data.get("alt_text") or {},
                caption=form.cleaned_data.get("caption") or {},
            )
        else:
            asset = services.media_asset_create(
                upload=form.cleaned_data["upload"],
                uploaded_by=request.user,
                alt_text=form.cleaned_data.get("alt_text") or {},
                caption=form.cleaned_data.get("caption") or {},
                kind=form.cleaned_data["kind"],
            )
        obj.pk = asset.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.media_asset_delete(asset=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for asset in queryset:
            services.media_asset_delete(asset=asset, actor=request.user)

    @admin.action(description=_("Delete selected files (soft)"), permissions=["delete"])
    def soft_delete_assets(self, request, queryset):
        assets = list(queryset)
        for asset in assets:
            services.media_asset_delete(asset=asset, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d file deleted.", "%(count)d files deleted.", len(assets)) % {"count": len(assets)},
            messages.SUCCESS,
        )
