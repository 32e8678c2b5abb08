"""Adjudication in the store: gold starts from what all agree on; each decision is one write."""

from __future__ import annotations

import json
from typing import Any

import pytest

from store import adjudication
from store.adjudication import disagreements
from store.model import Span
from store.store import Store
from store.validate import validate
from tests.conftest import SEED

TEXT = SEED.read_text(encoding="utf-8")
AKAR = TEXT.index("Hulusi Akar")
AUSTIN = TEXT.index("Lloyd Austin")
QUOTE = TEXT.index("for the significant role")


def _sp(start: int, end: int, label: str, who: str) -> Span:
    return Span(f"{who}{start}{label}", start, end, label, "x" * (end - start), who)


def test_candidates_split_into_agreed_and_disagreements() -> None:
    layers = {
        "alice": [_sp(0, 10, "claim", "alice"), _sp(2, 4, "actor", "alice"),
                  _sp(20, 30, "quote", "alice"), _sp(40, 45, "actor", "alice")],
        "bob": [_sp(0, 10, "claim", "bob"), _sp(21, 30, "quote", "bob"),
                _sp(50, 60, "claim", "bob"), _sp(40, 45, "issue", "bob")],
    }  # fmt: skip
    assert adjudication.agreed(layers) == [(0, 10, "claim")]
    found = disagreements(layers)
    # The nested actor is its own decision, not part of the agreed claim.
    assert [(d.start, d.end) for d in found] == [(2, 4), (20, 30), (40, 45), (50, 60)]
    nested, boundary, label, lone = found
    assert nested.versions[0].spans == ((2, 4, "actor"),)
    assert nested.versions[1].spans == ()
    assert [v.spans for v in boundary.versions] == [((20, 30, "quote"),), ((21, 30, "quote"),)]
    assert [v.spans for v in label.versions] == [((40, 45, "actor"),), ((40, 45, "issue"),)]
    # Only bob made the lone claim: he is offered first.
    assert lone.first_choice() == 1


def test_majority_seed_takes_what_two_of_three_made() -> None:
    one = [_sp(5, 9, "actor", "a")]
    layers = {"a": one, "b": [_sp(5, 9, "actor", "b")], "c": []}
    assert adjudication.agreed(layers, "all") == []
    assert adjudication.agreed(layers, "majority") == [(5, 9, "actor")]
    assert disagreements(layers, seed="majority") == []
    assert len(disagreements(layers, seed="all")) == 1


def test_settled_candidates_close_their_disagreement() -> None:
    layers = {"a": [_sp(0, 5, "actor", "a")], "b": [_sp(0, 6, "actor", "b")]}
    assert len(disagreements(layers)) == 1
    assert len(disagreements(layers, settled=[(0, 5, "actor")])) == 1  # bob's still open
    assert disagreements(layers, settled=[(0, 5, "actor"), (0, 6, "actor")]) == []


def test_one_annotator_leaves_every_span_to_settle() -> None:
    layers = {"a": [_sp(0, 5, "actor", "a")]}
    assert adjudication.agreed(layers) == []
    assert [d.candidates for d in disagreements(layers)] == [((0, 5, "actor"),)]
    assert disagreements({}) == []


def _two_layers(store: Store) -> str:
    common = [{"start": AKAR, "end": AKAR + 11, "label": "actor"}]
    alice = {"text": TEXT, "annotator": "alice", "status": "done",
             "spans": [*common, {"start": QUOTE, "end": QUOTE + 24, "label": "quote"}]}
    bob = {"text": TEXT, "annotator": "bob", "status": "done",
           "spans": [*common, {"start": QUOTE, "end": QUOTE + 40, "label": "quote"},
                     {"start": AUSTIN, "end": AUSTIN + 12, "label": "actor"}]}  # fmt: skip
    ((info, _),) = store.add_documents([alice])
    store.add_documents([bob])
    return info.id


def _gold(store: Store, doc: str) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in store.spans(doc, "gold")]


