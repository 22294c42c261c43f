"""Reads shared by the API and the admin: posts and accounts of a network, latest engagement."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from .exceptions import SocialAccountNotFound, SocialPostNotFound
from .models import EngagementSnapshot, PostStatus, SocialAccount, SocialPost


def accounts_of(network: str) -> QuerySet[SocialAccount]:
    """Accounts of ``network``, connected first."""
    return SocialAccount.objects.filter(network=network).order_by("status", "name", "id")


def account_get(*, network: str, pk: int) -> SocialAccount:
    """The account ``pk`` of ``network``; :class:`SocialAccountNotFound` otherwise."""
    account = SocialAccount.objects.filter(network=network, pk=pk).first()
    if account is None:
        raise SocialAccountNotFound()
    return account


def posts_of(network: str) -> QuerySet[SocialPost]:
    """Posts of ``network``, newest first, with their account and images."""
    return (
        SocialPost.objects.filter(network=network)
        .select_related("account")
        .prefetch_related("media")
        .order_by("-created_at", "-id")
    )


def post_get(*, network: str, pk: int) -> SocialPost:
    """The post ``pk`` of ``network``; :class:`SocialPostNotFound` otherwise."""
    post = posts_of(network).filter(pk=pk).first()
    if post is None:
        raise SocialPostNotFound()
    return post


def latest_post_snapshots(network: str, *, limit: int = 50) -> list[EngagementSnapshot]:
    """The latest snapshot of each of the ``limit`` most recently published posts of ``network``."""
    latest = EngagementSnapshot.objects.filter(post=OuterRef("post")).order_by("-fetched_at", "-id").values("id")[:1]
    return list(
        EngagementSnapshot.objects.filter(post__network=network, post__status=PostStatus.PUBLISHED, id=Subquery(latest))
        .select_related("post")
        .order_by("-post__published_at", "-post_id")[:limit]
    )


def latest_account_snapshots(network: str) -> list[EngagementSnapshot]:
    """The latest account-level snapshot of each account of ``network``."""
    latest = (
        EngagementSnapshot.objects.filter(account=OuterRef("account"), post__isnull=True)
        .order_by("-fetched_at", "-id")
        .values("id")[:1]
    )
    return list(
        EngagementSnapshot.objects.filter(account__network=network, post__isnull=True, id=Subquery(latest))
        .select_related("account")
        .order_by("account_id")
    )


def post_snapshots(post: SocialPost, *, limit: int = 100) -> list[EngagementSnapshot]:
    """The post's snapshots, newest first."""
    return list(post.snapshots.order_by("-fetched_at", "-id")[:limit])
