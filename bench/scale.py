"""newsmark at corpus scale: 10,000 documents and 500,000 spans versus one document.

    python bench/scale.py [--docs N] [--spans-per-doc K]

Prints medians and ratios measured in the same run: open (Store.open, the
reader's mount, and both), next document, label, import and export throughput,
durable write latency, peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.store import Store  # noqa: E402

WORDS = [
    "minister",
    "said",
    "the",
    "council",
    "would",
    "vote",
    "on",
    "the",
    "budget",
    "after",
    "talks",
    "with",
    "union",
    "leaders",
    "about",
    "wages",
    "police",
    "overtime",
    "water",
    "rates",
    "and",
    "the",
    "new",
    "harbour",
    "contract",
    "in",
    "the",
    "city",
]


def article(i: int) -> str:
    """A ~2 KB article, different for every i."""
    words = [WORDS[(i * 7 + j * 13) % len(WORDS)] for j in range(330)]
    sentences = [" ".join(words[k : k + 11]).capitalize() + "." for k in range(0, 330, 11)]
    return f"Report {i}\n\n" + " ".join(sentences) + f"\n\nFiled by desk {i % 17}.\n"


def build_jsonl(path: Path, docs: int, spans_per_doc: int) -> int:
    total = 0
    with open(path, "wb") as fh:
        for i in range(docs):
            text = article(i)
            spans = []
            step = max(1, (len(text) - 40) // spans_per_doc)
            for k in range(spans_per_doc):
                start = 12 + k * step
                end = min(len(text), start + 5 + k % 20)
                spans.append(
                    {
                        "start": start,
                        "end": end,
                        "label": ("claim", "quote", "actor", "issue")[k % 4],
                        "text": text[start:end],
                    }
                )
            total += len(spans)
            fh.write(
                orjson.dumps(
                    {
                        "id": f"d{i}",
                        "text": text,
                        "meta": {"title": f"Report {i}", "source": "bench", "sha256": ""},
                        "annotator": "bench",
                        "status": "done" if i % 3 == 0 else "todo",
                        "spans": spans,
                        "relations": [],
                    }
                )
                + b"\n"
            )
    return total


def cli(*args: str) -> tuple[float, float]:
    """Run the newsmark CLI; returns (wall seconds, peak RSS MB of the child)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui", *args],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak


async def in_app(store: Store, moves: int) -> dict[str, float]:
    from tui.app import NewsmarkApp

    # Start the reader as `newsmark` does (tui/cli.py, open_cmd): the cyclic GC paused
    # through start-up and what is alive by then frozen, the reader resuming the GC
    # after its first frame. Left running, its full collections traverse the 10,000
    # documents' catalog and summaries during the mount (~140 ms here), which the
    # command line never pays.
    gc.disable()
    app = NewsmarkApp(store, annotator="bench")
    gc.freeze()
    try:
        return await _measure(app, moves)
    finally:
        gc.unfreeze()
        gc.enable()


async def _measure(app: Any, moves: int) -> dict[str, float]:
    t0 = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        mount = time.perf_counter() - t0
        screen: Any = app.screen
        nexts: list[float] = []
        labels: list[float] = []
        for i in range(moves):
            t = time.perf_counter()
            # Alternate ] and [ so a two-document store moves every time too.
            if i % 2 == 0:
                screen.action_next_doc()
            else:
                screen.action_prev_doc()
            await pilot.pause()
            nexts.append(time.perf_counter() - t)
            view = screen.view
            start = 2 + (i * 31) % 40
            view.select(start, start + 4)
            t = time.perf_counter()
            screen.editor.action_label(1 + i % 4)
            await pilot.pause()
            labels.append(time.perf_counter() - t)
    return {
        "mount_ms": mount * 1000,
        "next_doc_p50_ms": statistics.median(nexts) * 1000,
        "label_p50_ms": statistics.median(labels) * 1000,
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--spans-per-doc", type=int, default=50)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        data = base / "corpus.jsonl"
        n_spans = build_jsonl(data, opts.docs, opts.spans_per_doc)
        one = base / "one.jsonl"
        build_jsonl(one, 2, opts.spans_per_doc)
        big, small = base / "big", base / "small"

        wall, peak_import = cli("import", str(data), "--store", str(big))
        print(
            f"import: {opts.docs} docs, {n_spans} spans in {wall:.1f} s = "
            f"{n_spans / wall:,.0f} spans/s (peak RSS {peak_import:.0f} MB)",
            flush=True,
        )
        cli("import", str(one), "--store", str(small))

        out = base / "out.jsonl"
        walls = [cli("export", "-o", str(out), "--store", str(big))[0] for _ in range(3)]
        wall = statistics.median(walls)
        peak_export = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"export: {n_spans} spans, median {wall:.2f} s = {n_spans / wall:,.0f} spans/s "
            f"(peak RSS so far {peak_export:.0f} MB)",
            flush=True,
        )

        results = {}
        for name, root in (("2 documents", small), (f"{opts.docs} documents", big)):
            t0 = time.perf_counter()
            store = Store.open(root, sweep_in_background=True)  # as the reader opens it
            opened = time.perf_counter() - t0
            r = asyncio.run(in_app(store, 15))
            r["Store.open_ms"] = opened * 1000
            # What opening costs the user: the store, then the reader until it is idle.
            r["open+mount_ms"] = r["Store.open_ms"] + r["mount_ms"]
            writes = []
            docs = store.documents()
            for i in range(200):
                doc = docs[(i * 97) % len(docs)].id
                t = time.perf_counter()
                store.add_span(doc, 3 + i % 30, 9 + i % 30, "issue", f"w{i}")
                writes.append(time.perf_counter() - t)
            r["write_p50_ms"] = pct(writes, 50) * 1000
            r["write_p99_ms"] = pct(writes, 99) * 1000
            results[name] = r
            store.close()
        small_r, big_r = results["2 documents"], results[f"{opts.docs} documents"]
        for key in small_r:
            ratio = big_r[key] / small_r[key] if small_r[key] else float("nan")
            print(
                f"{key:<18} 2 docs {small_r[key]:8.2f}   {opts.docs} docs {big_r[key]:8.2f}"
                f"   ratio {ratio:5.2f}"
            )
        print(
            f"peak RSS of this process: "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
            f"(pid {os.getpid()})"
        )


if __name__ == "__main__":
    main()
