"""Background work owned by a dialog: cancelled if the dialog is destroyed first, so an
answer that comes late never lands on a deleted widget."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject

T = TypeVar("T")


def tied_task(owner: QObject, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    task: asyncio.Task[T] = asyncio.ensure_future(coro)

    def cancel() -> None:
        task.cancel()

    owner.destroyed.connect(cancel)

    def untie(_task: asyncio.Task[T]) -> None:
        # A long-lived dialog runs many tasks: drop each link once its task is over.
        with contextlib.suppress(RuntimeError, TypeError):
            owner.destroyed.disconnect(cancel)

    task.add_done_callback(untie)
    return task
