"""``python -m messenger``: the desktop app."""

from __future__ import annotations

from messenger.app import main

raise SystemExit(main())
