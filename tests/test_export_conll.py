"""CoNLL IOB2 export (one tag column per label) and import; read by `spacy convert`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from store.export import conll
from store.export.base import ExportReport
from store.importers import conll as conll_in
from store.importers.registry import FORMATS as IMPORTS
from tests.records import SPANS, TEXT, import_error, record, span, stream


def sample() -> list[dict[str, Any]]:
    return [
        record("doc-1", TEXT, SPANS, relations=[("s1", "s2", "supports")]),
        record("doc-2", "Short one. Two.", [(0, 5, "claim"), (11, 15, "claim")]),
        record("doc-3", "", []),
    ]


def export(records: Iterable[dict[str, Any]], **options: Any) -> tuple[str, ExportReport]:
    data, report = stream(conll.write, records, **options)
    return data.decode("utf-8"), report


def sentences(doc: str) -> list[list[list[str]]]:
    return [[ln.split(" ") for ln in block.split("\n")] for block in doc.strip().split("\n\n")]


def test_columns_tags_and_sentences() -> None:
    # Of SPANS, "The minister" (nested, other label) gets its own column, and
    # "minister said \"we" overlaps a claim with the same label: dropped.
    data, report = export(sample())
    lines = data.split("\n")
    # No header line: spacy convert would read it as a junk first document.
    assert lines[0] == conll.DOCSTART
    assert not any(line.startswith("#") for line in lines)
    docs = data.split("-DOCSTART- -X- O O\n\n")[1:]
    assert len(docs) == 3 and docs[2] == ""
    first = sentences(docs[0])
    rows = [row for sent in first for row in sent]
    assert all(len(row) == 6 for row in rows)
    tokens = [row[0] for row in rows]
    assert "".join(tokens) == "".join(TEXT.split())
    tags = {row[0]: row[1:] for row in rows}
    assert tags["İstanbul"] == ["B-actor", "O", "O", "O", "O"]
    assert tags["'da"] == ["O"] * 5  # split at the span edge
    assert tags["minister"] == ["I-actor", "I-claim", "O", "O", "O"]
    assert tags["👩\u200d❤\ufe0f\u200d👩"][0] == "B-actor"
    assert tags["Cafe\u0301"][3] == "B-my_label"
    # "act\".\nNew line" is one span: its tokens share a sentence across the line break.
    sentence_of = {row[0]: i for i, sent in enumerate(first) for row in sent}
    assert sentence_of["act\"."] == sentence_of["New"] == sentence_of["line"]
    assert sentence_of["gün"] == sentence_of["The"]  # the quote spans the sentence end
    assert sentence_of["line"] != sentence_of["漢字"]
    assert report.lost[conll.LOST_OVERLAP] == 1
    assert report.lost["relations not representable in CoNLL"] == 1
    assert report.lost["span labels with whitespace written with _ in CoNLL"] == 1
    assert report.spans == len(SPANS) - 1 + 2
    second = sentences(docs[1])
    assert [[row[0] for row in s] for s in second] == [["Short", "one."], ["Two."]]


def test_single_label_file_is_read_by_spacy_convert(tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    text = "The minister said.\nNew York City is big. 漢字 ok"
    ents = [span(text, sub, "ENT") for sub in ("minister", "New York City", "漢字")]
    records = [
        record("a", text, ents),
        record("b", "Nothing here.", []),
    ]
    data, _ = export(records)
    assert not data.startswith("#")  # one column: no header, exactly what spaCy reads
    path = tmp_path / "single.conll"
    path.write_text(data, encoding="utf-8")
    out = tmp_path / "converted"
    out.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "spacy", "convert", str(path), str(out), "--converter", "ner"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    docs = list(DocBin().from_disk(out / "single.spacy").get_docs(spacy.blank("xx").vocab))
    assert len(docs) == 2
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("minister", "ENT"), ("New York City", "ENT"), ("漢字", "ENT")
    ]
    assert list(docs[1].ents) == []


def test_import_counts_match_the_report(tmp_path: Path) -> None:
    records = sample()
    data, report = export(records)
    path = tmp_path / "out.conll"
    path.write_text(data, encoding="utf-8")
    assert IMPORTS["conll"].detect(path)
    back = list(IMPORTS["conll"].read(path))
    assert [r["id"] for r in back] == ["out-1", "out-2", "out-3"]
    lost = sum(report.lost[r] for r in conll.SPAN_LOSSES)
    assert sum(len(r["spans"]) for r in back) == sum(len(r["spans"]) for r in records) - lost
    doc1 = back[0]
    got = {(s["label"], "".join(s["text"].split())) for s in doc1["spans"]}
    assert ("my_label", "Cafe\u0301") in got and ("claim", "act\".Newline") in got
    assert ("quote", "gün.The") in got
    for sp in doc1["spans"]:
        assert doc1["text"][sp["start"] : sp["end"]] == sp["text"]
    assert back[1]["text"] == "Short one.\nTwo." and back[2]["text"] == ""


def test_import_foreign_conll2003_and_bioes(tmp_path: Path) -> None:
    path = tmp_path / "eng.iob"
    path.write_text(
        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\n"
        "call NN I-NP O\n\nNew NNP B-NP B-LOC\nYork NNP I-NP E-LOC\nPeter NNP I-NP S-PER\n",
        encoding="utf-8",
    )
    (rec,) = list(conll_in.read(path))
    assert rec["text"] == "EU rejects German call\nNew York Peter"
    assert [(s["label"], s["text"]) for s in rec["spans"]] == [
        ("ORG", "EU"), ("MISC", "German"), ("LOC", "New York"), ("PER", "Peter")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("A O\nB X-foo\n", "bad.conll:2: tag 'X-foo' is not IOB"),
        ("# newsmark-conll columns: TOKEN a b\nA O O\nB O\n", "bad.conll:3: 2 fields"),
        ("A\n", "bad.conll:1: token 'A' has no tag column"),
    ],
)
def test_import_errors_are_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.conll"
    path.write_text(content, encoding="utf-8")
    assert message in import_error(conll_in.read, path)


def test_fixed_label_columns_and_forced_header() -> None:
    data, report = export(sample(), labels=["claim"], header=True)
    assert data.startswith("# newsmark-conll columns: TOKEN claim\n")
    assert report.lost[conll.LOST_COLUMN] == 8
    assert report.spans == 2 + 2


def test_deterministic() -> None:
    assert export(sample())[0] == export(sample())[0]
