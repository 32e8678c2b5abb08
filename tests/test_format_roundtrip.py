"""Property tests: records -> format -> newsmark's importer -> the same records."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.export import brat, conll, doccano, labelstudio
from store.export.base import ExportReport
from store.export.doccano import RELATIONS_LOST as DOCCANO_RELATIONS_LOST
from store.importers import brat as brat_in
from store.importers import conll as conll_in
from store.importers import doccano as doccano_in
from store.importers import labelstudio as ls_in
from tests.records import record, spans_of, stream

ATOMS = [
    "a", "Bc", "ı", "İ", "e\u0301", "漢", "字", " ", "  ", "\t", "\n", ".", "!", "\"", "'",
    "👩\u200d❤\ufe0f\u200d👩", "🇫🇷", "\u00a0", "x y", "\r\n", "\r",
]
LABELS = ["claim", "quote", "my label"]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def layers(draw: st.DrawFn, doc_id: str, text: str) -> list[dict[str, Any]]:
    out = []
    for annotator in draw(st.sampled_from([["alice"], ["alice", "bob"], ["bob"]])):
        spans: set[tuple[int, int, str]] = set()
        if len(text) > 0:
            for _ in range(draw(st.integers(0, 6))):
                start = draw(st.integers(0, len(text) - 1))
                end = draw(st.integers(start + 1, len(text)))
                spans.add((start, end, draw(st.sampled_from(LABELS))))
        relations = []
        if len(spans) >= 2:
            for _ in range(draw(st.integers(0, 2))):
                head, tail = draw(st.permutations(range(len(spans))))[:2]
                label = draw(st.sampled_from(["supports", "says that"]))
                relations.append((f"s{head + 1}", f"s{tail + 1}", label))  # ids as record() gives
        status = draw(st.sampled_from(["done", "todo"]))
        out.append(
            record(
                doc_id, text, spans, annotator, relations,
                status=status, title=f"T {doc_id}", sha256="0" * 64,
            )
        )
    return out


@st.composite
def corpora(draw: st.DrawFn) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 3))):
        text = "".join(draw(st.lists(st.sampled_from(ATOMS), max_size=25)))
        records.extend(draw(layers(f"doc-{n + 1}", text)))
    return records


def export_and_read(
    write: Any, importer: Any, records: list[dict[str, Any]], name: str
) -> tuple[bool, list[dict[str, Any]], ExportReport]:
    """Export twice (the bytes must not change), then read the file back with newsmark's
    importer: whether it detects the file, what it reads, and the export's report."""
    data, report = stream(write, records)
    assert data == stream(write, records)[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return importer.detect(path), list(importer.read(path)), report


@SETTINGS
@given(corpora())
def test_doccano_round_trip(records: list[dict[str, Any]]) -> None:
    detected, back, report = export_and_read(doccano.write, doccano_in, records, "out.jsonl")
    assert detected
    assert len(back) == len(records)
    for got, rec in zip(back, records, strict=True):
        for key in ("id", "text", "meta", "annotator", "status"):
            assert got[key] == rec[key]
        assert spans_of(got) == spans_of(rec)
    assert report.lost[DOCCANO_RELATIONS_LOST] == sum(
        len(r["relations"]) for r in records
    )


@SETTINGS
@given(corpora())
def test_labelstudio_round_trip(records: list[dict[str, Any]]) -> None:
    detected, back, report = export_and_read(labelstudio.write, ls_in, records, "out.json")
    assert detected
    assert back == records
    assert not report.lost


def _brat_expected(rec: dict[str, Any]) -> tuple[list[tuple[int, int, str, str]], Counter[Any]]:
    text = rec["text"]
    kept: dict[str, tuple[int, int, str, str]] = {}
    for sp in rec["spans"]:
        frags = brat.fragments(text, sp["start"], sp["end"])
        if frags:
            s, e = frags[0][0], frags[-1][1]
            kept[sp["id"]] = (s, e, sp["label"], text[s:e])
    relations = Counter(
        (kept[r["head"]], kept[r["tail"]], r["label"])
        for r in rec["relations"]
        if r["head"] in kept and r["tail"] in kept
    )
    return sorted(kept.values()), relations


@SETTINGS
@given(corpora())
def test_brat_round_trip_minus_fragment_joins(records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp) / "one", Path(tmp) / "two"
        report = ExportReport()
        brat.write(iter(records), one, report)
        brat.write(iter(records), two, ExportReport())
        files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
        assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)
        assert brat_in.detect(one) == bool(records)
        back = list(brat_in.read(one))
    nested = len({r["annotator"] for r in records}) > 1
    by_key = {(r["annotator"] if nested else "imported", r["id"]): r for r in back}
    assert len(by_key) == len(records)
    for rec in records:
        got = by_key[(rec["annotator"] if nested else "imported", rec["id"])]
        assert got["text"] == rec["text"]
        want_spans, want_relations = _brat_expected(rec)
        assert spans_of(got) == want_spans
        by_id = {s["id"]: (s["start"], s["end"], s["label"], s["text"]) for s in got["spans"]}
        assert Counter(
            (by_id[r["head"]], by_id[r["tail"]], r["label"]) for r in got["relations"]
        ) == want_relations
    assert report.spans == sum(len(_brat_expected(r)[0]) for r in records)


@SETTINGS
@given(corpora())
def test_conll_losses_equal_the_report(records: list[dict[str, Any]]) -> None:
    _, back, report = export_and_read(conll.write, conll_in, records, "out.conll")
    assert len(back) == len(records)
    lost = sum(report.lost[reason] for reason in conll.SPAN_LOSSES)
    assert sum(len(r["spans"]) for r in back) == sum(len(r["spans"]) for r in records) - lost
    assert report.spans == sum(len(r["spans"]) for r in back)
    assert report.lost["relations not representable in CoNLL"] == sum(
        len(r["relations"]) for r in records
    )
    for got, rec in zip(back, records, strict=True):
        assert got["text"].split() == [] or "".join(got["text"].split()) == "".join(
            rec["text"].split()
        )
        originals = Counter(
            (conll.column_name(s["label"]), "".join(s["text"].split())) for s in rec["spans"]
        )
        for sp in got["spans"]:
            assert got["text"][sp["start"] : sp["end"]] == sp["text"]
            assert originals[(sp["label"], "".join(sp["text"].split()))] > 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_spacy_round_trip(records: list[dict[str, Any]]) -> None:
    pytest.importorskip("spacy")
    from store.export import spacy as spacy_export

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.spacy"
        report = ExportReport()
        spacy_export.write(iter(records), path, report, lang="xx")
        back = list(spacy_export.read_docbin(path, lang="xx"))
    assert back == records
    assert not report.lost
