"""Attribution links in the store: made, removed, given a cue, undone, merged, exported."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.errors import InputError, NotFound
from store.store import Store
from store.validate import validate
from tests.conftest import SEED

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
