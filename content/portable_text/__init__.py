"""Portable Text: validation and rendering of the rich text stored in pages and other content.

Public API (rich text is stored as Portable Text, translatable as ``{"en", "de"}``):

- ``validate_blocks(blocks, field="content")`` and ``validate_localized(value)`` raise
  ``content.exceptions.PortableTextError`` (422 ``INVALID_PORTABLE_TEXT``, with ``.index`` and ``.reason``);
- ``to_html(blocks)`` (safe HTML), ``to_markdown(blocks)`` and ``to_plain_text(blocks)``.

The renderers follow the official ``@portabletext/to-html`` and ``@portabletext/markdown``
(tests/portabletext checks them against a corpus); ``tree`` holds the walk they share.
"""

from .html import to_html
from .markdown import to_markdown
from .tree import to_plain_text
from .validation import validate_blocks, validate_localized

__all__ = [
    "to_html",
    "to_markdown",
    "to_plain_text",
    "validate_blocks",
    "validate_localized",
]
