"""newsmark benchmark: agreement over 1,000 documents × 3 annotators (target < 2 s).

Each document has three annotators' layers, all done, that agree on most spans
and disagree the way teams do (a boundary off by a word, a label changed, a span
only one of them made). Reported: the median of three `agreement_report` runs,
after one warm-up that fills the store's caches as an interactive session would,
next to the same median of the baseline (``store/agreement.py`` as it was at
``--baseline``, default the commit that added this benchmark, loaded from git) in
the same run, with a check that both give the same numbers. A second store adds
a gold layer and attribution links (α_u, against-gold and link sections too).

    python bench/agree.py [--docs N] [--baseline REV]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import article  # noqa: E402

from store.agreement import agreement_report  # noqa: E402
from store.store import Store  # noqa: E402

LABELS = ("claim", "quote", "actor", "issue")
BASELINE = "ae01760"  # bench/agree.py's first commit: the report at 6.8 s


def baseline_module(rev: str) -> types.ModuleType | None:
    """store/agreement.py as it was at ``rev``, or None when git cannot show it."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:store/agreement.py"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("agreement_baseline")
    module.__dict__["__file__"] = f"{rev}:store/agreement.py"
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def same(old: Any, new: Any, where: str = "report") -> None:
    """Raise unless ``new`` has everything ``old`` has, numbers equal to 1e-9."""
    if isinstance(old, dict):
        for key, value in old.items():
            same(value, new[key], f"{where}.{key}")
    elif isinstance(old, list):
        if len(old) != len(new):
            raise AssertionError(f"{where}: {len(old)} items before, {len(new)} now")
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(old, float) and isinstance(new, float):
        if not math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12):
            raise AssertionError(f"{where}: {old!r} before, {new!r} now")
    elif old != new:
        raise AssertionError(f"{where}: {old!r} before, {new!r} now")


def median_of(run: Callable[[], Any], times: int = 3) -> tuple[float, float, Any]:
    """Median wall and CPU time of ``times`` runs after one warm-up, and the last result.

    CPU time is shown too: on a machine shared with other work, wall time also
    counts the waits for a core.
    """
    result = run()  # warm-up: documents parsed once, as in a session
    walls, cpus = [], []
    for _ in range(times):
        t0, c0 = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), result


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


def build(root: Path, docs: int, gold: bool) -> Store:
    """A store of ``docs`` articles × three annotators (and gold with links, if asked)."""
    rng = random.Random(7)
    store = Store.open(root)
    items: list[dict[str, Any]] = []
    for i in range(docs):
        text = article(i)
        by_name = layers(text, rng)
        if gold:
            by_name["gold"] = [dict(sp) for sp in by_name["ann"]]
        for who, spans in by_name.items():
            for k, sp in enumerate(spans):
                sp["id"] = f"{who}-{i}-{k}"
            rels = []
            if gold:  # each quote attributed to the span before it, as the reader will
                rels = [
                    {"id": f"{who}-{i}-r{k}", "head": spans[k]["id"],
                     "tail": spans[k - 1]["id"], "label": "speaker"}
                    for k in range(1, len(spans)) if spans[k]["label"] == "quote"
                ]  # fmt: skip
            items.append({"text": text, "title": f"Report {i}", "annotator": who,
                          "status": "done", "spans": spans, "relations": rels})  # fmt: skip
    for k in range(0, len(items), 300):
        store.add_documents(items[k : k + 300])
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    opts = parser.parse_args()
    old = baseline_module(opts.baseline)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store = build(Path(tmp) / "s", opts.docs, gold=False)
        built = time.perf_counter() - t0
        print(f"built {opts.docs} documents × 3 annotators in {built:.1f} s")
        wall, cpu, report = median_of(lambda: agreement_report(store))
        verdict = "under" if wall < 2.0 else "OVER"
        line = (
            f"agreement, {len(report.documents)} documents × 3 annotators: median {wall:.2f} s "
            f"(CPU {cpu:.2f} s; {verdict} the 2 s target); α {report.alpha:.3f}, "
            f"α_u {report.unitizing_alpha:.3f}"
        )
        if old is not None:
            old_wall, old_cpu, old_report = median_of(lambda: old.agreement_report(store))
            same(old_report.to_dict(), report.to_dict())
            line += (
                f"\n  baseline {opts.baseline} in the same run: median {old_wall:.2f} s "
                f"(CPU {old_cpu:.2f} s), {old_wall / wall:.1f}× the time "
                f"({old_cpu / cpu:.1f}× the CPU); every number it reports is unchanged"
            )
        print(line)
        cold = Store.open(store.root)
        t0 = time.perf_counter()
        agreement_report(cold)
        cold_s = time.perf_counter() - t0
        print(f"agreement from a freshly opened store (cold caches): {cold_s:.2f} s")

        full = build(Path(tmp) / "g", opts.docs, gold=True)
        wall, cpu, report = median_of(lambda: agreement_report(full))
        n_links = sum(lr.links["exact"].possible for lr in report.links)
        print(
            f"with a gold layer and {n_links:,} links per reference annotator: median "
            f"{wall:.2f} s (CPU {cpu:.2f} s; spans, tokens, α_u, against gold, links)"
        )


if __name__ == "__main__":
    main()
