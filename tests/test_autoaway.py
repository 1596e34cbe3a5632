"""Auto-away policy: idle samples in, the presence to set out."""

from __future__ import annotations

from messenger.account.autoaway import AutoAway

MINUTES = 5
PAST = MINUTES * 60 + 1


def update(policy: AutoAway, idle: float, status: str, *, enabled: bool = True) -> str | None:
    return policy.update(idle, status, enabled=enabled, threshold_minutes=MINUTES)


def test_goes_away_after_the_threshold_and_back_on_activity() -> None:
    """Available turns away once idle past the threshold, and available again on input."""
    policy = AutoAway()
    assert update(policy, 10, "available") is None
    assert update(policy, PAST, "available") == "away"
    assert policy.active
    assert update(policy, PAST + 30, "away") is None
    assert update(policy, 2, "away") == "available"
    assert not policy.active


def test_disabled_never_goes_away() -> None:
    """With auto-away off, no amount of idle time changes the status."""
    policy = AutoAway()
    assert update(policy, 10_000, "available", enabled=False) is None


def test_a_status_chosen_by_hand_is_left_alone() -> None:
    """Busy, invisible or a hand-picked away never turn away or available by themselves."""
    for status in ("busy", "invisible", "away"):
        policy = AutoAway()
        assert update(policy, PAST, status) is None
        assert update(policy, 1, status) is None


def test_changing_status_while_auto_away_wins() -> None:
    """Picking busy while auto-away keeps busy after activity returns."""
    policy = AutoAway()
    assert update(policy, PAST, "available") == "away"
    assert update(policy, PAST + 5, "busy") is None
    assert update(policy, 1, "busy") is None
    assert not policy.active


def test_choosing_away_by_hand_while_auto_away_stays_away() -> None:
    """Picking away by hand while already auto-away keeps away after activity returns."""
    policy = AutoAway()
    assert update(policy, PAST, "available") == "away"
    policy.choose("away")
    assert update(policy, 1, "away") is None


def test_coming_back_after_auto_away_was_switched_off() -> None:
    """Turning auto-away off while away does not strand the user: activity still restores."""
    policy = AutoAway()
    assert update(policy, PAST, "available") == "away"
    assert update(policy, 1, "away", enabled=False) == "available"


def test_threshold_is_in_minutes() -> None:
    """The threshold is minutes of idle time, not seconds."""
    policy = AutoAway()
    assert policy.update(119, "available", enabled=True, threshold_minutes=2) is None
    assert policy.update(120, "available", enabled=True, threshold_minutes=2) == "away"
