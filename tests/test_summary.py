"""The summary cache (index.json): a poisoned or misshapen entry is rebuilt, never shown."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from store import layout
from store.store import Store
from store.summary import MIN_SPAN_BYTES, cached_summary
from tui.app import NewsmarkApp
from tui.widgets.document_list import DocumentList


def cached_store(seeded: tuple[Store, str]) -> tuple[Store, str, list[Any]]:
    """The seed with two spans by alice, its summary cached on disk; and that entry."""
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    store.add_span(doc, 0, 3, "claim", "alice")
    assert store.summary(doc, "alice").spans == 2
    store.save_index()
    entry = orjson.loads(layout.index_path(store.root).read_bytes())["docs"][doc]
    assert entry[1] == {"alice": ["todo", 2]}
    return store, doc, entry


def poison(store: Store, data: object) -> None:
    layout.index_path(store.root).write_bytes(orjson.dumps(data))


# Each keeps the file's identity, so only the check of the values can catch it.
POISONED_LAYERS: list[object] = [
    {"alice": ["todo", 99999]},  # more spans than the file can hold
    {"alice": ["todo", -5]},
    {"alice": ["todo", True]},
    {"alice": ["todo", 2.5]},
    {"alice": ["todo", "2"]},
    {"alice": ["hacked", 2]},
    {"alice": ["todo"]},
    {"alice": "todo"},
    ["alice", "todo", 2],
    None,
]


@pytest.mark.parametrize("layers", POISONED_LAYERS)
def test_impossible_counts_and_wrong_types_are_rebuilt(
    seeded: tuple[Store, str], layers: object
) -> None:
    store, doc, entry = cached_store(seeded)
    poison(store, {"docs": {doc: [entry[0], layers]}})
    again = Store.open(store.root)
    summary = again.summary(doc, "alice")
    assert (summary.status, summary.spans) == ("todo", 2)
    again.save_index()  # the rebuilt entry replaces the poisoned one
    saved = orjson.loads(layout.index_path(store.root).read_bytes())["docs"][doc]
    assert saved[1] == {"alice": ["todo", 2]}


@pytest.mark.parametrize(
    "data",
    [
        [],
        "index",
        {"docs": []},
        {"docs": {"x": 1}},
        {"docs": None},
        {"other": {}},
    ],
)
def test_an_index_of_the_wrong_shape_is_ignored(seeded: tuple[Store, str], data: object) -> None:
    store, doc, _ = cached_store(seeded)
    poison(store, data)
    assert Store.open(store.root).summary(doc, "alice").spans == 2


@pytest.mark.parametrize(
    "entry",
    [
        "entry",
        [],
        [[1, 2, 3]],
        [[0, 0, 0], {"alice": ["todo", 2]}],  # another file's identity
        [[1, 2], {"alice": ["todo", 2]}, "extra"],
        {"identity": 1},
    ],
)
def test_an_entry_of_the_wrong_shape_is_rebuilt(seeded: tuple[Store, str], entry: object) -> None:
    store, doc, _ = cached_store(seeded)
    poison(store, {"docs": {doc: entry}})
    summary = Store.open(store.root).summary(doc, "alice")
    assert (summary.status, summary.spans) == ("todo", 2)


def test_cached_summary_bounds_counts_by_the_file_size() -> None:
    ident = [10 * MIN_SPAN_BYTES, 1, 1]
    assert cached_summary([ident, {"a": ["done", 10]}], ident) == {"a": ("done", 10)}
    assert cached_summary([ident, {"a": ["done", 6], "b": ["todo", 5]}], ident) is None
    assert cached_summary([ident, {}], ident) == {}


async def test_the_document_list_never_shows_poisoned_counts(seeded: tuple[Store, str]) -> None:
    store, doc, entry = cached_store(seeded)
    poison(store, {"docs": {doc: [entry[0], {"alice": ["done", 99999]}]}})
    app = NewsmarkApp(Store.open(store.root), annotator="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        docs = app.screen.query_one(DocumentList)
        row = docs.row(0)
        assert (row.spans, row.status) == (2, "todo")
        assert "99999" not in docs.render_row(0, 60).plain
        await pilot.press("q")
