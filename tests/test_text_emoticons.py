"""Emoticons become emoji only where they stand as words of their own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from messenger.text.emoticons import EMOTICONS, convert, emoticon_before


def test_common_emoticons_become_emoji() -> None:
    """The emoticons people type turn into the emoji they mean."""
    assert convert(":) :( ;) :D <3 :P :o") == "🙂 🙁 😉 😃 ❤️ 😛 😮"


def test_punctuation_after_an_emoticon_is_allowed() -> None:
    """An emoticon ending a sentence still converts; the punctuation stays."""
    assert convert("Thanks :). Really :D!") == "Thanks 🙂. Really 😃!"


def test_emoticons_inside_words_and_code_are_left_alone() -> None:
    """a:)b, std::O, `:)` code spans and ```blocks``` are written as typed."""
    text = "a:)b std::O x:P `:)` ```\n:) ;)\n``` (:)"
    assert convert(text) == text


def test_urls_are_never_changed() -> None:
    """Addresses keep their ":/" and ":P"; an emoticon after an address still converts."""
    assert convert("http://example.com/:P https://x.org/a:/b :/") == (
        "http://example.com/:P https://x.org/a:/b 😕"
    )


def test_the_emoticon_just_typed_is_found_for_conversion_on_space() -> None:
    """Typing a space after an emoticon converts it, but not inside an open code span."""
    assert emoticon_before("see you :)") == (":)", "🙂")
    assert emoticon_before("see you:)") is None
    assert emoticon_before("`code :)") is None
    assert emoticon_before("`code` :)") == (":)", "🙂")


@given(st.text(alphabet=st.characters(blacklist_characters=":;<>8BxX")))
def test_text_without_emoticon_characters_is_unchanged(text: str) -> None:
    """Text that cannot hold an emoticon comes back exactly as it went in."""
    assert convert(text) == text


@given(st.lists(st.sampled_from(sorted(EMOTICONS)), min_size=1, max_size=5))
def test_space_separated_emoticons_all_convert(emoticons: list[str]) -> None:
    """Emoticons standing alone between spaces all convert; converting again changes nothing."""
    converted = convert(" ".join(emoticons))
    assert converted == " ".join(EMOTICONS[e] for e in emoticons)
    assert convert(converted) == converted


@given(
    st.from_regex(r"https?://[a-z]{1,8}\.[a-z]{2,3}/[a-zA-Z0-9:;()/?=&._-]{0,30}", fullmatch=True)
)
def test_no_conversion_inside_urls(url: str) -> None:
    """Whatever an address contains, it is never converted."""
    assert url in convert(f"look {url} here")
