"""What calls say to people: states, how a call ended, durations, history entries.

Plain functions of plain values, so every sentence can be tested and read in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from messenger.calls.connectivity import ConnectionReport
    from messenger.calls.stats import CallQuality

PATHS = {
    "direct": "direct, peer to peer",
    "stun": "peer to peer, through the firewall (STUN)",
    "relay": "relayed by the TURN server",
}
STATES = {
    "calling": "Calling…",
    "ringing": "Ringing…",
    "incoming": "Connecting…",  # a call window for an incoming call opens as it is answered
    "connecting": "Connecting…",
}


def duration(seconds: float) -> str:
    """3:07, or 1:02:03 past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def kind(video: bool) -> str:
    return "Video call" if video else "Voice call"


def incoming(video: bool) -> str:
    return "Incoming video call" if video else "Incoming voice call"


def ended(reason: str, *, by_peer: bool, outgoing: bool, name: str, detail: str = "") -> str:
    """How a call ended, from this side; ``detail`` is the engine's plain words for failures."""
    detail = detail.strip().rstrip(".")
    match reason:
        case "hung_up":
            return f"{name} hung up." if by_peer else "Call ended."
        case "declined":
            return f"{name} declined the call." if outgoing else "You declined the call."
        case "missed":
            return f"{name} did not answer." if outgoing else "Missed call."
        case "busy":
            return f"{name} is busy." if outgoing else "You were busy."
        case "cancelled":
            return f"{name} cancelled the call." if by_peer else "Call cancelled."
        case "answered_elsewhere":
            return "Answered on another device."
        case "lost":
            return f"The connection was lost: {detail}." if detail else "The connection was lost."
        case "failed":
            if detail:
                return f"The call could not connect: {detail}."
            return "The call could not connect."
    return "Call ended."


def history(video: bool, outcome: str, duration_seconds: float, *, incoming: bool) -> str:
    """A call's entry in the chat: "Missed voice call", "Video call · 3:12", ..."""
    what = kind(video)
    if outcome == "answered":
        return f"{what} · {duration(duration_seconds)}"
    if outcome == "declined":
        return f"Declined {what.lower()}" if incoming else f"{what} · declined"
    return f"Missed {what.lower()}" if incoming else f"{what} · no answer"


def quality(q: CallQuality) -> str:
    """The figures behind the quality bars, one per line; what is not measured yet is left out."""
    lines = []
    if q.rtt_ms is not None:
        lines.append(f"Round trip: {q.rtt_ms:.0f} ms")
    if q.loss is not None or q.received_loss is not None:
        sent = "–" if q.loss is None else f"{q.loss:.1%}"
        received = "–" if q.received_loss is None else f"{q.received_loss:.1%}"
        lines.append(f"Packet loss: {sent} sent, {received} received")
    if q.send_kbps is not None and q.receive_kbps is not None:
        lines.append(f"Bitrate: {q.send_kbps:.0f} kbit/s up, {q.receive_kbps:.0f} kbit/s down")
    if q.width and q.height:
        rate = f" at {q.fps:.0f} fps" if q.fps is not None else ""
        lines.append(f"Video: {q.width}×{q.height}{rate}")
    if q.path is not None:
        lines.append(f"Connection: {PATHS[q.path]}")
    return "\n".join(lines) or "Measuring the connection…"


def connection_report(report: ConnectionReport) -> str:
    """ "Test my connection": the summary, then what each server said."""
    lines = [report.summary]
    for check in report.checks:
        mark = "✓" if check.ok else "✗"
        lines.append(f"{mark} {check.url} — {check.detail}")
    return "\n".join(lines)
