"""The emoji picker's catalogue: categories of named emoji, searchable by everyday words."""

from __future__ import annotations

from messenger.text.emoji_catalog import ALL, CATEGORIES, QUICK_REACTIONS, emoji_only_count, search


def test_categories_hold_a_few_hundred_named_emoji_once_each() -> None:
    """Every emoji has a name and appears in exactly one category."""
    assert len(CATEGORIES) >= 6 and len(ALL) >= 300
    assert len({e.char for e in ALL}) == len(ALL)
    assert all(e.name and e.name != "emoji" for e in ALL)


def test_search_finds_by_name_and_by_everyday_words() -> None:
    """ "thumbs up" finds 👍 by its name, "lol" finds 😂 by a keyword; whole words rank first."""
    assert search("thumbs up")[0].char == "👍"
    assert "😂" in [e.char for e in search("lol")][:2]
    assert search("cat")[0].name.startswith("cat") or "cat" in search("cat")[0].name.split()
    assert search("no such emoji at all") == []


def test_quick_reactions_are_in_the_catalogue() -> None:
    """The one-click reactions are emoji the picker also offers."""
    chars = {e.char for e in ALL}
    assert all(r in chars for r in QUICK_REACTIONS)


def test_short_emoji_only_messages_are_recognised() -> None:
    """One to three emoji (with skin tones, flags or joiners) count; anything else does not."""
    assert emoji_only_count("👍") == 1
    assert emoji_only_count("👍🏽 ❤️") == 2
    assert emoji_only_count("🇩🇪🇫🇷") == 2
    assert emoji_only_count("👨‍👩‍👧") == 1
    assert emoji_only_count("👍👍👍👍") == 0
    assert emoji_only_count("ok 👍") == 0
    assert emoji_only_count("©") == 0
    assert emoji_only_count("") == 0
