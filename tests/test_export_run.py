"""Export orchestration in the library: what the CLI's export command calls."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from store.errors import InputError, NotFound
from store.export.run import export_format, export_store, formats
from store.store import Store


def test_native_export_to_a_stream_and_to_a_file_are_the_same(
    seeded: tuple[Store, str], tmp_path: Path
) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    out = io.BytesIO()
    report = export_store(store, stream=out)
    assert report.documents == 1 and report.spans == 1
    [line] = [orjson.loads(x) for x in out.getvalue().splitlines()]
    assert line["spans"][0]["text"] == "Hulusi Akar"
    target = tmp_path / "out.jsonl"
    export_store(store, "jsonl", target)
    assert target.read_bytes() == out.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "store"]  # no partial


def test_dry_run_reports_what_a_real_export_writes_and_writes_nothing(
    seeded: tuple[Store, str], tmp_path: Path
) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    store.add_span(doc, 180, 184, "actor", "alice")  # nested, same label: CoNLL loses it
    target = tmp_path / "out.conll"
    dry = export_store(store, "conll", target, dry_run=True)
    assert not target.exists()
    real = export_store(store, "conll", target)
    assert target.exists()
    assert (dry.summary(), dry.loss_lines()) == (real.summary(), real.loss_lines())
    assert real.loss_lines()


def test_a_failed_write_leaves_neither_the_file_nor_its_partial(
    seeded: tuple[Store, str], tmp_path: Path
) -> None:
    store, _ = seeded
    target = tmp_path / "missing-folder" / "out.jsonl"
    with pytest.raises(InputError, match="cannot write"):
        export_store(store, "jsonl", target)
    assert not target.parent.exists()


def test_refusals_come_before_any_output(seeded: tuple[Store, str], tmp_path: Path) -> None:
    store, _ = seeded
    with pytest.raises(InputError, match="unknown format 'nope'"):
        export_store(store, "nope", tmp_path / "x")
    with pytest.raises(NotFound, match="no document 'nope'"):
        export_store(store, "jsonl", tmp_path / "x.jsonl", doc_ids=["nope"])
    with pytest.raises(InputError, match="writes files; give -o PATH"):
        export_store(store, "brat", stream=io.BytesIO())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_progress_advances_once_per_document(store: Store, tmp_path: Path) -> None:
    store.add_documents([{"text": "First text."}, {"text": "Second text."}])
    seen: list[tuple[int, int]] = []
    export_store(store, "jsonl", tmp_path / "out.jsonl", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]


def test_native_jsonl_is_always_a_format() -> None:
    assert formats()["jsonl"] is None and export_format("jsonl") is None
