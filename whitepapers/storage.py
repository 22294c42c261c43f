"""Private file storage: whitepaper PDFs and e-mail attachments never have a public URL.

Files live under ``WHITEPAPER_PRIVATE_ROOT`` (default ``var/private``), outside ``MEDIA_ROOT``, and
are served only by the token-checked download view. ``url()`` refuses, so no template or serializer
can leak a link by accident (the issue: "the file is never reachable at a public media URL").
"""

import os

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from . import conf


@deconstructible(path="whitepapers.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """A ``FileSystemStorage`` rooted at ``WHITEPAPER_PRIVATE_ROOT`` with no base URL.

    The root is read on every access (not cached) so tests can point it at a temporary folder.
    """

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(conf.private_root())

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private whitepaper files have no URL; they are served through download tokens.")


private_storage = PrivateStorage()
