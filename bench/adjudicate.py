"""newsmark benchmark: keys per resolved disagreement in a scripted adjudication.

The sample `samples/two-annotators.jsonl` (the seed labelled by alice and bob) is
adjudicated in the real reader (Textual's pilot, writes on the writer thread) by a
script that knows the answer, `samples/two-annotators-gold.jsonl`: at each
disagreement on offer it presses `y` if the version on offer is the right one,
`c` until it is, or `r` when no version is. Reported: keys per disagreement
(target ≤ 2), how many took one key and how many two, the median time from a key
to the next disagreement on offer, and whether gold came out as the answer.

    python bench/adjudicate.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.store import Store  # noqa: E402
from tui.app import NewsmarkApp  # noqa: E402

SAMPLE = ROOT / "samples" / "two-annotators.jsonl"
ANSWER = ROOT / "samples" / "two-annotators-gold.jsonl"

Cand = tuple[int, int, str]


def answer() -> set[Cand]:
    (rec,) = [orjson.loads(line) for line in ANSWER.read_bytes().splitlines() if line.strip()]
    return {(s["start"], s["end"], s["label"]) for s in rec["spans"]}


async def _settle(app: NewsmarkApp, pilot: object) -> None:
    reader = app.reader
    assert reader is not None
    while len(reader.keys) or reader.pending_writes:
        await asyncio.sleep(0.001)
        await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def adjudicate(root: Path, truth: set[Cand]) -> tuple[Counter[int], list[float], bool]:
    """One scripted session; (keys per disagreement counts, seconds per decision, right?)."""
    store = Store.open(root, create=True)
    store.add_documents(
        [orjson.loads(line) for line in SAMPLE.read_bytes().splitlines() if line.strip()]
    )
    (info,) = store.documents()
    app = NewsmarkApp(store, annotator="carol", write_in_thread=True, adjudicate=True)
    per: Counter[int] = Counter()
    times: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        adj = app.reader.adjudication  # type: ignore[union-attr]
        while adj.current is not None:
            d = adj.current
            right = [i for i, v in enumerate(d.versions) if v.spans and set(v.spans) <= truth]
            keys = 0
            t0 = time.perf_counter()
            if not right:
                await pilot.press("r")
                keys += 1
            else:
                while adj.offered != right[0]:
                    await pilot.press("c")
                    keys += 1
                await pilot.press("y")
                keys += 1
            await _settle(app, pilot)
            times.append(time.perf_counter() - t0)
            per[keys] += 1
        gold = {(s.start, s.end, s.label) for s in store.spans(info.id, "gold")}
    store.close()
    return per, times, gold == truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    truth = answer()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            results.append(asyncio.run(adjudicate(Path(tmp) / f"s{i}", truth)))
    per, _, right = results[0]
    decisions = sum(per.values())
    keys = sum(k * n for k, n in per.items())
    times = [t for _, ts, _ in results for t in ts]
    print("adjudication of samples/two-annotators.jsonl (scripted, pilot):")
    print(f"  disagreements {decisions}, keys {keys}: {keys / decisions:.2f} keys per "
          f"disagreement (target ≤ 2); " + ", ".join(
              f"{n} took {k} key{'s' * (k != 1)}" for k, n in sorted(per.items())))  # fmt: skip
    # Pilot's own pauses are in this: a round trip of the harness, not a latency measure.
    print(f"  pilot round trip per decision (harness included): median "
          f"{statistics.median(times) * 1000:.0f} ms over {len(times)} decisions")  # fmt: skip
    print(f"  gold equals samples/two-annotators-gold.jsonl: {all(r for _, _, r in results)}")
    if not right:
        raise SystemExit("the scripted adjudication did not reach the answer")


if __name__ == "__main__":
    main()
