"""Every write of the social app (``<entity>_<verb>``): accounts, posts, media, publishing, engagement.

Network calls never run inside a transaction (``magnetiq.vendors``): a service claims or reads in
one short transaction (or one conditional UPDATE), calls the network through its gateway, and
records the answer in another that re-checks the state.

Publishing (spec 000 "LinkedIn Integration", "Twitter/X Integration"): a post is claimed with one
conditional UPDATE (``scheduled``/``draft``/``failed`` → ``publishing``), so two callers — two
copies of ``publish_due_posts``, or the command and a staff click — can never both publish it.
The outcome is ``published``; ``failed`` when the network refused it (nothing went out);
``unknown`` when the request got no answer (it may be online: staff check, nothing retries it);
a rate limit (429) puts the post back where it was (a scheduled post stays scheduled) and raises
:class:`SocialRateLimited` with the seconds until the network's reset.

Tokens: refreshed when they expire within :data:`TOKEN_REFRESH_MARGIN`; a call answered 401 is
repeated once with a freshly refreshed token.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.exceptions import PortableTextError
from content.media import Sniffed, extension_for
from content.portable_text import validate_blocks
from content.services import media_upload_check
from magnetiq.audit import log_action
from magnetiq.exceptions import ApplicationError

from . import crypto, formatting
from .conf import ProviderConfig, provider_config
from .exceptions import (
    NoConnectedAccount,
    OAuthStateInvalid,
    SocialAccountDisconnected,
    SocialMediaInvalid,
    SocialPostInvalid,
    SocialPostStateConflict,
    SocialProviderError,
    SocialPublishUnknown,
    SocialRateLimited,
    SocialTokenRejected,
)
from .gateways import linkedin, x
from .gateways.common import Counts, Identity, Published, TokenSet
from .models import (
    EDITABLE_STATUSES,
    OAUTH_STATE_MINUTES,
    AccountStatus,
    EngagementSnapshot,
    Network,
    OAuthState,
    PostStatus,
    SocialAccount,
    SocialMedia,
    SocialPost,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: A token that expires sooner than this is refreshed before use.
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
#: A post still ``publishing`` this long after its claim was interrupted mid-call (a killed
#: process): ``publish_due_posts`` marks it ``unknown`` for staff to check.
STALE_PUBLISHING = timedelta(minutes=15)
#: Images per post: LinkedIn's multi-image post takes 20, a tweet 4.
MAX_IMAGES = {Network.LINKEDIN: 20, Network.X: 4}
#: Image types and the largest file (bytes) each network takes (LinkedIn Images API, X media upload).
IMAGE_TYPES = {
    Network.LINKEDIN: frozenset({"image/png", "image/jpeg", "image/gif"}),
    Network.X: frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"}),
}
MAX_IMAGE_BYTES = {Network.LINKEDIN: 5 * 1024 * 1024, Network.X: 5 * 1024 * 1024}
MAX_GIF_BYTES = {Network.LINKEDIN: 5 * 1024 * 1024, Network.X: 15 * 1024 * 1024}
#: LinkedIn refuses images above 36 152 320 pixels (width × height).
LINKEDIN_MAX_PIXELS = 36_152_320
#: The longest thread a post may become on X.
MAX_THREAD_PARTS = 25
#: The fields of a post a caller may set (the API serializers take theirs from here).
POST_EDITABLE_FIELDS = ("title", "body", "account", "media", "scheduled_at")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- accounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectStart:
    """A started connection: send staff to ``authorize_url``; the ``state`` expires at ``expires_at``."""

    network: str
    authorize_url: str
    state: str
    expires_at: datetime


def _pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def account_connect_start(*, network: str, actor=None, now: datetime | None = None) -> ConnectStart:
    """Start connecting a ``network`` account (OAuth 2.0 authorization code; PKCE S256 for X): store
    a one-time ``state`` (and X's verifier) server-side and return the network's authorisation
    address. Raises :class:`SocialNotConfigured` (no client id, or no ``SOCIAL_TOKEN_KEY`` in production)."""
    config = provider_config(network)
    crypto.encrypt("check")  # a missing production key is named now, not after the round trip
    now = _now(now)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64) if network == Network.X else ""
    with transaction.atomic():
        OAuthState.objects.filter(expires_at__lt=now).delete()
        record = OAuthState.objects.create(
            network=network,
            state=state,
            code_verifier=verifier,
            redirect_uri=config.redirect_uri,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            expires_at=now + timedelta(minutes=OAUTH_STATE_MINUTES),
        )
    if network == Network.X:
        url = x.authorize_url(config, state=state, code_challenge=_pkce_challenge(verifier))
    else:
        url = linkedin.authorize_url(config, state=state)
    return ConnectStart(network=network, authorize_url=url, state=state, expires_at=record.expires_at)


def _expiry(now: datetime, seconds: int | None) -> datetime | None:
    return now + timedelta(seconds=seconds) if seconds else None


def account_connect(*, network: str, code: str, state: str, actor=None, now: datetime | None = None) -> SocialAccount:
    """Finish a connection: the ``state`` of :func:`account_connect_start` is used up (once, within
    15 minutes, same network), the ``code`` exchanged for tokens, the account identified and stored
    with its tokens encrypted. Connecting an account again updates it. Raises
    :class:`OAuthStateInvalid`, :class:`SocialProviderError`, :class:`SocialNotConfigured`."""
    config = provider_config(network)
    now = _now(now)
    claimed = OAuthState.objects.filter(network=network, state=state, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if claimed != 1:
        raise OAuthStateInvalid()
    record = OAuthState.objects.get(state=state)
    if network == Network.X:
        tokens = x.exchange_code(
            config, code=code, redirect_uri=record.redirect_uri, code_verifier=record.code_verifier
        )
        identity = x.whoami(config, token=tokens.access_token)
    else:
        tokens = linkedin.exchange_code(config, code=code, redirect_uri=record.redirect_uri)
        identity = linkedin.whoami(config, token=tokens.access_token)
    return _account_store(network=network, identity=identity, tokens=tokens, actor=actor, now=now)


@transaction.atomic
def _account_store(*, network: str, identity: Identity, tokens: TokenSet, actor, now: datetime) -> SocialAccount:
    account, created = SocialAccount.objects.select_for_update().get_or_create(
        network=network, external_id=identity.external_id, defaults={"connected_at": now}
    )
    account.name = identity.name[:200]
    account.handle = identity.handle[:100]
    account.author_urn = identity.author_urn
    account.status = AccountStatus.CONNECTED
    account.access_token = crypto.encrypt(tokens.access_token)
    account.refresh_token = crypto.encrypt(tokens.refresh_token)
    account.token_expires_at = _expiry(now, tokens.expires_in)
    account.refresh_expires_at = _expiry(now, tokens.refresh_expires_in)
    account.scopes = tokens.scope[:500]
    account.connected_by = actor if getattr(actor, "is_authenticated", False) else None
    account.connected_at = now
    account.disconnected_at = None
    if identity.followers is not None:
        account.followers = identity.followers
    account.full_clean()
    account.save()
    log_action(account, "social.account.connected", actor=actor, data={"network": network, "created": created})
    return account


@transaction.atomic
def account_disconnect(*, account: SocialAccount, actor=None, now: datetime | None = None) -> SocialAccount:
    """Forget the account's tokens and mark it disconnected (its posts and engagement stay).
    Idempotent. Scheduled posts of the account fail at their time until it is connected again."""
    account = SocialAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.DISCONNECTED:
        return account
    account.status = AccountStatus.DISCONNECTED
    account.access_token = ""
    account.refresh_token = ""
    account.token_expires_at = None
    account.refresh_expires_at = None
    account.disconnected_at = _now(now)
    account.save()
    log_action(account, "social.account.disconnected", actor=actor)
    return account


def _refresh(config: ProviderConfig, network: str, refresh_token: str) -> TokenSet:
    if network == Network.X:
        return x.refresh(config, refresh_token=refresh_token)
    return linkedin.refresh(config, refresh_token=refresh_token)


def account_access_token(*, account: SocialAccount, force_refresh: bool = False, now: datetime | None = None) -> str:
    """A usable access token of ``account``: the stored one, or a refreshed one when it expires
    within :data:`TOKEN_REFRESH_MARGIN` (or ``force_refresh``). Raises
    :class:`SocialAccountDisconnected` when the account is disconnected or cannot be refreshed
    (no refresh token, refresh token expired or refused)."""
    now = _now(now)
    account.refresh_from_db()
    if account.status != AccountStatus.CONNECTED or not account.access_token:
        raise SocialAccountDisconnected()
    expires = account.token_expires_at
    if not force_refresh and (expires is None or expires > now + TOKEN_REFRESH_MARGIN):
        return crypto.decrypt(account.access_token)
    stored_refresh = account.refresh_token
    if not stored_refresh or (account.refresh_expires_at is not None and account.refresh_expires_at <= now):
        raise SocialAccountDisconnected()
    config = provider_config(account.network)
    try:
        tokens = _refresh(config, account.network, crypto.decrypt(stored_refresh))
    except SocialProviderError as error:
        account.refresh_from_db()
        if account.refresh_token != stored_refresh and account.access_token:
            # Another process refreshed meanwhile (X rotates the refresh token): use its token.
            return crypto.decrypt(account.access_token)
        if error.http_status in (400, 401):
            raise SocialAccountDisconnected() from None
        raise
    updated = SocialAccount.objects.filter(pk=account.pk, refresh_token=stored_refresh).update(
        access_token=crypto.encrypt(tokens.access_token),
        refresh_token=crypto.encrypt(tokens.refresh_token) if tokens.refresh_token else stored_refresh,
        token_expires_at=_expiry(now, tokens.expires_in),
        **({"refresh_expires_at": _expiry(now, tokens.refresh_expires_in)} if tokens.refresh_expires_in else {}),
    )
    if not updated:
        logger.info("Social account %s was refreshed by another process at the same time", account.pk)
    return tokens.access_token


def _with_token(account: SocialAccount, call: Callable[[str], T], *, now: datetime | None = None) -> T:
    """``call(token)``; when the network answers 401, once more with a freshly refreshed token."""
    try:
        return call(account_access_token(account=account, now=now))
    except SocialTokenRejected:
        return call(account_access_token(account=account, force_refresh=True, now=now))


# --- media -------------------------------------------------------------------------------------


def media_check(*, network: str, upload: UploadedFile) -> tuple[bytes, Sniffed]:
    """Read ``upload`` and check its bytes (``content.media.sniff``: the name and declared type are
    not trusted) against ``network``'s types and size limits (:data:`IMAGE_TYPES`,
    :data:`MAX_IMAGE_BYTES`, :data:`MAX_GIF_BYTES`, LinkedIn's pixel limit); the one check behind
    the API and the admin. Raises ``UnsupportedMediaType`` / :class:`SocialMediaInvalid` (422),
    ``MediaTooLarge`` (413)."""
    data, sniffed = media_upload_check(upload=upload, allowed_types=IMAGE_TYPES[Network(network)])
    limit = (MAX_GIF_BYTES if sniffed.mime_type == "image/gif" else MAX_IMAGE_BYTES)[Network(network)]
    if len(data) > limit:
        message = _("%(network)s takes images of at most %(limit)s bytes; this one has %(size)s.") % {
            "network": Network(network).label,
            "limit": limit,
            "size": len(data),
        }
        raise SocialMediaInvalid(message, details=[{"field": "file", "message": message, "code": "too_large"}])
    if network == Network.LINKEDIN and (sniffed.width or 0) * (sniffed.height or 0) > LINKEDIN_MAX_PIXELS:
        pixels = str(_("LinkedIn takes images of at most 36 152 320 pixels."))
        raise SocialMediaInvalid(pixels, details=[{"field": "file", "message": pixels, "code": "too_many_pixels"}])
    return data, sniffed


@transaction.atomic
def media_upload(
    *, network: str, upload: UploadedFile, alt_text: str = "", actor=None, now: datetime | None = None
) -> SocialMedia:
    """Store an image for ``network``'s posts once :func:`media_check` accepts it; it goes to the
    network when a post using it is published. Raises as :func:`media_check`."""
    data, sniffed = media_check(network=network, upload=upload)
    media = SocialMedia(
        network=network,
        mime_type=sniffed.mime_type,
        size_bytes=len(data),
        width=sniffed.width,
        height=sniffed.height,
        alt_text=alt_text[:1000],
        original_name="".join(ch for ch in (upload.name or "") if ch.isprintable())[-255:],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=_now(now),
    )
    media.file.save(f"{uuid.uuid4().hex}.{extension_for(sniffed.mime_type)}", ContentFile(data), save=False)
    media.save()
    log_action(media, "social.media.uploaded", actor=actor, data={"network": network, "bytes": len(data)})
    return media


# --- posts -------------------------------------------------------------------------------------


def _invalid(field_name: str, message) -> SocialPostInvalid:
    return SocialPostInvalid(message, details=[{"field": field_name, "message": str(message), "code": "invalid"}])


def post_check_text(*, network: str, body: object) -> None:
    """The body is valid Portable Text with text in it, and fits the network: LinkedIn 3 000
    characters, X at most :data:`MAX_THREAD_PARTS` tweets. Raises ``PortableTextError`` /
    :class:`SocialPostInvalid` (422)."""
    validate_blocks(body, field="body")
    if network == Network.LINKEDIN:
        shown = formatting.for_linkedin(body)
        if not shown.text.strip():
            raise _invalid("body", _("The post has no text."))
        if not shown.fits:
            raise _invalid(
                "body",
                _("LinkedIn takes at most %(limit)s characters; this post has %(length)s.")
                % {"limit": shown.limit, "length": shown.length},
            )
    else:
        thread = formatting.for_x(body)
        if not thread.parts:
            raise _invalid("body", _("The post has no text."))
        if len(thread.parts) > MAX_THREAD_PARTS:
            raise _invalid(
                "body",
                _("This post would be a thread of %(parts)s tweets; at most %(limit)s.")
                % {"parts": len(thread.parts), "limit": MAX_THREAD_PARTS},
            )


def post_check_fields(*, network: str, data: dict, now: datetime | None = None) -> None:
    """The ``account``, ``media`` and ``scheduled_at`` in ``data`` fit a post of ``network``: the
    account and images of the same network, at most :data:`MAX_IMAGES` images, a time in the
    future. Raises :class:`SocialPostInvalid` (422)."""
    now = _now(now)
    account = data.get("account")
    if account is not None and account.network != network:
        raise _invalid("account", _("The account belongs to another network."))
    media = data.get("media")
    if media is not None:
        if any(item.network != network for item in media):
            raise _invalid("media", _("An image was uploaded for another network."))
        if len(media) > MAX_IMAGES[Network(network)]:
            raise _invalid("media", _("At most %(limit)s images per post.") % {"limit": MAX_IMAGES[Network(network)]})
    scheduled_at = data.get("scheduled_at")
    if scheduled_at is not None and scheduled_at <= now:
        raise _invalid("scheduled_at", _("Give a time in the future."))


@transaction.atomic
def post_create(
    *,
    network: str,
    body: list,
    title: str = "",
    account: SocialAccount | None = None,
    media: list[SocialMedia] | None = None,
    scheduled_at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> SocialPost:
    """A new post: ``draft``, or ``scheduled`` when ``scheduled_at`` (aware, in the future) is given.
    ``account`` of the same network (empty: the connected one at publish time); ``media`` uploaded
    for this network. Raises ``PortableTextError`` / :class:`SocialPostInvalid` (422)."""
    now = _now(now)
    post_check_text(network=network, body=body)
    fields = {"account": account, "media": media, "scheduled_at": scheduled_at}
    post_check_fields(network=network, data=fields, now=now)
    post = SocialPost(
        network=network,
        title=title,
        body=body,
        account=account,
        scheduled_at=scheduled_at,
        status=PostStatus.SCHEDULED if scheduled_at else PostStatus.DRAFT,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        updated_at=now,
    )
    post.full_clean()
    post.save()
    if media:
        post.media.set(media)
    log_action(post, "social.post.created", actor=actor, data={"status": post.status})
    return post


def _locked_editable(post: SocialPost) -> SocialPost:
    locked = SocialPost.objects.select_for_update().get(pk=post.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise SocialPostStateConflict(
            _("A %(status)s post cannot be changed.") % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def post_update(*, post: SocialPost, data: dict, actor=None, now: datetime | None = None) -> SocialPost:
    """Change the :data:`POST_EDITABLE_FIELDS` given in ``data`` of a draft, scheduled or failed
    post; ``scheduled_at`` set → ``scheduled``, ``None`` → ``draft``. Raises
    :class:`SocialPostStateConflict` (409) for a post being or already published, 422 as
    :func:`post_create`."""
    now = _now(now)
    post = _locked_editable(post)
    unknown = set(data) - set(POST_EDITABLE_FIELDS)
    if unknown:
        raise _invalid(sorted(unknown)[0], _("This field cannot be changed."))
    if "body" in data:
        post_check_text(network=post.network, body=data["body"])
    post_check_fields(network=post.network, data=data, now=now)
    for name in ("title", "body", "account"):
        if name in data:
            setattr(post, name, data[name])
    if "scheduled_at" in data:
        post.scheduled_at = data["scheduled_at"]
        post.status = PostStatus.SCHEDULED if data["scheduled_at"] else PostStatus.DRAFT
    post.updated_at = now
    post.full_clean()
    post.save()
    if "media" in data:
        post.media.set(data["media"] or [])
    log_action(post, "social.post.updated", actor=actor, data={"fields": sorted(data), "status": post.status})
    return post


def post_schedule(*, post: SocialPost, scheduled_at: datetime, actor=None, now: datetime | None = None) -> SocialPost:
    """Schedule a draft, scheduled or failed post for ``scheduled_at`` (in the future)."""
    return post_update(post=post, data={"scheduled_at": scheduled_at}, actor=actor, now=now)


@transaction.atomic
def post_delete(*, post: SocialPost, actor=None) -> None:
    """Delete (cancel) a draft, scheduled or failed post. A post being published, published or of
    unknown outcome is kept (it may be on the network): :class:`SocialPostStateConflict`."""
    post = _locked_editable(post)
    log_action(post, "social.post.deleted", actor=actor, data={"status": post.status, "network": post.network})
    post.delete()


@transaction.atomic
def post_resolve_unknown(
    *, post: SocialPost, published: bool, url: str = "", actor=None, now: datetime | None = None
) -> SocialPost:
    """Staff checked a post of ``unknown`` outcome on the network: ``published`` (with its ``url``
    when known) or not (back to ``draft``, to be published again on purpose). Raises
    :class:`SocialPostStateConflict` unless the post is ``unknown``."""
    post = SocialPost.objects.select_for_update().get(pk=post.pk)
    if post.status != PostStatus.UNKNOWN:
        raise SocialPostStateConflict(_("Only a post of unknown outcome can be resolved."))
    now = _now(now)
    if published:
        post.status = PostStatus.PUBLISHED
        post.published_at = post.published_at or now
        post.external_url = url or post.external_url
    else:
        post.status = PostStatus.DRAFT
        post.scheduled_at = None
        post.external_ids = []
        post.external_id = ""
    post.updated_at = now
    post.save()
    log_action(post, "social.post.resolved", actor=actor, data={"published": published})
    return post


# --- publishing --------------------------------------------------------------------------------


def _account_for(post: SocialPost) -> SocialAccount:
    if post.account_id:
        account = SocialAccount.objects.get(pk=post.account_id)
        if account.status != AccountStatus.CONNECTED:
            raise SocialAccountDisconnected()
        return account
    accounts = list(SocialAccount.objects.connected().filter(network=post.network)[:2])
    if len(accounts) != 1:
        raise NoConnectedAccount(
            _("Connect an account of this network first.")
            if not accounts
            else _("Several accounts of this network are connected: choose the post's account.")
        )
    return accounts[0]


def _send(post: SocialPost, account: SocialAccount, now: datetime) -> Published:
    config = provider_config(post.network)
    images = list(post.media.order_by("id"))
    if post.network == Network.LINKEDIN:
        text = formatting.for_linkedin(post.body)
        if not text.fits:
            raise _invalid("body", _("The post is longer than LinkedIn allows."))

        def publish_linkedin(token: str) -> Published:
            urns = [
                linkedin.upload_image(
                    config, token=token, owner=account.author_urn, data=_read(image), mime_type=image.mime_type
                )
                for image in images
            ]
            return linkedin.create_post(
                config, token=token, author=account.author_urn, commentary=text.commentary, images=urns
            )

        return _with_token(account, publish_linkedin, now=now)
    thread = formatting.for_x(post.body)
    if not thread.parts:
        raise _invalid("body", _("The post has no text."))

    def publish_x(token: str) -> Published:
        media_ids = [
            x.upload_image(config, token=token, data=_read(image), mime_type=image.mime_type) for image in images
        ]
        return x.create_thread(config, token=token, parts=thread.parts, media_ids=media_ids)

    return _with_token(account, publish_x, now=now)


def _read(media: SocialMedia) -> bytes:
    with media.file.open("rb") as handle:
        return handle.read()


def _finish(post_id: int, **fields) -> None:
    """Record a claimed post's outcome (only while it is still ours: ``publishing``)."""
    SocialPost.objects.filter(pk=post_id, status=PostStatus.PUBLISHING).update(updated_at=timezone.now(), **fields)


def _publish_claimed(post_id: int, *, back_to: str, actor=None, now: datetime) -> SocialPost:
    post = SocialPost.objects.get(pk=post_id)
    try:
        account = _account_for(post)
        published = _send(post, account, now)
    except SocialRateLimited as error:
        _finish(post_id, status=back_to, publish_started_at=None, last_error=str(error.detail))
        raise
    except SocialPublishUnknown as error:
        _finish(
            post_id,
            status=PostStatus.UNKNOWN,
            external_ids=error.published_ids,
            external_id=error.published_ids[0] if error.published_ids else "",
            last_error=error.message,
        )
        log_action(post, "social.post.unknown", actor=actor, data={"published_ids": error.published_ids})
        raise
    except (ApplicationError, PortableTextError) as error:
        _finish(post_id, status=PostStatus.FAILED, last_error=error.message)
        log_action(post, "social.post.failed", actor=actor, data={"code": error.code})
        raise
    except Exception:
        # A bug or an unforeseen answer while the request may have gone out: never guess.
        _finish(
            post_id, status=PostStatus.UNKNOWN, last_error=str(_("Unexpected error while publishing; see the logs."))
        )
        raise
    _finish(
        post_id,
        status=PostStatus.PUBLISHED,
        account=account,
        published_at=timezone.now(),
        external_id=published.external_id,
        external_ids=published.external_ids,
        external_url=published.url,
        last_error="",
    )
    post.refresh_from_db()
    log_action(post, "social.post.published", actor=actor, data={"external_id": published.external_id})
    return post


def post_publish(*, post: SocialPost, actor=None, now: datetime | None = None) -> SocialPost:
    """Publish a draft, scheduled or failed post now. Claimed first (one conditional UPDATE), so a
    concurrent publish of the same post is refused with :class:`SocialPostStateConflict` (409).
    Raises :class:`SocialRateLimited` (the post is back to its status), :class:`SocialPublishUnknown`
    (now ``unknown``), other :class:`SocialProviderError` / :class:`NoConnectedAccount` /
    :class:`SocialAccountDisconnected` (now ``failed``)."""
    now = _now(now)
    current = SocialPost.objects.filter(pk=post.pk).values_list("status", flat=True).first()
    if current is None:
        raise SocialPostStateConflict(_("The post no longer exists."))
    claimed = SocialPost.objects.filter(pk=post.pk, status=current, status__in=EDITABLE_STATUSES).update(
        status=PostStatus.PUBLISHING, publish_started_at=now, updated_at=now
    )
    if claimed != 1:
        raise SocialPostStateConflict(_("This post is being published or was published already."))
    back_to = PostStatus.SCHEDULED if current == PostStatus.SCHEDULED else PostStatus.DRAFT
    return _publish_claimed(post.pk, back_to=back_to, actor=actor, now=now)


@dataclass
class PublishRun:
    """What one :func:`posts_publish_due` did: post ids by outcome, and the stale claims it marked unknown."""

    published: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    rate_limited: list[int] = field(default_factory=list)
    claimed_elsewhere: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def posts_publish_due(*, now: datetime | None = None, limit: int = 50) -> PublishRun:
    """Publish the scheduled posts whose time has come (at most ``limit``, oldest first), each
    claimed with a conditional UPDATE ``scheduled → publishing``: a post another run claimed first
    is skipped, so two copies running together publish each post once. A rate-limited post stays
    scheduled for the next run; posts of a network that answered 429 are not tried again in this run.
    Posts ``publishing`` for over :data:`STALE_PUBLISHING` are marked ``unknown`` (never retried)."""
    now = _now(now)
    run = PublishRun()
    stale = list(
        SocialPost.objects.filter(
            status=PostStatus.PUBLISHING, publish_started_at__lt=now - STALE_PUBLISHING
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        if SocialPost.objects.filter(pk=pk, status=PostStatus.PUBLISHING).update(
            status=PostStatus.UNKNOWN,
            last_error=str(_("Publishing was interrupted; check on the network whether the post went out.")),
        ):
            run.stale.append(pk)
    limited_networks: set[str] = set()
    due = list(SocialPost.objects.due(now).order_by("scheduled_at", "id").values_list("pk", "network")[:limit])
    for pk, network in due:
        if network in limited_networks:
            run.rate_limited.append(pk)
            continue
        claimed = SocialPost.objects.filter(pk=pk, status=PostStatus.SCHEDULED, scheduled_at__lte=now).update(
            status=PostStatus.PUBLISHING, publish_started_at=now, updated_at=now
        )
        if claimed != 1:
            run.claimed_elsewhere.append(pk)
            continue
        try:
            _publish_claimed(pk, back_to=PostStatus.SCHEDULED, now=now)
        except SocialRateLimited as error:
            limited_networks.add(network)
            run.rate_limited.append(pk)
            run.messages.append(f"post {pk}: {error.detail} (Retry-After {error.wait:.0f} s)")
        except SocialPublishUnknown as error:
            run.unknown.append(pk)
            run.messages.append(f"post {pk}: {error.message}")
        except (ApplicationError, PortableTextError) as error:
            run.failed.append(pk)
            run.messages.append(f"post {pk}: {error.message}")
        else:
            run.published.append(pk)
    return run


# --- engagement --------------------------------------------------------------------------------


@dataclass
class EngagementRun:
    """What one :func:`engagement_fetch` did: snapshots written per account, and the errors."""

    accounts: int = 0
    posts: int = 0
    errors: list[str] = field(default_factory=list)


def _counts_for(account: SocialAccount, posts: list[SocialPost], token: str) -> tuple[int | None, dict[int, Counts]]:
    config = provider_config(account.network)
    found: dict[int, Counts] = {}
    if account.network == Network.X:
        followers = x.whoami(config, token=token).followers
        ids = [tweet_id for post in posts for tweet_id in (post.external_ids or [post.external_id]) if tweet_id]
        by_tweet: dict[str, Counts] = {}
        for start in range(0, len(ids), 100):
            by_tweet.update(x.tweet_counts(config, token=token, ids=ids[start : start + 100]))
        for post in posts:
            parts = [by_tweet[t] for t in (post.external_ids or [post.external_id]) if t in by_tweet]
            if parts:
                impressions = [p.impressions for p in parts if p.impressions is not None]
                found[post.pk] = Counts(
                    likes=sum(p.likes for p in parts),
                    comments=sum(p.comments for p in parts),
                    shares=sum(p.shares for p in parts),
                    impressions=sum(impressions) if impressions else None,
                )
        return followers, found
    followers = linkedin.followers(config, token=token, author=account.author_urn)
    for post in posts:
        found[post.pk] = linkedin.post_counts(config, token=token, urn=post.external_id)
    return followers, found


def engagement_fetch(*, now: datetime | None = None, days: int = 30) -> EngagementRun:
    """Fetch the counts of every connected account and of its posts published in the last ``days``
    days, and store them as :class:`EngagementSnapshot` rows (the network calls outside any
    transaction, one short transaction per account). An account that fails (disconnected, rate
    limited, network error) is reported in ``errors`` and the others go on."""
    now = _now(now)
    run = EngagementRun()
    for account in SocialAccount.objects.connected().order_by("id"):
        posts = list(
            SocialPost.objects.filter(
                account=account, status=PostStatus.PUBLISHED, published_at__gte=now - timedelta(days=days)
            ).exclude(external_id="")
        )
        try:
            followers, counts = _with_token(account, partial(_counts_for, account, posts), now=now)
        except (ApplicationError, SocialRateLimited) as error:
            text = error.detail if isinstance(error, SocialRateLimited) else error.message
            run.errors.append(f"{account}: {text}")
            continue
        with transaction.atomic():
            rows = [
                EngagementSnapshot(
                    account=account,
                    post_id=pk,
                    fetched_at=now,
                    likes=c.likes,
                    comments=c.comments,
                    shares=c.shares,
                    impressions=c.impressions,
                )
                for pk, c in counts.items()
            ]
            totals = Counts(
                likes=sum(c.likes for c in counts.values()),
                comments=sum(c.comments for c in counts.values()),
                shares=sum(c.shares for c in counts.values()),
            )
            rows.append(
                EngagementSnapshot(
                    account=account,
                    fetched_at=now,
                    followers=followers,
                    likes=totals.likes,
                    comments=totals.comments,
                    shares=totals.shares,
                )
            )
            EngagementSnapshot.objects.bulk_create(rows)
            SocialAccount.objects.filter(pk=account.pk).update(
                engagement_fetched_at=now, **({"followers": followers} if followers is not None else {})
            )
        run.accounts += 1
        run.posts += len(counts)
    return run
