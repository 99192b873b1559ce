"""Telegram's text formatting rules as the emulator implements them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakebot.formatting import (
    EntityParseError,
    detect_entities,
    format_text,
    parse_html,
    utf16_len,
)


def test_html_nesting_and_pre_language() -> None:
    text, entities = parse_html(
        '<b>a<i>b</i></b><pre><code class="language-python">x=1</code></pre>'
    )
    assert text == "abx=1"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 1},
        {"type": "pre", "language": "python", "offset": 2, "length": 3},
    ]


def test_html_character_references() -> None:
    assert (
        parse_html("&lt;tag&gt; &quot;q&quot; &#128512; &#x41; & alone")[0]
        == '<tag> "q" 😀 A & alone'
    )


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<h1>x</h1>", 'Unsupported start tag "h1" at byte offset 0'),
        ("é<p>", 'Unsupported start tag "p" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
    ],
)
def test_html_errors_match_telegram(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(markup)
    assert str(caught.value) == error


def test_markdown_v2_entities_and_errors() -> None:
    text, entities = format_text("__u__ ~s~ ||p|| [l](https://a.nl) `c\\`d`", "MarkdownV2", None)
    assert text == "u s p l c`d"
    assert [e["type"] for e in entities] == [
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
    ]
    with pytest.raises(EntityParseError, match="Can't find end of Italic entity at byte offset 0"):
        format_text("_open", "MarkdownV2", None)
    with pytest.raises(EntityParseError, match="Character '!' is reserved"):
        format_text("Hoi!", "MarkdownV2", None)


def test_legacy_markdown_is_lenient_about_punctuation() -> None:
    assert format_text("*Klaar*. Goed!", "Markdown", None) == (
        "Klaar. Goed!",
        [{"type": "bold", "offset": 0, "length": 5}],
    )


def test_detected_entities_use_utf16_offsets() -> None:
    entities = detect_entities(
        "😀 /start@inburgerbot_test_bot https://x.nl @gemeente_utrecht #inburgering"
    )
    assert [(e["type"], e["offset"]) for e in entities] == [
        ("bot_command", 3),
        ("url", 31),
        ("mention", 44),
        ("hashtag", 62),
    ]


def test_explicit_entities_are_kept() -> None:
    entities = [{"type": "bold", "offset": 0, "length": 3}]
    assert format_text("abc", "HTML", entities) == ("abc", entities)


@given(st.text(alphabet=st.characters(blacklist_characters="<&"), max_size=200))
def test_html_without_markup_is_unchanged(text: str) -> None:
    plain, entities = parse_html(text)
    assert plain == text
    assert entities == []


@given(st.text(max_size=100))
def test_utf16_length_matches_encoding(text: str) -> None:
    assert utf16_len(text) == len(text.encode("utf-16-le", "surrogatepass")) // 2
