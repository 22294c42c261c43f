"""Background tasks of the coupons app: they take ids and are idempotent."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django_tasks import task

from magnetiq.mail import send_templated_mail

from .services import campaign_claim_pause_notice, campaign_release_pause_notice


@task()
def notify_campaign_paused(campaign_id: int) -> int:
    """Tell the staff who manage coupons that the velocity cap paused ``campaign_id``: one e-mail per
    pause (claimed first; a failed send gives the claim back and re-raises). Returns the number of
    recipients (0 when already told or no longer paused)."""
    campaign = campaign_claim_pause_notice(campaign_id=campaign_id)
    if campaign is None:
        return 0
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="manage_coupons", groups__permissions__content_type__app_label="coupons")
            | Q(user_permissions__codename="manage_coupons", user_permissions__content_type__app_label="coupons")
        )
    )
    recipients = sorted(set(users.values_list("email", flat=True)))
    if not recipients:
        return 0
    try:
        send_templated_mail(
            to=recipients,
            template="coupons/email/campaign_paused",
            context={"campaign": campaign},
        )
    except Exception:
        campaign_release_pause_notice(campaign_id=campaign_id)
        raise
    return len(recipients)
