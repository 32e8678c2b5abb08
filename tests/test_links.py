"""Attribution links in the store: made, removed, given a cue, undone, merged, exported."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from store.errors import InputError, NotFound
from store.labels import LabelScheme, load_scheme
from store.store import Store
from store.validate import validate
from tests.conftest import SEED
from tests.test_cli import run

TEXT = SEED.read_text(encoding="utf-8")
QUOTE = TEXT.index("for the significant role")
QUOTE_END = TEXT.index("there.", QUOTE) + len("there.")
AUSTIN = TEXT.index("Austin thanked")
SAID = TEXT.index("said", TEXT.index("Pentagon separately"))


def _doc(store: Store) -> tuple[str, str, str]:
    ((info, _),) = store.add_documents([{"text": TEXT}])
    quote = store.add_span(info.id, QUOTE, QUOTE_END, "quote", "alice").span
    actor = store.add_span(info.id, AUSTIN, AUSTIN + 6, "actor", "alice").span
    assert quote is not None and actor is not None
    return info.id, quote.id, actor.id


def _links(store: Store, doc: str) -> list[tuple[str, str, str, str]]:
    by_id = {s.id: s.text for s in store.spans(doc)}
    return [
        (by_id[r.head][:7], r.label, by_id[r.tail], by_id.get(r.cue, ""))
        for r in store.relations(doc, "alice")
    ]


def test_a_link_is_one_undoable_write(store: Store) -> None:
    doc, quote, actor = _doc(store)
    change = store.add_relation(doc, quote, actor, "speaker", "alice")
    assert "speaker" in change.describe() and "Austin" in change.describe()
    assert _links(store, doc) == [("for the", "speaker", "Austin", "")]
    store.undo(doc, "alice")
    assert _links(store, doc) == []
    store.redo(doc, "alice")
    assert _links(store, doc) == [("for the", "speaker", "Austin", "")]
    (rel,) = store.relations(doc, "alice")
    store.delete_relation(doc, rel.id, "alice")
    assert _links(store, doc) == []
    store.undo(doc, "alice")
    assert _links(store, doc) == [("for the", "speaker", "Austin", "")]


def test_bad_links_are_refused_and_change_nothing(store: Store) -> None:
    doc, quote, actor = _doc(store)
    store.add_relation(doc, quote, actor, "speaker", "alice")
    before = store.relations(doc)
    with pytest.raises(InputError, match="already linked"):
        store.add_relation(doc, quote, actor, "speaker", "alice")
    with pytest.raises(InputError, match="itself"):
        store.add_relation(doc, quote, quote, "speaker", "alice")
    with pytest.raises(NotFound, match="not in alice's layer"):
        store.add_relation(doc, quote, "nope", "speaker", "alice")
    bob = store.add_span(doc, 0, 3, "actor", "bob").span
    assert bob is not None
    with pytest.raises(NotFound, match="not in alice's layer"):
        store.add_relation(doc, quote, bob.id, "speaker", "alice")  # another's span
    assert store.relations(doc) == before


def test_deleting_a_span_deletes_its_links_and_undo_brings_them_back(store: Store) -> None:
    doc, quote, actor = _doc(store)
    store.add_relation(doc, quote, actor, "speaker", "alice")
    (rel,) = store.relations(doc, "alice")
    store.set_cue(doc, rel.id, SAID, SAID + 4, "alice")
    store.delete_span(doc, actor, "alice")
    assert store.relations(doc) == []
    assert validate(store)[2] == []
    store.undo(doc, "alice")
    assert _links(store, doc) == [("for the", "speaker", "Austin", "said")]
    # Deleting the cue keeps the link, without its cue; undo puts the cue back.
    cue = next(s for s in store.spans(doc, "alice") if s.label == "cue")
    store.delete_span(doc, cue.id, "alice")
    assert _links(store, doc) == [("for the", "speaker", "Austin", "")]
    store.undo(doc, "alice")
    assert _links(store, doc) == [("for the", "speaker", "Austin", "said")]


def test_a_cue_is_a_span_of_its_own_and_undoing_it_removes_it(store: Store) -> None:
    doc, quote, actor = _doc(store)
    store.add_relation(doc, quote, actor, "speaker", "alice")
    (rel,) = store.relations(doc, "alice")
    change = store.set_cue(doc, rel.id, SAID, SAID + 4, "alice")
    assert [s.text for s in change.spans] == ["said"]
    with pytest.raises(InputError, match="already the cue"):
        store.set_cue(doc, rel.id, SAID, SAID + 4, "alice")
    store.undo(doc, "alice")
    assert {s.label for s in store.spans(doc, "alice")} == {"quote", "actor"}
    assert _links(store, doc) == [("for the", "speaker", "Austin", "")]


def test_links_with_cues_go_out_and_come_back_in_native_jsonl(
    store: Store, tmp_path: Path
) -> None:
    doc, quote, actor = _doc(store)
    store.add_relation(doc, quote, actor, "speaker", "alice")
    (rel,) = store.relations(doc, "alice")
    store.set_cue(doc, rel.id, SAID, SAID + 4, "alice")
    (rec,) = list(store.records(annotator="alice"))
    (out,) = rec["relations"]
    by_id = {s["id"]: s for s in rec["spans"]}
    assert by_id[out["cue"]]["text"] == "said"
    other = Store.open(tmp_path / "other", create=True)
    other.add_documents([rec])
    (doc2,) = [d.id for d in other.documents()]
    assert _links(other, doc2) == [("for the", "speaker", "Austin", "said")]


def test_a_relation_naming_a_missing_cue_is_refused_whole(store: Store) -> None:
    rec = {
        "text": TEXT, "annotator": "alice",
        "spans": [{"id": "T1", "start": QUOTE, "end": QUOTE_END, "label": "quote"},
                  {"id": "T2", "start": AUSTIN, "end": AUSTIN + 6, "label": "actor"}],
        "relations": [{"id": "R1", "head": "T1", "tail": "T2", "label": "speaker",
                       "cue": "T9"}],
    }  # fmt: skip
    with pytest.raises(InputError, match="T9"):
        store.add_documents([rec])
    assert all(not store.spans(d.id) for d in store.documents())


SCHEME = """
[[labels]]
name = "quote"
[[labels]]
name = "actor"
[[labels]]
name = "claim"
[[relations]]
name = "speaker"
from = ["quote"]
to = ["actor"]
[[relations]]
name = "supports"
from = ["claim"]
to = ["claim"]
acyclic = true
"""


def _linked_file(tmp_path: Path, links: list[tuple[str, str, str]]) -> Path:
    spans = [
        {"id": "q", "start": QUOTE, "end": QUOTE_END, "label": "quote"},
        {"id": "a", "start": AUSTIN, "end": AUSTIN + 6, "label": "actor"},
        {"id": "c1", "start": 0, "end": 3, "label": "claim"},
        {"id": "c2", "start": 4, "end": 11, "label": "claim"},
    ]
    rels = [{"head": h, "tail": t, "label": lab} for h, lab, t in links]
    path = tmp_path / "in.jsonl"
    path.write_text(
        orjson.dumps({"text": TEXT, "annotator": "alice", "spans": spans, "relations": rels})
        .decode() + "\n", encoding="utf-8",
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("links", "says"),
    [
        ([("q", "claimant", "a")], "'claimant' link, which the scheme does not have"),
        ([("a", "speaker", "q")], "links a actor to a quote as speaker"),
        ([("c1", "supports", "c2"), ("c2", "supports", "c1")], "go round in a cycle"),
    ],
)
def test_import_with_a_scheme_refuses_links_it_forbids_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], links: list[tuple[str, str, str]],
    says: str,
) -> None:  # fmt: skip
    scheme = tmp_path / "scheme.toml"
    scheme.write_text(SCHEME, encoding="utf-8")
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(_linked_file(tmp_path, links)), "--labels",
                       str(scheme), "--store", str(st))  # fmt: skip
    assert code == 1 and says in err and len(err.strip().splitlines()) == 1
    assert not st.exists()
    # The same file without a scheme to check against imports as it is.
    code, _, _ = run(capsys, "import", str(_linked_file(tmp_path, links)), "--store", str(st))
    assert code == 0


def test_a_scheme_naming_an_unknown_label_in_a_relation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCHEME.replace('to = ["actor"]', 'to = ["person"]'), encoding="utf-8")
    with pytest.raises(InputError, match="names label 'person'"):
        load_scheme(path)
    assert [r.name for r in load_scheme_text(tmp_path, SCHEME).relations] == ["speaker", "supports"]


def load_scheme_text(tmp_path: Path, body: str) -> LabelScheme:
    path = tmp_path / "ok.toml"
    path.write_text(body, encoding="utf-8")
    return load_scheme(path)


def test_document_labels_are_per_annotator_undoable_and_round_trip(
    store: Store, tmp_path: Path
) -> None:
    import jsonschema

    from tests.conftest import ROOT

    doc, _, _ = _doc(store)
    store.set_doc_labels(doc, "alice", "topic", ["politics", "defence"])
    store.set_doc_labels(doc, "alice", "stance", ["neutral"])
    store.set_doc_labels(doc, "bob", "topic", ["economy"])
    assert store.doc_labels(doc, "alice") == {
        "topic": ["defence", "politics"], "stance": ["neutral"]
    }
    with pytest.raises(InputError, match="already"):
        store.set_doc_labels(doc, "alice", "stance", ["neutral"])
    store.undo(doc, "alice")
    assert store.doc_labels(doc, "alice") == {"topic": ["defence", "politics"]}
    store.redo(doc, "alice")
    (rec,) = list(store.records(annotator="alice"))
    assert rec["doc_labels"] == {"stance": ["neutral"], "topic": ["defence", "politics"]}
    schema = orjson.loads((ROOT / "docs" / "newsmark.schema.json").read_bytes())
    jsonschema.validate(rec, schema)
    other = Store.open(tmp_path / "other", create=True)
    other.add_documents([rec, *store.records(annotator="bob")])
    (doc2,) = [d.id for d in other.documents()]
    assert other.doc_labels(doc2, "alice") == store.doc_labels(doc, "alice")
    assert other.doc_labels(doc2, "bob") == {"topic": ["economy"]}
