"""spaCy DocBin export, loaded back with spaCy itself."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import pytest

from store.errors import InputError
from store.export import spacy as spacy_export
from store.export.base import ExportReport
from tests.records import MARKS, spans_in
from tests.records import record as shared_record

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402

TEXT = (
    "İstanbul'da ılık bir gün.\tThe minister said \"we will act\".\nNew line "
    "👩\u200d❤\ufe0f\u200d👩 and 🇫🇷 flags.\n漢字テスト。Cafe\u0301  done. e"
)

# The shared marks up to "漢字", then cases at spaces and a one-letter span.
SPANS = spans_in(
    TEXT,
    [
        *MARKS[:9],
        ("Cafe\u0301 ", "my label"),  # a combining mark, and a trailing space
        (" done", "quote"),  # starts at a space
        ("gün.\tThe", "quote"),
        ("e", "x"),
    ],
)


def record(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """A shared sample record whose meta also holds a list, for the DocBin to carry."""
    return shared_record(*args, **kwargs, tags=["a"])


def sample() -> list[dict[str, Any]]:
    return [
        record("doc-1", TEXT, SPANS, relations=[("s1", "s2", "supports")]),
        record("doc-1", TEXT, SPANS[:3], annotator="bob"),
        record("doc-2", "Short one.", [(0, 5, "claim")]),
        record("doc-3", "", []),
    ]


def export(records: list[dict[str, Any]], path: Path, **options: Any) -> ExportReport:
    report = ExportReport()
    spacy_export.write(iter(records), path, report, **options)
    return report


def load(path: Path) -> list[Any]:
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def test_every_span_is_exact_in_the_docbin(tmp_path: Path) -> None:
    records = sample()
    report = export(records, tmp_path / "out.spacy")
    docs = load(tmp_path / "out.spacy")
    assert len(docs) == len(records)
    for doc, rec in zip(docs, records, strict=True):
        assert doc.text == rec["text"]
        want = [(s["start"], s["end"], s["label"]) for s in rec["spans"]]
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == want
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans[rec["annotator"]]] == want
        for s, e, label in want:
            found = doc.char_span(s, e, label=label, alignment_mode="strict")
            assert found is not None and found.text == rec["text"][s:e]
        ents = [(e.start_char, e.end_char) for e in doc.ents]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ents))
        assert set(ents) <= {(s, e) for s, e, _ in want}
        assert doc.user_data["id"] == rec["id"]
        assert doc.user_data["annotator"] == rec["annotator"]
        assert doc.user_data["status"] == rec["status"]
        assert doc.user_data["meta"]["title"] == rec["meta"]["title"]
        assert list(doc.user_data["span_ids"]) == [s["id"] for s in rec["spans"]]
    assert report.documents == 4 and report.relations == 1 and not report.lost
    assert report.spans == sum(len(r["spans"]) for r in records)
    info = getattr(report, "info", None)
    assert info is not None and info[spacy_export.INFO_NOT_IN_ENTS] > 0


def test_read_docbin_gives_the_records_back(tmp_path: Path) -> None:
    records = sample()
    export(records, tmp_path / "out.spacy")
    assert list(spacy_export.read_docbin(tmp_path / "out.spacy")) == records


def test_split_is_by_document_and_seeded(tmp_path: Path) -> None:
    records = [
        record(f"d{i:02}", f"Text {i} here.", [(0, 4, "claim")], annotator=a)
        for i in range(20)
        for a in ("alice", "bob")
    ]
    report = export(records, tmp_path / "data.spacy", split=(0.8, 0.1, 0.1), seed=3)
    parts = {name: load(tmp_path / f"data-{name}.spacy") for name in ("train", "dev", "test")}
    assert not (tmp_path / "data.spacy").exists()
    assert sorted(report.files) == sorted(str(tmp_path / f"data-{n}.spacy") for n in parts)
    ids = {name: [d.user_data["id"] for d in docs] for name, docs in parts.items()}
    assert [len(set(v)) for v in ids.values()] == [16, 2, 2]
    assert all(v.count(d) == 2 for v in ids.values() for d in v)  # both layers together
    assert not set(ids["train"]) & (set(ids["dev"]) | set(ids["test"]))
    # same seed, other input order: same split; other seed: another split
    export(list(reversed(records)), tmp_path / "again.spacy", split=(0.8, 0.1, 0.1), seed=3)
    assert {d.user_data["id"] for d in load(tmp_path / "again-dev.spacy")} == set(ids["dev"])
    splits = {
        seed: spacy_export.split_of([r["id"] for r in records], (0.8, 0.1, 0.1), seed)
        for seed in range(5)
    }
    assert len({tuple(sorted(s.items())) for s in splits.values()}) > 1


def test_bad_options_and_missing_spacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="three fractions"):
        export(sample(), tmp_path / "x.spacy", split=(0.5, 0.6, 0.1))
    with pytest.raises(InputError, match="lang='zz-none'"):
        export(sample(), tmp_path / "x.spacy", lang="zz-none")
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(InputError, match=r"pip install 'newsmark\[spacy\]'"):
        export(sample(), tmp_path / "x.spacy")


def test_deterministic(tmp_path: Path) -> None:
    export(sample(), tmp_path / "a.spacy")
    export(sample(), tmp_path / "b.spacy")
    assert (tmp_path / "a.spacy").read_bytes() == (tmp_path / "b.spacy").read_bytes()
