"""``/api/v1`` routes of the social app: the paths of spec/endpoints.txt under
``communication/linkedin/`` and ``communication/twitter/`` (the X network), no trailing slash."""

from django.urls import path

from social.models import Network

from . import views

#: URL segment → network.
SEGMENTS = {"linkedin": Network.LINKEDIN, "twitter": Network.X}


def _routes(segment: str, network: str) -> list:
    prefix = f"communication/{segment}"
    name = f"{segment}-"
    post_param = "post_id" if segment == "linkedin" else "tweet_id"
    return [
        path(f"{prefix}/accounts", views.AccountListView.as_view(network=network), name=name + "accounts"),
        path(f"{prefix}/accounts/<id:pk>", views.AccountDetailView.as_view(network=network), name=name + "account"),
        path(f"{prefix}/content", views.PostCollectionView.as_view(network=network), name=name + "posts"),
        path(f"{prefix}/content/<id:pk>", views.PostDetailView.as_view(network=network), name=name + "post"),
        path(
            f"{prefix}/content/<id:pk>/formatted",
            views.PostFormattedView.as_view(network=network),
            name=name + "post-formatted",
        ),
        path(
            f"{prefix}/content/<id:pk>/publish",
            views.PostPublishView.as_view(network=network),
            name=name + "post-publish",
        ),
        path(f"{prefix}/media", views.MediaUploadView.as_view(network=network), name=name + "media"),
        path(f"{prefix}/engagement", views.EngagementView.as_view(network=network), name=name + "engagement"),
        path(
            f"{prefix}/engagement/<id:{post_param}>",
            views.PostEngagementView.as_view(network=network),
            name=name + "post-engagement",
        ),
    ]


urlpatterns = [route for segment, network in SEGMENTS.items() for route in _routes(segment, network)]
