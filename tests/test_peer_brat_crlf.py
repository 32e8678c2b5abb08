"""brat of a CRLF text: offsets as brat, pybrat and bratly count them, read back exactly.

brat reads ``.txt`` with universal newlines (brat issue #853), so ``\\r\\n`` is one
character there and two in newsmark's store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store.export import brat
from store.export.base import ExportReport
from store.importers import brat as brat_in
from tests.records import record, spans_in, spans_of

CRLF = "Before the break.\r\nAfter it 👩\u200d🚒 here.\r\n\r\nLast line 漢字.\r\n"
MARKS = [
    ("Before", "actor"),  # before any line break
    ("break.", "claim"),  # ends right before a CRLF
    ("After it", "actor"),  # starts right after one
    ("the break.\r\nAfter", "claim"),  # across a CRLF
    ("👩\u200d🚒", "actor"),
    ("here.\r\n\r\nLast", "quote"),  # across two
    ("字", "issue"),  # one character, after three CRLFs
]


def crlf_record() -> dict[str, object]:
    return record("crlf", CRLF, spans_in(CRLF, MARKS))


def test_offsets_count_crlf_as_one_character(tmp_path: Path) -> None:
    brat.write(iter([crlf_record()]), tmp_path / "out", ExportReport())
    assert (tmp_path / "out" / "crlf.txt").read_bytes() == CRLF.encode("utf-8")
    # What brat itself sees: the file read with universal newlines.
    seen = (tmp_path / "out" / "crlf.txt").read_text(encoding="utf-8")
    assert "\r" not in seen
    for line in (tmp_path / "out" / "crlf.ann").read_text(encoding="utf-8").splitlines():
        tid, data, shown = line.split("\t")
        frags = [tuple(map(int, f.split())) for f in data.split(" ", 1)[1].split(";")]
        assert " ".join(seen[a:b] for a, b in frags) == shown, tid


def test_pybrat_reads_the_spans_unshifted(tmp_path: Path) -> None:
    pybrat = pytest.importorskip("pybrat.parser")
    brat.write(iter([crlf_record()]), tmp_path / "out", ExportReport())
    (example,) = pybrat.BratParser(error="raise").parse(str(tmp_path / "out"))
    mentions = sorted(ent.mention for ent in example.entities)
    expected = sorted(sub.replace("\r\n", " ").replace("  ", " ") for sub, _ in MARKS)
    assert mentions == expected
    for ent in example.entities:
        assert ent.mention == " ".join(example.text[f.start : f.end] for f in ent.spans)


def test_bratly_finds_the_ann_compatible(tmp_path: Path) -> None:
    bratly = pytest.importorskip("bratly")
    brat.write(iter([crlf_record()]), tmp_path / "out", ExportReport())
    ann = tmp_path / "out" / "crlf.ann"
    entities = [
        bratly.EntityAnnotation.from_line(ln)
        for ln in ann.read_text(encoding="utf-8").splitlines()
    ]
    doc = bratly.Document(
        fullpath=str(ann.with_suffix(".txt")),
        annotation_collections=[bratly.AnnotationCollection(annotations=entities)],
    )
    assert doc.check_ann_compatibility_with_txt()


def test_newsmark_reads_its_crlf_export_back_exactly(tmp_path: Path) -> None:
    rec = crlf_record()
    brat.write(iter([rec]), tmp_path / "out", ExportReport())
    (back,) = brat_in.read(tmp_path / "out")
    assert back["text"] == CRLF
    assert spans_of(back) == spans_of(rec)
    for sp in back["spans"]:
        assert CRLF[sp["start"] : sp["end"]] == sp["text"]


def test_raw_counted_offsets_of_other_tools_still_import(tmp_path: Path) -> None:
    """A .ann that counts \\r\\n as two (not brat's way) is read where only that matches."""
    (tmp_path / "doc.txt").write_bytes(CRLF.encode("utf-8"))
    start = CRLF.index("Last")
    (tmp_path / "doc.ann").write_text(f"T1\tactor {start} {start + 4}\tLast\n", encoding="utf-8")
    (back,) = brat_in.read(tmp_path / "doc.ann")
    assert spans_of(back) == [(start, start + 4, "actor", "Last")]
