"""The shared tree walk behind every renderer: node predicates, list grouping and mark nesting.

A Portable Text document is a flat list of blocks (``[{"_type": "block", "children": [...],
"markDefs": [...], "style": "normal", "listItem": "bullet", "level": 1}, {"_type": "image", …}]``).
Rendering needs two structures that the flat list only implies:

- lists: consecutive list-item blocks grouped into (nested) ``ListNode``s (``nest_lists``);
- marks: the spans of one block turned into a tree of ``MarkNode``s so that a mark shared by
  neighbouring spans opens once (``build_marks_tree``).

Both are ports of ``@portabletext/toolkit`` 5.0.2 (``nestLists`` in "html" mode,
``buildMarksTree``, ``isPortableText*`` predicates), the library the official renderers
``@portabletext/to-html`` and ``@portabletext/markdown`` are built on, so our output matches theirs
(tests/portabletext holds the conformance corpus). The quirks are kept on purpose and commented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# The decorators the toolkit knows, in the order it nests them when two marks span the same text.
KNOWN_DECORATORS = ("strong", "em", "code", "underline", "strike-through")

# JavaScript's ``\s`` / ``String.prototype.trim`` whitespace (Python's ``str.isspace`` differs).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

SAFE_URL_SCHEMES = ("http", "https", "mailto", "tel")


@dataclass
class ListNode:
    """Consecutive list items of one ``listItem`` type and ``level`` (toolkit ``@list``)."""

    level: int
    list_item: str
    children: list[dict] = field(default_factory=list)


@dataclass
class MarkNode:
    """Text under one mark (toolkit ``@span``): a decorator name or an annotation ``markDef``."""

    mark_type: Any
    mark_key: str
    mark_def: dict | None
    children: list = field(default_factory=list)


@dataclass
class TextNode:
    """Plain text; a lone ``"\\n"`` is a hard line break (toolkit ``@text``)."""

    text: str


def js_trim(value: str) -> str:
    return value.strip(JS_WHITESPACE)


def js_falsy(value: Any) -> bool:
    """JavaScript falsiness for JSON values: null, false, 0 and "" (but not [] or {})."""
    return value is None or value is False or value == "" or (isinstance(value, int | float) and value == 0)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_span(node: Any) -> bool:
    """A text span: ``{"_type": "span", "text": str, "marks"?: [str]}`` (a ``null`` marks is not one)."""
    if not isinstance(node, dict) or node.get("_type") != "span" or not isinstance(node.get("text"), str):
        return False
    return "marks" not in node or (
        isinstance(node["marks"], list) and all(isinstance(mark, str) for mark in node["marks"])
    )


def is_block(node: Any) -> bool:
    """A text block: any typed object with a ``children`` list of typed objects (not only ``_type: block``).

    A list item may also hold the ``ListNode`` that ``nest_lists`` appended to it.
    """
    if not isinstance(node, dict):
        return False
    node_type = node.get("_type")
    if not isinstance(node_type, str) or node_type.startswith("@"):
        return False
    mark_defs = node.get("markDefs")
    if not js_falsy(mark_defs) and not (
        isinstance(mark_defs, list) and all(isinstance(d, dict) and isinstance(d.get("_key"), str) for d in mark_defs)
    ):
        return False
    children = node.get("children")
    return isinstance(children, list) and all(
        (isinstance(child, dict) and "_type" in child) or isinstance(child, ListNode) for child in children
    )


def is_list_item(node: Any) -> bool:
    """A text block that is a list item: a string ``listItem`` and a numeric or absent ``level``."""
    return (
        is_block(node) and isinstance(node.get("listItem"), str) and ("level" not in node or is_number(node["level"]))
    )


def block_style(node: dict) -> Any:
    """The block's ``style``, ``"normal"`` when missing or falsy."""
    style = node.get("style")
    return "normal" if js_falsy(style) else style


def list_level(node: dict) -> Any:
    level = node.get("level")
    return 1 if js_falsy(level) else level


def uri_looks_safe(uri: Any) -> bool:
    """True for relative URLs and http/https/mailto/tel ones (to-html ``uriLooksSafe``).

    Anything else with a scheme (``javascript:``, ``data:``, ``vbscript:``, ``JaVaScRiPt:``,
    `` javascript:``) is refused: the scheme is compared against an allow-list after trimming, and
    a colon only counts as part of the path when a ``?`` or ``#`` comes before it.
    """
    url = js_trim(uri if isinstance(uri, str) else "")
    if url[:1] in ("#", "/"):
        return True
    colon = url.find(":")
    if colon == -1:
        return True
    if url[:colon].lower() in SAFE_URL_SCHEMES:
        return True
    query = url.find("?")
    if query != -1 and colon > query:
        return True
    fragment = url.find("#")
    return fragment != -1 and colon > fragment


# --- lists ---------------------------------------------------------------------------------------


def nest_lists(blocks: list) -> list:
    """Group list items into ``ListNode``s; a deeper list goes inside the last item of its parent.

    Returns the top-level nodes: the input's non-list blocks (as they are) and ``ListNode``s whose
    children are list-item blocks (shallow copies when a nested list was appended to them).
    As in the toolkit, a list item of another type at the same level starts a new top-level list.
    """
    tree: list = []
    current: ListNode | None = None
    for block in blocks:
        if not is_list_item(block):
            tree.append(block)
            current = None
            continue
        if current is None:
            current = _list_from(block)
            tree.append(current)
            continue
        level = list_level(block)
        if level == current.level and block["listItem"] == current.list_item:
            current.children.append(block)
            continue
        if level > current.level:
            nested = _list_from(block)
            last = current.children[-1]
            current.children[-1] = {**last, "children": [*last["children"], nested]}
            current = nested
            continue
        if level < current.level:
            match = _find_list_matching(tree[-1], level, block["listItem"])
            if match is not None:
                current = match
                current.children.append(block)
                continue
            current = _list_from(block)
            tree.append(current)
            continue
        # Same level, other list type: the toolkit looks for a matching list without filtering on
        # the type, which never matches, so the item always opens a new top-level list.
        current = _list_from(block)
        tree.append(current)
    return tree


