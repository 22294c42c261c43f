"""Roles as Django groups: the table from role to permissions, and keeping the groups in step.

Each :class:`~accounts.models.Role` is a Django ``Group`` of the same name holding the standard
model permissions (``app.view_/add_/change_/delete_<model>``) listed in :data:`ROLE_PERMISSIONS`,
so the admin and the API (``magnetiq.api.permissions.HasRolePermissions``) ask the same
``user.has_perms``. The table follows spec 000 "Permission-Based Access Control" (and spec 001
"Role-Based Access Control" where 000 is silent):

* ``super_admin`` and ``admin``: everything (super admins are also ``is_superuser``);
* ``consultant_manager``: consultants without delete (the spec gives CONSULTANT_DELETE only to
  admins), their schedules and bookings, read access to content;
* ``editor``: content and media without delete (spec: READ, WRITE), read access to consultants;
  social posts (write, schedule, publish, delete) and their images, reading accounts and engagement;
* e-mail campaigns: editors write templates and campaigns and send them (as admins do);
  analytics viewers read them, the send lists and the do-not-contact list;
* ``payment_manager``: payments, refunds, disputes, reports and consultant payouts, plus read access;
* ``analytics_viewer``, ``viewer``: read access (spec: READ) to content, consultants and bookings;
  analytics viewers also read leads, the money records behind the reports and social posts with
  their engagement; neither manages users;
* ``consultant`` and ``client``: no staff permissions (their own objects are guarded per object);
* analytics (spec 000 ``ANALYTICS_VIEW``, ``ANALYTICS_EXPORT``): ``analytics.analytics_view`` for
  super admins, admins, consultant managers, payment managers and analytics viewers;
  ``analytics.analytics_export`` for super admins only, as the spec grants it;
* coupons: editors (marketing) manage coupons and campaigns (``coupons.manage_coupons``) and see
  their analytics; payment managers and analytics viewers read them and their analytics
  (``coupons.view_coupon_analytics``); admins everything;
* LinkedIn imports through Scoopp (spec 000 ``CONSULTANT_SCRAPING``): viewing, starting, retrying
  and cancelling scraping jobs (``consultants.view_/add_/change_scrapingjob``) for super admins and
  consultant managers only, as the spec grants it (not to admins).

Why a ``post_migrate`` handler and not a data migration: Django creates the ``Permission`` rows in
its own ``post_migrate`` handler, *after* every migration has run, and only for models whose app
was migrated. A data migration in ``accounts`` would run before the ``content`` and
``consultants`` permissions exist (and before they exist at all on a fresh database), and it
would freeze the table at one point in history. Syncing after the last app's ``post_migrate``
sees every permission, runs again after ``flush`` (transactional tests), and picks up any change
to this table on the next ``migrate`` or ``manage.py sync_roles``.
"""

from collections.abc import Iterable

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, transaction

from .models import Role

_ACTIONS = ("view", "add", "change", "delete")
_VIEW = ("view",)

#: The money records, for admins and payment managers alike. They are append-only: nobody deletes a
#: payment or a ledger row.
_MONEY_ACTIONS: dict[str, tuple[str, ...]] = {
    "payments.payment": ("view", "change"),
    "payments.refund": ("view", "add", "change"),
    "payments.dispute": ("view", "change"),
    "payments.ledgerentry": _VIEW,
    "payments.webhookevent": _VIEW,
    "payments.subscription": _VIEW,
    "payouts.consultantpaymentaccount": ("view", "change"),
    "payouts.consultantpayout": ("view", "add", "change"),
    "payouts.payoutitem": _VIEW,
}

