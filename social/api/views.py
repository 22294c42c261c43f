"""``/api/v1/communication/linkedin/…`` and ``/api/v1/communication/twitter/…`` (spec 000
"LinkedIn Integration", "Twitter/X Integration"): one set of views, instantiated per network.

Staff only, through the role permissions of ``social`` models (``accounts/roles.py``): reading needs
``view_…``, connecting an account ``add_socialaccount`` (admins), writing posts ``add_/change_/
delete_socialpost`` (admins and editors), publishing ``change_socialpost``. Errors: 400 broken
rule (not configured, no connected account, OAuth state unknown), 404, 409 post state, 413/422
input, 429 the network's rate limit (``Retry-After``), 502 the network refused or did not answer.
"""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from magnetiq.api.filters import FilterSet, IdFilter
from magnetiq.api.permissions import HasRolePermissions
from magnetiq.api.responses import created, ok
from social import formatting, selectors, services
from social.models import EngagementSnapshot, Network, PostStatus, SocialPost

from .serializers import (
    SocialAccountConnectInputSerializer,
    SocialAccountListSerializer,
    SocialAccountSerializer,
    SocialConnectStartSerializer,
    SocialEngagementSerializer,
    SocialFormattedSerializer,
    SocialMediaSerializer,
    SocialMediaUploadSerializer,
    SocialPostEngagementSerializer,
    SocialPostInputSerializer,
    SocialPostSerializer,
)

_ERROR = {"$ref": "#/components/schemas/ErrorEnvelope"}
#: The answers of an operation that calls the network, besides the standard ones.
VENDOR_ERRORS = {502: OpenApiResponse(_ERROR, description="The network refused the request or did not answer.")}
ACCOUNT_PERMISSIONS = {
    "SAFE": ["social.view_socialaccount"],
    "POST": ["social.add_socialaccount"],
    "DELETE": ["social.delete_socialaccount"],
}
POST_PERMISSIONS = {
    "SAFE": ["social.view_socialpost"],
    "POST": ["social.add_socialpost"],
    "PUT": ["social.change_socialpost"],
    "DELETE": ["social.delete_socialpost"],
}


class NetworkView:
    """A view bound to one network: ``as_view(network="linkedin")``; ``tag`` names it in the schema."""

    network: str = Network.LINKEDIN
    permission_classes = [HasRolePermissions]

    @property
    def network_label(self) -> str:
        return Network(self.network).label


class AccountListView(NetworkView, APIView):
    required_permissions = ACCOUNT_PERMISSIONS

    @extend_schema(summary="List connected accounts", responses={200: SocialAccountListSerializer})
    def get(self, request):
        """Every account of the network ever connected (``status`` connected or disconnected)."""
        accounts = SocialAccountSerializer(selectors.accounts_of(self.network), many=True).data
        return Response({"accounts": accounts})

    @extend_schema(
        summary="Connect an account (start, or finish with code and state)",
        request=SocialAccountConnectInputSerializer,
        responses={200: SocialConnectStartSerializer, 201: SocialAccountSerializer, **VENDOR_ERRORS},
    )
    def post(self, request):
        """Without a body: start the OAuth 2.0 authorisation (PKCE for X) and answer 200 with the
        network's ``authorize_url`` (valid 15 minutes). With ``code`` and ``state`` from the
        network's redirect: exchange them and answer 201 with the connected account."""
        body = SocialAccountConnectInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("code"):
            account = services.account_connect(
                network=self.network,
                code=body.validated_data["code"],
                state=body.validated_data["state"],
                actor=request.user,
            )
            return created(SocialAccountSerializer(account).data, message=_("Account connected"))
        start = services.account_connect_start(network=self.network, actor=request.user)
        return ok(SocialConnectStartSerializer(start).data, message=_("Open authorize_url to connect the account"))


class AccountDetailView(NetworkView, APIView):
    required_permissions = ACCOUNT_PERMISSIONS

    @extend_schema(summary="Disconnect an account", responses={200: SocialAccountSerializer})
    def delete(self, request, pk: int):
        """Forget the account's tokens (its posts and engagement stay); idempotent."""
        account = services.account_disconnect(
            account=selectors.account_get(network=self.network, pk=pk), actor=request.user
        )
        return ok(SocialAccountSerializer(account).data, message=_("Account disconnected"))


