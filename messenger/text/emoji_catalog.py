"""The emoji the picker offers, in categories, with names to search by.

Names come from the Unicode character database (so no table of a few hundred names to keep
up to date by hand), plus a few everyday words people actually type ("lol", "thanks", "+1").
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

VS16 = "\ufe0f"  # asks for the emoji (colour) presentation of a character
ZWJ = "\u200d"
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_REGIONAL = range(0x1F1E6, 0x1F200)

# Reactions offered in one click; the picker has the rest.
QUICK_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")


class Emoji(NamedTuple):
    char: str
    name: str  # lower case, e.g. "slightly smiling face"
    keywords: str  # extra search words


class Category(NamedTuple):
    name: str
    icon: str
    emoji: tuple[Emoji, ...]


_DATA: tuple[tuple[str, str, str], ...] = (
    (
        "Smileys",
        "😀",
        "😀 😃 😄 😁 😆 😅 🤣 😂 🙂 🙃 😉 😊 😇 🥰 😍 🤩 😘 😗 ☺️ 😚 😙 🥲 😋 😛 😜 🤪 😝 "
        "🤑 🤗 🤭 🤫 🤔 🤐 🤨 😐 😑 😶 😏 😒 🙄 😬 🤥 😌 😔 😪 🤤 😴 😷 🤒 🤕 🤢 🤮 🤧 🥵 🥶 "
        "🥴 😵 🤯 🤠 🥳 🥸 😎 🤓 🧐 😕 😟 🙁 ☹️ 😮 😯 😲 😳 🥺 😦 😧 😨 😰 😥 😢 😭 😱 😖 😣 "
        "😞 😓 😩 😫 🥱 😤 😡 😠 🤬 😈 👿 💀 ☠️ 💩 🤡 👹 👺 👻 👽 👾 🤖 😺 😸 😹 😻 😼 😽 🙀 "
        "😿 😾 🙈 🙉 🙊",
    ),
    (
        "People",
        "👋",
        "👋 🤚 🖐️ ✋ 🖖 👌 🤌 🤏 ✌️ 🤞 🤟 🤘 🤙 👈 👉 👆 🖕 👇 ☝️ 👍 👎 ✊ 👊 🤛 🤜 👏 🙌 "
        "👐 🤲 🤝 🙏 ✍️ 💅 🤳 💪 🦾 🦵 🦶 👂 👃 🧠 👀 👁️ 👅 👄 💋 👶 🧒 👦 👧 🧑 👱 👨 🧔 👩 "
        "🧓 👴 👵 🙍 🙎 🙅 🙆 💁 🙋 🧏 🙇 🤦 🤷 👮 🕵️ 💂 👷 🤴 👸 👳 👲 🧕 🤵 👰 🤰 🤱 👼 🎅 "
        "🤶 🦸 🦹 🧙 🧚 🧛 🧜 🧝 🧞 🧟 💆 💇 🚶 🧍 🧎 🏃 💃 🕺 👯 🧘 👪 👫 👬 👭 💏 💑 🗣️ 👤 👥",
    ),
    (
        "Animals & nature",
        "🐶",
        "🐶 🐱 🐭 🐹 🐰 🦊 🐻 🐼 🐨 🐯 🦁 🐮 🐷 🐸 🐵 🐔 🐧 🐦 🐤 🦆 🦅 🦉 🦇 🐺 🐗 🐴 🦄 "
        "🐝 🐛 🦋 🐌 🐞 🐜 🕷️ 🐢 🐍 🦎 🐙 🦑 🦀 🐡 🐠 🐟 🐬 🐳 🐋 🦈 🐊 🐅 🐆 🦓 🦍 🐘 🦛 🦏 "
        "🐪 🦒 🦘 🐃 🐄 🐎 🐖 🐏 🐑 🦙 🐐 🦌 🐕 🐈 🐓 🦃 🦚 🦜 🦢 🕊️ 🐇 🦝 🦨 🦡 🦦 🦥 🐁 🐿️ "
        "🦔 🌵 🎄 🌲 🌳 🌴 🌱 🌿 ☘️ 🍀 🍁 🍂 🍃 🍄 🌷 🌹 🥀 🌺 🌸 🌼 🌻 🌞 🌝 🌛 🌚 🌙 🌎 "
        "🪐 ⭐ 🌟 ✨ ⚡ 🔥 🌈 ☀️ ⛅ ☁️ 🌧️ ⛈️ ❄️ ☃️ ⛄ 💨 💧 🌊",
    ),
    (
        "Food & drink",
        "🍎",
        "🍏 🍎 🍐 🍊 🍋 🍌 🍉 🍇 🍓 🫐 🍈 🍒 🍑 🥭 🍍 🥥 🥝 🍅 🍆 🥑 🥦 🥬 🥒 🌶️ 🌽 🥕 🧄 "
        "🧅 🥔 🍠 🥐 🥯 🍞 🥖 🥨 🧀 🥚 🍳 🧈 🥞 🧇 🥓 🥩 🍗 🍖 🌭 🍔 🍟 🍕 🥪 🥙 🧆 🌮 🌯 🥗 "
        "🥘 🍝 🍜 🍲 🍛 🍣 🍱 🥟 🍤 🍙 🍚 🍘 🍥 🥮 🍢 🍡 🍧 🍨 🍦 🥧 🧁 🍰 🎂 🍮 🍭 🍬 🍫 "
        "🍿 🍩 🍪 🌰 🥜 🍯 🥛 🍼 ☕ 🍵 🧃 🥤 🍶 🍺 🍻 🥂 🍷 🥃 🍸 🍹 🧉 🍾 🧊",
    ),
    (
        "Activities",
        "⚽",
        "⚽ 🏀 🏈 ⚾ 🥎 🎾 🏐 🏉 🥏 🎱 🏓 🏸 🏒 🏑 🥍 🏏 🥅 ⛳ 🏹 🎣 🥊 🥋 🎽 🛹 🛷 ⛸️ 🥌 "
        "🎿 ⛷️ 🏂 🏋️ 🤸 ⛹️ 🤺 🤾 🏌️ 🏇 🧗 🚴 🏊 🏄 🏆 🥇 🥈 🥉 🏅 🎖️ 🎗️ 🎫 🎟️ 🎪 🎭 🎨 🎬 "
        "🎤 🎧 🎼 🎹 🥁 🎷 🎺 🎸 🎻 🎲 ♟️ 🎯 🎳 🎮 🎰 🧩 🎉 🎊 🎈 🎁 🎀 🎃 🎆 🎇 🧨",
    ),
    (
        "Travel & places",
        "🚗",
        "🚗 🚕 🚙 🚌 🚎 🏎️ 🚓 🚑 🚒 🚐 🚚 🚛 🚜 🛴 🚲 🛵 🏍️ 🚨 🚔 🚍 🚘 🚖 🚡 🚠 🚟 🚃 🚋 "
        "🚞 🚝 🚄 🚅 🚈 🚂 🚆 🚇 🚊 🚉 ✈️ 🛫 🛬 💺 🚀 🛸 🚁 🛶 ⛵ 🚤 🛳️ ⛴️ 🚢 ⚓ ⛽ 🚧 🚦 🚥 "
        "🗺️ 🗿 🗽 🗼 🏰 🏯 🏟️ 🎡 🎢 🎠 ⛲ ⛱️ 🏖️ 🏝️ 🏜️ 🌋 ⛰️ 🏔️ 🗻 🏕️ ⛺ 🏠 🏡 🏘️ 🏗️ 🏭 "
        "🏢 🏬 🏣 🏤 🏥 🏦 🏨 🏪 🏫 🏩 💒 🏛️ ⛪ 🕌 🕍 🕋 ⛩️ 🌅 🌄 🌠 🌇 🌆 🏙️ 🌃 🌌 🌉 🌁",
    ),
    (
        "Objects",
        "💡",
        "⌚ 📱 💻 ⌨️ 🖥️ 🖨️ 🖱️ 💽 💾 💿 📀 📷 📸 📹 🎥 📞 ☎️ 📺 📻 🎙️ ⏰ ⌛ ⏳ 📡 🔋 🔌 💡 "
        "🔦 🕯️ 🧯 💸 💵 💰 💳 💎 ⚖️ 🧰 🔧 🔨 🛠️ ⛏️ 🔩 ⚙️ 🧱 ⛓️ 🧲 🔫 💣 🔪 🗡️ ⚔️ 🛡️ 🔮 🧿 "
        "💈 🔭 🔬 💊 💉 🩹 🧬 🧪 🌡️ 🧹 🧺 🧻 🚽 🚿 🛁 🔑 🗝️ 🚪 🛋️ 🛏️ 🧸 🖼️ 🛍️ 🛒 ✉️ 📩 "
        "📨 📧 📦 📫 📮 📜 📃 📄 📑 📊 📈 📉 📆 📅 🗑️ 📁 📂 🗂️ 📰 📓 📔 📒 📕 📗 📘 📙 📚 "
        "📖 🔖 🔗 📎 📐 📏 📌 📍 ✂️ 🖊️ 🖋️ ✒️ 🖌️ 🖍️ 📝 ✏️ 🔍 🔎 🔏 🔐 🔒 🔓",
    ),
    (
        "Symbols",
        "❤️",
        "❤️ 🧡 💛 💚 💙 💜 🖤 🤍 🤎 💔 ❣️ 💕 💞 💓 💗 💖 💘 💝 💟 ☮️ ✝️ ☪️ 🕉️ ☯️ ☸️ ✡️ "
        "♈ ♉ ♊ ♋ ♌ ♍ ♎ ♏ ♐ ♑ ♒ ♓ ⛎ 🆔 ⚛️ ☢️ ☣️ 🆚 💯 💢 ♨️ 🚫 ⛔ 📛 ❌ ⭕ 🛑 ❗ ❕ ❓ ❔ "
        "‼️ ⁉️ 🔅 🔆 ⚠️ 🚸 🔱 ⚜️ 🔰 ♻️ ✅ ✔️ ☑️ ❎ ➕ ➖ ➗ ✖️ ➰ ➿ 〽️ ✳️ ✴️ ❇️ ©️ ®️ ™️ 🔟 "
        "🔠 🔡 🔢 🔣 🔤 🅰️ 🆎 🅱️ 🆑 🆒 🆓 ℹ️ 🆕 🆖 🅾️ 🆗 🆘 🆙 🎵 🎶 💤 💬 💭 🗯️ ♠️ ♣️ ♥️ ♦️ "
        "🃏 🎴 🀄 🕐 🔇 🔈 🔉 🔊 🔔 🔕 📣 📢 🏁 🚩 🏳️ 🏴",
    ),
)

# Words people type that the Unicode names do not contain.
_KEYWORDS = {
    "😂": "lol laugh funny haha",
    "🤣": "lol rofl laugh haha",
    "😆": "laugh haha xd",
    "😀": "smile happy",
    "😃": "smile happy",
    "🙂": "smile",
    "😊": "smile blush happy",
    "😉": "wink",
    "😍": "love heart eyes",
    "🥰": "love hearts",
    "😘": "kiss love",
    "😢": "sad cry tear",
    "😭": "sad cry sob",
    "🙁": "sad",
    "😮": "wow surprised",
    "😲": "wow shocked",
    "😡": "angry mad",
    "😠": "angry mad",
    "🤔": "think hmm",
    "🙄": "eyeroll whatever",
    "😴": "sleep tired",
    "😎": "cool sunglasses",
    "🤗": "hug",
    "🥳": "party celebrate birthday",
    "🤦": "facepalm",
    "🤷": "shrug dunno",
    "👍": "like yes ok agree +1 thumbsup",
    "👎": "dislike no disagree -1 thumbsdown",
    "👌": "ok perfect",
    "👋": "hi hello bye wave",
    "👏": "clap applause bravo",
    "🙌": "hooray celebrate praise",
    "🙏": "thanks please pray hope",
    "💪": "strong muscle flex",
    "🤝": "deal agreement handshake",
    "✌️": "peace victory",
    "🤞": "luck hope fingers crossed",
    "❤️": "love heart red",
    "💔": "broken heart",
    "🔥": "fire hot lit",
    "✨": "sparkles magic",
    "🎉": "party congrats congratulations tada celebrate",
    "🎂": "birthday cake",
    "🎁": "gift present birthday",
    "☕": "coffee tea",
    "🍺": "beer drink cheers",
    "🍻": "beers cheers",
    "🥂": "cheers toast champagne",
    "💯": "hundred perfect",
    "✅": "done yes check ok",
    "✔️": "done yes check",
    "❌": "no cross wrong",
    "❗": "important exclamation",
    "❓": "question",
    "⚠️": "warning caution",
    "💩": "poop",
    "🚀": "launch rocket ship",
    "👀": "eyes look see",
    "💬": "chat message speech",
    "💡": "idea bulb",
    "⏰": "alarm clock time",
}


def _base(char: str) -> str:
    return char.replace(VS16, "")


def _name(char: str) -> str:
    return unicodedata.name(_base(char)[0], "emoji").lower()


def _build() -> tuple[Category, ...]:
    return tuple(
        Category(
            name,
            icon,
            tuple(Emoji(c, _name(c), _KEYWORDS.get(c, "")) for c in chars.split()),
        )
        for name, icon, chars in _DATA
    )


CATEGORIES = _build()
ALL: tuple[Emoji, ...] = tuple(e for category in CATEGORIES for e in category.emoji)


def search(query: str) -> list[Emoji]:
    """Emoji whose name or keywords contain every word of ``query``; best matches first
    (a whole word beats the start of a word, which beats a match inside a word)."""
    words = query.lower().split()
    if not words:
        return list(ALL)
    found: list[tuple[int, int, Emoji]] = []
    for position, emoji in enumerate(ALL):
        haystack = f"{emoji.name} {emoji.keywords}"
        if not all(w in haystack for w in words):
            continue
        terms = haystack.split()
        first = words[0]
        rank = 0 if first in terms else 1 if any(t.startswith(first) for t in terms) else 2
        found.append((rank, position, emoji))
    found.sort()
    return [emoji for _, _, emoji in found]


def emoji_only_count(text: str, most: int = 3) -> int:
    """How many emoji ``text`` consists of (1..most) when it holds nothing else, else 0.

    The chat shows such short emoji-only messages larger, as people expect.
    """
    count = 0
    joined = False  # the previous character was a zero-width joiner
    open_flag = False  # a regional indicator letter waits for its pair
    for char in text.strip():
        point = ord(char)
        if char == ZWJ:
            joined = True
            continue
        if char == VS16 or point in _SKIN_TONES or point == 0x20E3:
            continue  # modifies the emoji before it
        if joined:
            joined = False  # part of the emoji before it
            continue
        if point in _REGIONAL and open_flag:
            open_flag = False  # the second letter of a flag
            continue
        if char.isspace():
            continue
        # Symbols below U+2000 (©, ®, °) are text unless asked otherwise.
        if point < 0x2000 or (unicodedata.category(char) != "So" and point not in _REGIONAL):
            return 0
        open_flag = point in _REGIONAL
        count += 1
        if count > most:
            return 0
    return count