#: What super admins and admins may do on each model: everything, except where a model is only
#: ever written by its own flows (history, the audit trail) or deleting means something else.
_ADMIN_ACTIONS: dict[str, tuple[str, ...]] = {
    "accounts.user": _ACTIONS,
    "content.page": _ACTIONS,
    "content.mediaasset": _ACTIONS,
    "consultants.consultant": _ACTIONS,
    "bookings.consultationbooking": _ACTIONS,
    "bookings.bookingchange": _VIEW,
    "bookings.bookingnotification": _VIEW,
    "bookings.availabilityrule": _ACTIONS,
    "bookings.availabilityoverride": _ACTIONS,
    "bookings.consultantavailability": ("view", "change"),
    "webinars.webinar": _ACTIONS,
    "webinars.webinarregistration": _ACTIONS,
    "consulting.researcherprofile": _ACTIONS,
    "consulting.paper": _ACTIONS,
    "consulting.outreachrequest": _ACTIONS,
    "consulting.collectionjob": _ACTIONS,
    "whitepapers.whitepaper": _ACTIONS,
    # Reviews are written by clients on the rating page; staff approve or reject them.
    "reviews.review": ("view", "change"),
    "whitepapers.downloadtoken": _VIEW,
    "whitepapers.whitepaperdownload": _VIEW,
    "whitepapers.emailsubmission": _ACTIONS,
    "whitepapers.emailattachment": _VIEW,
    # Social publishing: accounts are added by connecting them (OAuth) and never edited by hand.
    "social.socialaccount": ("view", "add", "delete"),
    "social.socialpost": _ACTIONS,
    "social.socialmedia": ("view", "add", "delete"),
    "social.engagementsnapshot": _VIEW,
    # E-mail campaigns; send rows are written by the worker only.
    "communications.emailtemplate": _ACTIONS,
    "communications.campaign": _ACTIONS,
    "communications.campaignsend": _VIEW,
    "leads.donotcontact": _ACTIONS,
    **_MONEY_ACTIONS,
    # Deleting a lead is the GDPR erasure.
    "leads.lead": ("view", "change", "delete"),
    "magnetiq.auditlogentry": _VIEW,
    # The e-mail outbox: rows are written by the mail service; "change" is its "Retry now" action.
    "magnetiq.outboundemail": ("view", "change"),
    # Fraud controls, for admins only: attempts are written by the validation flows and changed
    # only by a reset; a block or a flag is lifted (changed), never deleted.
    "fraud.attempt": ("view", "change"),
    "fraud.blockedip": ("view", "add", "change"),
    "fraud.flaggeduser": ("view", "add", "change"),
    "fraud.whitelist": ("view", "add", "delete"),
    # Coupons are soft-deleted by the delete permission; redemptions are made by bookings only.
    "coupons.coupon": _ACTIONS,
    "coupons.couponcampaign": ("view", "add", "change"),
    "coupons.couponusage": _VIEW,
    # Second factors (allauth.mfa): seen and removed (an MFA reset), never made or edited by staff.
    "mfa.authenticator": ("view", "delete"),
}


def _perms(model: str, actions: Iterable[str] = _ACTIONS) -> list[str]:
    app_label, model_name = model.split(".")
    return [f"{app_label}.{action}_{model_name}" for action in actions]


def _grant(table: dict[str, Iterable[str]]) -> frozenset[str]:
    return frozenset(perm for model, actions in table.items() for perm in _perms(model, actions))


#: Coupons (issue: marketing-facing staff manage them, payment managers see what they cost):
#: ``coupons.manage_coupons`` for create/change/bulk/campaigns, ``coupons.view_coupon_analytics``
#: for the analytics endpoints (custom permissions of ``coupons.Coupon``).
_COUPONS_READ = _grant({"coupons.coupon": _VIEW, "coupons.couponcampaign": _VIEW, "coupons.couponusage": _VIEW})
_COUPONS_MANAGE = (
    _grant({"coupons.coupon": _ACTIONS, "coupons.couponcampaign": ("view", "add", "change")})
    | _COUPONS_READ
    | frozenset({"coupons.manage_coupons"})
)
_COUPON_ANALYTICS = _COUPONS_READ | frozenset({"coupons.view_coupon_analytics"})
_EVERYTHING = _grant(_ADMIN_ACTIONS) | _COUPONS_MANAGE | _COUPON_ANALYTICS
#: Spec 000 "Permission-Based Access Control": ANALYTICS_VIEW for every staff role but editors and
#: viewers, ANALYTICS_EXPORT for super admins only (custom permissions of ``analytics.AnalyticsAccess``).
_ANALYTICS_VIEW = frozenset({"analytics.analytics_view"})
_ANALYTICS_EXPORT = frozenset({"analytics.analytics_export"})
#: Spec 000 ``CONSULTANT_SCRAPING``: super admins and consultant managers, not admins.
_CONSULTANT_SCRAPING = _grant({"consultants.scrapingjob": ("view", "add", "change")})
#: Read access every staff role has (spec: READ): public content, consultants and the bookings list.
_READ_ONLY = {
    "consulting.researcherprofile": _VIEW,
    "consulting.paper": _VIEW,
    "webinars.webinar": _VIEW,
    "whitepapers.whitepaper": _VIEW,
    "content.page": _VIEW,
    "content.mediaasset": _VIEW,
    "consultants.consultant": _VIEW,
    "bookings.consultationbooking": _VIEW,
    "bookings.bookingchange": _VIEW,
    "bookings.bookingnotification": _VIEW,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SUPER_ADMIN: _EVERYTHING | _ANALYTICS_VIEW | _ANALYTICS_EXPORT | _CONSULTANT_SCRAPING,
    Role.ADMIN: _EVERYTHING | _ANALYTICS_VIEW,
    Role.CONSULTANT_MANAGER: _grant(
        {
            **_READ_ONLY,
            "consultants.consultant": ("view", "add", "change"),
            # Phone bookings for clients, and any change of a booking.
            "bookings.consultationbooking": ("view", "add", "change"),
            "bookings.availabilityrule": _ACTIONS,
            "reviews.review": ("view", "change"),
            "bookings.availabilityoverride": _ACTIONS,
            "bookings.consultantavailability": ("view", "change"),
            "webinars.webinar": ("view", "add", "change"),
            "webinars.webinarregistration": ("view", "add", "change"),
            "consulting.researcherprofile": ("view", "add", "change"),
            "consulting.paper": _ACTIONS,
            "consulting.outreachrequest": ("view", "add", "change"),
            "consulting.collectionjob": ("view", "add"),
            "payouts.consultantpaymentaccount": _VIEW,
        }
    )
    | _ANALYTICS_VIEW
    | _CONSULTANT_SCRAPING,
    Role.EDITOR: _grant(
        {
            "content.page": ("view", "add", "change"),
            "content.mediaasset": ("view", "add", "change"),
            "consultants.consultant": _VIEW,
            "webinars.webinar": ("view", "add", "change"),
            "webinars.webinarregistration": _VIEW,
            "whitepapers.whitepaper": _ACTIONS,
            "whitepapers.emailsubmission": ("view", "add", "change"),
            "whitepapers.emailattachment": _VIEW,
            # Marketing: write, schedule and publish social posts; connecting accounts is for admins.
            "social.socialaccount": _VIEW,
            "social.socialpost": _ACTIONS,
            "social.socialmedia": ("view", "add"),
            "social.engagementsnapshot": _VIEW,
            # Marketing e-mail: templates and campaigns (the send lists hold addresses: not theirs).
            "communications.emailtemplate": _ACTIONS,
            "communications.campaign": _ACTIONS,
        }
    )
    | _COUPONS_MANAGE
    | _COUPON_ANALYTICS,
    Role.PAYMENT_MANAGER: _grant(
        {
            **_READ_ONLY,
            **_MONEY_ACTIONS,
        }
    )
    | _ANALYTICS_VIEW
    | _COUPON_ANALYTICS,
    # Leads and registrations are personal data: besides admins only the analysts see them.
    Role.ANALYTICS_VIEWER: _grant(
        {
            **_READ_ONLY,
            "leads.lead": _VIEW,
            "webinars.webinarregistration": _VIEW,
            "whitepapers.whitepaperdownload": _VIEW,
            "whitepapers.downloadtoken": _VIEW,
            "payments.payment": _VIEW,
            "payments.refund": _VIEW,
            "payments.dispute": _VIEW,
            "payments.ledgerentry": _VIEW,
            "social.socialaccount": _VIEW,
            "social.socialpost": _VIEW,
            "social.engagementsnapshot": _VIEW,
            "communications.emailtemplate": _VIEW,
            "communications.campaign": _VIEW,
            "communications.campaignsend": _VIEW,
            "leads.donotcontact": _VIEW,
        }
    )
    | _ANALYTICS_VIEW
    | _COUPON_ANALYTICS,
    Role.VIEWER: _grant(_READ_ONLY),
    Role.CONSULTANT: frozenset(),
    Role.CLIENT: frozenset(),
}
"""Role → the ``"app_label.codename"`` permissions its group holds, exactly (extras are removed)."""


