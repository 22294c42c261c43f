"""Content endpoints, included at ``/api/v1/`` (spec 000 content/*, spec 001 admin/pages and public/pages).

``/admin/pages`` is the spec 001 name for the same staff page endpoints as ``/content/pages``.
"""

from django.urls import path

from . import views

page_list = views.PageViewSet.as_view({"get": "list", "post": "create"})
page_detail = views.PageViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("content/pages", page_list, name="content-pages"),
    path("content/pages/<id:pk>", page_detail, name="content-page"),
    path("content/pages/<id:pk>/html", views.PageHtmlView.as_view(), name="content-page-html"),
    path("content/pages/<id:pk>/markdown", views.PageMarkdownView.as_view(), name="content-page-markdown"),
    path("content/pages/<id:pk>/plain-text", views.PagePlainTextView.as_view(), name="content-page-plain-text"),
    path("content/media", views.MediaAssetViewSet.as_view({"get": "list", "post": "create"}), name="content-media"),
    path(
        "content/media/<id:pk>",
        views.MediaAssetViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="content-media-detail",
    ),
    path(
        "content/portable-assets",
        views.PortableAssetViewSet.as_view({"get": "list", "post": "create"}),
        name="content-portable-assets",
    ),
    path("admin/pages", page_list, name="admin-pages"),
    path("admin/pages/<id:pk>", page_detail, name="admin-page"),
    path("media/<id:pk>", views.MediaFileView.as_view(), name="media-file"),
    path("public/pages/<slug:slug>", views.PublicPageView.as_view(), name="public-page"),
]
