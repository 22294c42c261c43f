"""Portable Text → HTML, matching the official ``@portabletext/to-html`` 5.0.3 renderer.

Source rule: to-html's ``toHTML`` with its default components, plus our components for the
custom types (``image``, ``video``, ``cta``, ``form``, ``code``, ``seo``) and the spec's ``strike``
decorator. tests/portabletext/render.mjs gives the official renderer the same definitions and
``content/tests/test_portable_text_conformance.py`` compares both outputs document by document.

Safe by construction: every text is escaped (``& < > " '``), every attribute value too, and a URL
is only written to ``href``/``src`` when ``uri_looks_safe`` accepts it (an unsafe link keeps its
text, an unsafe cta becomes plain text, an unsafe video is left out). That holds for input that
never went through ``validate_blocks``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .tree import (
    ListNode,
    MarkNode,
    TextNode,
    block_style,
    build_marks_tree,
    clean_blocks,
    is_block,
    is_list_item,
    nest_lists,
    uri_looks_safe,
)

MEDIA_URL_PREFIX = "/api/v1/media/"

_CHARS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_CHARS_RE = re.compile(r"[&<>\"']")
_SPACES_RE = re.compile(r" {2,}")


def escape_chars(value: str) -> str:
    """Escape the five HTML-significant characters (to-html ``escapeHTMLChars``)."""
    return _CHARS_RE.sub(lambda match: _CHARS[match.group()], value)


def escape_text(value: str) -> str:
    """Escape text and keep runs of spaces visible: n spaces → (n-1) ``&nbsp;`` + one space."""
    return _SPACES_RE.sub(lambda match: "&nbsp;" * (len(match.group()) - 1) + " ", escape_chars(value))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def media_url(ref: str) -> str:
    """The public URL of a media asset referenced by an image block (spec: ``/api/v1/media/{_ref}``)."""
    return MEDIA_URL_PREFIX + quote(ref, safe="!'()*-._~", errors="replace")


# --- marks ---------------------------------------------------------------------------------------


def _link(children: str, mark_def: dict | None) -> str:
    href = _text((mark_def or {}).get("href")) or ""
    return f'<a href="{escape_text(href)}">{children}</a>' if uri_looks_safe(href) else children


MARKS = {
    "em": lambda children, mark_def: f"<em>{children}</em>",
    "strong": lambda children, mark_def: f"<strong>{children}</strong>",
    "code": lambda children, mark_def: f"<code>{children}</code>",
    "underline": lambda children, mark_def: f'<span style="text-decoration:underline">{children}</span>',
    "strike-through": lambda children, mark_def: f"<del>{children}</del>",
    "strike": lambda children, mark_def: f"<del>{children}</del>",
    "link": _link,
}

# --- block styles --------------------------------------------------------------------------------

STYLES = {
    "normal": "p",
    "blockquote": "blockquote",
    "h1": "h1",
    "h2": "h2",
    "h3": "h3",
    "h4": "h4",
    "h5": "h5",
    "h6": "h6",
}

# --- custom types (the same definitions are in tests/portabletext/render.mjs) --------------------


def _image(value: dict) -> str:
    """``<figure class="pt-image"><img src alt/>[<figcaption>]</figure>``; nothing without an asset ref."""
    asset = value.get("asset")
    ref = asset.get("_ref") if isinstance(asset, dict) else None
    if not isinstance(ref, str) or not ref:
        return ""
    img = f'<img src="{escape_chars(media_url(ref))}" alt="{escape_chars(_text(value.get("alt")))}"/>'
    caption = _text(value.get("caption"))
    figcaption = f"<figcaption>{escape_chars(caption)}</figcaption>" if caption else ""
    return f'<figure class="pt-image">{img}{figcaption}</figure>'


def _video(value: dict) -> str:
    """``<figure class="pt-video"><video controls src></video>[<figcaption>]</figure>``; nothing if unsafe."""
    url = value.get("url")
    if not isinstance(url, str) or not url or not uri_looks_safe(url):
        return ""
    title = _text(value.get("title"))
    figcaption = f"<figcaption>{escape_chars(title)}</figcaption>" if title else ""
    return f'<figure class="pt-video"><video controls src="{escape_chars(url)}"></video>{figcaption}</figure>'


def _cta(value: dict) -> str:
    """``<p class="pt-cta"><a class="button cta-<style>" href>text</a></p>``; the text alone if the URL is unsafe."""
    text = escape_chars(_text(value.get("text")))
    url = value.get("url")
    if not isinstance(url, str) or not url or not uri_looks_safe(url):
        return f'<p class="pt-cta">{text}</p>'
    style = escape_chars(_text(value.get("style")) or "primary")
    return f'<p class="pt-cta"><a class="button cta-{style}" href="{escape_chars(url)}">{text}</a></p>'


def _form(value: dict) -> str:
    """``<div class="pt-form" data-form-type="…"></div>``: a placeholder the page fills with the form."""
    return f'<div class="pt-form" data-form-type="{escape_chars(_text(value.get("formType")))}"></div>'


def _code(value: dict) -> str:
    """``<pre><code class="language-…">…</code></pre>``; spaces kept as they are."""
    language = _text(value.get("language"))
    attrs = f' class="language-{escape_chars(language)}"' if language else ""
    return f"<pre><code{attrs}>{escape_chars(_text(value.get('code')))}</code></pre>"


TYPES = {
    "image": _image,
    "video": _video,
    "cta": _cta,
    "form": _form,
    "code": _code,
    "seo": lambda value: "",
}


# --- the walk ------------------------------------------------------------------------------------


def to_html(blocks: Any) -> str:
    """Render a Portable Text list (or one block) to an HTML fragment (safe, see the module docstring).

    Lists become ``<ul>``/``<ol>`` with nested lists inside the parent ``<li>``; ``"\\n"`` in text
    becomes ``<br/>``; an unknown style renders as ``<p>``, an unknown mark as
    ``<span class="unknown__pt__mark__<name>">``, an unknown type as a hidden ``<div>`` naming it.
    """
    return "".join(_node(node, is_inline=False) for node in nest_lists(clean_blocks(blocks)))


def _node(node: Any, *, is_inline: bool) -> str:
    if isinstance(node, ListNode):
        return _list(node)
    if isinstance(node, MarkNode):
        return _mark(node)
    if isinstance(node, TextNode):
        return "<br/>" if node.text == "\n" else escape_text(node.text)
    if is_list_item(node):
        return _list_item(node)
    if is_block(node):
        return _block(node)
    return _custom(node, is_inline=is_inline)


def _children(block: dict) -> str:
    return "".join(_node(child, is_inline=True) for child in build_marks_tree(block))


def _list(node: ListNode) -> str:
    tag = "ol" if node.list_item == "number" else "ul"
    return f"<{tag}>{''.join(_node(item, is_inline=False) for item in node.children)}</{tag}>"


def _list_item(node: dict) -> str:
    if block_style(node) != "normal":
        # A styled list item renders its block (e.g. <h2>) inside the <li>.
        inner = _block({key: value for key, value in node.items() if key != "listItem"})
    else:
        inner = _children(node)
    return f"<li>{inner}</li>"


def _block(node: dict) -> str:
    style = block_style(node)
    tag = STYLES.get(style, "p") if isinstance(style, str) else "p"
    return f"<{tag}>{_children(node)}</{tag}>"


def _mark(node: MarkNode) -> str:
    children = "".join(_node(child, is_inline=True) for child in node.children)
    render = MARKS.get(node.mark_type) if isinstance(node.mark_type, str) else None
    if render is None:
        name = node.mark_type if isinstance(node.mark_type, str) else "undefined"
        return f'<span class="unknown__pt__mark__{escape_chars(name)}">{children}</span>'
    return render(children, node.mark_def)


def _custom(value: dict, *, is_inline: bool) -> str:
    block_type = value.get("_type")
    render = TYPES.get(block_type) if isinstance(block_type, str) else None
    if render is not None:
        return render(value)
    warning = escape_chars(
        f'Unknown block type "{block_type if isinstance(block_type, str) else "undefined"}", '
        "specify a component for it in the `components.types` option"
    )
    tag = "span" if is_inline else "div"
    return f'<{tag} style="display:none">{warning}</{tag}>'
