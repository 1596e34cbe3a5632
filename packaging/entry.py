"""The bundle's one program: the app, the server or the CLI, chosen by the name it runs as.

The bundle ships ``messenger`` plus ``messenger-server`` and ``messenger-cli`` as links to (or,
on Windows, copies of) the same executable, so the three share one set of libraries.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    name = Path(sys.argv[0]).name.lower().removesuffix(".exe")
    if name == "messenger-server":
        from signaling_server.__main__ import main as run
    elif name == "messenger-cli":
        from messenger.cli.main import main as run
    else:
        from messenger.app import main as run
    return run()


if __name__ == "__main__":
    sys.exit(main())
