"""Social publishing: connected accounts, posts written once in Portable Text, their media and engagement.

* :class:`SocialAccount` — a company account on LinkedIn or X connected through OAuth 2.0; the
  tokens are stored encrypted (``social.crypto``, Fernet) and never shown.
* :class:`OAuthState` — one started connection: the ``state`` sent to the network and, for X, the
  PKCE verifier; used once, within :data:`OAUTH_STATE_MINUTES`.
* :class:`SocialPost` — one post (a LinkedIn post, or a tweet or thread on X) with its life cycle
  :class:`PostStatus`.
* :class:`SocialMedia` — an image uploaded for posts of one network, checked by its bytes.
* :class:`EngagementSnapshot` — the counts fetched from the network for a post or an account.

Every write goes through ``social/services.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: Minutes a started OAuth connection may take before its state is refused.
OAUTH_STATE_MINUTES = 15


class Network(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    X = "x", "X"


class AccountStatus(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    DISCONNECTED = "disconnected", _("Disconnected")


class PostStatus(models.TextChoices):
    """A post's life (spec 000 "LinkedIn Integration", "Twitter/X Integration"):
    draft → scheduled → publishing → published | failed | unknown. ``unknown``: the publish request
    got no answer, so staff check on the network; it is never retried automatically."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", pgettext_lazy("post status", "Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Unknown (check on the network)")


#: Statuses in which a post may still be edited, scheduled, published or deleted.
EDITABLE_STATUSES = (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED)


class SocialAccountQuerySet(models.QuerySet):
    def connected(self):
        return self.filter(status=AccountStatus.CONNECTED)


class SocialAccount(models.Model):
    network = models.CharField(_("network"), max_length=16, choices=Network.choices)
    external_id = models.CharField(
        _("network id"), max_length=200, help_text=_("The account's id on the network (LinkedIn member, X user).")
    )
    author_urn = models.CharField(
        _("author"),
        max_length=200,
        blank=True,
        help_text=_("Who LinkedIn posts appear from (urn:li:person:… or urn:li:organization:…)."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    handle = models.CharField(_("handle"), max_length=100, blank=True, help_text=_("@name on X."))
    status = models.CharField(
        _("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.CONNECTED
    )
    access_token = models.TextField(_("access token (encrypted)"), blank=True, editable=False)
    refresh_token = models.TextField(_("refresh token (encrypted)"), blank=True, editable=False)
    token_expires_at = models.DateTimeField(
        _("access token expires"), null=True, blank=True, help_text=_("Refreshed automatically before this time.")
    )
    refresh_expires_at = models.DateTimeField(
        _("refresh token expires"),
        null=True,
        blank=True,
        help_text=_("After this time the account has to be connected again."),
    )
    scopes = models.CharField(_("scopes"), max_length=500, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(_("connected"))
    disconnected_at = models.DateTimeField(_("disconnected"), null=True, blank=True)
    followers = models.PositiveIntegerField(_("followers"), null=True, blank=True)
    engagement_fetched_at = models.DateTimeField(_("engagement fetched"), null=True, blank=True)

    objects = SocialAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("social account")
        verbose_name_plural = _("social accounts")
        ordering = ["network", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "external_id"], name="social_account_unique_per_network"),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()}: {self.name or self.handle or self.external_id}"


class OAuthState(models.Model):
    network = models.CharField(max_length=16, choices=Network.choices)
    state = models.CharField(max_length=100, unique=True)
    code_verifier = models.CharField(max_length=200, blank=True)
    redirect_uri = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("OAuth state")
        verbose_name_plural = _("OAuth states")

    def __str__(self) -> str:
        return f"{self.network} state {self.pk}"


class SocialMedia(models.Model):
    network = models.CharField(_("network"), max_length=16, choices=Network.choices)
    file = models.FileField(_("file"), upload_to="social/%Y/%m/")
    mime_type = models.CharField(_("type"), max_length=50)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    alt_text = models.CharField(
        _("alt text"), max_length=1000, blank=True, help_text=_("Read out to people who cannot see the image.")
    )
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("social media file")
        verbose_name_plural = _("social media files")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or f"{self.network} media {self.pk}"


class SocialPostQuerySet(models.QuerySet):
    def due(self, now):
        """Scheduled posts whose time has come."""
        return self.filter(status=PostStatus.SCHEDULED, scheduled_at__lte=now)


class SocialPost(models.Model):
    network = models.CharField(_("network"), max_length=16, choices=Network.choices)
    account = models.ForeignKey(
        SocialAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("account"),
        help_text=_("Empty: the network's connected account when it is published."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("For staff only; never posted."))
    body = models.JSONField(_("text"), default=list, help_text=_("Portable Text, written once for every network."))
    media = models.ManyToManyField(SocialMedia, blank=True, related_name="posts", verbose_name=_("images"))
    status = models.CharField(_("status"), max_length=16, choices=PostStatus.choices, default=PostStatus.DRAFT)
    scheduled_at = models.DateTimeField(
        _("scheduled for"), null=True, blank=True, help_text=_("Published by publish_due_posts at this time (UTC).")
    )
    publish_started_at = models.DateTimeField(_("publishing started"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    external_id = models.CharField(_("network id"), max_length=200, blank=True)
    external_ids = models.JSONField(
        _("network ids"), default=list, blank=True, help_text=_("Every tweet of a thread, in order.")
    )
    external_url = models.URLField(_("link"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    objects = SocialPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("social post")
        verbose_name_plural = _("social posts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False),
                name="social_post_scheduled_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="social_post_due")]

    def __str__(self) -> str:
        return self.title or f"{self.get_network_display()} post {self.pk}"


class EngagementSnapshot(models.Model):
    """Counts at ``fetched_at``: of one post (``post`` set) or of an account (``post`` empty)."""

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="snapshots")
    post = models.ForeignKey(SocialPost, on_delete=models.CASCADE, null=True, blank=True, related_name="snapshots")
    fetched_at = models.DateTimeField(_("fetched"))
    impressions = models.PositiveIntegerField(_("impressions"), null=True, blank=True)
    likes = models.PositiveIntegerField(_("likes"), default=0)
    comments = models.PositiveIntegerField(_("comments"), default=0)
    shares = models.PositiveIntegerField(_("shares"), default=0, help_text=_("Reposts, retweets and quotes."))
    followers = models.PositiveIntegerField(_("followers"), null=True, blank=True)

    class Meta:
        verbose_name = _("engagement snapshot")
        verbose_name_plural = _("engagement snapshots")
        ordering = ["-fetched_at", "-id"]
        indexes = [models.Index(fields=["post", "-fetched_at"], name="social_snapshot_post")]

    def __str__(self) -> str:
        return f"{self.fetched_at:%Y-%m-%d %H:%M}: {self.likes} likes, {self.comments} comments, {self.shares} shares"
