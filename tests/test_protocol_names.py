"""Usernames and conversation ids: the pure naming rules server and clients share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messenger.protocol.limits import MAX_CONVERSATION_ID_CHARS
from messenger.protocol.names import (
    USERNAME_RE,
    direct_conversation_id,
    direct_members,
    direct_peer,
    normalize_username,
)

usernames = st.from_regex(USERNAME_RE, fullmatch=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("Alice", "alice"),
        ("ALICE.B-c_9", "alice.b-c_9"),
        ("  bob  ", "bob"),
        ("abc", "abc"),
        ("a" * 32, "a" * 32),
        ("0.0", "0.0"),
    ],
)
def test_valid_usernames_normalise_to_lower_case(raw: str, expected: str) -> None:
    """Usernames are case-insensitive and trimmed: one canonical lower-case form."""
    assert normalize_username(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ab",
        "a" * 33,
        "al ice",
        "alice!",
        "alice:bob",
        "ålice",
        "al\nice",
        "al\u0131ce",  # dotless i: lower() keeps it non-ASCII
        "ａｌｉｃｅ",  # full-width letters look alike but are not ASCII
    ],
)
def test_invalid_usernames_are_rejected(raw: str) -> None:
    """Anything outside 3-32 chars of [a-z0-9._-] (after trim and lower-case) is not a username."""
    assert normalize_username(raw) is None


def test_unicode_that_lower_cases_to_ascii_folds_into_the_ascii_account() -> None:
    """The Kelvin sign lower-cases to "k": it names the existing account, never a look-alike."""
    assert normalize_username("\u212aelvin") == "kelvin"


@given(usernames)
def test_normalize_is_idempotent(name: str) -> None:
    """A canonical username normalises to itself, and so does its upper-case form."""
    assert normalize_username(name) == name
    assert normalize_username(name.upper()) == name


def test_direct_conversation_id_format() -> None:
    """A 1:1 conversation id is dm:<a>:<b> with the two usernames sorted and lower-cased."""
    assert direct_conversation_id("bob", "alice") == "dm:alice:bob"
    assert direct_conversation_id("alice", "bob") == "dm:alice:bob"
    assert direct_conversation_id("Bob", "ALICE") == "dm:alice:bob"


@given(usernames, usernames)
def test_direct_conversation_id_round_trips(a: str, b: str) -> None:
    """Both members compute the same id; it parses back to the sorted pair and fits the limit."""
    conversation = direct_conversation_id(a, b)
    assert conversation == direct_conversation_id(b, a)
    assert len(conversation) <= MAX_CONVERSATION_ID_CHARS
    if a == b:
        # Nobody has a conversation with themselves: the id is not a valid direct id.
        assert direct_members(conversation) is None
        return
    assert direct_members(conversation) == tuple(sorted((a, b)))
    assert direct_peer(conversation, a) == b
    assert direct_peer(conversation, b) == a


@pytest.mark.parametrize(
    "conversation",
    [
        "",
        "dm:alice",
        "dm:alice:bob:carol",
        "dm:bob:alice",  # unsorted: there is exactly one id per pair
        "dm:alice:alice",
        "dm:Alice:bob",  # not canonical case
        "dm:al:bob",  # too short a name
        "room:alice:bob",
        "DM:alice:bob",
        "dm::bob",
        "dm:alice:bob ",
    ],
)
def test_direct_members_rejects_non_canonical_ids(conversation: str) -> None:
    """Only the one canonical spelling of a direct conversation id is accepted."""
    assert direct_members(conversation) is None


def test_direct_peer() -> None:
    """The peer is the other member; a non-member or a non-direct id has no peer."""
    assert direct_peer("dm:alice:bob", "alice") == "bob"
    assert direct_peer("dm:alice:bob", "bob") == "alice"
    assert direct_peer("dm:alice:bob", "carol") is None
    assert direct_peer("dm:bob:alice", "alice") is None
    assert direct_peer("group:1", "alice") is None
