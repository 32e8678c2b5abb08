"""Import cost per document must not grow with the size of the import.

    python bench/import.py [--sizes 10000,100000] [--repeats 3] [--keep-going]

Writes N small .txt articles (≈ 400 bytes each, like a wire corpus of briefs) into a
folder, imports them into a new store with ``newsmark import`` semantics
(``store.importing.import_paths``, durable: every text fsynced, one catalog write),
and prints the median time per document at each size and the ratio of each size's
per-document time to the smallest size's, measured in the same run. Target: ≤ 1.2.

Before one catalog write per import, the catalog was rewritten whole every 500
documents, so 91,000 documents took 227 s (quadratic).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.importing import import_paths  # noqa: E402
from store.store import Store  # noqa: E402

WORDS = (
    "minister", "said", "the", "council", "would", "vote", "on", "budget", "after", "talks",
    "with", "unions", "over", "pay", "harbour", "strike", "police", "overtime", "library",
    "hours", "water", "rates", "mayor", "veto", "plan",
)


def make_corpus(folder: Path, n: int, seed: int = 7) -> None:
    """``n`` distinct short articles, 1,000 per subfolder (as a newsroom archive is kept)."""
    rng = random.Random(seed)
    for i in range(n):
        sub = folder / f"{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        (sub / f"{i:07d}.txt").write_text(f"Brief {i}\n\n{body}.\n", encoding="utf-8")


def time_import(corpus: Path, work: Path) -> float:
    """Seconds to import ``corpus`` into a fresh store (opening it included)."""
    root = work / "store"
    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    store = Store.open(root)
    report = import_paths(store, [corpus])
    store.close()
    elapsed = time.perf_counter() - start
    assert report.added == report.documents, report.summary()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (median)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    per_doc: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="newsmark-bench-import-") as tmp:
        work = Path(tmp)
        for n in sizes:
            corpus = work / f"corpus-{n}"
            make_corpus(corpus, n)
            # The biggest size runs fewer times: it is the slow one, and the median of
            # the small sizes is what the ratio is taken against.
            repeats = args.repeats if n == sizes[0] else max(1, args.repeats // 2)
            runs = [time_import(corpus, work) for _ in range(repeats)]
            per_doc[n] = statistics.median(runs) / n
            print(
                f"import {n:>7,} documents: median {statistics.median(runs):7.2f} s "
                f"of {repeats} run(s), {per_doc[n] * 1e6:7.0f} µs per document",
                flush=True,
            )
            shutil.rmtree(corpus)
    base = sizes[0]
    for n in sizes[1:]:
        ratio = per_doc[n] / per_doc[base]
        verdict = "ok" if ratio <= 1.2 else "over the 1.2 target"
        print(f"per-document time at {n:,} vs {base:,}: ×{ratio:.2f} ({verdict})")


if __name__ == "__main__":
    main()
