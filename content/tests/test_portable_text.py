"""Portable Text validation (spec 000 "PortableText Validation Service"), plain text and HTML safety."""

import pytest

from content.exceptions import PortableTextError
from content.portable_text import (
    to_html,
    to_markdown,
    to_plain_text,
    validate_blocks,
    validate_localized,
)
from magnetiq.api.exceptions import exception_handler
from magnetiq.exceptions import InvalidInput


def span(text, *marks):
    return {"_type": "span", "text": text, "marks": list(marks)}


def block(*children, **fields):
    return {"_type": "block", "style": "normal", "markDefs": [], "children": list(children), **fields}


def link(key, href):
    return {"_type": "link", "_key": key, "href": href}


VALID_DOCUMENT = [
    {"_type": "block", "_key": "b1", "style": "h1", "children": [span("Welcome")]},
    block(span("Read "), span("the guide", "g", "strong"), markDefs=[link("g", "/guide")]),
    block(span("one"), listItem="number", level=1),
    block(span("nested"), listItem="bullet", level=2),
    block(span("quote", "em", "underline", "strike-through", "strike", "code"), style="blockquote"),
    {"_type": "heading", "style": "h2", "children": [span("Heading type")]},
    {"_type": "image", "_key": "i", "asset": {"_ref": "12", "_type": "reference"}, "alt": "", "caption": "c"},
    {"_type": "video", "url": "https://cdn.example.com/v.mp4", "title": "Intro"},
    {"_type": "cta", "text": "Book", "url": "/book", "style": "secondary"},
    {"_type": "form", "formType": "contact"},
    {"_type": "code", "code": "x = 1", "language": "python"},
    {"_type": "seo", "title": "anything goes here"},
    block(span("links"), markDefs=[link("m", "mailto:a@b.example"), link("t", "tel:+49301"), link("f", "#top")]),
    block(),
]


def reason_of(blocks):
    with pytest.raises(PortableTextError) as caught:
        validate_blocks(blocks)
    return caught.value


# --- validate_blocks -----------------------------------------------------------------------------


def test_valid_document_passes():
    assert validate_blocks(VALID_DOCUMENT) is None
    assert validate_blocks([]) is None


def test_error_carries_index_reason_details_and_api_shape():
    blocks = [block(span("ok")), block(span("ok")), block(span("ok")), block(span("x", "foo"))]
    error = reason_of(blocks)
    assert isinstance(error, InvalidInput)
    assert error.index == 3
    assert error.reason == "mark 'foo' has no markDef"
    assert error.message == "Block 3: mark 'foo' has no markDef"
    assert error.code == "INVALID_PORTABLE_TEXT"
    assert error.status == 422
    assert error.details == [
        {"field": "content.3", "message": "Block 3: mark 'foo' has no markDef", "code": "invalid_block"}
    ]
    response = exception_handler(error, {})
    assert response.status_code == 422
    assert response.data["error"]["code"] == "INVALID_PORTABLE_TEXT"
    assert response.data["error"]["details"] == error.details


def test_field_prefix_is_configurable():
    with pytest.raises(PortableTextError) as caught:
        validate_blocks([{"_type": "nope"}], field="bio")
    assert caught.value.details[0]["field"] == "bio.0"


def test_first_bad_block_is_reported():
    error = reason_of([block(span("ok")), {"_type": "nope"}, {"_type": "also-bad"}])
    assert error.index == 1


