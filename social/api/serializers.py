"""Input and output shapes of the social endpoints (spec 000 "LinkedIn Integration", "Twitter/X Integration")."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from magnetiq.api.fields import DateTimeField, PrimaryKeyRelatedField
from social.models import EngagementSnapshot, SocialAccount, SocialMedia, SocialPost
from social.services import MAX_IMAGES


class SocialAccountSerializer(serializers.ModelSerializer):
    """A connected account; the tokens are never shown."""

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "network",
            "name",
            "handle",
            "external_id",
            "author_urn",
            "status",
            "scopes",
            "token_expires_at",
            "refresh_expires_at",
            "connected_at",
            "disconnected_at",
            "followers",
            "engagement_fetched_at",
        ]
        read_only_fields = fields


class SocialAccountListSerializer(serializers.Serializer):
    accounts = SocialAccountSerializer(many=True)


class SocialAccountConnectInputSerializer(serializers.Serializer):
    """Empty: start connecting (the answer holds the network's authorisation address). ``code`` and
    ``state`` from the network's redirect: finish connecting."""

    code = serializers.CharField(required=False, max_length=2000)
    state = serializers.CharField(required=False, max_length=100)

    def validate(self, attrs):
        if bool(attrs.get("code")) != bool(attrs.get("state")):
            raise serializers.ValidationError(_("Send both code and state, or neither to start connecting."))
        return attrs


class SocialConnectStartSerializer(serializers.Serializer):
    network = serializers.CharField()
    authorize_url = serializers.URLField()
    state = serializers.CharField()
    expires_at = serializers.DateTimeField()


class SocialMediaSerializer(serializers.ModelSerializer):
    class Meta:
        model = SocialMedia
        fields = ["id", "network", "mime_type", "size_bytes", "width", "height", "alt_text", "created_at"]
        read_only_fields = fields


class SocialMediaUploadSerializer(serializers.Serializer):
    """``multipart/form-data``: the image (checked by its bytes) and its alt text."""

    file = serializers.FileField()
    alt_text = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class SocialPostSerializer(serializers.ModelSerializer):
    media_ids = serializers.SerializerMethodField()

    class Meta:
        model = SocialPost
        fields = [
            "id",
            "network",
            "title",
            "body",
            "account",
            "media_ids",
            "status",
            "scheduled_at",
            "published_at",
            "external_id",
            "external_ids",
            "external_url",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_media_ids(self, post) -> list[int]:
        return sorted(media.pk for media in post.media.all())


class SocialPostInputSerializer(serializers.Serializer):
    """A post's fields (``social.services.POST_EDITABLE_FIELDS``). ``body``: Portable Text blocks.
    ``scheduled_at``: publish then (UTC, in the future); ``null`` keeps it a draft."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.JSONField(help_text="Portable Text: a list of blocks.")
    account = PrimaryKeyRelatedField(queryset=SocialAccount.objects.all(), required=False, allow_null=True)
    media_ids = serializers.ListField(
        child=PrimaryKeyRelatedField(queryset=SocialMedia.objects.all()),
        required=False,
        max_length=max(MAX_IMAGES.values()),
    )
    scheduled_at = DateTimeField(required=False, allow_null=True)

    def service_data(self) -> dict:
        """The validated fields under the services' names (``media_ids`` → ``media``)."""
        data = dict(self.validated_data)
        if "media_ids" in data:
            data["media"] = data.pop("media_ids")
        return data


class SocialTweetSerializer(serializers.Serializer):
    text = serializers.CharField()
    weight = serializers.IntegerField(help_text="X's weighted length, the number included.")


class SocialFormattedSerializer(serializers.Serializer):
    """The post as the network gets it. LinkedIn: ``text`` as readers see it, ``commentary`` in
    LinkedIn's little text format, ``length`` ≤ ``limit`` (3 000). X: ``tweets`` (one, or a
    numbered thread), each of ``weight`` ≤ ``limit`` (280)."""

    network = serializers.CharField()
    text = serializers.CharField()
    length = serializers.IntegerField()
    limit = serializers.IntegerField()
    fits = serializers.BooleanField()
    commentary = serializers.CharField(allow_blank=True)
    tweets = SocialTweetSerializer(many=True)


class SocialSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = EngagementSnapshot
        fields = ["fetched_at", "impressions", "likes", "comments", "shares", "followers"]
        read_only_fields = fields


class SocialPostCountsSerializer(serializers.Serializer):
    post_id = serializers.IntegerField()
    title = serializers.CharField()
    external_url = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    latest = SocialSnapshotSerializer()


class SocialAccountCountsSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()
    name = serializers.CharField()
    latest = SocialSnapshotSerializer()


class SocialTotalsSerializer(serializers.Serializer):
    posts = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    impressions = serializers.IntegerField()


class SocialEngagementSerializer(serializers.Serializer):
    """The latest counts per account and per recently published post, and their totals."""

    network = serializers.CharField()
    accounts = SocialAccountCountsSerializer(many=True)
    posts = SocialPostCountsSerializer(many=True)
    totals = SocialTotalsSerializer()


class SocialPostEngagementSerializer(serializers.Serializer):
    post = SocialPostSerializer()
    latest = SocialSnapshotSerializer(allow_null=True)
    history = SocialSnapshotSerializer(many=True)
