"""What a key costs the user: the real `newsmark` in a pty against a bare Textual app.

bench/run.py times a key inside the process (the action and a repaint); this
measures it from outside, as the user pays it, with the real entry point in a
pseudo-terminal on the 1 MB article with 5,000 spans:

- CPU per key of the whole process (utime + stime of every thread, from
  /proc/<pid>/stat) over N keys;
- key → first screen change (the first byte drawn after the key), key → settled
  (the last byte before the output stops for a quiet interval) and frames per
  key (the terminal answers Textual's synchronized-output query, so each frame
  arrives between ``ESC[?2026h`` and ``ESC[?2026l`` and can be counted);
- for cursor moves (l, j), page (space), jump (G / g), word (w) and label (a digit);
  label → "✓ saved" drawn on the seed and on the 1 MB article;
- VmRSS / VmHWM after 40 labels.

Each is printed beside the same keys in a bare Textual app (bench/bare_reader.py,
the same article in a Line API pane, a status line, a digit writing the document
file durably), measured in the same run with sessions interleaved, and saves
beside the write + fsync + rename floor of the same document file. Medians; a
ratio is newsmark / baseline.

    python bench/keys.py [--quick] [--sessions N] [--keys N]
"""

from __future__ import annotations

import argparse
import os
import re
import select
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bare_reader import durable_write  # noqa: E402
from bench.run import SEED, compile_sources, make_big_store  # noqa: E402
from store import layout  # noqa: E402
from store.store import Store  # noqa: E402
from tests.tui_driver import TuiProcess  # noqa: E402

BARE = ROOT / "bench" / "bare_reader.py"
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"  # "supported, currently off": Textual then frames its output
SYNC_START = b"\x1b[?2026h"
# Textual paints at most 60 frames a second; a second frame of one key would come
# within a few of them. Output silent this long after a key means it has settled.
QUIET = 0.12
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
_ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07"
)

# (name, keys pressed in turn); each group is timed over the same number of presses.
MOTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cursor right (l)", ("l",)),
    ("cursor down (j)", ("j",)),
    ("page (space)", (" ",)),
    ("jump (G / g)", ("G", "g")),
    ("word (w)", ("w",)),
)


@dataclass
class Press:
    first_ms: float
    settled_ms: float
    frames: int
    drawn: str  # what the key drew, escapes removed


@dataclass
class Samples:
    """One program's numbers for one kind of key, over every session."""

    first: list[float] = field(default_factory=list)
    settled: list[float] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    cpu_per_key: list[float] = field(default_factory=list)  # one per session
    saved: list[float] = field(default_factory=list)

    def add(self, press: Press) -> None:
        self.first.append(press.first_ms)
        self.settled.append(press.settled_ms)
        self.frames.append(press.frames)


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (every thread, the finished ones too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def memory_mib(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) / 1024
    return out


class Session:
    """One program in a pty: start it, press keys one at a time, time what it draws."""

    def __init__(self, args: list[str], script: Path | None, ready: str) -> None:
        self.proc = TuiProcess(args, script=script)
        self.answered = False
        deadline = time.monotonic() + 90
        while ready not in self.proc.screen_text:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{ready!r} never drawn: {self.proc.screen_text[-500:]!r}")
            self._read(0.05)
        self.settle(0.6)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.proc.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.proc.fd, 65536)
        except OSError:
            return False
        self.proc.raw += chunk
        if not self.answered and SYNC_QUERY in self.proc.raw:
            os.write(self.proc.fd, SYNC_REPLY)
            self.answered = True
        return True

    def settle(self, quiet: float = QUIET) -> None:
        """Read until the program has drawn nothing for ``quiet`` seconds."""
        while self._read(quiet):
            pass

    def press(self, key: str, timeout: float = 10.0) -> Press:
        """Press ``key``; return when nothing more is drawn."""
        mark = len(self.proc.raw)
        t0 = time.perf_counter()
        os.write(self.proc.fd, key.encode())
        first = last = None
        deadline = t0 + timeout
        while True:
            wait = QUIET if first is not None else deadline - time.perf_counter()
            if not self._read(max(0.0, wait)):
                if first is None:
                    raise RuntimeError(f"key {key!r} drew nothing in {timeout} s")
                break
            now = time.perf_counter()
            first = first or now
            last = now
        assert first is not None and last is not None
        raw = self.proc.raw[mark:]
        return Press((first - t0) * 1000, (last - t0) * 1000, raw.count(SYNC_START), _plain(raw))

    def saved_ms(self, key: str, needle: str) -> tuple[Press, float]:
        """Press a label key; also the time until ``needle`` (the "saved" line) was drawn."""
        mark = len(self.proc.raw)
        t0 = time.perf_counter()
        os.write(self.proc.fd, key.encode())
        deadline = t0 + 10
        first = last = seen = None
        while True:
            quiet = QUIET if seen is not None else deadline - time.perf_counter()
            if not self._read(max(0.0, quiet)):
                if seen is not None:
                    break
                if time.perf_counter() < deadline:
                    continue
                drawn = _plain(self.proc.raw[mark:])
                raise RuntimeError(f"{needle!r} not drawn after {key!r}: {drawn!r}")
            now = time.perf_counter()
            first = first or now
            last = now
            if seen is None and needle in _plain(self.proc.raw[mark:]):
                seen = now
        assert first is not None and last is not None
        raw = self.proc.raw[mark:]
        press = Press((first - t0) * 1000, (last - t0) * 1000, raw.count(SYNC_START), _plain(raw))
        return press, (seen - t0) * 1000

    def close(self) -> None:
        self.proc.kill()


