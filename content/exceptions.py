"""Domain errors of the content app (each with a stable ``code``; mapped once by the API handler)."""

from magnetiq.exceptions import Conflict, InvalidInput, NotFound


class PageNotFound(NotFound):
    code = "PAGE_NOT_FOUND"
    message = "Page not found."


class MediaAssetNotFound(NotFound):
    code = "MEDIA_NOT_FOUND"
    message = "Media asset not found."


class PageSlugTaken(Conflict):
    code = "PAGE_SLUG_TAKEN"
    message = "Another page already uses this slug."


class PageContentInvalid(InvalidInput):
    code = "INVALID_PORTABLE_TEXT"
    message = "The Portable Text content is not valid."


class UnsupportedMediaType(InvalidInput):
    code = "UNSUPPORTED_MEDIA_TYPE"
    message = "This kind of file is not accepted."


class MediaTooLarge(InvalidInput):
    code = "FILE_TOO_LARGE"
    status = 413
    message = "The file is too large."
