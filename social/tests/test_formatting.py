"""Portable Text for LinkedIn and X: the little text format, and X threads counted as X counts."""

import pytest

from social.formatting import (
    LINKEDIN_MAX_CHARS,
    X_MAX_WEIGHT,
    for_linkedin,
    for_x,
    for_x_text,
    plain_text,
    split_thread,
    x_weight,
)
from social.tests.factories import body


def _link_block(text: str, href: str) -> dict:
    return {
        "_type": "block",
        "style": "normal",
        "markDefs": [{"_type": "link", "_key": "l1", "href": href}],
        "children": [{"_type": "span", "text": "Read "}, {"_type": "span", "text": text, "marks": ["l1"]}],
    }


def test_plain_text_joins_blocks_lists_and_links():
    blocks = [
        *body("Intro."),
        {"_type": "block", "listItem": "number", "level": 1, "children": [{"_type": "span", "text": "one"}]},
        {"_type": "block", "listItem": "number", "level": 1, "children": [{"_type": "span", "text": "two"}]},
        {"_type": "image", "asset": {"_ref": "1"}, "alt": ""},
        _link_block("the report", "https://example.com/r"),
        _link_block("https://example.com/r", "https://example.com/r"),
    ]
    assert plain_text(blocks) == (
        "Intro.\n\n1. one\n2. two\n\nRead the report (https://example.com/r)\n\nRead https://example.com/r"
    )


def test_linkedin_escapes_reserved_characters_and_marks_hashtags_and_mentions():
    text = for_linkedin(body("Hello #consulting (new) from @[Acme_Co](urn:li:organization:123) * 2"))
    assert text.commentary == ("Hello {hashtag|\\#|consulting} \\(new\\) from @[AcmeCo](urn:li:organization:123) \\* 2")
    assert text.text == "Hello #consulting (new) from Acme_Co * 2"
    assert text.length == len(text.text)
    assert text.fits


def test_linkedin_limit_is_3000_characters_of_the_text_as_shown():
    assert for_linkedin(body("a" * LINKEDIN_MAX_CHARS)).fits
    assert not for_linkedin(body("a" * (LINKEDIN_MAX_CHARS + 1))).fits


def test_x_text_turns_a_linkedin_mention_into_the_name():
    assert (
        for_x_text(body("Thanks @[Acme](urn:li:organization:1) and @magnetiq #ai")) == "Thanks Acme and @magnetiq #ai"
    )


def test_exactly_280_is_one_tweet_without_a_number():
    text = "a" * X_MAX_WEIGHT
    assert split_thread(text) == [text]
    assert x_weight(text) == 280


def test_281_becomes_a_numbered_thread_whose_numbers_count():
    parts = split_thread("a" * 281)
    assert [x_weight(p) for p in parts] == [280, 9]
    assert parts[0].endswith(" 1/2") and parts[1] == "a" * 5 + " 2/2"


def test_cjk_and_emoji_count_double():
    assert x_weight("日本語") == 6
    assert x_weight("😀") == 2
    assert split_thread("日" * 140) == ["日" * 140]
    parts = split_thread("日" * 141)
    assert len(parts) == 2
    assert all(x_weight(p) <= 280 for p in parts)
    # 276 left for text after " 1/2": 138 characters of weight 2.
    assert parts[0] == "日" * 138 + " 1/2"
    emoji = split_thread("😀" * 141)
    assert emoji[0] == "😀" * 138 + " 1/2" and emoji[1] == "😀" * 3 + " 2/2"


def test_urls_count_23_whatever_their_length():
    url = "https://example.com/" + "x" * 200
    assert x_weight(url) == 23
    text = " ".join([url] * 11)  # 11 × 23 + 10 spaces = 263
    assert split_thread(text) == [text]
    parts = split_thread(" ".join([url] * 12))
    assert len(parts) == 2
    assert all(x_weight(p) <= 280 for p in parts)
    assert all(url in p for p in parts)  # a URL is never cut


def test_sentences_are_kept_whole_before_words():
    sentences = [f"Sentence number {i} is short enough." for i in range(20)]
    parts = split_thread(" ".join(sentences))
    assert all(x_weight(p) <= 280 for p in parts)
    for part in parts:
        text = part.rsplit(" ", 1)[0]
        assert text.endswith("."), part
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts) == " ".join(sentences)


def test_a_long_sentence_is_split_between_words():
    words = [f"word{i}" for i in range(100)]
    parts = split_thread(" ".join(words))
    assert all(x_weight(p) <= 280 for p in parts)
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts).split() == words


def test_a_word_longer_than_a_tweet_is_cut():
    word = "b" * 700
    parts = split_thread(f"Start {word} end.")
    assert all(x_weight(p) <= 280 for p in parts)
    assert "".join(p.rsplit(" ", 1)[0].replace(" ", "") for p in parts) == f"Start{word}end."
    assert len(parts) == 4


@pytest.mark.parametrize("count", [9, 10, 12])
def test_numbering_fits_also_when_the_count_gets_a_second_digit(count):
    # Parts of exactly 276 weight fit " 1/9"; with ten or more parts the numbers are longer.
    text = " ".join(["x" * 275 + "."] * count)
    parts = split_thread(text)
    assert all(x_weight(p) <= 280 for p in parts)
    assert parts[-1].endswith(f" {len(parts)}/{len(parts)}")
    assert [p.rsplit(" ", 1)[1] for p in parts] == [f"{i}/{len(parts)}" for i in range(1, len(parts) + 1)]


def test_for_x_gives_weights_and_nothing_for_empty_text():
    thread = for_x(body("Short."))
    assert thread.parts == ["Short."] and thread.weights == [6]
    assert for_x(body("  ")).parts == []