class PostFilter(FilterSet):
    """``status`` (draft, scheduled, publishing, published, failed, unknown) and ``account``."""

    status = django_filters.ChoiceFilter(choices=PostStatus.choices)
    account = IdFilter(field_name="account_id")

    class Meta:
        model = SocialPost
        fields = ["status", "account"]


class PostCollectionView(NetworkView, generics.ListAPIView):
    required_permissions = POST_PERMISSIONS
    serializer_class = SocialPostSerializer
    filterset_class = PostFilter
    resource_name = "posts"

    def get_queryset(self):
        return selectors.posts_of(self.network)

    @extend_schema(summary="List posts")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a post (Portable Text)",
        request=SocialPostInputSerializer,
        responses={201: SocialPostSerializer},
    )
    def post(self, request):
        """A draft, or a scheduled post when ``scheduled_at`` is given (publish_due_posts publishes it)."""
        body = SocialPostInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.post_create(network=self.network, actor=request.user, **body.service_data())
        return created(
            SocialPostSerializer(selectors.post_get(network=self.network, pk=post.pk)).data, message=_("Post created")
        )


class PostDetailView(NetworkView, APIView):
    required_permissions = POST_PERMISSIONS

    @extend_schema(summary="Get a post", responses={200: SocialPostSerializer})
    def get(self, request, pk: int):
        return Response(SocialPostSerializer(selectors.post_get(network=self.network, pk=pk)).data)

    @extend_schema(
        summary="Change a draft, scheduled or failed post",
        request=SocialPostInputSerializer,
        responses={200: SocialPostSerializer},
    )
    def put(self, request, pk: int):
        """The fields given are changed (``scheduled_at: null`` makes it a draft again); a post
        being published, published or of unknown outcome answers 409."""
        post = selectors.post_get(network=self.network, pk=pk)
        body = SocialPostInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.post_update(post=post, data=body.service_data(), actor=request.user)
        return ok(SocialPostSerializer(selectors.post_get(network=self.network, pk=pk)).data, message=_("Post updated"))

    @extend_schema(summary="Delete (cancel) a draft, scheduled or failed post", responses={204: None})
    def delete(self, request, pk: int):
        services.post_delete(post=selectors.post_get(network=self.network, pk=pk), actor=request.user)
        return Response(status=204)


class PostFormattedView(NetworkView, APIView):
    required_permissions = {"SAFE": ["social.view_socialpost"]}

    @extend_schema(summary="The post formatted for the network", responses={200: SocialFormattedSerializer})
    def get(self, request, pk: int):
        """LinkedIn: the text and its little-text commentary (≤ 3 000 characters). X: the tweet or
        numbered thread, each part ≤ 280 by X's count (URLs 23, CJK and emoji 2)."""
        post = selectors.post_get(network=self.network, pk=pk)
        if self.network == Network.LINKEDIN:
            text = formatting.for_linkedin(post.body)
            data = {
                "network": self.network,
                "text": text.text,
                "length": text.length,
                "limit": text.limit,
                "fits": text.fits,
                "commentary": text.commentary,
                "tweets": [],
            }
        else:
            thread = formatting.for_x(post.body)
            data = {
                "network": self.network,
                "text": formatting.for_x_text(post.body),
                "length": sum(thread.weights),
                "limit": thread.limit,
                "fits": len(thread.parts) <= services.MAX_THREAD_PARTS
                and all(w <= thread.limit for w in thread.weights),
                "commentary": "",
                "tweets": [{"text": p, "weight": w} for p, w in zip(thread.parts, thread.weights, strict=True)],
            }
        return Response(SocialFormattedSerializer(data).data)


