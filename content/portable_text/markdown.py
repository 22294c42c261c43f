"""Portable Text → Markdown, matching the official ``@portabletext/markdown`` 2.2.0 renderer.

Source rule: ``portableTextToMarkdown`` with its default renderers, plus our renderers for the
custom types (``image``, ``video``, ``cta``, ``form``, ``code``, ``seo``) and the spec's ``strike``
decorator; tests/portabletext/render.mjs passes the same definitions to the official renderer.
The official defaults for ``callout``, ``table``, ``html`` and ``horizontal-rule`` objects are off
on both sides: they are not part of our schema, and ``html`` would copy raw HTML into the output.

Span text is escaped as the official renderer escapes it (:mod:`.escaping`): raw HTML such as
``<script>`` or ``<b>`` comes out as ``\\<script>``/``\\<b>``, an entity reference ``&amp;`` as
``\\&amp;``, and Markdown syntax (``*em*``, a leading ``#`` or ``1.``, backticks) gets a
backslash, so the Markdown reads back as the same text instead of markup. Unsafe link URLs are
dropped (text kept) here too.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .escaping import assign_escaped_text, plan_leaf_escaping
from .html import media_url
from .tree import (
    MarkNode,
    TextNode,
    block_style,
    build_marks_tree,
    clean_blocks,
    is_block,
    is_list_item,
    is_number,
    js_trim,
    list_level,
    span_plain_text,
    uri_looks_safe,
)

HARD_BREAK = "  \n"
HEADINGS = {f"h{level}": "#" * level for level in range(1, 7)}

_QUOTE_NEAR_ANGLE = re.compile(r"[\"'][^\"']*[<>]|[<>][^<>]*[\"']")
_URL_ENCODED = re.compile(r"[\"<>() ]")


def escape_link_text(text: str) -> str:
    """Backslash-escape ``[``, ``]`` and ``\\`` in link and image texts."""
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def escape_link_title(text: str) -> str:
    """Backslash-escape ``\\`` and ``"`` inside a quoted link/image title."""
    return re.sub(r'([\\"])', r"\\\1", text)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def wrap_in_code_span(text: str) -> str:
    """A code span one backtick longer than the longest backtick run in ``text``, padded with a
    space when ``text`` touches a backtick or would lose its surrounding spaces."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    touches_backtick = text.startswith("`") or text.endswith("`")
    would_be_stripped = text.startswith(" ") and text.endswith(" ") and js_trim(text) != ""
    padding = " " if touches_backtick or would_be_stripped else ""
    return f"{fence}{padding}{text}{padding}{fence}"


# --- marks ---------------------------------------------------------------------------------------


def _link(children: str, mark_def: dict | None, text: str) -> str:
    href = _text((mark_def or {}).get("href"))
    title = _text((mark_def or {}).get("title"))
    if not uri_looks_safe(href):
        return children
    if _QUOTE_NEAR_ANGLE.search(href):
        encoded = _URL_ENCODED.sub(lambda match: f"%{ord(match.group()):X}", href)
        return f"[{children}]({encoded})"
    suffix = f' "{escape_link_title(title)}"' if title else ""
    return f"[{children}]({href}{suffix})"


#: ``(escaped children, markDef, raw text) → Markdown``; link texts arrive escaped for a label.
MARKS = {
    "em": lambda children, mark_def, text: f"_{children}_",
    "strong": lambda children, mark_def, text: f"**{children}**",
    "code": lambda children, mark_def, text: wrap_in_code_span(text),
    "underline": lambda children, mark_def, text: f"<u>{children}</u>",
    "strike-through": lambda children, mark_def, text: f"~~{children}~~",
    "strike": lambda children, mark_def, text: f"~~{children}~~",
    "link": _link,
}

# --- custom types (the same definitions are in tests/portabletext/render.mjs) --------------------


def _image(value: dict) -> str:
    """``![alt](/api/v1/media/<ref> "caption")``; nothing without an asset ref."""
    asset = value.get("asset")
    ref = asset.get("_ref") if isinstance(asset, dict) else None
    if not isinstance(ref, str) or not ref:
        return ""
    caption = _text(value.get("caption"))
    title = f' "{escape_link_title(caption)}"' if caption else ""
    return f"![{escape_link_text(_text(value.get('alt')))}]({media_url(ref)}{title})"


def _video(value: dict) -> str:
    """``[title](url)`` (the URL as text without a title); nothing if the URL is unsafe."""
    url = value.get("url")
    if not isinstance(url, str) or not url or not uri_looks_safe(url):
        return ""
    return f"[{escape_link_text(_text(value.get('title')) or url)}]({url})"


def _cta(value: dict) -> str:
    """``[text](url)``; the text alone if the URL is unsafe."""
    text = _text(value.get("text"))
    url = value.get("url")
    if not isinstance(url, str) or not url or not uri_looks_safe(url):
        return text
    return f"[{escape_link_text(text)}]({url})"


def _code(value: dict, *, is_inline: bool) -> str:
    """A fenced block (the official default code renderer); not a string ``code`` → unknown type."""
    if not isinstance(value.get("code"), str):
        return _unknown_type(value, is_inline=is_inline)
    language = value.get("language")
    if not isinstance(language, str) or "\n" in language or language == "json:object":
        language = ""
    return f"```{language}\n{value['code']}\n```"


TYPES = {
    "image": lambda value, is_inline: _image(value),
    "video": lambda value, is_inline: _video(value),
    "cta": lambda value, is_inline: _cta(value),
    "form": lambda value, is_inline: "",
    "code": lambda value, is_inline: _code(value, is_inline=is_inline),
    "seo": lambda value, is_inline: "",
}


def _js_json_value(value: Any) -> Any:
    """Numbers as ``JSON.stringify`` writes them: 2.0 → 2, NaN/Infinity → null."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: _js_json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_js_json_value(item) for item in value]
    return value


