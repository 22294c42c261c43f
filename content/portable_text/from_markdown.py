"""Markdown → Portable Text, the inverse of :func:`content.portable_text.to_markdown` for the editor.

Staff edit rich text in the admin as Markdown; this module reads it back with markdown-it-py
(CommonMark, plus GFM ``~~strike~~`` and linkify so a bare URL stays plain text, as the renderer
writes it) and maps exactly what the Markdown renderer writes:

- blocks: paragraphs (``normal``), ``#``…``######`` (``h1``–``h6``), ``>`` quotes (one
  ``blockquote`` block per paragraph), ``-``/``1.`` lists (``listItem`` bullet/number, ``level`` =
  nesting depth + 1; an item holding a heading or quote keeps that style), and fenced code
  (a ``code`` block with its language);
- marks: ``**strong**``, ``_em_``/``*em*``, `` `code` ``, ``<u>underline</u>``,
  ``~~strike~~`` (``strike-through``), ``[text](href "title")`` (a ``link`` markDef with a
  ``_key``); a hard break (two trailing spaces or ``\\``) is ``"\\n"`` in the span text.

Anything else (images, tables, HTML other than ``<u>``, rules, indented code, a list item with
two paragraphs, task checkboxes) raises :class:`UnsupportedMarkdown` naming it, so nothing is
dropped silently. :func:`unsupported_in_blocks` names the stored content the editor cannot show
(media, forms, call-to-action blocks, unknown marks …) so the admin keeps it away from the editor.

Keys: a block that reads back the same as a block of ``previous`` (the stored document) is that
block, keys and all; a changed block keeps the ``_key`` of the previous block at the same
position with the same text, else of any unused previous block with the same text; other blocks
and links get new random keys. So references to a paragraph's key survive an edit elsewhere.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .markdown import to_markdown
from .validation import HEADING_STYLES, MAX_LIST_LEVEL

#: The decorators the editor writes and reads (``strike`` is read as ``strike-through``).
EDITOR_DECORATORS = ("strong", "em", "code", "underline", "strike-through")
_DECORATOR_ALIASES = {"strike": "strike-through"}
_INLINE_MARKS = {"strong_open": "strong", "em_open": "em", "s_open": "strike-through"}
_INLINE_CLOSES = {"strong_close": "strong", "em_close": "em", "s_close": "strike-through"}


class UnsupportedMarkdown(ValueError):
    """Markdown the editor cannot store; ``str()`` is a sentence for staff naming the construct."""


# CommonMark with GFM strike-through; linkify claims bare URLs so Markdown inside them is not read,
# as the renderer (which leaves them unescaped) expects.
_MD = MarkdownIt("commonmark", {"linkify": True}).enable(["strikethrough", "linkify"])


def new_key() -> str:
    """A fresh ``_key``: 12 hex characters."""
    return secrets.token_hex(6)


# --- Markdown → blocks ---------------------------------------------------------------------------


def markdown_to_blocks(text: str, *, previous: list | None = None) -> list[dict]:
    """Read Markdown (``text``) into a Portable Text list of blocks.

    ``previous``: the stored blocks of the same language; their keys are reused as the module
    docstring says. Raises :class:`UnsupportedMarkdown` for anything outside the supported set.
    """
    tokens = _MD.parse(text.replace("\r\n", "\n"))
    blocks = _Reader(tokens).read()
    return _keep_keys(blocks, previous or [])


class _Reader:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.position = 0
        self.blocks: list[dict] = []
        # One entry per open list: its kind and whether the current item already has its text.
        self.lists: list[list] = []
        self.quote_depth = 0

    def read(self) -> list[dict]:
        while self.position < len(self.tokens):
            token = self.tokens[self.position]
            self.position += 1
            self._token(token)
        return self.blocks

    def _token(self, token: Token) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if self.quote_depth:
                raise UnsupportedMarkdown(_("A list inside a quote is not supported."))
            if len(self.lists) >= MAX_LIST_LEVEL:
                raise UnsupportedMarkdown(
                    _("Lists may be nested at most %(levels)d levels deep.") % {"levels": MAX_LIST_LEVEL}
                )
            self.lists.append(["bullet" if kind == "bullet_list_open" else "number", False])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            self.lists[-1][1] = False
        elif kind == "list_item_close":
            if not self.lists[-1][1]:
                raise UnsupportedMarkdown(_("An empty list item is not supported; write text after the marker."))
        elif kind == "blockquote_open":
            if self.quote_depth:
                raise UnsupportedMarkdown(_("A quote inside a quote is not supported."))
            self.quote_depth += 1
        elif kind == "blockquote_close":
            self.quote_depth -= 1
        elif kind == "paragraph_open":
            self._text_block("blockquote" if self.quote_depth else "normal")
        elif kind == "heading_open":
            if self.quote_depth:
                raise UnsupportedMarkdown(_("A heading inside a quote is not supported."))
            self._text_block(token.tag)
        elif kind == "fence":
            self._code(token)
        else:
            raise UnsupportedMarkdown(_describe_block(token))

    def _text_block(self, style: str) -> None:
        inline = self.tokens[self.position]
        self.position += 2  # the inline token and the closing tag
        block: dict[str, Any] = {"_type": "block", "style": style}
        if self.lists:
            current = self.lists[-1]
            if current[1]:
                raise UnsupportedMarkdown(
                    _("A list item holds one paragraph; “%(text)s” would be a second one.")
                    % {"text": inline.content[:40]}
                )
            current[1] = True
            block["listItem"] = current[0]
            block["level"] = len(self.lists)
        children, mark_defs = _read_inline(inline.children or [])
        block["markDefs"] = mark_defs
        block["children"] = children or [{"_type": "span", "text": "", "marks": []}]
        self.blocks.append(block)

    def _code(self, token: Token) -> None:
        if self.lists or self.quote_depth:
            raise UnsupportedMarkdown(_("A code block inside a list or quote is not supported."))
        content = token.content[:-1] if token.content.endswith("\n") else token.content
        self.blocks.append({"_type": "code", "code": content, "language": token.info.strip()})


def _describe_block(token: Token) -> str:
    names = {
        "hr": _("A horizontal rule (---) is not supported."),
        "code_block": _("Indented code is not supported; put code between ``` fences."),
        "html_block": _("HTML is not supported (“%(html)s”); use Markdown.") % {"html": token.content.strip()[:40]},
        "table_open": _("Tables are not supported."),
    }
    return names.get(token.type, _("“%(name)s” is not supported.") % {"name": token.type})


def _read_inline(tokens: list[Token]) -> tuple[list[dict], list[dict]]:
    """The spans and link markDefs of one paragraph's inline tokens."""
    spans: list[dict] = []
    mark_defs: list[dict] = []
    marks: list[str] = []
    in_linkify = 0

    def add(text: str) -> None:
        current = sorted(marks)
        if spans and spans[-1]["marks"] == current:
            spans[-1]["text"] += text
        elif text:
            spans.append({"_type": "span", "text": text, "marks": current})

    for token in tokens:
        kind = token.type
        if kind == "text":
            add(token.content)
        elif kind == "softbreak":
            # One line break inside a paragraph shows as a space; a line break is two trailing spaces.
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "code_inline":
            marks.append("code")
            add(token.content)
            marks.pop()
        elif kind in _INLINE_MARKS:
            marks.append(_INLINE_MARKS[kind])
        elif kind in _INLINE_CLOSES:
            marks.remove(_INLINE_CLOSES[kind])
        elif kind == "link_open":
            if token.markup == "linkify":
                in_linkify += 1
                continue
            key = new_key()
            mark_def: dict[str, Any] = {"_type": "link", "_key": key, "href": str(token.attrGet("href") or "")}
            title = token.attrGet("title")
            if title:
                mark_def["title"] = str(title)
            mark_defs.append(mark_def)
            marks.append(key)
        elif kind == "link_close":
            if in_linkify:
                in_linkify -= 1
                continue
            key_marks = [mark for mark in marks if mark not in EDITOR_DECORATORS]
            marks.remove(key_marks[-1])
        elif kind == "html_inline":
            tag = token.content.strip().lower()
            if tag == "<u>":
                marks.append("underline")
            elif tag == "</u>" and "underline" in marks:
                marks.remove("underline")
            else:
                raise UnsupportedMarkdown(
                    _("HTML is not supported (“%(html)s”); use Markdown, or <u>…</u> for underline.")
                    % {"html": token.content}
                )
        elif kind == "image":
            raise UnsupportedMarkdown(
                _("Images (“%(markdown)s”) cannot be added here; add them in the media library.")
                % {"markdown": f"![{token.content}]({token.attrGet('src')})"}
            )
        else:
            raise UnsupportedMarkdown(_("“%(name)s” is not supported.") % {"name": kind})
    if marks:
        raise UnsupportedMarkdown(_("A formatting mark is not closed."))
    return spans, mark_defs