@pytest.mark.parametrize(
    ("bad_block", "reason"),
    [
        ("text", "a block must be an object"),
        ({"children": []}, "missing _type"),
        (
            {"_type": "table"},
            "unknown block type 'table'; use one of block, heading, image, video, cta, form, code, seo",
        ),
        ({**block(), "_key": ""}, "_key must be a non-empty string"),
        ({**block(), "style": "h7"}, "unknown style 'h7'; use one of normal, h1, h2, h3, h4, h5, h6, blockquote"),
        ({"_type": "heading", "style": "normal", "children": []}, "a heading needs a style h1 to h6"),
        (block(listItem="square", level=1), "unknown listItem 'square'; use bullet or number"),
        (block(listItem="bullet"), "a list item needs level, a whole number from 1 to 10"),
        (block(listItem="bullet", level=0), "a list item needs level, a whole number from 1 to 10"),
        (block(listItem="bullet", level=11), "a list item needs level, a whole number from 1 to 10"),
        (block(listItem="bullet", level=True), "a list item needs level, a whole number from 1 to 10"),
        (block(listItem="bullet", level="2"), "a list item needs level, a whole number from 1 to 10"),
        (block(level=1), "level is only allowed on list items"),
        ({"_type": "block", "style": "normal"}, "a text block needs a children list"),
        (block(markDefs={}), "markDefs must be a list"),
        (block(markDefs=["x"]), "a markDef must be an object"),
        (block(markDefs=[{"_type": "link", "href": "/"}]), "a markDef needs a _key"),
        (block(markDefs=[link("a", "/"), link("a", "/b")]), "duplicate markDef _key 'a'"),
        (block(markDefs=[link("strong", "/")]), "markDef _key 'strong' is a decorator name"),
        (
            block(markDefs=[{"_type": "internalLink", "_key": "r"}]),
            "markDef 'r' has unknown _type 'internalLink'; use link",
        ),
        (block(markDefs=[link("a", "")]), "link 'a' href must be a non-empty URL"),
        (block(markDefs=[{"_type": "link", "_key": "a"}]), "link 'a' href must be a non-empty URL"),
        (block(markDefs=[link("a", "/x\ny")]), "link 'a' href contains control characters"),
        (block("text"), "child 0 must be a span"),
        (block(span("a"), {"_type": "image"}), "child 1 must be a span"),
        (block({"_type": "span", "text": 3}), "child 0 needs a text string"),
        (block({"_type": "span", "text": "a", "marks": "strong"}), "child 0 marks must be a list"),
        (block({"_type": "span", "text": "a", "marks": [1]}), "child 0 has a mark that is not a string"),
        (block(span("a", "link")), "mark 'link' has no markDef"),
        (block(span("a", "bold")), "mark 'bold' has no markDef"),
        ({"_type": "image", "alt": "x"}, 'image needs asset {"_ref": "<media id>"}'),
        ({"_type": "image", "asset": {"_ref": " "}, "alt": "x"}, 'image needs asset {"_ref": "<media id>"}'),
        ({"_type": "image", "asset": {"_ref": "1"}}, "image needs alt (text)"),
        ({"_type": "image", "asset": {"_ref": "1"}, "alt": "a", "caption": 3}, "image caption must be text"),
        ({"_type": "video"}, "video url must be a non-empty URL"),
        ({"_type": "video", "url": "/v.mp4", "title": ["x"]}, "video title must be text"),
        ({"_type": "cta", "text": " ", "url": "/"}, "cta needs text (text)"),
        ({"_type": "cta", "text": "Go", "url": "/", "style": "huge"}, "cta style must be one of primary, secondary"),
        ({"_type": "form"}, "form needs formType (lower-case letters, digits, - or _)"),
        ({"_type": "form", "formType": 'x" onload="'}, "form needs formType (lower-case letters, digits, - or _)"),
        ({"_type": "code", "language": "py"}, "code needs code (text)"),
        ({"_type": "code", "code": "x"}, "code needs language (letters, digits, + # . _ -; may be empty)"),
        (
            {"_type": "code", "code": "x", "language": "py\nx"},
            "code needs language (letters, digits, + # . _ -; may be empty)",
        ),
    ],
)
def test_rule_is_enforced(bad_block, reason):
    error = reason_of([block(span("fine")), bad_block])
    assert (error.index, error.reason) == (1, reason)
    assert error.message == f"Block 1: {reason}"


