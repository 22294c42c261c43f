from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    """Social publishing (LinkedIn, X): connected accounts, posts, engagement. Its own app rather
    than part of e-mail communications: OAuth accounts, network posts and engagement share no table
    or rule with e-mail campaigns (docs/decisions.md "Social publishing is its own app")."""

    name = "social"
    verbose_name = _("Social publishing")
