"""A post's Portable Text rendered for each network.

**Text.** Blocks become paragraphs separated by a blank line; list items start with ``• `` or
``1. ``; a link shows its text followed by the address in brackets (just the address when the text
is the address); object blocks (images, calls to action, …) are left out — images travel as media.

**Mentions and hashtags.** Staff write a hashtag as ``#word`` and a LinkedIn mention as
``@[Name](urn:li:organization:123)`` (or ``urn:li:person:…``). LinkedIn's ``commentary`` is its
"little text" format: the characters ``| { } @ [ ] ( ) < > # \\ * _ ~`` are escaped with a
backslash, a hashtag becomes ``{hashtag|\\#|word}`` and a mention ``@[Name](urn:…)``. On X a
hashtag stays ``#word``, ``@handle`` stays, and a LinkedIn mention becomes its plain name.

**Limits.** LinkedIn: :data:`LINKEDIN_MAX_CHARS` (3 000) characters of the text as shown. X:
:data:`X_MAX_WEIGHT` (280) by X's own count (twitter-text's ``parse_tweet``: a URL counts 23, CJK
characters and emoji 2, most others 1). A longer text becomes a thread: split at sentence ends
(and line breaks), then between words, and only a word longer than a whole tweet is cut; every
part ends with its number `` i/n``, which is counted in its 280.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from twitter_text import parse_tweet
from twitter_text.config import config as _twitter_config
from twitter_text.get_character_weight import get_character_weight

from content.portable_text.tree import MarkNode, TextNode, build_marks_tree, clean_blocks, is_block

LINKEDIN_MAX_CHARS = 3000
_TWITTER_OPTIONS = _twitter_config["defaults"]
X_MAX_WEIGHT = 280

_HASHTAG = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)
_MENTION = re.compile(r"@\[([^\]\n]{1,100})\]\((urn:li:(?:person|organization):[A-Za-z0-9_-]{1,64})\)")
_LITTLE_TEXT_RESERVED = re.compile(r"([|{}@\[\]()<>#\\*_~])")
# Sentence ends (followed by space) or line breaks, kept so the parts keep their spacing.
_SENTENCE_BREAK = re.compile(r"((?<=[.!?…。！？])\s+|\s*\n+\s*)")
_SPACE = re.compile(r"(\s+)")


def _inline_text(nodes: list) -> str:
    text = ""
    for node in nodes:
        if isinstance(node, TextNode):
            text += node.text
        elif isinstance(node, MarkNode):
            inner = _inline_text(node.children)
            href = (node.mark_def or {}).get("href") if node.mark_type == "link" else None
            if isinstance(href, str) and href.strip() and href.strip() != inner.strip():
                text += f"{inner} ({href.strip()})"
            else:
                text += inner
    return text


def plain_text(blocks: object) -> str:
    """The text of a Portable Text list as described in the module docstring (no network syntax yet)."""
    paragraphs: list[str] = []
    numbers: dict[int, int] = {}
    in_list = False
    for block in clean_blocks(blocks):
        if not is_block(block):
            continue
        text = _inline_text(build_marks_tree(block)).strip()
        list_item = block.get("listItem")
        level = block.get("level") if isinstance(block.get("level"), int) else 1
        if list_item == "number":
            numbers[level] = numbers.get(level, 0) + 1
            numbers = {lvl: n for lvl, n in numbers.items() if lvl <= level}
            text = f"{numbers[level]}. {text}"
        elif list_item == "bullet":
            numbers = {}
            text = f"• {text}"
        else:
            numbers = {}
        if not text:
            continue
        indent = "  " * (max(1, level) - 1) if list_item else ""
        item = indent + text
        # List items of one list stay on consecutive lines.
        if list_item and in_list:
            paragraphs[-1] += "\n" + item
        else:
            paragraphs.append(item)
        in_list = bool(list_item)
    return "\n\n".join(paragraphs)


@dataclass(frozen=True)
class LinkedInText:
    """``commentary``: what LinkedIn's API takes; ``text``: what readers see; ``length`` of ``text``."""

    commentary: str
    text: str
    length: int
    limit: int = LINKEDIN_MAX_CHARS

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def _little_text(segment: str) -> str:
    escaped = _LITTLE_TEXT_RESERVED.sub(r"\\\1", segment)
    return _HASHTAG.sub(lambda m: "{hashtag|\\#|" + m.group(1) + "}", escaped.replace("\\#", "#"))


def for_linkedin(blocks: object) -> LinkedInText:
    """The post for LinkedIn: commentary in little text format, mentions kept, hashtags marked."""
    text = plain_text(blocks)
    commentary, shown, position = "", "", 0
    for mention in _MENTION.finditer(text):
        before = text[position : mention.start()]
        commentary += (
            _little_text(before) + f"@[{_LITTLE_TEXT_RESERVED.sub(r'', mention.group(1))}]({mention.group(2)})"
        )
        shown += before + mention.group(1)
        position = mention.end()
    commentary += _little_text(text[position:])
    shown += text[position:]
    return LinkedInText(commentary=commentary, text=shown, length=len(shown))


