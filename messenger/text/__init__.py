"""Message text, Qt-free: links found and escaped for display, emoticons turned into emoji,
and the emoji catalogue behind the picker. The chat view and the composer use it; so can a bot.
"""

from __future__ import annotations
