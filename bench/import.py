"""Import cost per document must not grow with the size of the import.

    python bench/import.py [--sizes 10000,100000] [--repeats 3] [--baseline]

Writes N small .txt articles (≈ 400 bytes each, like a wire corpus of briefs) into a
folder, imports them into a new store with ``newsmark import`` semantics
(``store.importing.import_paths``, durable: every text fsynced, one catalog write),
and prints the median time per document at each size and the ratio of each size's
per-document time to the smallest size's, measured in the same run. Target: ≤ 1.2.
``--baseline`` also times the import as it was (catalog rewritten every 500
documents) on the same corpora.

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


def time_import(corpus: Path, work: Path, batched: bool = False) -> float:
    """Seconds to import ``corpus`` into a fresh store (opening it included).

    ``batched``: the behaviour before this bench, for a baseline: the documents
    added 500 at a time, each batch one rewrite of the whole catalog.
    """
    root = work / "store"
    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    store = Store.open(root)
    if batched:
        added = _import_batched(store, corpus)
    else:
        report = import_paths(store, [corpus])
        added = report.added
    store.close()
    elapsed = time.perf_counter() - start
    assert added == len(list(corpus.rglob("*.txt"))), added
    return elapsed


def _import_batched(store: Store, corpus: Path) -> int:
    from store.importing import check_import, read_items
    from store.storage import deferred_sync

    plan = check_import([corpus])
    added = 0
    with deferred_sync():
        chunk: list[dict[str, object]] = []
        for path in plan.files:
            chunk.extend(read_items(path))
            if len(chunk) == 500:
                added += sum(created for _, created in store.add_documents(chunk))
                chunk = []
        if chunk:
            added += sum(created for _, created in store.add_documents(chunk))
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the smallest size")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also time the old import (catalog rewritten every 500 documents)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    kinds = ["one catalog write", *(["every 500 (old)"] if args.baseline else [])]
    runs: dict[tuple[str, int], list[float]] = {(k, n): [] for k in kinds for n in sizes}
    with tempfile.TemporaryDirectory(prefix="newsmark-bench-import-") as tmp:
        work = Path(tmp)
        corpora = {}
        for n in sizes:
            corpora[n] = work / f"corpus-{n}"
            make_corpus(corpora[n], n)
        # Sizes interleaved, so a machine busy with other work slows all of them alike.
        # The biggest runs once (it is the slow one); the smallest gives the median
        # the ratio is taken against.
        for r in range(args.repeats):
            for n in sizes:
                if r and n != sizes[0]:
                    continue
                for kind in kinds:
                    runs[kind, n].append(time_import(corpora[n], work, kind != kinds[0]))
    base = sizes[0]
    for kind in kinds:
        per_doc = {n: statistics.median(runs[kind, n]) / n for n in sizes}
        for n in sizes:
            print(
                f"{kind:>17}: import {n:>7,} documents: median "
                f"{statistics.median(runs[kind, n]):7.2f} s of {len(runs[kind, n])} run(s), "
                f"{per_doc[n] * 1e6:6.0f} µs per document",
                flush=True,
            )
        for n in sizes[1:]:
            ratio = per_doc[n] / per_doc[base]
            verdict = "ok" if ratio <= 1.2 else "over the 1.2 target"
            print(f"{kind:>17}: per-document time at {n:,} vs {base:,}: ×{ratio:.2f} ({verdict})")


if __name__ == "__main__":
    main()