def _unknown_type(value: dict, *, is_inline: bool) -> str:
    """An object we have no renderer for (official default): its JSON in a ``json:object`` fence,
    or inline as ``json:object`` and a code span of the compact JSON."""
    if is_inline:
        return "json:object" + wrap_in_code_span(
            json.dumps(_js_json_value(value), separators=(",", ":"), ensure_ascii=False)
        )
    dumped = json.dumps(_js_json_value(value), indent=2, ensure_ascii=False)
    return f"```json:object\n{dumped}\n```"


# --- list numbering ------------------------------------------------------------------------------


def _list_positions(blocks: list) -> tuple[dict[int, int], dict[int, int]]:
    """Number and indentation depth of each top-level list item, by block index.

    Port of the official ``buildListIndexMap``: any block that is not a ``_type: "block"`` list item
    with a ``level`` ends all lists; a deeper level is one more indentation step however many levels
    it skips; numbering restarts when a list of another type interrupts at the same or a lower depth.
    """
    numbers: dict[int, int] = {}
    depths: dict[int, int] = {}
    counters: dict[Any, dict[int, int]] = {}
    level_stack: list = []
    previous: tuple[Any, int] | None = None

    def depth_of(level: Any) -> int:
        while level_stack and level_stack[-1] > level:
            level_stack.pop()
        if not level_stack or level_stack[-1] != level:
            level_stack.append(level)
        return len(level_stack) - 1

    for index, block in enumerate(blocks):
        is_text_block = block.get("_type") == "block" and isinstance(block.get("children"), list)
        if not is_text_block or "listItem" not in block or "level" not in block:
            counters.clear()
            previous = None
            level_stack.clear()
            continue
        list_item = block["listItem"]
        depth = depth_of(block["level"])
        depths[index] = depth
        if previous is None or (previous[0] == list_item and previous[1] < depth):
            counters.setdefault(list_item, {})[depth] = 1
            numbers[index] = 1
            previous = (list_item, depth)
            continue
        for other, by_depth in counters.items():
            if other != list_item:
                for stale in [d for d in by_depth if d >= depth]:
                    del by_depth[stale]
        by_depth = counters.setdefault(list_item, {})
        by_depth[depth] = by_depth.get(depth, 0) + 1
        numbers[index] = by_depth[depth]
        previous = (list_item, depth)
    return numbers, depths


# --- the walk ------------------------------------------------------------------------------------


