"""What a file message's card says: its name, kind, size or progress, and what can be done.

Pure functions of the file reference and the newest transfer of it, so every state a card
can be in is testable without a widget, and equal inputs draw identical cards.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import NamedTuple

from messenger.client.transfers import TransferUpdate
from messenger.protocol.files import normalize_file_name

_UNITS = ("B", "KB", "MB", "GB", "TB")
_ARCHIVES = frozenset(
    {
        "application/zip",
        "application/gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
    }
)
_TEXT = frozenset({"application/json", "application/xml", "application/x-yaml"})

# What the action links say.
ACTION_LABELS = {
    "download": "Download",
    "open": "Open",
    "folder": "Show in folder",
    "cancel": "Cancel",
    "retry": "Retry",
    "resume": "Resume",
}


class FileCard(NamedTuple):
    """Everything drawn for a file; ``transfer`` is the id the actions apply to (0: none)."""

    name: str  # safe to show: no path, control or bidirectional-override characters
    kind: str  # image, video, audio, pdf, archive, text or file: the icon
    label: str  # a short type label for the icon: "PDF", "ZIP", "TXT"
    detail: str  # size and type, or progress, or why it failed
    progress: float | None  # 0..1 while the transfer is under way, else None
    actions: tuple[str, ...]
    failed: bool
    file_id: str  # "" while an upload has no server id yet
    thumbnail: bytes | None  # the sender's small image, untrusted
    transfer: int
    path: str  # a local copy to open ("" if none)


def file_preview(name: str, caption: str) -> str:
    """A file message in one line: "📎 name", and its caption after it if it has one."""
    shown = f"📎 {normalize_file_name(name)}"
    return f"{shown} · {caption}" if caption.strip() else shown


def human_bytes(count: float) -> str:
    for unit in _UNITS:
        if count < 1000 or unit == _UNITS[-1]:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def time_left(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min left"
    return f"{minutes // 60} h {minutes % 60} min left"


def kind_of(name: str, mime: str) -> str:
    major = mime.split("/", 1)[0]
    if major in ("image", "video", "audio"):
        return major
    if mime == "application/pdf":
        return "pdf"
    if mime in _ARCHIVES:
        return "archive"
    if major == "text" or mime in _TEXT:
        return "text"
    return "file"


def type_label(name: str, mime: str) -> str:
    """A few letters for the icon: the extension, else the media type's subtype."""
    suffix = PurePath(name).suffix.lstrip(".")
    if suffix and len(suffix) <= 4 and suffix.isalnum():
        return suffix.upper()
    subtype = mime.split("/", 1)[-1]
    return subtype[:4].upper() if subtype.isalnum() else "FILE"


def progress_text(update: TransferUpdate) -> str:
    """The detail line while bytes move: "1.2 MB of 5.0 MB · 800.0 KB/s · 5 s left"."""
    parts = [f"{human_bytes(update.done)} of {human_bytes(update.size)}"]
    if update.speed > 0:
        parts.append(f"{human_bytes(update.speed)}/s")
    if update.eta is not None:
        parts.append(time_left(update.eta))
    return " · ".join(parts)


def file_card(
    *,
    name: str,
    size: int,
    mime: str,
    file_id: str,
    thumbnail: bytes | None,
    transfer: TransferUpdate | None,
    local: str | None,
) -> FileCard:
    """The card of a file; ``transfer`` is its newest upload or download (None if none),
    ``local`` a copy on this computer (a done download, or one's own sent file)."""
    shown = normalize_file_name(name)
    label = type_label(shown, mime)
    at_rest = f"{human_bytes(size)} · {label}"

    def card(
        detail: str, actions: tuple[str, ...], progress: float | None = None, failed: bool = False
    ) -> FileCard:
        return FileCard(
            name=shown,
            kind=kind_of(shown, mime),
            label=label,
            detail=detail,
            progress=progress,
            actions=actions,
            failed=failed,
            file_id=file_id,
            thumbnail=thumbnail or None,
            transfer=transfer.id if transfer is not None else 0,
            path=local or "",
        )

    if transfer is None or transfer.state == "done":
        if local:
            return card(at_rest, ("open", "folder"))
        return card(at_rest, ("download",) if file_id else ())
    fraction = transfer.done / transfer.size if transfer.size else 0.0
    done_of = f"{human_bytes(transfer.done)} of {human_bytes(transfer.size)}"
    match transfer.state:
        case "queued":
            return card(f"Queued · {human_bytes(size)}", ("cancel",), fraction)
        case "preparing":
            return card(f"Preparing… · {human_bytes(size)}", ("cancel",), fraction)
        case "running":
            return card(progress_text(transfer), ("cancel",), fraction)
        case "waiting":
            return card(f"Waiting for connection · {done_of}", ("cancel",), fraction)
        case "paused":
            return card(f"Paused · {done_of}", ("resume", "cancel"), fraction)
        case "failed":
            reason = (transfer.error or "it could not be completed").rstrip(".")
            return card(f"Failed: {reason}", ("retry", "cancel"), failed=True)
    return card(at_rest, ())