def test_seeding_puts_the_agreed_spans_in_gold_once_and_undoes_as_one_step(store: Store) -> None:
    doc = _two_layers(store)
    change = store.seed_gold(doc, "carol")
    assert change is not None and [s.text for s in change.spans] == ["Hulusi Akar"]
    assert _gold(store, doc) == [(AKAR, AKAR + 11, "actor")]
    assert store.seed_gold(doc, "carol") is None  # started once; a deletion stays deleted
    store.undo(doc, "gold")
    assert _gold(store, doc) == []
    store.redo(doc, "gold")
    assert _gold(store, doc) == [(AKAR, AKAR + 11, "actor")]


def test_taking_a_version_rejects_the_rest_and_undo_reopens_it(store: Store) -> None:
    doc = _two_layers(store)
    store.seed_gold(doc, "carol")
    layers = store.adjudicated_layers(doc)
    first = disagreements(layers, set(_gold(store, doc)) | store.rejected(doc))
    # Austin, whom only bob marked, then the quote's boundary.
    assert [d.start for d in first] == [AUSTIN, QUOTE]
    quote = first[1]
    alice_version = quote.versions[0].spans
    store.adjudicate(doc, "carol", alice_version, quote.candidates)
    settled = set(_gold(store, doc)) | store.rejected(doc)
    assert store.rejected(doc) == {(QUOTE, QUOTE + 40, "quote")}
    assert [d.start for d in disagreements(layers, settled)] == [AUSTIN]
    lone = disagreements(layers, settled)[0]
    store.adjudicate(doc, "carol", (), lone.candidates)
    assert disagreements(layers, set(_gold(store, doc)) | store.rejected(doc)) == []
    store.undo(doc, "gold")
    assert store.rejected(doc) == {(QUOTE, QUOTE + 40, "quote")}
    assert len(disagreements(layers, set(_gold(store, doc)) | store.rejected(doc))) == 1
    store.undo(doc, "gold")
    assert store.rejected(doc) == set()
    assert _gold(store, doc) == [(AKAR, AKAR + 11, "actor")]
    assert validate(store)[2] == []


def test_gold_export_says_who_agreed_and_who_adjudicated(store: Store) -> None:
    doc = _two_layers(store)
    store.seed_gold(doc, "carol")
    store.adjudicate(doc, "carol", [(QUOTE, QUOTE + 24, "quote")], [(QUOTE, QUOTE + 40, "quote")])
    store.add_span(doc, AUSTIN, AUSTIN + 12, "actor", "gold", adjudicator="dave")
    (rec,) = list(store.records(annotator="gold"))
    by_text: dict[str, dict[str, Any]] = {s["text"]: s for s in rec["spans"]}
    assert by_text["Hulusi Akar"]["agreed_by"] == ["alice", "bob"]
    assert by_text["Hulusi Akar"]["decision"] == "agreed"
    quote = by_text[TEXT[QUOTE : QUOTE + 24]]
    assert (quote["agreed_by"], quote["adjudicator"], quote["decision"]) == (
        ["alice"], "carol", "taken"
    )
    austin = by_text["Lloyd Austin"]
    assert (austin["agreed_by"], austin["adjudicator"], austin["decision"]) == (
        ["bob"], "dave", "labelled"
    )
    for s in rec["spans"]:
        assert rec["text"][s["start"] : s["end"]] == s["text"]
    json.dumps(rec)  # plain JSON all through


def test_undoing_the_delete_of_a_gold_span_keeps_its_provenance(store: Store) -> None:
    doc = _two_layers(store)
    store.seed_gold(doc, "carol")
    (akar,) = store.spans(doc, "gold")
    store.delete_span(doc, akar.id, "gold")
    store.undo(doc, "gold")
    (rec,) = list(store.records(annotator="gold"))
    assert rec["spans"][0]["adjudicator"] == "carol"


