"""Escaping of span text for Markdown, a port of the official ``@portabletext/markdown`` 2.2.0.

Source rule: ``planLeafEscaping`` and its helpers in ``@portabletext/markdown`` 2.2.0
(``dist/index.js``). Text is escaped only where it would otherwise be read back as Markdown or
HTML: a backslash before ASCII punctuation, ``~~`` runs, every backtick, an entity reference
(``&amp;``), a ``<`` that starts a tag, comment or autolink (``<script>``, ``</b>``, ``<!``,
``<?``), emphasis ``*``/``_`` runs CommonMark would treat as delimiters, a ``]`` before ``(``
or ``[``, and, at the start of a line, heading ``#``, quote ``>``, list markers (``-``, ``+``,
``*``, ``1.``), reference definitions, setext and thematic-break lines, indented code and
checkbox prefixes. Each of those gets a backslash (indentation becomes ``&#32;``/``&#9;``); a
lone ``&``, ``>`` inside a line or ``<`` before a space stay as they are. A bare URL or e-mail
that markdown-it's linkify would turn into a link is left untouched (except backticks and entity
references), and link texts additionally get every ``[``, ``]`` and ``\\`` escaped.

Escaping is planned per text block over the joined line (a hazard can span two spans), then split
back into one string per text leaf, in the order ``tree.build_marks_tree`` yields them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from linkify_it import LinkifyIt

from .tree import JS_WHITESPACE, MarkNode, TextNode, is_span

_ASCII_PUNCTUATION = r"[!-/:-@\[-`{-~]"
_ENTITY_REFERENCE = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);")
_BACKSLASH_BEFORE_PUNCTUATION = re.compile(rf"\\(?={_ASCII_PUNCTUATION})")
_TILDE_RUN = re.compile(r"~{2,}")
_HTML_LIKE_ANGLE_BRACKET = re.compile(r"<(?=[a-zA-Z/!?])")
_BRACKET_BEFORE_LINK_OPEN = re.compile(r"\](?=[(\[])")
_OPAQUE = "\0"

_LEADING_SPACES = re.compile(r"^ {0,3}")
_TASK_CHECKBOX = re.compile(r"^\[[ xX]\] ")
_HEADING_CLOSING_SEQUENCE = re.compile(r"^(?:(.*[ \t]))?(#+[ \t]*)$")
_ORDERED_LIST_MARKER = re.compile(r"^ {0,3}([0-9]{1,9})([.)])(?=[ \t]|$)")
_ATX_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
_REFERENCE_DEFINITION = re.compile(r"^\[[^\]\n]*\]:")
_BULLET_MARKER = re.compile(r"^[-+*](?:[ \t]|$)")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT_EQUALS = re.compile(r"^ {0,3}=+[ \t]*$")
_SETEXT_DASHES = re.compile(r"^ {0,3}-+[ \t]*$")
_INDENTED_CODE = re.compile(r"^ {4}")
_TAB_INDENT = re.compile(r"^ {0,3}\t")

_linkify = LinkifyIt()


@dataclass
class _Edit:
    at: int
    insert: str
    delete_count: int = 0
    bypass_linkify_mask: bool = False


@dataclass
class _Line:
    text: str = ""
    #: For each character: ``(piece index, offset)``, or None for an opaque child.
    owners: list = field(default_factory=list)
    in_link_label: list[bool] = field(default_factory=list)
    mark_signature: list[str] = field(default_factory=list)


def escape_link_label(text: str) -> str:
    """Backslash-escape every ``[``, ``]`` and ``\\`` (text inside a link's ``[…]``)."""
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def plan_leaf_escaping(block: dict, *, is_heading: bool, is_list_item: bool) -> list[str]:
    """The escaped text of each text leaf of ``block`` (a span's lines, in document order).

    ``is_heading``: the block renders as an ATX heading (its first line's leading hazards cannot
    apply, a trailing ``#`` run can); ``is_list_item``: it renders as list-item content (a leading
    ``[ ]``/``[x]`` would read back as a task checkbox).
    """
    children = block.get("children") if isinstance(block.get("children"), list) else []
    raw_defs = block.get("markDefs")
    mark_defs = [d for d in raw_defs if isinstance(d, dict)] if isinstance(raw_defs, list) else []
    link_keys = {d.get("_key") for d in mark_defs if d.get("_type") == "link"}
    def_keys = {d.get("_key") for d in mark_defs}
    pieces: list[dict | None] = []  # None: an opaque child or a line break
    for child in children:
        if is_span(child):
            marks = child.get("marks") or []
            is_label = any(mark in link_keys for mark in marks)
            signature = ",".join(sorted(mark for mark in marks if mark not in def_keys))
            for index, line in enumerate(child["text"].split("\n")):
                if index:
                    pieces.append({"kind": "break"})
                pieces.append({"kind": "text", "raw": line, "label": is_label, "signature": signature})
        else:
            pieces.append({"kind": "opaque"})

    outputs = [""] * len(pieces)
    line, line_index = _Line(), 0
    for piece_index, piece in enumerate(pieces):
        if piece["kind"] == "break":
            _process_line(line, line_index, is_heading, is_list_item, outputs)
            line, line_index = _Line(), line_index + 1
            continue
        if piece["kind"] == "opaque":
            line.text += _OPAQUE
            line.owners.append(None)
            line.in_link_label.append(False)
            line.mark_signature.append("")
            continue
        prepared = escape_link_label(piece["raw"]) if piece["label"] else piece["raw"]
        for offset, char in enumerate(prepared):
            line.text += char
            line.owners.append((piece_index, offset))
            line.in_link_label.append(piece["label"])
            line.mark_signature.append(piece["signature"])
    _process_line(line, line_index, is_heading, is_list_item, outputs)
    return [outputs[index] for index, piece in enumerate(pieces) if piece["kind"] == "text"]


def _process_line(line: _Line, line_index: int, is_heading: bool, is_list_item: bool, outputs: list[str]) -> None:
    mask = _linkify_mask(line)
    edits = [
        edit
        for edit in [*_inline_edits(line), *_line_start_edits(line.text, line_index, is_heading, is_list_item)]
        if edit.bypass_linkify_mask or not _masked(edit, mask)
    ]
    by_position: dict[int, _Edit] = {}
    for edit in edits:
        if edit.at in by_position:
            raise AssertionError(f"Two escaping edits at position {edit.at}: hazard characters are disjoint.")
        by_position[edit.at] = edit
    index = 0
    while index < len(line.text):
        edit = by_position.get(index)
        owner = line.owners[index]
        if edit is not None:
            if owner is not None:
                outputs[owner[0]] += edit.insert
            if edit.delete_count > 0:
                index += edit.delete_count
                continue
        if owner is not None:
            outputs[owner[0]] += line.text[index]
        index += 1


def _linkify_mask(line: _Line) -> list[bool]:
    """Characters markdown-it's linkify would claim as a bare URL or e-mail (a claim that crosses a
    decorator boundary is not one: the decorator's delimiters would split it)."""
    text = line.text
    mask = [False] * len(text)
    if not re.search(r"[.:@]", text):
        return mask
    probe = "".join(
        " " if line.owners[index] is None or line.in_link_label[index] else char for index, char in enumerate(text)
    )
    for match in _linkify.match(probe) or []:
        if match.schema == "":
            continue
        signature = line.mark_signature[match.index]
        if all(line.mark_signature[index] == signature for index in range(match.index, match.last_index)):
            for index in range(match.index, match.last_index):
                mask[index] = True
    return mask


def _masked(edit: _Edit, mask: list[bool]) -> bool:
    return any(mask[index] for index in range(edit.at, edit.at + max(edit.delete_count, 1)) if index < len(mask))


def _inline_edits(line: _Line) -> list[_Edit]:
    text = line.text
    edits = [
        _Edit(match.start(), "\\")
        for match in _BACKSLASH_BEFORE_PUNCTUATION.finditer(text)
        if not line.in_link_label[match.start()]
    ]
    for match in _TILDE_RUN.finditer(text):
        edits.extend(_Edit(index, "\\") for index in range(match.start(), match.end()))
    edits.extend(_Edit(index, "\\", bypass_linkify_mask=True) for index, char in enumerate(text) if char == "`")
    edits.extend(_Edit(match.start(), "\\", bypass_linkify_mask=True) for match in _ENTITY_REFERENCE.finditer(text))
    edits.extend(_Edit(match.start(), "\\") for match in _HTML_LIKE_ANGLE_BRACKET.finditer(text))
    edits.extend(_emphasis_edits(text))
    edits.extend(
        _Edit(match.start(), "\\")
        for match in _BRACKET_BEFORE_LINK_OPEN.finditer(text)
        if not line.in_link_label[match.start()]
    )
    return edits


def _is_whitespace(char: str | None) -> bool:
    return char is None or char in JS_WHITESPACE


def _is_punctuation(char: str | None) -> bool:
    return char is not None and unicodedata.category(char)[0] in "PS"


def _left_flanking(before: str | None, after: str | None) -> bool:
    if _is_whitespace(after):
        return False
    return not _is_punctuation(after) or _is_whitespace(before) or _is_punctuation(before)


def _right_flanking(before: str | None, after: str | None) -> bool:
    if _is_whitespace(before):
        return False
    return not _is_punctuation(before) or _is_whitespace(after) or _is_punctuation(after)


def _emphasis_edits(text: str) -> list[_Edit]:
    """Every ``*``/``_`` of a run that CommonMark could open or close emphasis with (the line's
    ends count as whitespace)."""
    edits = []
    index = 0
    while index < len(text):
        char = text[index]
        if char not in "*_":
            index += 1
            continue
        end = index
        while end < len(text) and text[end] == char:
            end += 1
        before = text[index - 1] if index > 0 else None
        after = text[end] if end < len(text) else None
        left, right = _left_flanking(before, after), _right_flanking(before, after)
        if char == "_":
            can_open = left and (not right or _is_punctuation(before))
            can_close = right and (not left or _is_punctuation(after))
        else:
            can_open, can_close = left, right
        if can_open or can_close:
            edits.extend(_Edit(position, "\\") for position in range(index, end))
        index = end
    return edits


def _line_start_edits(text: str, line_index: int, is_heading: bool, is_list_item: bool) -> list[_Edit]:
    """At most one block-start hazard per line (plus a list item's checkbox prefix)."""
    edits = []
    first_line = line_index == 0
    leading = len(_LEADING_SPACES.match(text).group())
    rest = text[leading:]
    if is_list_item and first_line and _TASK_CHECKBOX.match(rest):
        edits.append(_Edit(leading, "\\"))
    if is_heading and first_line:
        closing = _HEADING_CLOSING_SEQUENCE.match(text)
        if closing:
            edits.append(_Edit(len(closing.group(1) or ""), "\\"))
        return edits
    ordered = _ORDERED_LIST_MARKER.match(text)
    if ordered:
        edits.append(_Edit(ordered.end() - 1, "\\"))
        return edits
    if (
        _ATX_HEADING.match(rest)
        or rest.startswith(">")
        or _REFERENCE_DEFINITION.match(rest)
        or _BULLET_MARKER.match(rest)
        or _THEMATIC_BREAK.match(text)
        or _SETEXT_EQUALS.match(text)
        or _SETEXT_DASHES.match(text)
    ):
        edits.append(_Edit(leading, "\\"))
        return edits
    if _INDENTED_CODE.match(text):
        edits.append(_Edit(0, "&#32;", delete_count=1))
        return edits
    tab = _TAB_INDENT.match(text)
    if tab:
        edits.append(_Edit(tab.end() - 1, "&#9;", delete_count=1))
    return edits


def assign_escaped_text(tree: list, chunks: list[str]) -> dict[int, str]:
    """``{id(text node): escaped text}`` for the tree's text leaves (hard breaks excluded), taking
    ``chunks`` in order."""
    escaped: dict[int, str] = {}
    pointer = 0

    def visit(node: Any) -> None:
        nonlocal pointer
        if isinstance(node, TextNode):
            if node.text != "\n":
                if pointer < len(chunks):
                    escaped[id(node)] = chunks[pointer]
                pointer += 1
            return
        if isinstance(node, MarkNode):
            for child in node.children:
                visit(child)

    for node in tree:
        visit(node)
    return escaped
