"""What the peers' formats cost per document, against native JSONL in the same run.

    python bench/formats.py [--docs 1000] [--repeats 5]

Builds ``--docs`` news-sized records (≈ 1,500 characters, CRLF line ends, emoji and
CJK, 20 spans each, two links, document labels), writes them with every exporter
(brat, doccano, Label Studio, CoNLL, spaCy) and reads brat and doccano back with
newsmark's importers, and prints the median seconds of each and its ratio to the
native JSONL export measured in the same run. brat's ``.ann`` lines are also made for
the same texts with LF line ends, so the cost of counting offsets as brat does for
CRLF texts (``brat_offsets``) shows as the ratio CRLF / LF.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.export import brat, conll, doccano, labelstudio  # noqa: E402
from store.export.base import ExportReport  # noqa: E402
from store.export.jsonl import write_jsonl  # noqa: E402
from store.importers import brat as brat_in  # noqa: E402
from store.importers import doccano as doccano_in  # noqa: E402

WORDS = ["minister", "said", "the", "council", "vote", "budget", "👨🏻‍🚒", "漢字", "İstanbul"]


def make_records(n: int, crlf: bool, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lines = [" ".join(rng.choice(WORDS) for _ in range(14)) + "." for _ in range(12)]
        text = ("\r\n" if crlf else "\n").join(lines)
        spans = []
        for k in range(20):
            start = rng.randrange(0, len(text) - 30)
            end = start + rng.randrange(1, 30)
            spans.append({"id": f"s{k + 1}", "start": start, "end": end,
                          "label": rng.choice(["actor", "claim", "quote"]),
                          "text": text[start:end]})  # fmt: skip
        spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
        out.append({
            "id": f"doc-{i}", "text": text,
            "meta": {"title": f"T{i}", "source": "bench", "sha256": "0" * 64},
            "annotator": "alice", "status": "done", "spans": spans,
            "relations": [{"id": "r1", "head": "s1", "tail": "s2", "label": "says"},
                          {"id": "r2", "head": "s3", "tail": "s4", "label": "says"}],
            "schema_version": 1, "doc_labels": {"topic": ["politics"]},
        })  # fmt: skip
    return out


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    crlf = make_records(args.docs, crlf=True)
    lf = make_records(args.docs, crlf=False)
    work = Path(tempfile.mkdtemp(prefix="bench-formats-"))
    try:
        def stream(write: Callable[..., None], records: list[dict[str, Any]]) -> None:
            write(iter(records), io.BytesIO(), ExportReport())

        def to_folder(records: list[dict[str, Any]], name: str) -> Path:
            target = work / name
            shutil.rmtree(target, ignore_errors=True)
            brat.write(iter(records), target, ExportReport())
            return target

        def ann_lines(records: list[dict[str, Any]]) -> None:
            report = ExportReport()
            for rec in records:
                brat._ann_lines(rec, report, {}, {}, {})

        to_folder(crlf, "brat-crlf")
        doccano_file = work / "d.jsonl"
        with open(doccano_file, "wb") as fh:
            doccano.write(iter(crlf), fh, ExportReport())
        rows: list[tuple[str, Callable[[], object]]] = [
            ("jsonl (baseline)", lambda: stream(write_jsonl, crlf)),
            ("doccano", lambda: stream(doccano.write, crlf)),
            ("labelstudio", lambda: stream(labelstudio.write, crlf)),
            ("conll", lambda: stream(conll.write, crlf)),
            # The .ann lines alone: the folder writes would drown the offset mapping.
            ("brat .ann, LF texts", lambda: ann_lines(lf)),
            ("brat .ann, CRLF texts", lambda: ann_lines(crlf)),
            ("brat folder, CRLF", lambda: to_folder(crlf, "brat-crlf")),
            ("brat import, CRLF", lambda: list(brat_in.read(work / "brat-crlf"))),
            ("doccano import", lambda: list(doccano_in.read(doccano_file))),
        ]
        try:
            from store.export import spacy as spacy_out

            rows.append(("spacy", lambda: spacy_out.write(
                iter(crlf), work / "x.spacy", ExportReport())))  # fmt: skip
        except ImportError:
            pass
        results = {name: median_time(fn, args.repeats) for name, fn in rows}
        base = results["jsonl (baseline)"]
        print(f"{args.docs} documents, 20 spans each, median of {args.repeats} runs")
        for name, seconds in results.items():
            per_doc = seconds / args.docs * 1e6
            print(f"  {name:22} {seconds:8.3f} s  {per_doc:8.1f} µs/doc  x{seconds / base:6.1f}")
        ratio = results["brat .ann, CRLF texts"] / results["brat .ann, LF texts"]
        print(f"  brat .ann lines, CRLF / LF: {ratio:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