# --- what the editor cannot show ----------------------------------------------------------------


def unsupported_in_blocks(blocks: Any) -> list[str]:
    """Names (for staff) of the stored content the Markdown editor cannot show, in document order,
    without repeats; ``[]`` when the whole list can be edited as Markdown."""
    found: list[str] = []

    def note(name: str) -> None:
        if name not in found:
            found.append(name)

    if not isinstance(blocks, list):
        return [_("content that is not a list of blocks")]
    for block in blocks:
        if not isinstance(block, dict):
            note(_("content that is not a block"))
            continue
        block_type = block.get("_type")
        if block_type == "code":
            if not isinstance(block.get("code"), str) or "```" in block["code"]:
                note(_("a code block containing ```"))
            continue
        if block_type not in ("block", "heading"):
            note(_("a “%(type)s” block") % {"type": block_type})
            continue
        style = block.get("style", "normal")
        if style not in ("normal", "blockquote", *HEADING_STYLES):
            note(_("the style “%(style)s”") % {"style": style})
        link_keys = {d.get("_key") for d in block.get("markDefs") or [] if isinstance(d, dict)}
        for child in block.get("children") or []:
            if not isinstance(child, dict) or child.get("_type") != "span":
                note(_("an inline “%(type)s”") % {"type": child.get("_type") if isinstance(child, dict) else "?"})
                continue
            for mark in child.get("marks") or []:
                if mark not in link_keys and _DECORATOR_ALIASES.get(mark, mark) not in EDITOR_DECORATORS:
                    note(_("the mark “%(mark)s”") % {"mark": mark})
    if not found:
        found.extend(_lost_in_markdown(blocks))
    return found


