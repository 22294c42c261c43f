"""Content API (spec 000 "Content Management Endpoints", spec 001 admin/public pages).

Staff endpoints check the standard model permissions (``content.view_page``, …) through
``HasRolePermissions``; ``/public/pages/{slug}`` is open and throttled. Every write calls
``content.services``.
"""

import django_filters
from django.db.models import Q
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from content import services
from content.exceptions import MediaAssetNotFound
from content.media import EXTENSIONS, PORTABLE_TYPES
from content.models import MediaAsset, MediaKind, Page, PageStatus
from content.selectors import page_html, page_rendered, page_seo, parse_language, render_blocks
from magnetiq.api.filters import FilterSet
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from magnetiq.api.views import PublicAPIMixin

from .serializers import (
    MediaAssetSerializer,
    MediaUploadSerializer,
    PageInputSerializer,
    PageOutputSerializer,
    PageRenderedSerializer,
    PublicPageSerializer,
)

LANGUAGE_PARAM = OpenApiParameter(
    "language", str, enum=["en", "de"], description="Language to render; falls back to English when missing."
)

PAGE_PERMISSIONS = {
    "SAFE": ["content.view_page"],
    "POST": ["content.add_page"],
    "PUT": ["content.change_page"],
    "PATCH": ["content.change_page"],
    "DELETE": ["content.delete_page"],
}
MEDIA_PERMISSIONS = {
    "SAFE": ["content.view_mediaasset"],
    "POST": ["content.add_mediaasset"],
    "PATCH": ["content.change_mediaasset"],
    "DELETE": ["content.delete_mediaasset"],
}


class PageFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=PageStatus.choices)
    search = django_filters.CharFilter(method="filter_search", help_text="Words in the slug or the en/de title.")

    class Meta:
        model = Page
        fields = ["status", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(slug__icontains=value) | Q(title__en__icontains=value) | Q(title__de__icontains=value))


@extend_schema_view(
    list=extend_schema(summary="List pages", tags=["content"]),
    create=extend_schema(
        summary="Create a page (Portable Text)",
        tags=["content"],
        request=PageInputSerializer,
        responses={201: PageOutputSerializer},
    ),
    retrieve=extend_schema(summary="Get a page", tags=["content"]),
    update=extend_schema(
        summary="Replace a page", tags=["content"], request=PageInputSerializer, responses=PageOutputSerializer
    ),
    partial_update=extend_schema(
        summary="Change some fields of a page",
        tags=["content"],
        request=PageInputSerializer,
        responses=PageOutputSerializer,
    ),
    destroy=extend_schema(summary="Delete a page (soft)", tags=["content"], responses={204: None}),
)
class PageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Staff CRUD on pages. Invalid Portable Text → 422 whose ``details[0].field`` is ``content.en.3``;
    a slug already in use → 409; a reserved slug (``admin``, ``api``, ``de``, …) → 422."""

    permission_classes = [HasRolePermissions]
    required_permissions = PAGE_PERMISSIONS
    serializer_class = PageOutputSerializer
    resource_name = "pages"
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    filterset_class = PageFilter
    ordering_fields = ["updated_at", "created_at", "published_at", "slug"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return Page.objects.alive().select_related("author")

    def create(self, request):
        data = self._input(request, partial=False)
        page = services.page_create(**data, author=request.user)
        return created(PageOutputSerializer(page).data, message=_("Page created."))

    def update(self, request, pk=None):
        return self._change(request, partial=False)

    def partial_update(self, request, pk=None):
        return self._change(request, partial=True)

    def destroy(self, request, pk=None):
        services.page_delete(page=self.get_object(), actor=request.user)
        return ok(None, message=_("Page deleted."), status=204)

    def _change(self, request, *, partial: bool):
        page = self.get_object()
        data = self._input(request, partial=partial)
        page = services.page_update(page=page, data=data, actor=request.user)
        return ok(PageOutputSerializer(page).data, message=_("Page updated."))

    @staticmethod
    def _input(request, *, partial: bool) -> dict:
        serializer = PageInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PageRenderView(GenericAPIView):
    """Shared by ``/html``, ``/markdown`` and ``/plain-text``: the page's content and excerpt in one format."""

    permission_classes = [HasRolePermissions]
    required_permissions = PAGE_PERMISSIONS
    serializer_class = PageRenderedSerializer
    fmt = "html"

    def get_queryset(self):
        return Page.objects.alive()

    def get(self, request, pk):
        language = parse_language(request.query_params.get("language"))
        return Response(page_rendered(self.get_object(), language=language, fmt=self.fmt))


@extend_schema(summary="Page as HTML", tags=["content"], parameters=[LANGUAGE_PARAM])
class PageHtmlView(PageRenderView):
    fmt = "html"


@extend_schema(summary="Page as Markdown", tags=["content"], parameters=[LANGUAGE_PARAM])
class PageMarkdownView(PageRenderView):
    fmt = "markdown"


@extend_schema(summary="Page as plain text", tags=["content"], parameters=[LANGUAGE_PARAM])
class PagePlainTextView(PageRenderView):
    fmt = "plain_text"


