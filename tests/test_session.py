"""The session file (session.json): out-of-shape content is ignored, never a crash at start."""

from __future__ import annotations

import orjson
import pytest

from store import layout
from store.session import SESSION_POSITIONS, Session, clean_session
from store.store import Store
from tui.app import NewsmarkApp
from tui.widgets.article_view import ArticleView

BAD_SESSIONS: list[object] = [
    [],
    "alice",
    None,
    17,
    {"positions": []},
    {"positions": "x"},
    {"positions": {"alice": []}},
    {"positions": {"alice": {"DOC": -5}}},
    {"positions": {"alice": {"DOC": "12"}}},
    {"positions": {"alice": {"DOC": True}}},
    {"positions": {"alice": {"DOC": 1.5}}},
    {"positions": {"alice": {"DOC": None}}},
    {"alice": 5},
    {"alice": ["DOC"]},
    {"alice": {"nested": "DOC"}},
    {"last": [], "positions": {"alice": {"DOC": {"cursor": 3}}}},
    {"last": {"alice": 5}},
]


def write_session(root: object, data: object, doc: str) -> None:
    raw = orjson.dumps(data).replace(b"DOC", doc.encode())
    layout.session_path(root).write_bytes(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize("data", BAD_SESSIONS)
def test_a_misshapen_session_is_ignored_and_then_rewritten(
    seeded: tuple[Store, str], data: object
) -> None:
    store, doc = seeded
    write_session(store.root, data, doc)
    again = Store.open(store.root)
    assert again.last_opened("alice") in (None, doc)
    assert again.last_position("alice", doc) == 0
    # Remembering works on top of it, and what it wrote reads back.
    again.set_last_opened("alice", doc, 42)
    third = Store.open(store.root)
    assert (third.last_opened("alice"), third.last_position("alice", doc)) == (doc, 42)


@pytest.mark.parametrize("data", BAD_SESSIONS)
async def test_the_reader_starts_whatever_the_session_holds(
    seeded: tuple[Store, str], data: object
) -> None:
    store, doc = seeded
    write_session(store.root, data, doc)
    app = NewsmarkApp(Store.open(store.root), annotator="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(ArticleView).cursor == 0
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_cursor_past_the_end_and_a_gone_document_are_survived(
    seeded: tuple[Store, str],
) -> None:
    store, doc = seeded
    write_session(
        store.root, {"last": {"alice": "gone"}, "positions": {"alice": {"DOC": 10**12}}}, doc
    )
    app = NewsmarkApp(Store.open(store.root), annotator="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        assert view.cursor == len(store.text(doc))  # clamped to the text
        await pilot.press("q")
    assert app.return_code == 0


def test_an_annotator_named_positions_keeps_everyone_s_places(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    store.set_last_opened("positions", doc, 7)
    store.set_last_opened("alice", doc, 3)
    again = Store.open(store.root)
    assert again.last_opened("positions") == doc and again.last_position("positions", doc) == 7
    assert again.last_opened("alice") == doc and again.last_position("alice", doc) == 3


def test_a_session_file_of_the_earlier_shape_is_still_read(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    write_session(store.root, {"alice": "DOC", "positions": {"alice": {"DOC": 12}}}, doc)
    assert Session(store.root).last_opened("alice") == doc
    assert Session(store.root).last_position("alice", doc) == 12


def test_clean_session_keeps_the_good_entries_and_the_newest_positions() -> None:
    many = {f"d{i}": i for i in range(SESSION_POSITIONS + 10)}
    data = {
        "last": {"alice": "d1", "bob": 3, "": "d2", "x" * 300: "d3"},
        "positions": {"alice": {**many, "bad": -1}, "bob": "nope"},
    }
    clean = clean_session(data)
    assert clean["last"] == {"alice": "d1"}
    assert set(clean["positions"]) == {"alice"}
    kept = clean["positions"]["alice"]
    assert len(kept) == SESSION_POSITIONS and "bad" not in kept
    assert list(kept)[-1] == f"d{SESSION_POSITIONS + 9}"  # the oldest are the ones dropped