@lru_cache(maxsize=4096)
def x_weight(text: str) -> int:
    """X's weighted length of ``text`` (twitter-text v3 configuration). Cached: splitting a thread
    weighs the same sentences and words again for each numbering width it tries."""
    return parse_tweet(text).weightedLength


def for_x_text(blocks: object) -> str:
    """The post's text for X: LinkedIn mentions become the plain name."""
    return _MENTION.sub(lambda m: m.group(1), plain_text(blocks))


def _char_weight(char: str) -> int:
    """One code point's weight (twitter-text's ranges; emoji 2). A code point of a multi-code-point
    emoji counts on its own, so a cut word is never heavier than counted."""
    options = _TWITTER_OPTIONS
    return get_character_weight(char, options) // options["scale"]


def _hard_split(word: str, budget: int) -> list[str]:
    """Cut a word longer than ``budget`` into pieces that each fit (by X's weights)."""
    pieces, current, weight = [], "", 0
    for char in word:
        char_weight = _char_weight(char)
        if current and weight + char_weight > budget:
            pieces.append(current)
            current, weight = "", 0
        current += char
        weight += char_weight
    if current:
        pieces.append(current)
    return pieces


def _pack(units: list[tuple[str, int]], separators: list[str], budget: int) -> list[tuple[str, int]]:
    """Greedily join ``units`` (text and weight, with the separator that stood before each) into
    chunks of at most ``budget`` weight. Units are split at white space, where X's count adds up
    (a URL or an emoji never spans a space), so a chunk weighs the sum of its parts."""
    chunks: list[tuple[str, int]] = []
    current, weight = "", 0
    for (unit, unit_weight), separator in zip(units, separators, strict=True):
        if not unit:
            continue
        joined = weight + len(separator) + unit_weight if current else unit_weight
        if joined <= budget:
            current = f"{current}{separator}{unit}" if current else unit
            weight = joined
            continue
        if current:
            chunks.append((current, weight))
        current, weight = unit, unit_weight
    if current:
        chunks.append((current, weight))
    return chunks


def _split_on(pattern: re.Pattern, text: str) -> tuple[list[str], list[str]]:
    pieces = pattern.split(text)
    units = pieces[0::2]
    separators = ["", *pieces[1::2]]
    # A separator that held a line break keeps it; others become one space.
    separators = [("\n\n" if "\n\n" in s else "\n" if "\n" in s else " ") if s else "" for s in separators]
    return units, separators


def _chunks(text: str, budget: int) -> list[str]:
    out: list[str] = []
    units, separators = _split_on(_SENTENCE_BREAK, text)
    sentences = [(unit.strip(), x_weight(unit.strip())) for unit in units]
    for chunk, chunk_weight in _pack(sentences, separators, budget):
        if chunk_weight <= budget:
            out.append(chunk)
            continue
        words, spaces = _split_on(_SPACE, chunk)
        pieces: list[tuple[str, int]] = []
        piece_separators: list[str] = []
        for word, space in zip(words, spaces, strict=True):
            weight = x_weight(word)
            if weight <= budget:
                pieces.append((word, weight))
                piece_separators.append(space)
            else:
                for index, part in enumerate(_hard_split(word, budget)):
                    pieces.append((part, sum(_char_weight(char) for char in part)))
                    piece_separators.append(space if index == 0 else "")
        out.extend(text for text, _weight in _pack(pieces, piece_separators, budget))
    return out


def split_thread(text: str, *, limit: int = X_MAX_WEIGHT) -> list[str]:
    """``text`` as one tweet when it fits in ``limit``, else a numbered thread whose every part,
    number included, fits. Empty text is no tweet (``[]``)."""
    text = text.strip()
    if not text:
        return []
    if x_weight(text) <= limit:
        return [text]
    digits = 1
    while True:
        widest = f" {'9' * digits}/{'9' * digits}"
        chunks = _chunks(text, limit - len(widest))
        if len(str(len(chunks))) <= digits:
            break
        digits += 1
    total = len(chunks)
    return [f"{chunk} {index}/{total}" for index, chunk in enumerate(chunks, start=1)]


@dataclass(frozen=True)
class XThread:
    """The tweets of a post and the weight of each (numbers included)."""

    parts: list[str]
    weights: list[int]
    limit: int = X_MAX_WEIGHT


def for_x(blocks: object) -> XThread:
    parts = split_thread(for_x_text(blocks))
    return XThread(parts=parts, weights=[x_weight(part) for part in parts])
