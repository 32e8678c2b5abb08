"""newsmark benchmark: what crash-safe repair and whole-or-nothing exports cost.

Every number is a median over repeats, and each is set against a baseline
measured in the same run, interleaved with it (the machines here are shared):

* a label's durable write with its last good copy kept, against the same write
  with no copy kept;
* an export to a file (temp name, fsync, rename; a temp folder for brat) against
  the same writer aimed at memory (brat: written straight into a folder);
* `doctor` on a healthy store against `validate` on it, and doctor's repair of a
  damaged catalog of that store.

    python bench/repair.py [--quick]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store import layout  # noqa: E402
from store.doctor import doctor  # noqa: E402
from store.export import brat  # noqa: E402
from store.export.base import ExportReport  # noqa: E402
from store.export.run import export_store  # noqa: E402
from store.storage import AtomicJSONStorage  # noqa: E402
from store.store import Store  # noqa: E402
from store.validate import validate_root  # noqa: E402
from tests.crash_worker import article  # noqa: E402


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def paired(a: Callable[[], object], b: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Medians of a and b, run alternately so load hits both alike."""
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(repeats):
        ta.append(median_ms(a, 1))
        tb.append(median_ms(b, 1))
    return statistics.median(ta), statistics.median(tb)


def corpus(root: Path, n_docs: int) -> Store:
    rng = random.Random(7)
    st = Store.open(root)
    items = [{"text": article(rng, i, 120)} for i in range(n_docs)]
    ids = [info.id for info, _ in st.add_documents(items)]
    for doc in ids:
        for k in range(3):
            start = rng.randrange(0, 400)
            st.add_span(doc, start, start + 6, ("actor", "claim", "quote")[k], "alice")
    return st


def bench_label_write(tmp: Path, repeats: int) -> dict[str, float]:
    data = {"spans": {str(i): {"id": f"s{i}", "start": i, "end": i + 3, "label": "actor",
                               "text": "abc", "annotator": "alice"} for i in range(200)}}
    kept = AtomicJSONStorage(tmp / "kept.json", backup=tmp / "backup" / "kept.json")
    bare = AtomicJSONStorage(tmp / "bare.json")
    for storage in (kept, bare):
        storage.write(data)
        storage.read()

    def write(storage: AtomicJSONStorage) -> None:
        storage.read()
        storage.write(data)

    with_copy, without = paired(lambda: write(kept), lambda: write(bare), repeats)
    return {"with last good copy ms": with_copy, "no copy ms": without,
            "ratio": with_copy / without}


def bench_exports(st: Store, tmp: Path, repeats: int) -> dict[str, float]:
    out = tmp / "out"
    out.mkdir()
    to_file, to_memory = paired(
        lambda: export_store(st, "jsonl", out / "x.jsonl"),
        lambda: export_store(st, "jsonl", stream=io.BytesIO()),
        repeats,
    )

    def brat_straight() -> None:
        target = out / "straight"
        shutil.rmtree(target, ignore_errors=True)
        brat.write(st.records(), target, ExportReport())

    brat_whole, brat_plain = paired(
        lambda: export_store(st, "brat", out / "brat"), brat_straight, repeats
    )
    return {"jsonl to file ms": to_file, "jsonl to memory ms": to_memory,
            "jsonl ratio": to_file / to_memory, "brat whole-or-nothing ms": brat_whole,
            "brat straight into folder ms": brat_plain, "brat ratio": brat_whole / brat_plain}


def bench_doctor(root: Path, repeats: int) -> dict[str, float]:
    healthy, validating = paired(lambda: doctor(root), lambda: validate_root(root), repeats)
    catalog = layout.catalog_path(root)
    good = catalog.read_bytes()

    def repair() -> None:
        catalog.write_bytes(good[:100])
        t0 = time.perf_counter()
        doctor(root)
        times.append((time.perf_counter() - t0) * 1000)

    times: list[float] = []
    for _ in range(max(3, repeats // 2)):
        repair()
    return {"doctor, healthy ms": healthy, "validate ms": validating,
            "ratio": healthy / validating, "doctor, damaged catalog ms": statistics.median(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_docs, repeats = (200, 5) if args.quick else (1000, 11)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(f"label write (200-span document), median of {repeats * 10}:")
        for key, value in bench_label_write(tmp, repeats * 10).items():
            print(f"  {key:32} {value:8.2f}")
        st = corpus(tmp / "store", n_docs)
        print(f"exports of {n_docs} documents, median of {repeats}:")
        for key, value in bench_exports(st, tmp, repeats).items():
            print(f"  {key:32} {value:8.2f}")
        st.close()
        print(f"doctor on {n_docs} documents, median of {repeats}:")
        for key, value in bench_doctor(tmp / "store", repeats).items():
            print(f"  {key:32} {value:8.2f}")


if __name__ == "__main__":
    main()