@pytest.mark.parametrize("status", ["todo", "done"])
def test_only_finished_layers_are_compared_once_two_are_done(store: Store, status: str) -> None:
    doc = _two_layers(store)
    store.add_documents(
        [{"text": TEXT, "annotator": "eve", "status": status,
          "spans": [{"start": 0, "end": 3, "label": "claim"}]}]
    )  # fmt: skip
    names = sorted(store.adjudicated_layers(doc))
    assert names == (["alice", "bob", "eve"] if status == "done" else ["alice", "bob"])


def test_an_imported_gold_layer_closes_the_disagreements_it_decided() -> None:
    layers = {"a": [_sp(0, 5, "actor", "a")], "b": [_sp(0, 6, "actor", "b")]}
    # gold took b's version elsewhere; its export carries no rejections.
    assert disagreements(layers, settled=[(0, 6, "actor")], gold=[(0, 6, "actor")]) == []
    assert len(disagreements(layers, settled=[(0, 6, "actor")])) == 1


def test_gold_takes_the_links_everyone_made_and_those_of_a_taken_version(
    store: Store,
) -> None:
    def layer(who: str, quote_end: int, with_link: bool) -> dict[str, Any]:
        return {
            "text": TEXT, "annotator": who, "status": "done",
            "spans": [{"id": "q", "start": QUOTE, "end": quote_end, "label": "quote"},
                      {"id": "a", "start": AUSTIN, "end": AUSTIN + 12, "label": "actor"}],
            "relations": [{"head": "q", "tail": "a", "label": "speaker"}] if with_link else [],
        }  # fmt: skip

    # Both link the same quote to Austin: the span and the link are agreed.
    ((info, _),) = store.add_documents([layer("alice", QUOTE + 40, True)])
    store.add_documents([layer("bob", QUOTE + 40, True)])
    store.seed_gold(info.id, "carol")

    def gold_links() -> list[tuple[str, str, str]]:
        by_id = {s.id: s.text for s in store.spans(info.id, "gold")}
        return [(by_id[r.head][:7], r.label, by_id[r.tail])
                for r in store.relations(info.id, "gold")]  # fmt: skip

    assert gold_links() == [("for the", "speaker", "Lloyd Austin")]
    store.undo(info.id, "gold")
    assert gold_links() == [] and store.spans(info.id, "gold") == []
    store.redo(info.id, "gold")
    assert gold_links() == [("for the", "speaker", "Lloyd Austin")]
    assert validate(store)[2] == []


def test_taking_a_version_brings_its_annotators_links(store: Store) -> None:
    quote_a = {"id": "q", "start": QUOTE, "end": QUOTE + 24, "label": "quote"}
    quote_b = {"id": "q", "start": QUOTE, "end": QUOTE + 40, "label": "quote"}
    actor = {"id": "a", "start": AUSTIN, "end": AUSTIN + 12, "label": "actor"}
    link = [{"head": "q", "tail": "a", "label": "speaker"}]
    ((info, _),) = store.add_documents([{"text": TEXT, "annotator": "alice", "status": "done",
                                         "spans": [quote_a, actor], "relations": link}])
    store.add_documents([{"text": TEXT, "annotator": "bob", "status": "done",
                          "spans": [quote_b, actor], "relations": link}])  # fmt: skip
    store.seed_gold(info.id, "carol")  # Austin agreed; the quotes are not, nor their links
    assert store.relations(info.id, "gold") == []
    (d,) = disagreements(store.adjudicated_layers(info.id),
                         {(s.start, s.end, s.label) for s in store.spans(info.id, "gold")})
    change = store.adjudicate(info.id, "carol", d.versions[1].spans, d.candidates, source="bob")
    (rel,) = store.relations(info.id, "gold")
    assert change.relations == (rel,)
    spans = {s.id: s for s in store.spans(info.id, "gold")}
    assert (spans[rel.head].end, spans[rel.tail].text) == (QUOTE + 40, "Lloyd Austin")
    store.undo(info.id, "gold")
    assert store.relations(info.id, "gold") == []
