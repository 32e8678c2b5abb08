"""Sample records in newsmark's JSONL shape, shared by the export and round-trip tests."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from store.errors import InputError
from store.export.base import ExportReport

TEXT = (
    "İstanbul'da ılık bir gün.\tThe minister said \"we will act\".\nNew line "
    "👩\u200d❤\ufe0f\u200d👩 and 🇫🇷 flags.\n漢字テスト。Cafe\u0301 done."
)

# (text, label) pairs, each found in TEXT: the hard cases every exporter meets.
MARKS = [
    ("İstanbul", "actor"),  # ends inside the token "İstanbul'da"
    ("ılık bir gün", "issue"),
    ("The minister said", "claim"),
    ("The minister", "actor"),  # nested in the claim, other label
    ("minister said \"we", "claim"),  # crosses the claim above, same label
    ("act\".\nNew line", "claim"),  # across a line break
    ("👩\u200d❤\ufe0f\u200d👩", "actor"),  # one grapheme of several code points
    ("🇫🇷", "actor"),
    ("漢字", "issue"),  # inside one CJK token
    ("Cafe\u0301", "my label"),  # a combining mark; a label with a space
    ("gün.\tThe", "quote"),  # crosses a sentence end and a tab
]

Span = tuple[int, int, str]


def span(text: str, sub: str, label: str) -> Span:
    """The first occurrence of `sub` in `text`, as (start, end, label)."""
    start = text.index(sub)
    return (start, start + len(sub), label)


def spans_in(text: str, marks: Iterable[tuple[str, str]]) -> list[Span]:
    return [span(text, sub, label) for sub, label in marks]


SPANS = spans_in(TEXT, MARKS)


def record(
    doc_id: str,
    text: str,
    spans: Iterable[Span],
    annotator: str = "alice",
    relations: Iterable[tuple[str, str, str]] = (),
    *,
    status: str = "done",
    **meta: Any,
) -> dict[str, Any]:
    """One record; spans sorted and numbered s1.., relations (head, tail, label) r1...

    `meta` replaces or adds meta keys (title defaults to `doc_id`)."""
    ordered = sorted(set(spans))
    return {
        "id": doc_id,
        "text": text,
        "meta": {"title": doc_id, "source": "wire.txt", "sha256": "ab" * 32, **meta},
        "annotator": annotator,
        "status": status,
        "spans": [
            {"id": f"s{i}", "start": s, "end": e, "label": lab, "text": text[s:e]}
            for i, (s, e, lab) in enumerate(ordered, 1)
        ],
        "relations": [
            {"id": f"r{i}", "head": h, "tail": t, "label": lab}
            for i, (h, t, lab) in enumerate(relations, 1)
        ],
        "schema_version": 1,
    }


def stream(
    write: Callable[..., None], records: Iterable[dict[str, Any]], **options: Any
) -> tuple[bytes, ExportReport]:
    """Run a stream exporter's `write` over `records`: the bytes written and the report."""
    out = io.BytesIO()
    report = ExportReport()
    write(iter(records), out, report, **options)
    return out.getvalue(), report


def spans_of(rec: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """A record's spans without their ids: (start, end, label, text)."""
    return [(s["start"], s["end"], s["label"], s["text"]) for s in rec["spans"]]


def import_error(read: Callable[[Path], Iterable[Any]], path: Path) -> str:
    """The InputError an importer's `read` raises on `path`, checked to be one line."""
    with pytest.raises(InputError) as err:
        list(read(path))
    message = str(err.value)
    assert "\n" not in message
    return message
