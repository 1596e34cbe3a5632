"""The devices a call can use, as the device pickers list them, and their hot-plug signals.

Real devices come from Qt Multimedia and are remembered by key (their platform id, as hex);
the two synthetic devices, a test tone and a moving test pattern, are listed beside them
and chosen like them, so a machine with no microphone or camera can still call (and so can
the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtMultimedia import QAudioDevice, QCameraDevice, QMediaDevices

DeviceKind = Literal["microphone", "camera", "speaker"]
D = TypeVar("D", QAudioDevice, QCameraDevice)

TONE_KEY = "synthetic:tone"
PATTERN_KEY = "synthetic:pattern"
TONE_LABEL = "Test tone"
PATTERN_LABEL = "Test pattern"
DEFAULT_LABEL = "System default"


@dataclass(frozen=True)
class Device:
    key: str  # "" is the system default
    label: str


def device_key(device: QAudioDevice | QCameraDevice) -> str:
    """How a device is remembered in the settings: its platform id, as hex."""
    return bytes(device.id().toHex().data()).decode("ascii")


def hardware(kind: DeviceKind) -> list[Device]:
    """The devices of ``kind`` plugged in now, as the system describes them."""
    found: list[QAudioDevice] | list[QCameraDevice]
    if kind == "microphone":
        found = QMediaDevices.audioInputs()
    elif kind == "speaker":
        found = QMediaDevices.audioOutputs()
    else:
        found = QMediaDevices.videoInputs()
    return [Device(device_key(d), d.description()) for d in found]


def synthetic(kind: DeviceKind) -> list[Device]:
    """The synthetic device standing in for ``kind`` (none for speakers: sound is dropped)."""
    if kind == "microphone":
        return [Device(TONE_KEY, TONE_LABEL)]
    if kind == "camera":
        return [Device(PATTERN_KEY, PATTERN_LABEL)]
    return []


def choices(kind: DeviceKind) -> list[Device]:
    """What a picker offers: the system default, the hardware, then the synthetic device."""
    return [Device("", DEFAULT_LABEL), *hardware(kind), *synthetic(kind)]


def find_audio_input(key: str) -> QAudioDevice | None:
    """The microphone remembered as ``key``, else the system's default one; None if none."""
    return _find(QMediaDevices.audioInputs(), QMediaDevices.defaultAudioInput(), key)


def find_audio_output(key: str) -> QAudioDevice | None:
    return _find(QMediaDevices.audioOutputs(), QMediaDevices.defaultAudioOutput(), key)


def find_camera(key: str) -> QCameraDevice | None:
    return _find(QMediaDevices.videoInputs(), QMediaDevices.defaultVideoInput(), key)


def _find(present: list[D], default: D, key: str) -> D | None:
    for device in present:
        if key and device_key(device) == key:
            return device
    # An unplugged choice falls back to the default rather than to silence: the call goes on.
    return None if default.isNull() else default


def is_present(kind: DeviceKind, key: str) -> bool:
    """Whether the device remembered as ``key`` can be used now (synthetic ones always can)."""
    if not key or key in (TONE_KEY, PATTERN_KEY):
        return True
    return any(d.key == key for d in hardware(kind))


class DeviceWatcher(QObject):
    """Says which kind of device list changed (a headset plugged in, a camera unplugged)."""

    changed = Signal(str)  # DeviceKind

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._devices = QMediaDevices(self)
        self._devices.audioInputsChanged.connect(lambda: self.changed.emit("microphone"))
        self._devices.audioOutputsChanged.connect(lambda: self.changed.emit("speaker"))
        self._devices.videoInputsChanged.connect(lambda: self.changed.emit("camera"))
