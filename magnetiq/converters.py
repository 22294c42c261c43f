"""URL path converters shared by every app."""


class IdConverter:
    """``<id:pk>``: a database id, 1 to 18 digits. Longer numbers cannot be a 64-bit primary key, so
    they never reach the database (SQLite raises ``OverflowError`` on them): the URL does not match
    and the caller gets a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)