def _permission_objects(names: Iterable[str], using: str) -> dict[str, Permission]:
    wanted = set(names)
    found: dict[str, Permission] = {}
    for perm in Permission.objects.using(using).select_related("content_type"):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if name in wanted:
            found[name] = perm
    missing = sorted(wanted - found.keys())
    if missing:
        raise ImproperlyConfigured(
            "accounts.roles.ROLE_PERMISSIONS names permissions that do not exist after migrating: "
            + ", ".join(missing)
            + ". Fix the table or add the missing models."
        )
    return found


def sync_roles(using: str = DEFAULT_DB_ALIAS) -> dict[str, Group]:
    """Create one group per role and set its permissions to exactly :data:`ROLE_PERMISSIONS`.

    Idempotent. Returns ``{role: group}``. Raises ``ImproperlyConfigured`` naming every permission
    of the table that does not exist (a typo, or a model that was renamed or never migrated).
    """
    every_name = set().union(*ROLE_PERMISSIONS.values())
    permissions = _permission_objects(every_name, using)
    groups: dict[str, Group] = {}
    with transaction.atomic(using=using):
        for role, names in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.using(using).get_or_create(name=str(role))
            group.permissions.set([permissions[name] for name in names])
            groups[str(role)] = group
    return groups


def role_group(role: str, using: str = DEFAULT_DB_ALIAS) -> Group:
    """The group of ``role``, syncing the roles first if the groups were never created."""
    try:
        return Group.objects.using(using).get(name=str(role))
    except Group.DoesNotExist:
        return sync_roles(using=using)[str(role)]


def role_group_names() -> set[str]:
    return {str(role) for role in ROLE_PERMISSIONS}


def assign_role_group(user) -> None:
    """Put ``user`` in exactly their role's group, keeping any group that is not a role."""
    stale = list(user.groups.filter(name__in=role_group_names()).exclude(name=user.role))
    if stale:
        user.groups.remove(*stale)
    user.groups.add(role_group(user.role))


def sync_roles_after_migrate(sender, app_config, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``post_migrate`` receiver: sync once, after the last app with models has had its turn.

    ``post_migrate`` is sent once per app in ``INSTALLED_APPS`` order and Django's own receiver
    creates each app's permissions on that app's turn, so only the last turn sees them all.
    """
    with_models = [config for config in global_apps.get_app_configs() if config.models_module is not None]
    if not with_models or app_config.label != with_models[-1].label:
        return
    sync_roles(using=using)
