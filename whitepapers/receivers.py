"""Receivers of other apps' documented signals."""

from django.dispatch import receiver

from leads.signals import lead_erased

from .models import DownloadToken, WhitepaperDownload


@receiver(lead_erased, dispatch_uid="whitepapers.erase_lead_links")
def erase_lead_links(sender, lead, email, **kwargs):
    """GDPR erasure: delete the lead's download links (they carry referrer and UTM data) and unlink
    their downloads, which stay as anonymous counts. Runs in the erasing transaction."""
    DownloadToken.objects.filter(lead=lead).delete()
    WhitepaperDownload.objects.filter(lead=lead).update(lead=None, token=None)
