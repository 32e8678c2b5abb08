"""What safety costs: inert strings and checked caches versus trusting the input.

    python bench/safe.py [--docs N]

Medians of repeated runs, each against a baseline measured in the same run:

* ``safe_text`` on N news titles (mostly ASCII, some Turkish or Chinese, one in
  twenty with controls) versus ``rich.text.Text`` of the raw title;
* the summary cache: N documents' summaries read through ``cached_summary``
  (shape and bounds checked) versus the unchecked lookup it replaced;
* reading ``session.json`` with ``clean_session`` versus a bare ``orjson.loads``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.text import Text  # noqa: E402

from store.session import clean_session  # noqa: E402
from store.summary import cached_summary  # noqa: E402
from tui.safe import safe_text  # noqa: E402


def median_ms(fn: Callable[[], object], repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def titles(n: int) -> list[str]:
    kinds = [
        "Turkey, US defense chiefs discuss Syria in phone call {i}",
        "Cumhurbaşkanlığı Sözcüsü İbrahim Kalın açıklama yaptı {i}",
        "Minister says \x1b]0;title\x07 vote on {i} delayed",
        "国防部长 {i} 通话",
    ]
    return [kinds[2 if i % 20 == 0 else i % 3].format(i=i) for i in range(n)]


def old_lookup(entry: Any, ident: list[int]) -> Any:
    # The lookup before checks: trusted whatever the file held.
    if entry is not None and entry[0] == ident:
        return {k: (v[0], v[1]) for k, v in entry[1].items()}
    return None


def report(name: str, base: float, new: float, unit: str) -> None:
    print(f"{name:<44} baseline {base:8.2f} ms   checked {new:8.2f} ms   ratio {new / base:5.2f}×"
          f"   ({unit})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    args = parser.parse_args()
    n = args.docs

    ts = titles(n)
    report(
        "titles: safe_text() vs Text()",
        median_ms(lambda: [Text(t) for t in ts]),
        median_ms(lambda: [safe_text(t) for t in ts]),
        f"{n} titles",
    )

    ident = [4096, 1_700_000_000_000_000_000, 1234]
    entries = [[ident, {"alice": ["done", 12], "bob": ["todo", 3]}] for _ in range(n)]
    report(
        "summary cache: cached_summary vs unchecked",
        median_ms(lambda: [old_lookup(e, ident) for e in entries]),
        median_ms(lambda: [cached_summary(e, ident) for e in entries]),
        f"{n} documents",
    )

    positions = {f"{i:016x}": i * 7 for i in range(500)}
    raw = orjson.dumps({"last": {"alice": "0" * 16}, "positions": {"alice": positions}})
    report(
        "session.json: clean_session vs loads",
        median_ms(lambda: orjson.loads(raw), repeat=201),
        median_ms(lambda: clean_session(orjson.loads(raw)), repeat=201),
        "500 positions, read once per document opened",
    )


if __name__ == "__main__":
    main()