def _plain(raw: bytes) -> str:
    return _ANSI.sub(b"", raw).decode("utf-8", errors="replace")


def run_motions(session: Session, keys: int, results: dict[str, Samples]) -> None:
    for name, presses in MOTIONS:
        samples = results.setdefault(name, Samples())
        c0 = cpu_seconds(session.pid)
        for i in range(keys):
            samples.add(session.press(presses[i % len(presses)]))
        samples.cpu_per_key.append((cpu_seconds(session.pid) - c0) / keys * 1000)


def run_labels(session: Session, labels: int, samples: Samples, digits: str = "1234") -> None:
    """``labels`` times: a word on (w, not timed) and a digit to label it (timed)."""
    cpu = 0.0
    for i in range(labels):
        session.press("w")
        c0 = cpu_seconds(session.pid)
        press, saved = session.saved_ms(digits[i % len(digits)], "✓ saved")
        cpu += cpu_seconds(session.pid) - c0
        samples.add(press)
        samples.saved.append(saved)
    samples.cpu_per_key.append(cpu / labels * 1000)


def write_floor(path: Path, n: int) -> float:
    """Median ms of writing the file's own bytes durably, as one save must at least."""
    data = path.read_bytes()
    copy = path.with_name("floor-" + path.name)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        durable_write(copy, data)
        times.append(time.perf_counter() - t0)
    copy.unlink()
    return statistics.median(times) * 1000


