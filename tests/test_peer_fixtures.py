"""The peers' own sample files (tests/fixtures/peers/, see each NOTICE) import exactly.

brat's news tutorial, doccano's import fixtures and Label Studio's test samples: every
span lands at offsets whose text is the span's text, and the counts are what the files
hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from store.errors import InputError
from store.importing import ImportOptions, check_import, import_paths, read_items
from store.store import Store

PEERS = Path(__file__).parent / "fixtures" / "peers"


def items(path: Path, **options: Any) -> list[dict[str, Any]]:
    notes: list[str] = []
    out = list(read_items(path, ImportOptions(**options), notes))
    for item in out:
        for sp in item["spans"]:
            assert item["text"][sp["start"] : sp["end"]] == sp["text"]
    return out


def test_brat_news_tutorial() -> None:
    got = {Path(str(i["source"])).stem: i for i in items(PEERS / "brat")}
    assert sorted(got) == [
        "060-relation_annotation", "080-event-annotation",
        "100-attribute_annotation", "110-note_annotation",
    ]
    for stem, item in got.items():
        ann = (PEERS / "brat" / f"{stem}.ann").read_text(encoding="utf-8").splitlines()
        t_lines = [ln.split("\t") for ln in ann if ln.startswith("T")]
        # Every T line is a span, at brat's offsets, with brat's text.
        assert len(item["spans"]) == len(t_lines)
        shown = {(int(d.split()[1]), int(d.split()[2]), d.split()[0], t) for _, d, t in t_lines}
        assert {(s["start"], s["end"], s["label"], s["text"]) for s in item["spans"]} == shown
        r_lines = [ln for ln in ann if ln.startswith("R")]
        assert len(item["relations"]) == len(r_lines)
    assert [r["label"] for r in got["060-relation_annotation"]["relations"]] == ["Located"]
    # Attributes, notes and events of other shapes are named, not silently dropped.
    notes = check_import([PEERS / "brat"]).notes
    assert any("100-attribute_annotation.ann: skipped 16 lines" in n for n in notes)


def test_doccano_sequence_labelling_with_a_line_without_text() -> None:
    path = PEERS / "doccano" / "sequence_labeling.jsonl"
    with pytest.raises(InputError, match=r"sequence_labeling\.jsonl:3: no \"text\" string"):
        items(path)
    # doccano imports the rest and names the line; so does --skip-bad.
    notes: list[str] = []
    got = list(read_items(path, ImportOptions(skip_bad=True), notes))
    assert [i["text"] for i in got] == ["exampleA", "exampleB"]
    assert [(s["start"], s["end"], s["label"]) for s in got[0]["spans"]] == [(0, 1, "LOC")]
    assert got[0]["meta"] == {"wikiPageID": 1}
    assert len(notes) == 1 and f"{path}:3" in notes[0] and "skipped" in notes[0]


def test_doccano_duplicated_span_is_stored_and_reported_once(tmp_path: Path) -> None:
    path = PEERS / "doccano" / "sequence_labeling_overlapping.jsonl"
    (item,) = items(path)
    assert [(s["start"], s["end"], s["label"]) for s in item["spans"]] == [(0, 1, "LOC")] * 2
    store = Store.open(tmp_path / "store")
    try:
        report = import_paths(store, [path])
        (info,) = store.documents()
        assert [(s.start, s.end, s.label) for s in store.spans(info.id)] == [(0, 1, "LOC")]
        assert report.spans == 1
    finally:
        store.close()


def test_doccano_relation_extraction() -> None:
    (item,) = items(PEERS / "doccano" / "relation_extraction.jsonl")
    assert sorted(s["text"] for s in item["spans"]) == [
        "Google", "Larry Page", "September 4, 1998", "Sergey Brin",
    ]
    by_id = {s["id"]: s["text"] for s in item["spans"]}
    assert sorted((by_id[r["head"]], r["label"], by_id[r["tail"]]) for r in item["relations"]) == [
        ("Google", "foundedAt", "September 4, 1998"),
        ("Google", "foundedBy", "Larry Page"),
        ("Google", "foundedBy", "Sergey Brin"),
    ]


@pytest.mark.parametrize("name", ["text_classification.jsonl", "text_classification.json"])
def test_doccano_text_classification_as_document_labels(name: str) -> None:
    path = PEERS / "doccano" / name
    if name.endswith(".json"):
        # Its fourth item has no text: refused whole, or skipped by name.
        with pytest.raises(InputError, match="item 4: no \"text\" string"):
            items(path)
        got = items(path, skip_bad=True)
    else:
        got = items(path)
    assert [(i["text"], i["doc_labels"]) for i in got] == [
        ("exampleA", {"label": ["positive"]}),
        ("exampleB", {"label": ["positive", "negative"]}),
        ("exampleC", {}),
    ]
    assert all(not i["spans"] for i in got)


def test_doccano_conll() -> None:
    (item,) = items(PEERS / "doccano" / "sequence_labeling.conll")
    assert item["text"] == "JAPAN GET\nNadim Ladki"
    got = [(s["text"], s["label"]) for s in item["spans"]]
    assert got == [("JAPAN", "LOC"), ("Nadim Ladki", "PER")]


def test_label_studio_plain_task_list() -> None:
    got = items(PEERS / "labelstudio" / "text_with_2_tasks.json")
    assert [i["text"] for i in got] == ["Example 1", "Example 2"]


def test_label_studio_choices_become_document_labels() -> None:
    got = items(PEERS / "labelstudio" / "humor_dataset_2_annotations.json")
    assert [(i["annotator"], i["doc_labels"]) for i in got] == [
        ("test_suites_user@heartex.com", {"sentiment": ["Not Humor"]}),
    ] * 2


def test_label_studio_predictions_are_named_not_imported() -> None:
    path = PEERS / "labelstudio" / "text_with_2_predictions.json"
    (item,) = items(path)
    assert item["text"] == "Test example phrase" and not item["doc_labels"]
    assert any("predictions skipped" in n for n in check_import([path]).notes)
