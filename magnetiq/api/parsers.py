"""JSON parsing with a nesting limit, for the API and for every view that reads a raw JSON body.

Python's ``json`` module recurses once per nesting level, so ``[[[…]]]`` a thousand deep raises
``RecursionError`` while parsing, and a few hundred deep parses but can overflow the stack later (in
a serializer, a deep copy, the error flattener). No payload of this API nests deeper than a handful
of levels (Portable Text, the deepest, needs about eight), so anything deeper than
:data:`MAX_JSON_DEPTH` is refused as malformed before any code sees it.
"""

import json
from typing import Any

from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32
"""Deepest nesting accepted: ``{"a": 1}`` and ``[1]`` are depth 1, ``{"a": [1]}`` depth 2."""


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than :data:`MAX_JSON_DEPTH` (a ``ValueError``, like every other
    malformed JSON, so callers that already refuse ``json.JSONDecodeError`` refuse this too)."""

    def __init__(self):
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")


def check_json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`JSONTooDeep` if ``value`` (parsed JSON: dicts, lists, scalars) nests deeper than
    ``limit``. Walks with an explicit stack, so it cannot itself hit the recursion limit."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise JSONTooDeep()
        stack.extend((child, depth + 1) for child in children)


def json_loads(data: str | bytes) -> Any:
    """``json.loads`` for untrusted input: the parsed value, or ``ValueError`` when ``data`` is not
    JSON (``json.JSONDecodeError``, ``UnicodeDecodeError``) or nests too deeply (:class:`JSONTooDeep`)."""
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise JSONTooDeep() from exc
    check_json_depth(value)
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (the project default in ``REST_FRAMEWORK``) with the nesting limit: a body
    nested deeper than :data:`MAX_JSON_DEPTH` is a ``ParseError`` (400 ``PARSE_ERROR``), like any
    other malformed JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            value = super().parse(stream, media_type, parser_context)
            check_json_depth(value)
        except (RecursionError, JSONTooDeep) as exc:
            message = gettext("JSON parse error - nested deeper than %(levels)s levels.") % {"levels": MAX_JSON_DEPTH}
            raise ParseError(message) from exc
        return value