class _Renderer:
    def __init__(self, blocks: list):
        self.numbers, self.depths = _list_positions(blocks)

    def node(self, node: Any, index: int | None, *, is_inline: bool, escaped: dict[int, str] | None = None) -> str:
        if isinstance(node, MarkNode):
            return self.mark(node, escaped or {})
        if isinstance(node, TextNode):
            return HARD_BREAK if node.text == "\n" else (escaped or {}).get(id(node), node.text)
        if is_list_item(node):
            return self.list_item(node, index)
        if is_block(node):
            return self.block(node)
        render = TYPES.get(node.get("_type")) if isinstance(node.get("_type"), str) else None
        return render(node, is_inline) if render else _unknown_type(node, is_inline=is_inline)

    def children(self, block: dict, *, is_heading: bool = False, is_list_item: bool = False) -> str:
        tree = build_marks_tree(block)
        # Keyed by id(): the tree, and so every id in it, lives until this block is rendered.
        escaped = assign_escaped_text(tree, plan_leaf_escaping(block, is_heading=is_heading, is_list_item=is_list_item))
        return "".join(self.node(child, None, is_inline=True, escaped=escaped) for child in tree)

    def list_item(self, node: dict, index: int | None) -> str:
        if block_style(node) != "normal":
            inner = self.block({key: value for key, value in node.items() if key != "listItem"}, is_list_item=True)
            inner = re.sub(r"\n+$", "", inner)
        else:
            inner = self.children(node, is_list_item=True)
        depth = self.depths.get(index) if index is not None else None
        if depth is None:
            level = list_level(node)
            depth = int(level) - 1 if is_number(level) else 0
        indent = "   " * max(depth, 0)
        list_item = node["listItem"] or "bullet"
        if list_item == "number":
            number = self.numbers.get(index, 1) if index is not None else 1
            return f"{indent}{number}. {inner}"
        if list_item == "task":
            return f"{indent}- {'[x]' if node.get('checked') is True else '[ ]'} {inner}"
        return f"{indent}- {inner}"

    def block(self, node: dict, *, is_list_item: bool = False) -> str:
        style = block_style(node)
        children = self.children(
            node, is_heading=isinstance(style, str) and style in HEADINGS, is_list_item=is_list_item
        )
        if style == "normal":
            return "" if js_trim(children) == "" else children
        if style == "blockquote":
            return "\n".join(f"> {line}" for line in children.split("\n")) if children else ">"
        if isinstance(style, str) and style in HEADINGS:
            return f"{HEADINGS[style]} {children}"
        return children

    def mark(self, node: MarkNode, escaped: dict[int, str]) -> str:
        children = "".join(self.node(child, None, is_inline=True, escaped=escaped) for child in node.children)
        render = MARKS.get(node.mark_type) if isinstance(node.mark_type, str) else None
        return render(children, node.mark_def, span_plain_text(node)) if render else children


def _spacing(current: dict, following: dict) -> str:
    """Between top-level blocks: one newline inside a list, a ``>`` line between quotes, else a blank line."""
    if is_list_item(current) and is_list_item(following):
        return "\n"
    if (
        is_block(current)
        and is_block(following)
        and current.get("style") == "blockquote"
        and following.get("style") == "blockquote"
    ):
        return "\n>\n"
    return "\n\n"


def to_markdown(blocks: Any) -> str:
    """Render a Portable Text list (or one block) to Markdown (CommonMark + GFM strike-through).

    Headings ``#``…, quotes ``> ``, lists ``- ``/``1. `` indented three spaces per depth, ``**strong**``,
    ``_em_``, `` `code` ``, ``<u>underline</u>``, ``~~strike~~``, ``[text](href "title")``,
    hard breaks as two trailing spaces. Unknown types become fenced JSON; unknown marks and styles
    render their text. Span text is escaped (see the module docstring); blocks that render to
    nothing are left out, spacing included.
    """
    blocks = clean_blocks(blocks)
    renderer = _Renderer(blocks)
    rendered = [(block, renderer.node(block, index, is_inline=False)) for index, block in enumerate(blocks)]
    rendered = [(block, text) for block, text in rendered if text != ""]
    parts = []
    for index, (block, text) in enumerate(rendered):
        parts.append(text)
        if index < len(rendered) - 1:
            parts.append(_spacing(block, rendered[index + 1][0]))
    return "".join(parts)
