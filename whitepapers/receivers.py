"""Receivers of other apps' documented signals."""

from django.dispatch import receiver

from leads.signals import lead_erased

from .models import DownloadLinkEmail, DownloadToken, WhitepaperDownload


@receiver(lead_erased, dispatch_uid="whitepapers.erase_lead_links")
def erase_lead_links(sender, lead, email, **kwargs):
    """GDPR erasure: delete the lead's download links (they carry referrer and UTM data) and the
    record of e-mails sent to them, and unlink their downloads, which stay as anonymous counts. Runs
    in the erasing transaction."""
    DownloadToken.objects.filter(lead=lead).delete()
    DownloadLinkEmail.objects.filter(lead=lead).delete()
    WhitepaperDownload.objects.filter(lead=lead).update(lead=None, token=None)