def test_duplicate_block_keys_are_refused():
    error = reason_of([{**block(), "_key": "a"}, {**block(), "_key": "b"}, {**block(), "_key": "a"}])
    assert (error.index, error.reason) == (2, "duplicate _key 'a'")


def test_not_a_list_is_refused():
    with pytest.raises(PortableTextError) as caught:
        validate_blocks({"_type": "block"})
    assert (caught.value.index, caught.value.reason) == (None, "expected a list of blocks")
    assert caught.value.details == [
        {"field": "content", "message": "Content: expected a list of blocks", "code": "invalid"}
    ]


SCHEME_REASON = "uses a scheme that is not allowed; use http, https, mailto, tel or a relative URL"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "ftp://example.com/file",
        "java\tscript:alert(1)",
    ],
)
def test_unsafe_link_schemes_are_refused(href):
    error = reason_of([block(span("x", "a"), markDefs=[link("a", href)])])
    assert error.index == 0
    assert error.reason in (f"link 'a' href {SCHEME_REASON}", "link 'a' href contains control characters")


@pytest.mark.parametrize(
    "href",
    ["https://example.com", "HTTP://EXAMPLE.COM", "/about", "about/team", "#top", "?q=1:2", "mailto:x@y.z", "tel:+1"],
)
def test_safe_links_pass(href):
    assert validate_blocks([block(span("x", "a"), markDefs=[link("a", href)])]) is None


@pytest.mark.parametrize(
    "bad",
    [{"_type": "cta", "text": "Go", "url": "javascript:alert(1)"}, {"_type": "video", "url": "data:video/mp4,AAAA"}],
)
def test_unsafe_object_urls_are_refused(bad):
    error = reason_of([bad])
    assert error.reason == f"{bad['_type']} url {SCHEME_REASON}"


# --- validate_localized --------------------------------------------------------------------------


def test_localized_valid():
    assert validate_localized({"en": VALID_DOCUMENT, "de": [block(span("Hallo"))]}) is None
    assert validate_localized({"en": [block(span("Hi"))], "de": None}) is None


def test_localized_error_names_language_and_index():
    value = {"en": [block(span("Hi"))], "de": [block(span("a")), block(span("b")), block(span("c", "foo"))]}
    with pytest.raises(PortableTextError) as caught:
        validate_localized(value)
    error = caught.value
    assert (error.language, error.index, error.reason) == ("de", 2, "mark 'foo' has no markDef")
    assert error.details == [
        {"field": "de.2", "message": "DE block 2: mark 'foo' has no markDef", "code": "invalid_block"}
    ]
    with pytest.raises(PortableTextError) as caught:
        validate_localized(value, field="content")
    assert caught.value.details[0]["field"] == "content.de.2"


@pytest.mark.parametrize(
    ("value", "field", "code", "reason"),
    [
        ([], "content", "invalid", 'expected an object of languages like {"en": [...], "de": [...]}'),
        ({"de": [block(span("x"))]}, "en", "required", "the English (en) content is required"),
        ({"en": []}, "en", "required", "the English (en) content is required"),
        ({"en": [block(span("x"))], "fr": []}, "fr", "invalid_language", "unknown language fr; use en, de"),
        ({"en": "text"}, "en", "invalid", "expected a list of blocks"),
    ],
)
def test_localized_structure(value, field, code, reason):
    with pytest.raises(PortableTextError) as caught:
        validate_localized(value)
    assert caught.value.reason == reason
    assert caught.value.details[0]["field"] == field
    assert caught.value.details[0]["code"] == code


# --- plain text ----------------------------------------------------------------------------------


