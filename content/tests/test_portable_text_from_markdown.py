"""Markdown → Portable Text (``content.portable_text.from_markdown``): round trips through the
Markdown renderer, refusals that name what is not supported, and stable keys."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt

from content.portable_text import to_markdown, validate_blocks
from content.portable_text.from_markdown import (
    UnsupportedMarkdown,
    canonical_block,
    markdown_to_blocks,
    unsupported_in_blocks,
)

_linkify = LinkifyIt()

# Words with the characters Markdown treats specially, so escaping is exercised.
WORD = st.text(alphabet="abcXYZ019äß*_`#[]()<>&\\~!-+.=|:;'\"", min_size=1, max_size=8)
TEXT = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
DECORATOR_SETS = st.sets(st.sampled_from(["strong", "em", "code", "underline", "strike-through"]), max_size=3)
HREF = st.sampled_from(["https://example.com/a", "/about/", "mailto:team@example.com", "https://example.org/x?y=1"])


@st.composite
def text_blocks(draw, list_state, words):
    """One text block: marked runs separated by plain runs that start and end with a space (a
    mark cannot start or end at whitespace in CommonMark)."""
    children, mark_defs = [], []
    for index in range(draw(st.integers(1, 4))):
        if index:
            children.append({"_type": "span", "text": f" {draw(words)} ", "marks": []})
        marks = sorted(draw(DECORATOR_SETS))
        text = draw(words)
        if "code" in marks:
            # A code span shows its text raw, so no mark nests inside it (the renderer's rule).
            marks = ["code"]
        if draw(st.booleans()):
            key = f"link{len(mark_defs)}"
            mark_defs.append({"_type": "link", "_key": key, "href": draw(HREF)})
            marks.append(key)
        children.append({"_type": "span", "text": text, "marks": marks})
    block = {"_type": "block", "_key": draw(st.text("abcdef0123456789", min_size=6, max_size=6)), "markDefs": mark_defs}
    kind = draw(st.sampled_from(["normal", "h1", "h3", "h6", "blockquote", "list"]))
    if kind == "list":
        level = draw(st.integers(1, list_state["level"] + 1))
        list_state["level"] = level
        block.update(style="normal", listItem=draw(st.sampled_from(["bullet", "number"])), level=level)
    else:
        list_state["level"] = 0
        block["style"] = kind
    block["children"] = children
    return block


@st.composite
def documents(draw, words=TEXT):
    list_state = {"level": 0}
    blocks = []
    for _ in range(draw(st.integers(0, 7))):
        if draw(st.integers(0, 9)) == 0:
            list_state["level"] = 0
            blocks.append(
                {
                    "_type": "code",
                    "_key": f"code{len(blocks)}",
                    "code": draw(st.text(alphabet="ab =*_\n#<>", max_size=20)).strip("\n"),
                    "language": draw(st.sampled_from(["", "python", "js"])),
                }
            )
        else:
            blocks.append(draw(text_blocks(list_state, words)))
    # A key must be unique within the document.
    for index, block in enumerate(blocks):
        block["_key"] = f"{block['_key']}{index}"
    return blocks


def _no_bare_urls(blocks):
    """Text that looks like a URL stays text (linkify), where Markdown inside it is not read."""
    return not any(_linkify.test(child["text"]) for block in blocks for child in block.get("children", []))


def _canonical(blocks):
    return [canonical_block(block) for block in blocks]


# Punctuation the renderer escapes reliably at any mark boundary.
EVERYDAY_TEXT = st.lists(
    st.text(alphabet="abcXYZ019äß.,!?'&#-+:;()=/%", min_size=1, max_size=8), min_size=1, max_size=4
).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(EVERYDAY_TEXT))
def test_markdown_round_trip_gives_the_same_document(blocks):
    assume(_no_bare_urls(blocks))
    validate_blocks(blocks)
    assert unsupported_in_blocks(blocks) == []

    read_back = markdown_to_blocks(to_markdown(blocks))

    validate_blocks(read_back)
    assert _canonical(read_back) == _canonical(blocks)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_a_document_the_editor_accepts_reads_back_unchanged(blocks):
    """With Markdown's own characters at mark edges (``**\\**``, ``**_**``) the official renderer's
    Markdown can read back differently; the editor must then name the block, never lose it."""
    assume(_no_bare_urls(blocks))
    if unsupported_in_blocks(blocks):
        return
    assert _canonical(markdown_to_blocks(to_markdown(blocks))) == _canonical(blocks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_an_unchanged_document_keeps_every_key(blocks):
    assume(_no_bare_urls(blocks) and not unsupported_in_blocks(blocks))
    assert markdown_to_blocks(to_markdown(blocks), previous=blocks) == blocks


def test_formatting_markdown_cannot_hold_is_named():
    blocks = [
        {"_type": "block", "children": [{"_type": "span", "text": "x", "marks": ["code", "underline"]}]},
        {"_type": "block", "children": [{"_type": "span", "text": "\\", "marks": ["strong"]}]},
    ]

    assert unsupported_in_blocks(blocks) == ["the formatting of “x”", "the formatting of “\\”"]


def test_a_changed_block_keeps_its_key_and_a_new_block_gets_a_new_one():
    previous = markdown_to_blocks("# Title\n\nFirst paragraph.\n\nSecond paragraph.")
    keys = [block["_key"] for block in previous]

    edited = markdown_to_blocks("# Title\n\nFirst **paragraph.**\n\nNew one.\n\nSecond paragraph.", previous=previous)

    assert [block["_key"] for block in edited][:2] == keys[:2]
    assert edited[0] is previous[0]
    assert edited[2]["_key"] not in keys
    assert edited[3]["_key"] == keys[2]
    assert edited[1]["children"][1] == {"_type": "span", "text": "paragraph.", "marks": ["strong"]}


def test_links_become_mark_defs_with_keys():
    [block] = markdown_to_blocks('Read [our **story**](https://example.com/about "About us") now.')

    [link] = block["markDefs"]
    assert link["_type"] == "link"
    assert link["href"] == "https://example.com/about"
    assert link["title"] == "About us"
    assert len(link["_key"]) == 12
    assert [(child["text"], child["marks"]) for child in block["children"]] == [
        ("Read ", []),
        ("our ", [link["_key"]]),
        ("story", sorted([link["_key"], "strong"])),
        (" now.", []),
    ]


def test_styles_lists_marks_and_breaks():
    blocks = markdown_to_blocks(
        "## Sub\n\n> Quoted\n\n- one\n   1. two\n\n<u>under</u> ~~gone~~ `x`  \nnext line\n\n```python\nprint(1)\n```"
    )

    shapes = [(b.get("style"), b.get("listItem"), b.get("level")) for b in blocks]
    assert shapes == [
        ("h2", None, None),
        ("blockquote", None, None),
        ("normal", "bullet", 1),
        ("normal", "number", 2),
        ("normal", None, None),
        (None, None, None),
    ]
    assert [(child["text"], child["marks"]) for child in blocks[4]["children"]] == [
        ("under", ["underline"]),
        (" ", []),
        ("gone", ["strike-through"]),
        (" ", []),
        ("x", ["code"]),
        ("\nnext line", []),
    ]
    assert {k: v for k, v in blocks[5].items() if k != "_key"} == {
        "_type": "code",
        "code": "print(1)",
        "language": "python",
    }


def test_a_bare_url_stays_text():
    [block] = markdown_to_blocks("See https://example.com/a_b_c for more.")

    assert block["markDefs"] == []
    assert block["children"] == [{"_type": "span", "text": "See https://example.com/a_b_c for more.", "marks": []}]


@pytest.mark.parametrize(
    ("markdown", "named"),
    [
        ("![logo](/logo.png)", "Images (“![logo](/logo.png)”)"),
        ("a\n\n---\n\nb", "horizontal rule"),
        ("<div>raw</div>", "HTML is not supported (“<div>raw</div>”)"),
        ("some <b>bold</b>", "HTML is not supported (“<b>”)"),
        ("    indented code", "Indented code"),
        ("- one\n\n  two", "A list item holds one paragraph; “two”"),
        ("> - listed", "A list inside a quote"),
        ("> # heading", "A heading inside a quote"),
        ("-\n- b", "An empty list item"),
        ("> > deep", "A quote inside a quote"),
    ],
)
def test_unsupported_markdown_is_refused_naming_it(markdown, named):
    with pytest.raises(UnsupportedMarkdown) as error:
        markdown_to_blocks(markdown)

    assert named in str(error.value)


def test_unsupported_stored_content_is_named():
    blocks = [
        {"_type": "block", "children": [{"_type": "span", "text": "ok", "marks": ["strike"]}]},
        {"_type": "image", "asset": {"_ref": "abc"}, "alt": ""},
        {"_type": "block", "children": [{"_type": "span", "text": "x", "marks": ["highlight"]}]},
        {"_type": "cta", "text": "Go", "url": "/go"},
        {"_type": "image", "asset": {"_ref": "def"}, "alt": ""},
    ]

    assert unsupported_in_blocks(blocks) == ["a “image” block", "the mark “highlight”", "a “cta” block"]
    assert unsupported_in_blocks(blocks[:1]) == []
