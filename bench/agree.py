"""newsmark benchmark: agreement over 1,000 documents × 3 annotators (target < 2 s).

Each document has three annotators' layers, all done, that agree on most spans
and disagree the way teams do (a boundary off by a word, a label changed, a span
only one of them made). Reported: the median of three `agreement_report` runs,
after one warm-up that fills the store's caches as an interactive session would.

    python bench/agree.py [--docs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import article  # noqa: E402

from store.agreement import agreement_report  # noqa: E402
from store.store import Store  # noqa: E402

LABELS = ("claim", "quote", "actor", "issue")


def layers(text: str, rng: random.Random) -> dict[str, list[dict[str, object]]]:
    """Three annotators' spans over ``text``: shared ones, perturbed per annotator."""
    base = []
    for start in range(10, len(text) - 30, 60):
        end = text.find(" ", start + 8)
        if end > start:
            base.append((start, end, LABELS[(start // 60) % 4]))
    out: dict[str, list[dict[str, object]]] = {}
    for who in ("ann", "ben", "cat"):
        spans = []
        for start, end, label in base:
            roll = rng.random()
            if roll < 0.08:
                continue  # missed
            if roll < 0.16:
                end = min(len(text), end + 4)  # boundary disagreement
            elif roll < 0.22:
                label = LABELS[(LABELS.index(label) + 1) % 4]  # label disagreement
            spans.append({"start": start, "end": end, "label": label})
        out[who] = spans
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000)
    opts = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "s")
        items = []
        for i in range(opts.docs):
            text = article(i)
            for who, spans in layers(text, rng).items():
                items.append({"text": text, "title": f"Report {i}", "annotator": who,
                              "status": "done", "spans": spans})  # fmt: skip
        t0 = time.perf_counter()
        for k in range(0, len(items), 300):
            store.add_documents(items[k : k + 300])
        built = time.perf_counter() - t0
        n_spans = sum(len(it["spans"]) for it in items)  # type: ignore[arg-type]
        print(f"built {opts.docs} documents × 3 annotators, {n_spans:,} spans in {built:.1f} s")
        agreement_report(store)  # warm-up: documents parsed once, as in a session
        walls = []
        for _ in range(3):
            t0 = time.perf_counter()
            report = agreement_report(store)
            walls.append(time.perf_counter() - t0)
        wall = statistics.median(walls)
        verdict = "under" if wall < 2.0 else "OVER"
        print(
            f"agreement, {len(report.documents)} documents × 3 annotators: median {wall:.2f} s "
            f"({verdict} the 2 s target); α {report.alpha:.3f}"
        )
        cold = Store.open(store.root)
        t0 = time.perf_counter()
        agreement_report(cold)
        cold_s = time.perf_counter() - t0
        print(f"agreement from a freshly opened store (cold caches): {cold_s:.2f} s")


if __name__ == "__main__":
    main()
