"""Domain errors of the content app (each with a stable ``code``; mapped once by the API handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class PageNotFound(NotFound):
    code = "PAGE_NOT_FOUND"
    message = _("Page not found.")


class MediaAssetNotFound(NotFound):
    code = "MEDIA_NOT_FOUND"
    message = _("Media asset not found.")


class PageSlugTaken(Conflict):
    code = "PAGE_SLUG_TAKEN"
    message = _("Another page already uses this slug.")


class PageContentInvalid(InvalidInput):
    code = "INVALID_PORTABLE_TEXT"
    message = _("The Portable Text content is not valid.")


class UnsupportedMediaType(InvalidInput):
    code = "UNSUPPORTED_MEDIA_TYPE"
    message = _("This kind of file is not accepted.")


class MediaTooLarge(InvalidInput):
    code = "FILE_TOO_LARGE"
    status = 413
    message = _("The file is too large.")


class PortableTextError(InvalidInput):
    """Invalid Portable Text (``content.portable_text``): answered with 422 ``INVALID_PORTABLE_TEXT``.

    ``index``: position of the first bad block in its list (``None`` when the list itself is
    wrong); ``reason``: what is wrong with it ("mark 'foo' has no markDef"); ``language``: the
    language key for localized content, else ``None``; ``field``: the dotted path used in
    ``details`` (``"content.3"``, ``"de.2"``). The message reads "Block 3: mark 'foo' has no markDef"
    (in the active language).
    """

    code = "INVALID_PORTABLE_TEXT"
    status = 422
    message = _("The rich text is not valid Portable Text.")

    def __init__(
        self,
        reason: Message,
        *,
        index: int | None = None,
        language: str | None = None,
        field: str = "content",
        error_code: str = "invalid_block",
    ):
        self.reason = reason
        self.index = index
        self.language = language
        self.field = field
        values = {"index": index, "language": (language or "").upper(), "reason": reason}
        if index is None:
            where = _("%(language)s content: %(reason)s") if language else _("Content: %(reason)s")
        else:
            where = _("%(language)s block %(index)s: %(reason)s") if language else _("Block %(index)s: %(reason)s")
        message = where % values
        super().__init__(message, details=[{"field": field, "message": message, "code": error_code}])
