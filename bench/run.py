"""newsmark benchmark: first paint, cursor/label cost, durable writes.

Machines here are shared and noisy, so every number is a median (or p95/p99)
over repeats, and first paint is a ratio against a bare Textual app measured
in the same run, interleaved with it.

    python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.store import Store  # noqa: E402
from tests.tui_driver import TuiProcess  # noqa: E402

SEED = ROOT / "samples" / "turkey-us-defense-call.txt"
LONG = ROOT / "samples" / "long-form-energy-investigation.txt"

BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("BARE-READY")
Bare().run()
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def make_big_store(root: Path) -> tuple[Store, str]:
    """A 1 MB article with 5,000 spans, the size DESIGN.md measures against."""
    base = LONG.read_text(encoding="utf-8")
    text = (base * (1_050_000 // len(base) + 1))[:1_050_000]
    text = text[: text.rfind("\n") + 1] or text
    store = Store.open(root)
    ((info, _),) = store.add_documents([{"text": text, "title": "1 MB article"}])
    labels = ["claim", "quote", "actor", "issue"]
    spans = []
    step = len(text) // 5000
    for i in range(5000):
        start = i * step + (i % 7)
        end = start + 5 + (i % 40)
        if i % 10 == 0:  # some nested/overlapping spans, as real annotation has
            end = start + 120
        spans.append({"start": start, "end": min(end, len(text)), "label": labels[i % 4]})
    store.merge_layer(info.id, "bench", spans)
    return store, info.id


def first_paint(args: list[str], marker: str) -> float:
    t0 = time.perf_counter()
    proc = TuiProcess(args)
    try:
        proc.wait_for(marker, timeout=60)
        return time.perf_counter() - t0
    finally:
        proc.kill()


def bench_first_paint(store_dir: Path, doc_marker: str, runs: int) -> dict[str, float]:
    bare_file = Path(tempfile.mkdtemp()) / "bare.py"
    bare_file.write_text(BARE_APP)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(runs):  # interleaved, so load drifts hit both alike
        t0 = time.perf_counter()
        pid_proc = TuiProcess([], script=bare_file)
        try:
            pid_proc.wait_for("BARE-READY", timeout=60)
            bare.append(time.perf_counter() - t0)
        finally:
            pid_proc.kill()
        ours.append(first_paint(["--store", str(store_dir), "--annotator", "bench"], doc_marker))
    return {
        "bare_ms": statistics.median(bare) * 1000,
        "newsmark_ms": statistics.median(ours) * 1000,
        "ratio": statistics.median(ours) / statistics.median(bare),
    }


async def _in_app(
    store: Store, doc_id: str, work: Callable[..., object], write_in_thread: bool = False
) -> object:
    from tui.app import NewsmarkApp

    app = NewsmarkApp(store, annotator="bench", open_doc=doc_id, write_in_thread=write_in_thread)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return await work(app, pilot)  # type: ignore[misc]


def _paint(view: object) -> None:
    """What a repaint costs: render every visible row (the strip cache makes most free)."""
    height = view.size.height  # type: ignore[attr-defined]
    for y in range(height):
        view.render_line(y)  # type: ignore[attr-defined]


def _fresh_words(view: object, count: int, first: int, step: int) -> list[tuple[int, int]]:
    """``count`` words about ``step`` apart that no span covers exactly yet.

    Every bench label must be a new span: labelling a word twice is refused by the
    store ("already labelled"), which would time the error path, not a label.
    """
    text: str = view.text  # type: ignore[attr-defined]
    taken = {(s.start, s.end) for s in view.spans}  # type: ignore[attr-defined]
    words: list[tuple[int, int]] = []
    pos = first
    for _ in range(count * 50):
        if len(words) == count:
            break
        pos = text.find(" ", pos + step) + 1
        if pos <= 0:  # past the end: wrap round, a little further along each time
            pos = first = first + 1
            continue
        end = text.find(" ", pos)
        if end > pos and (pos, end) not in taken:
            taken.add((pos, end))
            words.append((pos, end))
    if len(words) < count:
        raise RuntimeError(f"only {len(words)} unlabelled words for {count} bench labels")
    return words


def bench_interaction(store: Store, doc_id: str, moves: int, labels: int) -> dict[str, float]:
    async def work(app: object, pilot: object) -> dict[str, float]:
        screen = app.screen  # type: ignore[attr-defined]
        view = screen.view
        _paint(view)
        move_cpu: list[float] = []
        for i in range(moves):
            action = view.action_cursor_right if i % 4 else view.action_cursor_down
            c0 = time.process_time()
            action()
            _paint(view)
            move_cpu.append(time.process_time() - c0)
        label_cpu: list[float] = []
        label_wall: list[float] = []
        for pos, end in _fresh_words(view, labels, first=0, step=40):
            view.select(pos, end)
            c0, w0 = time.process_time(), time.perf_counter()
            screen.editor.action_label(1 + (pos % 4))
            _paint(view)
            label_cpu.append(time.process_time() - c0)
            label_wall.append(time.perf_counter() - w0)
        return {
            "move_cpu_p50_ms": pct(move_cpu, 50) * 1000,
            "move_cpu_p95_ms": pct(move_cpu, 95) * 1000,
            "label_cpu_p50_ms": pct(label_cpu, 50) * 1000,
            "label_cpu_p95_ms": pct(label_cpu, 95) * 1000,
            "label_wall_p50_ms": pct(label_wall, 50) * 1000,
            "label_wall_p95_ms": pct(label_wall, 95) * 1000,
        }

    return asyncio.run(_in_app(store, doc_id, work))  # type: ignore[return-value]


def bench_label_ui_thread(store: Store, doc_id: str, labels: int) -> dict[str, float]:
    """Label as `newsmark` runs it (writes on the writer thread): UI-thread CPU only.

    The key's share (the action) plus the repaint when the acknowledgement arrives
    (``ReaderScreen.on_write_done``, run by Textual when the writer's ``WriteDone``
    message is handled), measured with thread_time so the writer's CPU is not counted.
    """
    from tui.screens.reader import ReaderScreen
    from tui.writer import WriteDone

    done_cpu: list[float] = []
    original = ReaderScreen.on_write_done

    def timed_done(self: ReaderScreen, message: WriteDone) -> None:
        c0 = time.thread_time()
        original(self, message)
        _paint(self.view)
        done_cpu.append(time.thread_time() - c0)

    async def work(app: object, pilot: object) -> dict[str, float]:
        screen = app.screen  # type: ignore[attr-defined]
        view = screen.view
        totals: list[float] = []
        for pos, end in _fresh_words(view, labels, first=17, step=53):
            view.select(pos, end)
            acknowledged = len(done_cpu)
            c0 = time.thread_time()
            screen.editor.action_label(1 + (pos % 4))
            key = time.thread_time() - c0
            while screen.pending_writes or len(done_cpu) == acknowledged:
                await pilot.pause(0.001)  # type: ignore[attr-defined]
            state = screen.status.save_state
            if state != "saved":
                raise RuntimeError(f"bench label was not saved ({state}: {screen.status.message})")
            totals.append(key + done_cpu[-1])
        return {
            "label_ui_cpu_p50_ms": pct(totals, 50) * 1000,
            "label_ui_cpu_p95_ms": pct(totals, 95) * 1000,
        }

    # Textual looks message handlers up on the class, so the timer wraps it there.
    ReaderScreen.on_write_done = timed_done  # type: ignore[method-assign]
    try:
        return asyncio.run(_in_app(store, doc_id, work, write_in_thread=True))  # type: ignore[return-value]
    finally:
        ReaderScreen.on_write_done = original  # type: ignore[method-assign]


def bench_writes(store: Store, doc_id: str, n: int) -> dict[str, float]:
    text = store.text(doc_id)
    walls: list[float] = []
    for i in range(n):
        start = (i * 37) % (len(text) - 20)
        t0 = time.perf_counter()
        store.add_span(doc_id, start, start + 10, "claim", f"writer{i % 3}")
        walls.append(time.perf_counter() - t0)
    return {"write_p50_ms": pct(walls, 50) * 1000, "write_p99_ms": pct(walls, 99) * 1000}


def compile_sources() -> None:
    """Byte-compile newsmark as an installed wheel would be.

    An editable install never writes .pyc files when PYTHONDONTWRITEBYTECODE is
    set (it is on this machine), so every start would recompile newsmark from
    source while Textual loads bytecode, skewing the first-paint ratio.
    """
    import compileall

    for pkg in ("store", "tui"):
        compileall.compile_dir(str(ROOT / pkg), quiet=1)


def main() -> None:
    compile_sources()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    opts = parser.parse_args()
    moves, labels, writes = (100, 20, 100) if opts.quick else (400, 60, 500)
    # A start varies by ±15% from run to run on this kind of machine: many, interleaved.
    paint_runs = 5 if opts.quick else 21
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        seed_dir = Path(tmp) / "seed"
        seed = Store.open(seed_dir)
        ((seed_info, _),) = seed.add_documents(
            [{"text": SEED.read_text(encoding="utf-8"), "source": str(SEED)}]
        )
        big_dir = Path(tmp) / "big"
        t0 = time.perf_counter()
        big, big_id = make_big_store(big_dir)
        print(f"built 1 MB / 5,000-span store in {time.perf_counter() - t0:.1f} s", flush=True)

        results["first paint, seed"] = bench_first_paint(seed_dir, "Hulusi", paint_runs)
        results["first paint, 1 MB"] = bench_first_paint(big_dir, "1 MB article", paint_runs)
        # In-process: the action and a repaint of the article, not what the terminal gets
        # (bench/keys.py measures that, from outside).
        results["in-process keys, seed"] = bench_interaction(seed, seed_info.id, moves, labels)
        results["in-process keys, 1 MB"] = bench_interaction(big, big_id, moves, labels)
        results["in-process label, writer thread, seed"] = bench_label_ui_thread(
            seed, seed_info.id, labels
        )
        results["in-process label, writer thread, 1 MB"] = bench_label_ui_thread(
            big, big_id, labels
        )
        results["durable writes, seed"] = bench_writes(seed, seed_info.id, writes)
        results["durable writes, 1 MB + 5k spans"] = bench_writes(big, big_id, writes // 5)
    print()
    for name, values in results.items():
        cells = "  ".join(f"{k}={v:.2f}" for k, v in values.items())
        print(f"{name:<40} {cells}")


if __name__ == "__main__":
    main()
