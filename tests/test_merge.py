"""Merging annotators' layers: nothing of any layer is lost, relations included."""

from __future__ import annotations

from typing import Any

import pytest

from store.errors import InputError
from store.store import Store
from store.validate import validate
from tests.conftest import SEED

TEXT = SEED.read_text(encoding="utf-8")
QUOTE = TEXT.index("for the significant role")
AKAR = TEXT.index("Hulusi Akar")
AUSTIN = TEXT.index("Lloyd Austin")


def _layer(annotator: str, quote_end: int, speaker: int, speaker_len: int) -> dict[str, Any]:
    """A peer's export of one document: brat-style ids that repeat across annotators."""
    return {
        "text": TEXT,
        "annotator": annotator,
        "spans": [
            {"id": "T1", "start": QUOTE, "end": quote_end, "label": "quote"},
            {"id": "T2", "start": speaker, "end": speaker + speaker_len, "label": "actor"},
        ],
        "relations": [{"id": "R1", "head": "T1", "tail": "T2", "label": "speaker"}],
    }


def _links(store: Store, doc_id: str, annotator: str) -> list[tuple[str, str, str]]:
    by_id = {s.id: s for s in store.spans(doc_id, annotator)}
    return [
        (by_id[r.head].text, by_id[r.tail].text, r.label)
        for r in store.relations(doc_id, annotator)
    ]


def test_two_annotators_with_colliding_ids_keep_their_own_links(store: Store) -> None:
    alice = _layer("alice", QUOTE + 24, AKAR, len("Hulusi Akar"))
    bob = _layer("bob", QUOTE + 40, AUSTIN, len("Lloyd Austin"))
    ((info, _),) = store.add_documents([alice])
    store.add_documents([bob])
    assert _links(store, info.id, "alice") == [(TEXT[QUOTE : QUOTE + 24], "Hulusi Akar", "speaker")]
    assert _links(store, info.id, "bob") == [(TEXT[QUOTE : QUOTE + 40], "Lloyd Austin", "speaker")]
    assert len({r.id for r in store.relations(info.id)}) == 2
    assert validate(store)[2] == []
    # Importing bob's file again adds nothing and loses nothing.
    store.add_documents([bob])
    assert len(store.spans(info.id, "bob")) == 2
    assert len(store.relations(info.id, "bob")) == 1


def test_a_span_already_present_takes_its_links_with_it(store: Store) -> None:
    alice = _layer("alice", QUOTE + 24, AKAR, len("Hulusi Akar"))
    ((info, _),) = store.add_documents([{**alice, "relations": []}])
    # The same spans again, under other ids, now with their link.
    again = {
        **alice,
        "spans": [{**s, "id": s["id"] + "x"} for s in alice["spans"]],
        "relations": [{"id": "R7", "head": "T1x", "tail": "T2x", "label": "speaker"}],
    }
    store.add_documents([again])
    assert len(store.spans(info.id, "alice")) == 2
    assert _links(store, info.id, "alice") == [(TEXT[QUOTE : QUOTE + 24], "Hulusi Akar", "speaker")]


@pytest.mark.parametrize(
    ("relation", "message"),
    [
        ({"id": "R1", "head": "T1", "tail": "T9", "label": "speaker"}, "links span 'T9'"),
        ({"id": "R1", "head": "T1", "label": "speaker"}, "no valid 'tail'"),
        ("T1 T2", "is not an object"),
        ({"head": "T1", "tail": "T2", "label": ""}, "no valid 'label'"),
    ],
)
def test_a_bad_link_is_refused_and_the_layer_is_not_written(
    store: Store, relation: object, message: str
) -> None:
    ((info, _),) = store.add_documents([{"text": TEXT}])
    bad = {**_layer("alice", QUOTE + 24, AKAR, 11), "relations": [relation]}
    with pytest.raises(InputError, match=message) as err:
        store.merge_layer(info.id, "alice", bad["spans"], "todo", bad["relations"])
    assert "\n" not in str(err.value)
    assert store.spans(info.id) == [] and store.relations(info.id) == []


def test_validate_reports_a_link_into_another_annotators_layer(store: Store) -> None:
    """What the old merge could leave behind: bob's link naming alice's spans."""
    from store import layout
    from store.storage import atomic_write, encode_checked

    alice = _layer("alice", QUOTE + 24, AKAR, len("Hulusi Akar"))
    ((info, _),) = store.add_documents([alice])
    store.add_span(info.id, AUSTIN, AUSTIN + 12, "actor", "bob")
    assert validate(store)[2] == []
    path = layout.doc_path(store.root, info.id)
    data = store._docfiles.raw(info.id)
    alice_ids = [s.id for s in store.spans(info.id, "alice")]
    data["relations"]["99"] = {
        "id": "R9", "head": alice_ids[0], "tail": alice_ids[1], "label": "speaker",
        "annotator": "bob",
    }  # fmt: skip
    atomic_write(path, encode_checked(data))
    [problem] = validate(Store.open(store.root))[2]
    assert "R9 joins another annotator's span" in str(problem)


def test_reimporting_the_same_layers_rewrites_no_file(store: Store) -> None:
    from store import layout

    alice = _layer("alice", QUOTE + 24, AKAR, len("Hulusi Akar"))
    ((info, _),) = store.add_documents([{**alice, "status": "done"}])
    path = layout.doc_path(store.root, info.id)
    before = (path.stat().st_ino, path.stat().st_mtime_ns)
    store.add_documents([{**alice, "status": "done"}])
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == before
    assert _links(store, info.id, "alice") == [(TEXT[QUOTE : QUOTE + 24], "Hulusi Akar", "speaker")]
