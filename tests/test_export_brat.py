"""brat standoff export and import, checked with real brat parsers (pybrat, bratly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from store.export import brat
from store.export.base import ExportReport
from store.importers import brat as brat_in
from store.importers.registry import FORMATS as IMPORTS
from tests.records import SPANS, TEXT, import_error, record, spans_of


def sample(annotators: tuple[str, ...] = ("alice", "bob")) -> list[dict[str, Any]]:
    out = [record("doc-1", TEXT, SPANS, relations=[("s1", "s2", "supports")])]
    if "bob" in annotators:
        out.append(record("doc-1", TEXT, SPANS[:3], annotator="bob"))
    out.append(record("doc-2", "Short one.\nTwo.", [(0, 5, "claim")]))
    return out


def export(records: list[dict[str, Any]], path: Path) -> ExportReport:
    report = ExportReport()
    brat.write(iter(records), path, report)
    return report


def tree(path: Path) -> dict[str, bytes]:
    files = sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p.relative_to(path)): p.read_bytes() for p in files}


def test_layout_lines_and_conf(tmp_path: Path) -> None:
    report = export(sample(), tmp_path / "out")
    files = tree(tmp_path / "out")
    assert sorted(files) == [
        "alice/doc-1.ann", "alice/doc-1.txt", "alice/doc-2.ann", "alice/doc-2.txt",
        "annotation.conf", "bob/doc-1.ann", "bob/doc-1.txt",
    ]
    assert files["alice/doc-1.txt"].decode("utf-8") == TEXT
    ann = files["alice/doc-1.ann"].decode("utf-8").splitlines()
    bodies = {ln.split("\t", 1)[1] for ln in ann}
    start = TEXT.index("act\"")
    nl = TEXT.index("\n")
    assert f"claim {start} {nl};{nl + 1} {nl + 9}\tact\". New line" in bodies
    tab = TEXT.index("\t")
    assert f"quote {tab - 4} {tab};{tab + 1} {tab + 4}\tgün. The" in bodies
    cafe = TEXT.index("Cafe")
    assert f"my_label {cafe} {cafe + 5}\tCafe\u0301" in bodies
    assert "R1\tsupports Arg1:T1 Arg2:T2" in ann
    conf = files["annotation.conf"].decode("utf-8")
    assert "# newsmark-layout: annotator-folders" in conf
    assert '# newsmark-label: my_label "my label"' in conf
    entities = conf.split("[entities]\n")[1].split("[relations]")[0].split()
    assert entities == ["actor", "claim", "issue", "my_label", "quote"]
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>" in conf
    assert "supports\tArg1:<ENTITY>, Arg2:<ENTITY>" in conf
    assert report.spans == 11 + 3 + 1 and report.relations == 1
    assert report.lost["span labels renamed to brat-safe names (listed in annotation.conf)"] == 1


def test_single_annotator_is_flat(tmp_path: Path) -> None:
    export(sample(("alice",)), tmp_path / "flat")
    assert sorted(tree(tmp_path / "flat")) == [
        "annotation.conf", "doc-1.ann", "doc-1.txt", "doc-2.ann", "doc-2.txt",
    ]


def test_pybrat_reads_every_span_with_matching_text(tmp_path: Path) -> None:
    pybrat = pytest.importorskip("pybrat.parser")
    export(sample(), tmp_path / "out")
    # error="ignore": pybrat refuses two entities on identical offsets, which brat allows.
    examples = pybrat.BratParser(error="ignore").parse(str(tmp_path / "out"))
    assert sorted(ex.id for ex in examples) == ["alice/doc-1", "alice/doc-2", "bob/doc-1"]
    checked = 0
    for ex in examples:
        for ent in ex.entities:
            expected = " ".join(ex.text[f.start : f.end] for f in ent.spans)
            assert ent.mention == expected.rstrip()
            checked += 1
        if ex.id == "alice/doc-1":
            assert [(r.type, r.arg1.mention, r.arg2.mention) for r in ex.relations] == [
                ("supports", "İstanbul", "ılık bir gün")
            ]
    assert checked == 15


def test_bratly_finds_no_mismatch(tmp_path: Path) -> None:
    bratly = pytest.importorskip("bratly")
    export(sample(), tmp_path / "out")
    for ann_path in sorted((tmp_path / "out").rglob("*.ann")):
        lines = [ln for ln in ann_path.read_text(encoding="utf-8").split("\n") if ln[:1] == "T"]
        entities = [bratly.EntityAnnotation.from_line(ln) for ln in lines]
        doc = bratly.Document(
            fullpath=str(ann_path.with_suffix(".txt")),
            annotation_collections=[bratly.AnnotationCollection(annotations=entities)],
        )
        assert doc.check_ann_compatibility_with_txt()


def test_import_round_trip(tmp_path: Path) -> None:
    records = sample()
    export(records, tmp_path / "out")
    assert IMPORTS["brat"].detect(tmp_path / "out")
    back = {(r["annotator"], r["id"]): r for r in IMPORTS["brat"].read(tmp_path / "out")}
    assert sorted(back) == [("alice", "doc-1"), ("alice", "doc-2"), ("bob", "doc-1")]
    for rec in records:
        got = back[(rec["annotator"], rec["id"])]
        assert got["text"] == rec["text"] and got["status"] == "todo"
        assert spans_of(got) == spans_of(rec)
    assert back[("alice", "doc-1")]["relations"] == [
        {"id": "R1", "head": "T1", "tail": "T2", "label": "supports"}
    ]
    # one pair, read on its own, still knows its annotator and the renamed label
    (single,) = list(brat_in.read(tmp_path / "out" / "alice" / "doc-1.ann"))
    assert single["annotator"] == "alice" and "my label" in {s["label"] for s in single["spans"]}


def test_import_joins_foreign_fragments_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("New York and Boston", encoding="utf-8")
    (tmp_path / "a.ann").write_text(
        "T1\tGPE 0 3;9 12\tNew and\nT2\tGPE 13 19\tBoston\nA1\tNeg T1\n#1\tAnnotatorNotes T1\tx\n",
        encoding="utf-8",
    )
    notes: list[str] = []
    (rec,) = list(brat_in.read(tmp_path / "a.txt", notes=notes))
    assert [(s["start"], s["end"], s["text"]) for s in rec["spans"]] == [
        (0, 12, "New York and"),
        (13, 19, "Boston"),
    ]
    assert rec["annotator"] == "imported" and rec["id"] == "a"
    assert any("joined into one span 0-12" in n for n in notes)
    assert any("skipped 2 lines" in n for n in notes)


@pytest.mark.parametrize(
    ("ann", "message"),
    [
        ("T1\tX 0 40\tabc\n", "bad offsets 0-40"),
        ("T1\tX 0 3\tabd\n", "text mismatch"),
        ("T1\tX zero 3\tabc\n", "bad offsets"),
        ("T1\tX 0 3\tabc\nR1\trel Arg1:T1 Arg2:T9\n", "names no text-bound"),
    ],
)
def test_import_errors_are_one_line(tmp_path: Path, ann: str, message: str) -> None:
    (tmp_path / "d.txt").write_text("abc def", encoding="utf-8")
    (tmp_path / "d.ann").write_text(ann, encoding="utf-8")
    error = import_error(brat_in.read, tmp_path)
    assert message in error and "d.ann" in error


def test_unsafe_ids_and_line_break_edges_are_reported(tmp_path: Path) -> None:
    text = "a\nb"
    rec = record("x/../y", text, [(0, 2, "L"), (1, 2, "L")])
    report = export([rec], tmp_path / "out")
    assert (tmp_path / "out" / "x_.._y.ann").is_file()
    assert report.lost["document ids changed to be safe brat file names"] == 1
    assert report.lost["spans trimmed of leading or trailing line breaks and tabs by brat"] == 1
    assert report.lost["spans made only of line breaks and tabs (brat cannot show them)"] == 1
    assert report.spans == 1


def test_deterministic(tmp_path: Path) -> None:
    export(sample(), tmp_path / "one")
    export(sample(), tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
