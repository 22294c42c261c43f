"""The error raised for Portable Text that breaks the rules of ``validation``."""

from magnetiq.exceptions import InvalidInput


class PortableTextError(InvalidInput):
    """Invalid Portable Text: answered with 422 ``INVALID_PORTABLE_TEXT``.

    ``index``: position of the first bad block in its list (``None`` when the list itself is
    wrong); ``reason``: what is wrong with it ("mark 'foo' has no markDef"); ``language``: the
    language key for localized content, else ``None``; ``field``: the dotted path used in
    ``details`` (``"content.3"``, ``"de.2"``). The message reads "Block 3: mark 'foo' has no markDef".
    """

    code = "INVALID_PORTABLE_TEXT"
    status = 422
    message = "The rich text is not valid Portable Text."

    def __init__(
        self,
        reason: str,
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
        where = f"Block {index}" if index is not None else "Content"
        if language:
            where = f"{language.upper()} {where[0].lower()}{where[1:]}"
        message = f"{where}: {reason}"
        super().__init__(message, details=[{"field": field, "message": message, "code": error_code}])