def _list_from(block: dict) -> ListNode:
    return ListNode(level=list_level(block), list_item=block["listItem"], children=[block])


def _find_list_matching(node: Any, level: Any, list_item: str) -> ListNode | None:
    """The open list at ``level`` of type ``list_item`` along the last-child chain of ``node``."""
    if isinstance(node, ListNode) and node.level == level and node.list_item == list_item:
        return node
    children = node.children if isinstance(node, ListNode) else node.get("children") if isinstance(node, dict) else None
    if not isinstance(children, list) or not children:
        return None
    last = children[-1]
    return None if is_span(last) else _find_list_matching(last, level, list_item)


# --- marks ---------------------------------------------------------------------------------------


def _collation_key(value: str) -> tuple:
    """An approximation of ICU root collation (``localeCompare``) for ASCII mark keys.

    Punctuation before digits before letters, case-insensitive first, lower case before upper.
    Only used to order two annotations (or unknown decorators) that cover exactly the same spans.
    """
    primary = tuple((0 if not ch.isalnum() else 1 if ch.isdigit() else 2, ch.casefold()) for ch in value)
    tertiary = tuple(0 if ch.islower() or not ch.isalpha() else 1 for ch in value)
    return primary, tertiary


def _sorted_marks(children: list, index: int) -> list[str]:
    """The marks of ``children[index]``, longest-running first (so they open outermost)."""
    span = children[index]
    if not is_span(span) or not span.get("marks"):
        return []
    marks = list(span["marks"])
    runs = {}
    for mark in marks:
        runs[mark] = 1
        for sibling in children[index + 1 :]:
            if is_span(sibling) and isinstance(sibling.get("marks"), list) and mark in sibling["marks"]:
                runs[mark] += 1
            else:
                break

    def key(mark: str) -> tuple:
        position = KNOWN_DECORATORS.index(mark) if mark in KNOWN_DECORATORS else -1
        return (-runs[mark], position, _collation_key(mark))

    return sorted(marks, key=key)


def build_marks_tree(block: dict) -> list:
    """The children of a text block as a tree of ``MarkNode``/``TextNode`` and inline objects.

    A mark's node stays open across neighbouring spans that carry it; ``"\\n"`` in span text becomes
    its own ``TextNode("\\n")`` (a hard break). A mark is an annotation when a ``markDefs`` entry has
    its key (``mark_type`` is then the markDef's ``_type``), otherwise a decorator name.
    Non-span children (inline objects, nested ``ListNode``s) are kept as they are.
    """
    children = block.get("children") or []
    mark_defs = block.get("markDefs") if isinstance(block.get("markDefs"), list) else []
    root = MarkNode(mark_type="<unknown>", mark_key="", mark_def=None)
    stack: list[MarkNode] = [root]
    for index, span in enumerate(children):
        needed = _sorted_marks(children, index)
        pos = 1
        while pos < len(stack):
            mark = stack[pos].mark_key or ""
            if mark not in needed:
                break
            needed.remove(mark)
            pos += 1
        stack = stack[:pos]
        current = stack[-1]
        for mark_key in needed:
            mark_def = next((d for d in mark_defs if isinstance(d, dict) and d.get("_key") == mark_key), None)
            node = MarkNode(
                mark_type=mark_def.get("_type") if mark_def is not None else mark_key,
                mark_key=mark_key,
                mark_def=mark_def,
            )
            current.children.append(node)
            stack.append(node)
            current = node
        if is_span(span):
            lines = span["text"].split("\n")
            for line_no, line in enumerate(lines):
                if line_no:
                    current.children.append(TextNode("\n"))
                current.children.append(TextNode(line))
        else:
            current.children.append(span)
    return root.children


def span_plain_text(node: MarkNode) -> str:
    """The text under a mark node, marks removed (toolkit ``spanToPlainText``)."""
    text = ""
    for child in node.children:
        if isinstance(child, TextNode):
            text += child.text
        elif isinstance(child, MarkNode):
            text += span_plain_text(child)
    return text


def clean_blocks(blocks: Any) -> list:
    """The document as a list: a single block object is wrapped, non-object entries are dropped."""
    if isinstance(blocks, dict):
        return [blocks]
    if not isinstance(blocks, list):
        return []
    return [block for block in blocks if isinstance(block, dict)]


_LEADING_SPACE = re.compile(f"^[{JS_WHITESPACE}]")
_TRAILING_SPACE = re.compile(f"[{JS_WHITESPACE}]$")


def to_plain_text(blocks: Any) -> str:
    """The text of the text blocks, blocks separated by a blank line (toolkit ``toPlainText``).

    ``blocks``: a Portable Text list (or one block). Object blocks (image, cta, …) contribute
    nothing; an inline object between two spans becomes one space unless whitespace is already
    there. Marks and styles are dropped; ``"\\n"`` in span text is kept.
    """
    blocks = clean_blocks(blocks)
    text = ""
    for index, block in enumerate(blocks):
        if not is_block(block):
            continue
        pad = False
        for child in block["children"]:
            if is_span(child):
                if pad and text and not _TRAILING_SPACE.search(text) and not _LEADING_SPACE.search(child["text"]):
                    text += " "
                text += child["text"]
                pad = False
            else:
                pad = True
        if index != len(blocks) - 1:
            text += "\n\n"
    return text
