"""Desktop client with a long conversation: memory, time to open it, and scrolling through it.

Builds a local store (``messenger.store.Store``) holding one direct conversation of
``--messages`` messages (100,000 by default: two senders, mixed lengths, some multi-line, some
links, emoji, replies, reactions and edits, spread over ~300 days), in a separate process so
that this one starts clean, as the app does with a store already on disk. Then, offscreen and
in this process, builds the UI the way the app does (a ``Client`` on that store, never started,
wrapped in an ``AccountSession``; a ``MainWindow`` shown at 1000x700), after importing every
module the app loads at start (``--bare``: only what the window needs), and measures:

1. RSS (psutil) after the imports, after opening the store, with the window shown, and with the
   conversation open;
2. the time from ``ChatPanel.open_conversation()`` to the first frame of the message list
   painted, and until the window is idle again;
3. scrolling from the newest message to the very first one, a page at a time as PageUp or a
   click in the scroll bar's trough does, letting the model load older pages as it does for a
   user: the number of steps, the time per step (a step over 16 ms is a dropped frame), the
   steps that loaded a page, and RSS at the top;
4. the same back down to the newest message.

Run: ``python bench/client_history.py [--messages 100000]``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import benchkit as bk
import clientkit_bench as ck

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ME = "alice"
PEER = "bob"
DAYS = 300
PAGE_EVENTS = 2000  # events per apply_sync_page transaction while building
FRAME = 0.016  # a step slower than one 60 Hz frame is a dropped frame
QUIET_PASSES = 3  # event-loop passes with nothing painted or changed: the window is idle

VOCABULARY = (
    "the quick brown fox jumps over lazy dog and then we went to see what happened at work "
    "today tomorrow meeting lunch coffee later maybe sure thanks great idea sounds good let me "
    "check calendar train late sorry running minutes call you back after dinner weekend plans "
    "movie tickets book read finished chapter project deadline review code merge request test "
    "failed again fixed now deploy server restart logs error weird works on my machine haha"
)
WORDS = tuple(VOCABULARY.split())
EMOJI = ("👍", "😂", "🎉", "❤️", "😅", "🙏", "🔥", "😮", "🤔", "👋")
LINKS = (
    "https://example.com/docs/getting-started",
    "https://www.example.org/news/2024/05/some-long-article-title?ref=chat",
    "http://example.net/a",
)


# --- building the store (in a child process) ---------------------------------------------


def message_text(rng: random.Random) -> str:
    """A chat-like text: mostly short, some long, multi-line, with links or emoji."""
    kind = rng.random()
    if kind < 0.03:
        return rng.choice(EMOJI) * rng.randint(1, 3)  # emoji only: drawn large
    if kind < 0.55:
        words = rng.randint(1, 8)
    elif kind < 0.92:
        words = rng.randint(9, 40)
    else:
        words = rng.randint(41, 150)
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    text = text[0].upper() + text[1:]
    if rng.random() < 0.06:
        lines = text.split(" ")
        cut = sorted(rng.sample(range(1, len(lines)), min(len(lines) - 1, rng.randint(1, 4))))
        parts = [" ".join(lines[a:b]) for a, b in zip([0, *cut], [*cut, len(lines)], strict=True)]
        text = "\n".join(parts)
    if rng.random() < 0.03:
        text = f"{text} {rng.choice(LINKS)}"
    if rng.random() < 0.05:
        text = f"{text} {rng.choice(EMOJI)}"
    return text


def conversation_events(count: int, seed: int) -> Iterator[Any]:
    """``count`` messages (with some reactions and edits after them), in seq order."""
    from messenger.protocol.events import EditEvent, MessageEvent, ReactionEvent
    from messenger.protocol.names import direct_conversation_id

    rng = random.Random(seed)
    conversation = direct_conversation_id(ME, PEER)
    now = time.time()
    mean_gap = DAYS * 86400 / count
    ts = now - DAYS * 86400
    seq = 0
    sender = ME
    for n in range(count):
        # Bursts of quick replies and long pauses, so there are day separators and groups.
        ts += rng.expovariate(1.0 / mean_gap)
        ts = min(ts, now - (count - n))
        if rng.random() < 0.35:
            sender = PEER if sender == ME else ME
        seq += 1
        reply_to = (
            rng.randint(max(1, seq - 200), seq - 1) if seq > 2 and rng.random() < 0.02 else None
        )
        yield MessageEvent(
            conversation=conversation,
            seq=seq,
            ts=ts,
            sender=sender,
            client_id=f"c{n}",
            text=message_text(rng),
            reply_to=reply_to,
        )
        target = seq
        if rng.random() < 0.01:
            seq += 1
            yield ReactionEvent(
                conversation=conversation,
                seq=seq,
                ts=ts + 1,
                sender=PEER if sender == ME else ME,
                target=target,
                emoji=rng.choice(EMOJI),
                add=True,
            )
        if rng.random() < 0.005:
            seq += 1
            yield EditEvent(
                conversation=conversation,
                seq=seq,
                ts=ts + 2,
                sender=sender,
                target=target,
                text=message_text(rng),
            )


def build_store(path: Path, count: int, seed: int) -> dict[str, Any]:
    from messenger.protocol.names import direct_conversation_id
    from messenger.protocol.results import Member
    from messenger.store import Store

    t0 = time.perf_counter()
    conversation = direct_conversation_id(ME, PEER)
    events = 0
    last = 0
    with Store.open(path) as store:
        page: list[Any] = []

        def flush(has_more: bool) -> None:
            store.timeline.apply_sync_page(
                conversation, page, last_seq=page[-1].seq, has_more=has_more
            )
            page.clear()

        for event in conversation_events(count, seed):
            page.append(event)
            events += 1
            last = event.seq
            if len(page) >= PAGE_EVENTS:
                flush(True)
        if page:
            flush(False)
        store.timeline.mark_synced(conversation, last)
        # The peer has received everything and read all but the last few of our messages.
        store.timeline.update_members(
            conversation,
            [
                Member(username=ME, read_seq=last, delivered_seq=last),
                Member(username=PEER, read_seq=max(0, last - 5), delivered_seq=last),
            ],
        )
        stored = store.timeline.count(conversation)
    return {
        "seconds": time.perf_counter() - t0,
        "events": events,
        "messages": stored,
        "bytes": sum(p.stat().st_size for p in path.parent.glob(path.name + "*")),
    }


# --- measuring (this process) -------------------------------------------------------------


class Watch:
    """Counts what happens in the chat view: paints of the list, and model changes."""

    def __init__(self, view: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        watch = self
        self.paints = 0
        self.changes = 0
        self.loads = 0  # pages added at either end

        class Filter(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    watch.paints += 1
                return False

        self._filter = Filter(view)
        view.viewport().installEventFilter(self._filter)

    def follow(self, model: Any) -> None:
        model.rowsInserted.connect(self._inserted)
        model.rowsRemoved.connect(self._changed)
        model.modelReset.connect(self._changed)
        model.dataChanged.connect(self._changed)
        model.layoutChanged.connect(self._changed)

    def _inserted(self, *_args: object) -> None:
        self.changes += 1
        self.loads += 1

    def _changed(self, *_args: object) -> None:
        self.changes += 1


def settle(app: Any, watch: Watch, limit: float = 10.0) -> float:
    """Run the event loop until it is idle; when the last paint or model change happened."""
    deadline = time.perf_counter() + limit
    last_activity = time.perf_counter()
    quiet = 0
    while quiet < QUIET_PASSES and time.perf_counter() < deadline:
        before = (watch.paints, watch.changes)
        app.processEvents()
        if (watch.paints, watch.changes) != before:
            last_activity = time.perf_counter()
            quiet = 0
        else:
            quiet += 1
    return last_activity


def scroll(
    app: Any,
    view: Any,
    watch: Watch,
    action: Any,
    done: Callable[[], bool],
    max_steps: int,
) -> dict[str, Any]:
    """Page through the list until ``done()``; per-step times, and the steps that loaded."""
    bar = view.verticalScrollBar()
    steps: list[float] = []
    loading_steps: list[float] = []
    t_start = time.perf_counter()
    while not done() and len(steps) < max_steps:
        loads = watch.loads
        t0 = time.perf_counter()
        bar.triggerAction(action)
        end = settle(app, watch)
        steps.append(end - t0)
        if watch.loads != loads:
            loading_steps.append(end - t0)
    total = time.perf_counter() - t_start
    over = sum(1 for s in steps if s > FRAME)
    return {
        "seconds": total,
        "steps": len(steps),
        "step": ck.summary(steps),
        "loading_steps": ck.summary(loading_steps),
        "dropped_frames": over,
        "reached_end": done(),
    }


def trace_top(snapshot: Any, limit: int = 12) -> list[tuple[str, float, int]]:
    stats = snapshot.statistics("lineno")
    rows = []
    for stat in stats[:limit]:
        frame = stat.traceback[0]
        where = frame.filename.replace(str(Path(__file__).resolve().parents[1]) + "/", "")
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        rows.append((f"{where}:{frame.lineno}", stat.size / 1e6, stat.count))
    return rows


def measure(args: argparse.Namespace, store_path: Path, built: dict[str, Any]) -> int:
    import tracemalloc

    rss: dict[str, float] = {"start": ck.rss_mb()}
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QAbstractSlider, QApplication

    from messenger.client import Client, Credentials
    from messenger.protocol.names import direct_conversation_id
    from messenger.store import Store
    from messenger.ui.main_window import MainWindow
    from messenger.ui.session import AccountSession

    if args.app_modules:
        # Everything the app has loaded by the time its window shows (the network stack,
        # dialogs, tray, notifications), so RSS compares with the app's own.
        import messenger.ui.shell  # noqa: F401

    app = QApplication(["messenger-bench"])
    app.setQuitOnLastWindowClosed(False)
    rss["imports_and_qapplication"] = ck.rss_mb()

    store = Store.open(store_path)
    conversation = direct_conversation_id(ME, PEER)
    store.timeline.count(conversation)  # touch it, as the contact list does
    rss["store_open"] = ck.rss_mb()

    client = Client(
        "ws://127.0.0.1:9/ws",
        store,
        username=ME,
        credentials=Credentials("bench", ME, use_keyring=False),
    )
    session = AccountSession(client)
    window = MainWindow(session)
    window.resize(QSize(1000, 700))
    window.show()
    chat = window.chat
    watch = Watch(chat.view)
    settle(app, watch)
    rss["window_shown"] = ck.rss_mb()

    if args.tracemalloc:
        tracemalloc.start(1)
    t0 = time.perf_counter()
    chat.open_conversation(conversation, PEER)
    t_returned = time.perf_counter()
    model = chat.model
    if model is None:
        raise bk.BenchError("open_conversation left no model")
    watch.follow(model)
    first_paint = None
    deadline = time.perf_counter() + 10
    paints = watch.paints
    while watch.paints == paints and time.perf_counter() < deadline:
        app.processEvents()
    if watch.paints != paints:
        first_paint = time.perf_counter()
    t_idle = settle(app, watch)
    rss["conversation_open"] = ck.rss_mb()
    traced: dict[str, Any] = {}
    if args.tracemalloc:
        traced["open"] = tracemalloc.get_traced_memory()[0] / 1e6
        traced["open_top"] = trace_top(tracemalloc.take_snapshot())
    open_figures = {
        "call_returned_s": t_returned - t0,
        "first_paint_s": None if first_paint is None else first_paint - t0,
        "idle_s": t_idle - t0,
        "rows": model.rowCount(),
    }

    bar = chat.view.verticalScrollBar()
    up = scroll(
        app,
        chat.view,
        watch,
        QAbstractSlider.SliderAction.SliderPageStepSub,
        lambda: model.at_oldest and bar.value() == bar.minimum(),
        args.max_steps,
    )
    rss["at_top"] = ck.rss_mb()
    if args.tracemalloc:
        traced["top"] = tracemalloc.get_traced_memory()[0] / 1e6
        traced["top_top"] = trace_top(tracemalloc.take_snapshot())
    rows_at_top = model.rowCount()
    down = scroll(
        app,
        chat.view,
        watch,
        QAbstractSlider.SliderAction.SliderPageStepAdd,
        lambda: model.at_newest and bar.value() == bar.maximum(),
        args.max_steps,
    )
    rss["back_at_bottom"] = ck.rss_mb()
    if args.tracemalloc:
        traced["bottom"] = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()

    print(f"machine: {ck.cpu_description()}")
    print(
        f"store: {built['messages']:,} messages ({built['events']:,} events with reactions and"
        f" edits), {built['bytes'] / 1e6:.1f} MB on disk, built in {built['seconds']:.1f} s"
    )
    print(f"window 1000x700, Qt platform {os.environ['QT_QPA_PLATFORM']}")
    if args.tracemalloc:
        print(
            "NOTE: --tracemalloc slows Python code several times: the timings below are not valid"
        )
    print("\nopen the conversation")
    print(
        ck.table(
            [
                ("open_conversation() returned", ck.ms(open_figures["call_returned_s"])),
                ("first frame of the list painted", ck.ms(open_figures["first_paint_s"] or 0)),
                ("idle again", ck.ms(open_figures["idle_s"])),
                ("rows in the model", open_figures["rows"]),
            ],
            ["", ""],
        )
    )
    rows = []
    for name, result in (("up to the first message", up), ("back down to the newest", down)):
        step = result["step"]
        loading = result["loading_steps"]
        dropped_share = result["dropped_frames"] / max(1, result["steps"])
        rows.append(
            (
                name,
                f"{result['seconds']:.1f} s",
                result["steps"],
                ck.ms(step.get("median", 0)),
                ck.ms(step.get("mean", 0)),
                ck.ms(step.get("p95", 0)),
                ck.ms(step.get("max", 0)),
                f"{result['dropped_frames']} ({100 * dropped_share:.0f}%)",
                f"{loading.get('n', 0)}: {ck.ms(loading.get('mean', 0))}"
                f" / {ck.ms(loading.get('max', 0))}",
                "yes" if result["reached_end"] else "NO",
            )
        )
    print("\nscrolling a page at a time (time per step = until the list is painted and idle)")
    print(
        ck.table(
            rows,
            [
                "scroll",
                "total",
                "steps",
                "median",
                "mean",
                "p95",
                "max",
                "steps > 16 ms",
                "steps that loaded a page: n: mean / max",
                "reached",
            ],
        )
    )
    print(f"rows in the model at the top: {rows_at_top}, back at the bottom: {model.rowCount()}")
    print("\nRSS")
    print(ck.table([(k, f"{v:.1f} MB") for k, v in rss.items()], ["after", "RSS"]))
    if args.tracemalloc:
        print(
            f"\nPython heap traced from just before opening: {traced['open']:.1f} MB with the"
            f" conversation open, {traced['top']:.1f} MB at the top,"
            f" {traced['bottom']:.1f} MB back at the bottom"
        )
        for label, key in (("open", "open_top"), ("at the top", "top_top")):
            print(f"\nlargest Python allocations ({label}):")
            print(
                ck.table(
                    [(w, f"{mb:.2f} MB", n) for w, mb, n in traced[key]],
                    ["where", "size", "blocks"],
                )
            )
    print(
        json.dumps(
            {
                "bench": "client_history",
                "messages": built["messages"],
                "store_build_s": built["seconds"],
                "open": open_figures,
                "scroll_up": up,
                "scroll_down": down,
                "rss_mb": rss,
                "traced_mb": {k: v for k, v in traced.items() if not k.endswith("_top")},
            }
        )
    )
    window.hide()
    store.close()
    return 0 if up["reached_end"] and down["reached_end"] else 1


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--messages", type=int, default=100_000, help="messages (default 100,000)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the conversation")
    p.add_argument(
        "--store",
        type=Path,
        help="use (or build once, if missing) the store at this path instead of a temporary one",
    )
    p.add_argument(
        "--max-steps", type=int, default=100_000, help="give up scrolling after this many steps"
    )
    p.add_argument(
        "--bare",
        dest="app_modules",
        action="store_false",
        help="import only what the main window needs, not every module the app loads",
    )
    p.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace Python allocations from the open on (slows everything: timings invalid)",
    )
    p.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # the child's job
    return p.parse_args(argv)


def _build_in_child(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--build",
            str(path),
            "--messages",
            str(args.messages),
            "--seed",
            str(args.seed),
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise bk.BenchError(f"building the store failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(args: argparse.Namespace) -> int:
    if args.build is not None:
        print(json.dumps(build_store(args.build, args.messages, args.seed)))
        return 0
    if args.store is not None:
        meta = args.store.with_suffix(".json")
        if not args.store.exists():
            meta.write_text(json.dumps(_build_in_child(args.store, args)))
        return measure(args, args.store, json.loads(meta.read_text()))
    with tempfile.TemporaryDirectory(prefix="messenger-history-") as tmp:
        path = Path(tmp) / "store.sqlite3"
        return measure(args, path, _build_in_child(path, args))


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    return bk.run_main("client_history", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
