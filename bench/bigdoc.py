"""newsmark benchmark: key latency on a 50 MB article, the real program in a pty.

A 50 MB article (the long sample repeated) is imported, and `newsmark` is started
on it in a pseudo-terminal as a user would. Reported: time to the first screen,
then for word (`w`, `b`), line (`j`), page (`space`), jump (`G`, `g`) and label
(`1`, until "saved" is drawn) the time from the key to the first screen change,
medians, once right after the first screen and once after the article settled
(target: every key within 100 ms).

    python bench/bigdoc.py [--mb 50]
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.store import Store  # noqa: E402
from tests.tui_driver import TuiProcess  # noqa: E402

KEYS = ["w", "w", "w", "b", "j", "j", "j", " ", " ", "G", "g", "w"]


def first_change(tui: TuiProcess, key: str, timeout: float = 120.0) -> float:
    """Seconds from writing ``key`` to the first bytes the program draws after it."""
    # Drain what is pending, so the next output is the answer to this key.
    while select.select([tui.fd], [], [], 0.05)[0]:
        tui.raw += os.read(tui.fd, 65536)
    t0 = time.perf_counter()
    os.write(tui.fd, key.encode())
    ready, _, _ = select.select([tui.fd], [], [], timeout)
    elapsed = time.perf_counter() - t0
    if ready:
        tui.raw += os.read(tui.fd, 65536)
    return elapsed


def run(mb: int) -> None:
    base = (ROOT / "samples" / "long-form-energy-investigation.txt").read_text("utf-8")
    text = (base + "\n\n") * max(1, mb * 1_000_000 // (len(base) + 2))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "s", create=True)
        store.add_documents([{"text": text, "title": f"{mb} MB article"}])
        store.close()
        t0 = time.perf_counter()
        tui = TuiProcess(["--store", str(Path(tmp) / "s"), "--annotator", "bench"])
        try:
            tui.wait_for("energy", timeout=300)
            first_screen = time.perf_counter() - t0
            early = [first_change(tui, k) for k in KEYS]
            time.sleep(5)  # the whole article wrapped and segmented by now
            late = [first_change(tui, k) for k in KEYS]
            since = tui.mark()
            t1 = time.perf_counter()
            os.write(tui.fd, b"1")
            tui.wait_for("labelled", since=since, timeout=60)
            label = time.perf_counter() - t1
            tui.type("q")
            tui.wait_exit(timeout=60)
        except BaseException:
            tui.kill()
            raise
    print(f"{len(text) / 1e6:.0f} MB article, real newsmark in a pty:")
    print(f"  first screen {first_screen:.2f} s")
    for name, times in (("right after the first screen", early), ("settled", late)):
        worst = max(times) * 1000
        print(f"  keys {name}: median {statistics.median(times) * 1000:.0f} ms, worst "
              f"{worst:.0f} ms over {len(times)} keys (target ≤ 100 ms)")  # fmt: skip
        print("    " + " ".join(f"{k.strip() or 'space'}:{t * 1000:.0f}"
                                for k, t in zip(KEYS, times, strict=True)))  # fmt: skip
    print(f"  label → saved drawn: {label * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    run(parser.parse_args().mb)


if __name__ == "__main__":
    main()