def test_plain_text_joins_text_blocks_with_blank_lines():
    blocks = [
        {"_type": "block", "style": "h1", "children": [span("Title")]},
        block(span("Bold", "strong"), span(" and "), span("linked", "l"), markDefs=[link("l", "/x")]),
        block(span("item"), listItem="bullet", level=1),
        block(span("line\nbreak")),
    ]
    assert to_plain_text(blocks) == "Title\n\nBold and linked\n\nitem\n\nline\nbreak"


def test_plain_text_skips_objects_and_pads_inline_objects():
    blocks = [
        block(span("a"), {"_type": "emoji", "name": "x"}, span("b"), {"_type": "emoji"}, span(" c")),
        {"_type": "image", "asset": {"_ref": "1"}, "alt": "not in text"},
        block(span("<script>kept as text</script>")),
    ]
    assert to_plain_text(blocks) == "a b c\n\n<script>kept as text</script>"
    assert to_plain_text([]) == ""


# --- safety of the HTML ---------------------------------------------------------------------------


def test_text_is_escaped():
    html = to_html([block(span("<script>alert('x')</script> & \"q\"", "strong"))])
    assert html == "<p><strong>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;</strong></p>"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " \tjavascript:alert(1)",
        "\u00a0javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
    ],
)
def test_unsafe_links_are_dropped_from_unvalidated_input(href):
    blocks = [block(span("click", "a"), markDefs=[link("a", href)])]
    assert to_html(blocks) == "<p>click</p>"
    assert to_markdown(blocks) == "click"


def test_link_href_is_escaped():
    blocks = [block(span("x", "a"), markDefs=[link("a", '/p?a=1&b="><script>')])]
    assert to_html(blocks) == '<p><a href="/p?a=1&amp;b=&quot;&gt;&lt;script&gt;">x</a></p>'


def test_custom_objects_escape_and_drop_unsafe_urls():
    blocks = [
        {"_type": "image", "asset": {"_ref": '1"><script>'}, "alt": '"><img onerror=x>', "caption": "<b>c</b>"},
        {"_type": "cta", "text": "<i>Go</i>", "url": "javascript:alert(1)"},
        {"_type": "cta", "text": "Go", "url": "/x", "style": '"><script>'},
        {"_type": "video", "url": "javascript:alert(1)", "title": "t"},
        {"_type": "form", "formType": '"><script>'},
        {"_type": "code", "code": "<script>", "language": '"><x>'},
    ]
    assert to_html(blocks) == (
        '<figure class="pt-image"><img src="/api/v1/media/1%22%3E%3Cscript%3E" alt="&quot;&gt;&lt;img onerror=x&gt;"/>'
        "<figcaption>&lt;b&gt;c&lt;/b&gt;</figcaption></figure>"
        '<p class="pt-cta">&lt;i&gt;Go&lt;/i&gt;</p>'
        '<p class="pt-cta"><a class="button cta-&quot;&gt;&lt;script&gt;" href="/x">Go</a></p>'
        '<div class="pt-form" data-form-type="&quot;&gt;&lt;script&gt;"></div>'
        '<pre><code class="language-&quot;&gt;&lt;x&gt;">&lt;script&gt;</code></pre>'
    )


def test_unknown_type_and_mark_names_are_escaped():
    blocks = [
        {"_type": '<img src=x onerror="a">'},
        block(span("t", 'x"><script>')),
    ]
    assert to_html(blocks) == (
        '<div style="display:none">Unknown block type &quot;&lt;img src=x onerror=&quot;a&quot;&gt;&quot;, '
        "specify a component for it in the `components.types` option</div>"
        '<p><span class="unknown__pt__mark__x&quot;&gt;&lt;script&gt;">t</span></p>'
    )


@pytest.mark.parametrize("garbage", [None, "text", 5, [None, 3, "x"], [{"_type": "block", "children": "x"}]])
def test_renderers_never_crash_on_garbage(garbage):
    assert isinstance(to_html(garbage), str)
    assert isinstance(to_markdown(garbage), str)
    assert isinstance(to_plain_text(garbage), str)