class PostPublishView(NetworkView, APIView):
    required_permissions = {"POST": ["social.change_socialpost"]}

    @extend_schema(summary="Publish a post now", request=None, responses={200: SocialPostSerializer, **VENDOR_ERRORS})
    def post(self, request, pk: int):
        """Publish a draft, scheduled or failed post at once. 409 when it is being or was
        published; 429 with ``Retry-After`` at the network's rate limit (the post keeps its
        status); 502 ``SOCIAL_PUBLISH_UNKNOWN`` when the network did not answer (the post is now
        ``unknown``: check on the network, it is not retried)."""
        post = selectors.post_get(network=self.network, pk=pk)
        services.post_publish(post=post, actor=request.user)
        return ok(
            SocialPostSerializer(selectors.post_get(network=self.network, pk=pk)).data, message=_("Post published")
        )


class MediaUploadView(NetworkView, APIView):
    required_permissions = {"POST": ["social.add_socialmedia"]}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload an image for posts",
        request={"multipart/form-data": SocialMediaUploadSerializer},
        responses={
            201: SocialMediaSerializer,
            413: OpenApiResponse(_ERROR, description="Larger than the upload limit."),
        },
    )
    def post(self, request):
        """An image (PNG, JPEG, GIF; WebP on X) checked by its bytes against the network's limits
        (LinkedIn 5 MB and 36 152 320 pixels; X 5 MB, GIF 15 MB). Use its ``id`` in a post's ``media_ids``."""
        body = SocialMediaUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        media = services.media_upload(
            network=self.network,
            upload=body.validated_data["file"],
            alt_text=body.validated_data["alt_text"],
            actor=request.user,
        )
        return created(SocialMediaSerializer(media).data, message=_("Image uploaded"))


def _snapshot(snapshot: EngagementSnapshot | None) -> dict | None:
    if snapshot is None:
        return None
    return {
        "fetched_at": snapshot.fetched_at,
        "impressions": snapshot.impressions,
        "likes": snapshot.likes,
        "comments": snapshot.comments,
        "shares": snapshot.shares,
        "followers": snapshot.followers,
    }


class EngagementView(NetworkView, APIView):
    required_permissions = {"SAFE": ["social.view_engagementsnapshot"]}

    @extend_schema(
        summary="Engagement of the network's accounts and posts", responses={200: SocialEngagementSerializer}
    )
    def get(self, request):
        """The latest counts fetched by ``fetch_social_engagement``: per account (followers), per
        post published recently (the 50 newest), and the posts' totals."""
        posts = selectors.latest_post_snapshots(self.network)
        accounts = selectors.latest_account_snapshots(self.network)
        data = {
            "network": self.network,
            "accounts": [
                {"account_id": s.account_id, "name": s.account.name or s.account.handle, "latest": _snapshot(s)}
                for s in accounts
            ],
            "posts": [
                {
                    "post_id": s.post_id,
                    "title": s.post.title if s.post else "",
                    "external_url": s.post.external_url if s.post else "",
                    "published_at": s.post.published_at if s.post else None,
                    "latest": _snapshot(s),
                }
                for s in posts
            ],
            "totals": {
                "posts": len(posts),
                "likes": sum(s.likes for s in posts),
                "comments": sum(s.comments for s in posts),
                "shares": sum(s.shares for s in posts),
                "impressions": sum(s.impressions or 0 for s in posts),
            },
        }
        return Response(SocialEngagementSerializer(data).data)


class _PostEngagementSchema(AutoSchema):
    def get_operation_id(self):
        # Apart from the network's summary, whose path is this one's prefix.
        return super().get_operation_id().replace("_retrieve", "_post_retrieve")


class PostEngagementView(NetworkView, APIView):
    schema = _PostEngagementSchema()
    required_permissions = {"SAFE": ["social.view_engagementsnapshot"]}

    @extend_schema(summary="Engagement of one post", responses={200: SocialPostEngagementSerializer})
    def get(self, request, **kwargs):
        """The post (its id in Magnetiq: ``post_id``, ``tweet_id`` on X), its latest counts and
        their history (newest first, at most 100)."""
        pk = kwargs.get("post_id") or kwargs.get("tweet_id")
        post = selectors.post_get(network=self.network, pk=pk)
        history = selectors.post_snapshots(post)
        return Response(
            SocialPostEngagementSerializer(
                {
                    "post": post,
                    "latest": _snapshot(history[0]) if history else None,
                    "history": [_snapshot(s) for s in history],
                }
            ).data
        )