@extend_schema(
    summary="A published page by slug",
    tags=["public"],
    parameters=[LANGUAGE_PARAM],
    responses=PublicPageSerializer,
)
class PublicPageView(PublicAPIMixin, GenericAPIView):
    """A published page in one language (English fallback). Drafts, scheduled and deleted pages → 404."""

    serializer_class = PublicPageSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return Page.objects.published()

    def get(self, request, slug):
        language = parse_language(request.query_params.get("language"))
        page = self.get_object()
        used = page.content_language(language)
        excerpt = page.blocks_for("excerpt", used)
        return Response(
            {
                "id": page.pk,
                "slug": page.slug,
                "language": used,
                "requested_language": language,
                "title": page.title_for(used),
                "content": page.blocks_for("content", used),
                "content_html": str(page_html(page, "content", used)),
                "excerpt_html": render_blocks(excerpt, "html") if excerpt else None,
                "seo": page_seo(page, used),
                "url": page.get_absolute_url(used),
                "published_at": page.published_at,
                "updated_at": page.updated_at,
            }
        )


class MediaFilter(FilterSet):
    mime_type = django_filters.CharFilter(help_text="Exact MIME type, e.g. image/png.")
    search = django_filters.CharFilter(field_name="original_filename", lookup_expr="icontains")

    class Meta:
        model = MediaAsset
        fields = ["mime_type", "kind", "search"]


class _MediaBase(viewsets.GenericViewSet):
    permission_classes = [HasRolePermissions]
    required_permissions = MEDIA_PERMISSIONS
    serializer_class = MediaAssetSerializer
    filterset_class = MediaFilter
    resource_name = "media_assets"
    kind = MediaKind.GENERAL
    allowed_types = None

    def get_queryset(self):
        return MediaAsset.objects.alive().select_related("uploaded_by")

    def create(self, request):
        form = MediaUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        asset = services.media_asset_create(
            upload=form.validated_data["file"],
            uploaded_by=request.user,
            alt_text=form.validated_data.get("alt_text"),
            caption=form.validated_data.get("caption"),
            kind=self.kind,
            allowed_types=self.allowed_types,
        )
        return created(MediaAssetSerializer(asset).data, message=_("File uploaded."))


@extend_schema_view(
    list=extend_schema(summary="List media files", tags=["content"]),
    create=extend_schema(
        summary="Upload a media file",
        tags=["content"],
        request={"multipart/form-data": MediaUploadSerializer},
        responses={201: MediaAssetSerializer},
        description="PNG, JPEG, GIF, WebP, PDF or MP4, detected from the bytes; SVG/HTML refused (422); "
        "over MEDIA_MAX_UPLOAD_BYTES → 413. The file is stored under a generated name.",
    ),
    retrieve=extend_schema(summary="Get a media file's record", tags=["content"]),
    destroy=extend_schema(summary="Delete a media file (soft)", tags=["content"], responses={204: None}),
)
class MediaAssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _MediaBase):
    """Media library: list, upload (multipart), get, soft delete."""

    def destroy(self, request, pk=None):
        services.media_asset_delete(asset=self.get_object(), actor=request.user)
        return ok(None, message=_("File deleted."), status=204)


@extend_schema_view(
    list=extend_schema(summary="List Portable Text assets", tags=["content"]),
    create=extend_schema(
        summary="Upload an asset for Portable Text blocks",
        tags=["content"],
        request={"multipart/form-data": MediaUploadSerializer},
        responses={201: MediaAssetSerializer},
        description="Images (PNG, JPEG, GIF, WebP) or MP4. The response's `asset` is the reference to put "
        "in an image block.",
    ),
)
class PortableAssetViewSet(mixins.ListModelMixin, _MediaBase):
    """Assets referenced by Portable Text blocks (``kind = portable``)."""

    kind = MediaKind.PORTABLE
    allowed_types = PORTABLE_TYPES

    def get_queryset(self):
        return MediaAsset.objects.portable().select_related("uploaded_by")


@extend_schema(
    summary="A media file's bytes",
    tags=["public"],
    # Served with the type detected at upload, so each type an upload may have is documented.
    responses={(200, mime_type): OpenApiTypes.BINARY for mime_type in EXTENSIONS},
)
class MediaFileView(APIView):
    """``GET /api/v1/media/{id}``: the file itself, for ``<img>`` tags of rendered Portable Text.

    Public and unthrottled (every page view loads its images); deleted assets are 404. Served with
    the MIME type detected at upload, ``nosniff`` and a sandboxing CSP so a browser never runs
    anything in it; PDFs and videos are sent as attachments.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request, pk: int) -> FileResponse:
        asset = MediaAsset.objects.alive().filter(pk=pk).first()
        if asset is None or not asset.file or not asset.file.storage.exists(asset.file.name):
            raise MediaAssetNotFound()
        response = FileResponse(
            asset.file.open("rb"),
            content_type=asset.mime_type,
            as_attachment=not asset.is_image,
            filename=asset.original_filename or asset.file.name.rsplit("/", 1)[-1],
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "public, max-age=3600"
        return response