def _lost_in_markdown(blocks: list) -> list[str]:
    """What the Markdown of ``blocks`` would not read back as written: marks the renderer cannot
    nest (anything inside ``code``), list levels that skip a step, and the like."""
    try:
        read_back = _Reader(_MD.parse(blocks_to_markdown(blocks))).read()
    except UnsupportedMarkdown as error:
        return [str(error)]
    written = [block for block in blocks if not _renders_empty(block)]
    if len(read_back) != len(written):
        return [_("a block layout Markdown cannot express")]
    lost = []
    for before, after in zip(written, read_back, strict=True):
        if canonical_block(before) != canonical_block(after):
            snippet = _plain(before)[:40] or before.get("_type", "")
            lost.append(_("the formatting of “%(text)s”") % {"text": snippet})
    return lost


def _renders_empty(block: dict) -> bool:
    """A text block the Markdown renderer leaves out (a normal paragraph without visible text)."""
    return (
        block.get("_type") in ("block", "heading")
        and block.get("style", "normal") == "normal"
        and "listItem" not in block
        and not _plain(block).strip()
    )


# --- keys ----------------------------------------------------------------------------------------


def canonical_block(block: dict) -> Any:
    """``block`` without keys, with spans merged and marks sorted, ``strike`` as ``strike-through``
    and link keys numbered by first use: two blocks with equal canonical forms render the same."""
    if block.get("_type") not in ("block", "heading"):
        return {name: value for name, value in block.items() if name != "_key"}
    definitions = {d.get("_key"): d for d in block.get("markDefs") or [] if isinstance(d, dict)}
    renamed: dict[str, str] = {}
    spans: list[dict] = []
    for child in block.get("children") or []:
        marks = []
        for mark in child.get("marks") or []:
            if mark in definitions:
                renamed.setdefault(mark, f"link{len(renamed)}")
                marks.append(renamed[mark])
            else:
                marks.append(_DECORATOR_ALIASES.get(mark, mark))
        marks.sort()
        text = child.get("text", "")
        if spans and spans[-1]["marks"] == marks:
            spans[-1]["text"] += text
        elif text:
            spans.append({"text": text, "marks": marks})
    links = [
        {**{k: v for k, v in definitions[old].items() if k != "_key"}, "_key": new}
        for old, new in sorted(renamed.items(), key=lambda item: item[1])
    ]
    shape = {
        "style": block.get("style", "normal"),
        "listItem": block.get("listItem"),
        "level": block.get("level") if block.get("listItem") else None,
    }
    return {"shape": shape, "spans": spans, "markDefs": links}


def _plain(block: dict) -> str:
    return "".join(child.get("text", "") for child in block.get("children") or [] if isinstance(child, dict))


def _keep_keys(blocks: list[dict], previous: list) -> list[dict]:
    old = [block for block in previous if isinstance(block, dict)]
    used: set[int] = set()
    canonical_old = [canonical_block(block) for block in old]
    result: list[dict] = []
    for position, block in enumerate(blocks):
        canonical = canonical_block(block)
        same = _first(
            range(len(old)),
            lambda i, canonical=canonical: i not in used and canonical_old[i] == canonical,
            prefer=position,
        )
        if same is not None:
            used.add(same)
            result.append(old[same])
            continue
        text = _plain(block)
        match = _first(
            range(len(old)),
            lambda i, kind=block["_type"], text=text: (
                i not in used and old[i].get("_type") == kind and _plain(old[i]) == text
            ),
            prefer=position,
        )
        key = old[match].get("_key") if match is not None else None
        if match is not None:
            used.add(match)
        result.append({"_key": key if isinstance(key, str) and key else None, **block})
    # Keys must be unique: a fresh key never repeats one that is kept.
    taken = {block.get("_key") for block in result if block.get("_key")}
    for block in result:
        if "_key" in block and block["_key"] is None:
            while (key := new_key()) in taken:
                continue
            block["_key"] = key
            taken.add(key)
    return result


def _first(indices: range, test, *, prefer: int) -> int | None:
    """``prefer`` when it passes ``test``, else the first index that does."""
    if prefer in indices and test(prefer):
        return prefer
    return next((index for index in indices if test(index)), None)


def blocks_to_markdown(blocks: Any) -> str:
    """The editor's text for stored blocks: :func:`content.portable_text.to_markdown`."""
    return to_markdown(blocks or [])