def med(values: list[float] | list[int]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def report(title: str, ours: dict[str, Samples], bare: dict[str, Samples]) -> None:
    print(f"\n{title} (medians; ratio = newsmark / bare Textual)")
    print(
        f"{'key':<20} {'CPU/key ms':>22} {'key→first change ms':>24}"
        f" {'key→settled ms':>24} {'frames':>9}"
    )
    for name, mine in ours.items():
        base = bare[name]
        cells = []
        for a, b in (
            (med(mine.cpu_per_key), med(base.cpu_per_key)),
            (med(mine.first), med(base.first)),
            (med(mine.settled), med(base.settled)),
        ):
            cells.append(f"{a:6.1f} vs {b:5.1f} ({a / b if b else float('nan'):4.1f}×)")
        frames = f"{med(mine.frames):.0f} vs {med(base.frames):.0f}"
        print(f"{name:<20} {cells[0]:>22} {cells[1]:>24} {cells[2]:>24} {frames:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one session, fewer keys")
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--keys", type=int, default=30, help="presses of each motion")
    parser.add_argument("--labels", type=int, default=40)
    opts = parser.parse_args()
    sessions, keys, labels = (1, 12, 12) if opts.quick else (opts.sessions, opts.keys, opts.labels)
    compile_sources()
    ours: dict[str, Samples] = {}
    bare: dict[str, Samples] = {}
    seed_ours, seed_bare = Samples(), Samples()
    memory: dict[str, list[dict[str, float]]] = {"newsmark": [], "bare": []}
    with tempfile.TemporaryDirectory() as tmp:
        big_dir, seed_dir = Path(tmp) / "big", Path(tmp) / "seed"
        big, big_id = make_big_store(big_dir)
        big_text = Path(tmp) / "big.txt"
        big_text.write_text(big.text(big_id), encoding="utf-8")
        big.close()
        seed = Store.open(seed_dir)
        ((seed_info, _),) = seed.add_documents(
            [{"text": SEED.read_text(encoding="utf-8"), "source": str(SEED)}]
        )
        # A document file exists from the first label on; make it, for the bare copy.
        seed.add_span(seed_info.id, 0, 6, "claim", "setup")
        seed.close()
        big_doc = layout.doc_path(big_dir, big_id)
        seed_doc = layout.doc_path(seed_dir, seed_info.id)
        bare_doc = Path(tmp) / "bare-doc.json"
        bare_doc.write_bytes(big_doc.read_bytes())
        bare_seed_doc = Path(tmp) / "bare-seed-doc.json"
        bare_seed_doc.write_bytes(seed_doc.read_bytes())

        for s in range(sessions):
            print(f"session {s + 1}/{sessions}", flush=True)
            # Interleaved, so a drift in the machine's load hits both alike.
            for who in ("bare", "newsmark"):
                if who == "bare":
                    session = Session([str(big_text), str(bare_doc)], BARE, "BARE-READY")
                    results = bare
                else:
                    # Every session starts from the same store: the words it labels are new.
                    fresh = Path(tmp) / f"big-{s}"
                    shutil.copytree(big_dir, fresh)
                    args = ["--store", str(fresh), "--annotator", "bench"]
                    session = Session(args, None, "1 MB article")
                    results = ours
                try:
                    run_motions(session, keys, results)
                    run_labels(session, labels, results.setdefault("label (digit)", Samples()))
                    memory[who].append(memory_mib(session.pid))
                finally:
                    session.close()
            # The seed: label → saved on a short article.
            session = Session([str(SEED), str(bare_seed_doc)], BARE, "BARE-READY")
            try:
                run_labels(session, min(labels, 20), seed_bare)
            finally:
                session.close()
            args = ["--store", str(seed_dir), "--annotator", f"bench{s}"]
            session = Session(args, None, "Hulusi")
            try:
                run_labels(session, min(labels, 20), seed_ours)
            finally:
                session.close()
        floor_big = write_floor(big_doc, 30)
        floor_seed = write_floor(seed_doc, 30)

    report("1 MB article, 5,000 spans", ours, bare)
    label, base = ours["label (digit)"], bare["label (digit)"]
    print("\nlabel → “✓ saved” drawn (medians)")
    for name, mine, theirs, floor in (
        ("seed", seed_ours, seed_bare, floor_seed),
        ("1 MB", label, base, floor_big),
    ):
        a, b = med(mine.saved), med(theirs.saved)
        print(
            f"{name:<6} newsmark {a:6.1f} ms   bare Textual + durable write {b:6.1f} ms"
            f" ({a / b:4.1f}×)   write+fsync+rename floor {floor:5.1f} ms"
        )
    print(f"\nmemory after {labels} labels on the 1 MB article (MiB, median of sessions)")
    for who, rows in memory.items():
        rss = med([r["VmRSS"] for r in rows])
        hwm = med([r["VmHWM"] for r in rows])
        print(f"{who:<9} VmRSS {rss:6.1f}   VmHWM {hwm:6.1f}")


if __name__ == "__main__":
    main()
