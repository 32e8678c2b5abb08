"""Import and export throughput on a 10,000-document / 500,000-span store, beside their floors.

    python bench/io.py [--docs N] [--spans-per-doc K] [--repeats R]

Import: the native JSONL file bench/scale.py builds, imported into an empty store as
``newsmark import`` does (check every record, add them, one sync, the summary index).
Its floor, measured in the same run: parse the JSONL, write one file per document
(the text and the spans as JSON) and one syncfs. Export: ``newsmark export --format
jsonl -o FILE`` of that store. Its floor: read every store file (texts and document
files), parse the JSON ones and dump one JSONL line per document. Prints the median
of R runs of each, in spans/s, and each one's ratio to its floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import build_jsonl  # noqa: E402

from store.export.run import export_store  # noqa: E402
from store.importing import apply_import, check_import  # noqa: E402
from store.storage import _syncfs  # noqa: E402
from store.store import Store  # noqa: E402


def run_import(data: Path, root: Path) -> float:
    """Seconds for what `newsmark import DATA --store ROOT` does, into an empty store."""
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    plan = check_import([data])
    store = Store.open(root)
    apply_import(store, plan)
    store.save_index()
    store.close()
    return time.perf_counter() - t0


def floor_import(data: Path, folder: Path) -> float:
    """Parse the JSONL, write each document's text and spans to a file, one syncfs."""
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    folder.mkdir()
    with open(data, "rb") as fh:
        for i, line in enumerate(fh):
            rec = orjson.loads(line)
            with open(folder / f"{i}.json", "wb") as out:
                out.write(orjson.dumps({"text": rec["text"], "spans": rec["spans"]}))
    _syncfs(folder)
    return time.perf_counter() - t0


def run_export(root: Path, out: Path) -> float:
    """Seconds for `newsmark export --format jsonl -o OUT --store ROOT`."""
    t0 = time.perf_counter()
    store = Store.open(root, create=False)
    export_store(store, "jsonl", out)
    store.close()
    return time.perf_counter() - t0


def floor_export(root: Path, out: Path) -> float:
    """Read every text and document file of the store, parse, dump one line each."""
    t0 = time.perf_counter()
    texts = sorted((root / "texts").iterdir()) if (root / "texts").is_dir() else []
    docs = sorted((root / "docs").iterdir()) if (root / "docs").is_dir() else []
    with open(out, "wb") as fh:
        for text_path, doc_path in zip(texts, docs, strict=False):
            text = text_path.read_bytes().decode("utf-8")
            doc = orjson.loads(doc_path.read_bytes())
            fh.write(orjson.dumps({"text": text, "doc": doc}) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--spans-per-doc", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        data = base / "corpus.jsonl"
        n_spans = build_jsonl(data, opts.docs, opts.spans_per_doc)
        store, floor_dir, out = base / "store", base / "floor", base / "out.jsonl"
        imports, import_floors, exports, export_floors = [], [], [], []
        for _ in range(opts.repeats):
            import_floors.append(floor_import(data, floor_dir))
            imports.append(run_import(data, store))
        for _ in range(opts.repeats):
            export_floors.append(floor_export(store, out))
            exports.append(run_export(store, out))
        for name, runs, floors in (
            ("import", imports, import_floors),
            ("export", exports, export_floors),
        ):
            t, f = statistics.median(runs), statistics.median(floors)
            print(
                f"{name}: {opts.docs} docs, {n_spans} spans, median {t:.2f} s = "
                f"{n_spans / t:,.0f} spans/s; floor {f:.2f} s = {n_spans / f:,.0f} spans/s; "
                f"{t / f:.2f}x the floor",
                flush=True,
            )


if __name__ == "__main__":
    main()
