"""Every key lands where it was aimed: one ordered key stream, however fast keys arrive.

Keys from a fast typist, a laggy SSH link or a pasted macro arrive in one burst.
These tests send the same keys once as a burst and once one at a time with the
store settled between them, and demand the same saved annotations; and they
slow the writer down (another process holding the document's lock) to check
that keys typed while a write is in flight act on what the screen showed.
"""

from __future__ import annotations

import asyncio
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key

from store import layout
from store.errors import StoreWriteError
from store.store import Store
from tests.conftest import SEED
from tui.app import NewsmarkApp
from tui.screens.reader import ReaderScreen
from tui.widgets.article_view import ArticleView
from tui.widgets.status_bar import StatusBar

SIZE = (120, 40)
TEXT = SEED.read_text(encoding="utf-8")
ME = "alice"


def _event(key: str) -> events.Key:
    """The Key event a terminal delivers for ``key`` (as Textual's pilot builds it)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def reader_of(app: NewsmarkApp) -> ReaderScreen:
    assert app.reader is not None
    return app.reader


async def settle(app: NewsmarkApp, pilot: object) -> None:
    """Wait until every queued key was handled and every write acknowledged."""
    reader = reader_of(app)
    for _ in range(1000):
        await pilot.pause()  # type: ignore[attr-defined]
        if not len(reader.keys) and reader.pending_writes == 0:
            await pilot.pause()  # type: ignore[attr-defined]
            return
        await asyncio.sleep(0.005)
    raise AssertionError("keys or writes never settled")


async def burst(app: NewsmarkApp, keys: list[str]) -> None:
    """All keys into the app's queue at once, as a terminal read of many bytes does."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = _event(key)
        event.set_sender(app)
        driver.send_message(event)


async def exited(app: NewsmarkApp) -> bool:
    """Wait (up to 4 s) for the app to leave; whether it did."""
    for _ in range(200):
        if not app.is_running:
            return True
        await asyncio.sleep(0.02)
    return not app.is_running


def spans_of(store: Store, doc_id: str) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.label, s.text) for s in store.spans(doc_id, ME)]


def fresh_store(tmp: Path) -> tuple[Store, str]:
    store = Store.open(tmp)
    ((info, _),) = store.add_documents([{"text": TEXT, "title": "Turkey, US defense chiefs"}])
    return store, info.id


@contextmanager
def doc_lock(store: Store, doc_id: str) -> Iterator[FileLock]:
    """Hold a document's lock as another newsmark process writing it would."""
    lock = FileLock(str(layout.lock_path(store.root, doc_id)))
    lock.acquire()
    try:
        yield lock
    finally:
        if lock.is_locked:
            lock.release()


# The issue's own sequence: typed slowly it labels "Hulusi Akar" and the quotation.
ISSUE_KEYS = [
    "slash", *"hulusi akar", "enter", "3", "slash", *"for the sig", "enter", "quotation_mark", "2",
]
ISSUE_SPANS = [
    (180, 191, "actor", "Hulusi Akar"),
    (887, 1035, "quote", TEXT[887:1035]),
]


async def test_a_burst_after_find_types_into_the_find_bar(tmp_path: Path) -> None:
    store, doc_id = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ISSUE_KEYS)
        await settle(app, pilot)
        assert spans_of(store, doc_id) == ISSUE_SPANS
        assert app.screen.query_one(StatusBar).save_state == "saved"


async def test_an_acknowledgement_never_moves_the_cursor(tmp_path: Path) -> None:
    """w 1 w w w 2 with a slow disk: the 2 labels "Turkey", not the first label again."""
    store, doc_id = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(ArticleView)
        status = app.screen.query_one(StatusBar)
        with doc_lock(store, doc_id):
            await burst(app, ["w", "1", "w", "w", "w", "2"])
            for _ in range(250):  # until the motions are handled (fast, unless starved)
                await pilot.pause(0.02)
                if view.cursor == TEXT.index("Turkey"):
                    break
            # The first write waits on the lock; the motions after it did not wait.
            assert status.save_state == "saving"
            assert reader_of(app).pending_writes == 1
            assert view.cursor == TEXT.index("Turkey")
            assert spans_of(store, doc_id) == []
        await settle(app, pilot)
        assert spans_of(store, doc_id) == [
            (4, 11, "claim", "defense"),
            (22, 28, "quote", "Turkey"),
        ]
        assert view.selection == (22, 28)
        assert status.save_state == "saved"


async def test_a_digit_right_after_a_label_relabels_it_as_typed_slowly(tmp_path: Path) -> None:
    store, doc_id = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        with doc_lock(store, doc_id):
            await burst(app, ["w", "1", "2"])
            await pilot.pause(0.2)
        await settle(app, pilot)
        (span,) = store.spans(doc_id, ME)
        assert (span.text, span.label) == ("defense", "quote")
        assert store.can_undo(doc_id, ME)


async def test_quit_with_a_write_in_flight_exits_after_it_lands(tmp_path: Path) -> None:
    store, doc_id = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        with doc_lock(store, doc_id):
            await burst(app, ["w", "1", "q"])
            await pilot.pause(0.3)
            assert app.is_running  # still waiting for the write
        assert await exited(app)
    assert spans_of(store, doc_id) == [(4, 11, "claim", "defense")]


def _failing_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every new span fails to reach the disk, as on a full disk."""

    def full(*args: object, **kwargs: object) -> None:
        raise StoreWriteError("cannot write docs/x.json: No space left on device")

    monkeypatch.setattr(Store, "add_span", full)


async def test_a_failed_write_is_shown_as_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, doc_id = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one(StatusBar)
        assert status.save_state == "clean"
        _failing_writes(monkeypatch)
        await pilot.press("w", "1")
        await settle(app, pilot)
        assert status.save_state == "failed"
        assert "not saved" in status.text and "No space left" in status.text
        assert app.screen.query_one(ArticleView).spans == []  # nothing shown as saved
    assert spans_of(store, doc_id) == []


async def test_quitting_right_after_a_failed_write_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE):
        _failing_writes(monkeypatch)
        await burst(app, ["w", "1", "w", "q"])
        await exited(app)
    assert app.fatal_error is not None
    assert "not saved" in app.fatal_error and "No space left" in app.fatal_error


async def test_nothing_to_undo_does_not_leave_saving_on_screen(tmp_path: Path) -> None:
    store, _ = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one(StatusBar)
        await pilot.press("u")
        await settle(app, pilot)
        assert status.save_state == "clean"
        assert "nothing to undo" in status.text
        await pilot.press("w", "1")
        await settle(app, pilot)
        await pilot.press("U")
        await settle(app, pilot)
        assert status.save_state == "saved"
        assert "nothing to redo" in status.text


async def test_the_next_document_does_not_show_the_last_ones_save(tmp_path: Path) -> None:
    store, _ = fresh_store(tmp_path / "s")
    store.add_documents([{"text": "A second article about the harbour."}])
    app = NewsmarkApp(store, annotator=ME)
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one(StatusBar)
        reader_of(app).open_document(0)
        await pilot.press("d")
        assert status.save_state == "saved" and "marked done" in status.text
        await pilot.press("right_square_bracket")
        assert status.save_state == "clean"
        assert "marked done" not in status.text


async def test_the_document_list_has_every_key_while_it_is_open(tmp_path: Path) -> None:
    """After `o`, article keys do nothing; `/` filters titles; escape gives the keys back."""
    store, doc_id = fresh_store(tmp_path / "s")
    store.add_documents([{"text": "Greece and the harbour.", "title": "Greece story"}])
    app = NewsmarkApp(store, annotator=ME)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = reader_of(app)
        reader.open_document(0)
        view = app.screen.query_one(ArticleView)
        await burst(app, ["o", "w", "3", "h", "x", "slash", *"greece", "enter", "escape", "w"])
        await settle(app, pilot)
        assert store.spans(doc_id, ME) == []
        docs = reader.doc_list
        assert [docs.row(i).title for i in range(docs.count)] == ["Greece story"]
        assert reader.mode.name == "normal"
        assert view.cursor == TEXT.index("defense")  # only the last w moved it
        assert not reader.doc_panel.display  # shown for the visit on a narrow screen


# ----------------------------------------------------- burst == one at a time

# Steps a user takes, each a few keys. Find and filter type text into their bars.
WORDS = ["akar", "austin", "turkey", "the", "zzz", "İbrahim"]
STEP = st.one_of(
    st.sampled_from(
        [["w"], ["b"], ["l"], ["h"], ["j"], ["right_parenthesis"], ["e"], ["quotation_mark"],
         ["v"], ["shift+right"], ["escape"], ["1"], ["2"], ["3"], ["4"], ["tab"], ["x"],
         ["u"], ["U"], ["n"], ["d"], ["G"], ["g"]]
    ),
    st.sampled_from(WORDS).map(lambda w: ["slash", *w, "enter"]),
    st.sampled_from(WORDS).map(lambda w: ["o", "slash", *w[:2], "enter", "escape"]),
)  # fmt: skip


async def _run(root: Path, keys: list[str], at_once: bool) -> tuple[object, ...]:
    store = Store.open(root)
    (doc,) = store.documents()
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        if at_once:
            await burst(app, keys)
            await settle(app, pilot)
        else:
            for key in keys:
                await pilot.press(key)
                await settle(app, pilot)
        view = app.screen.query_one(ArticleView)
        shown = (view.cursor, view.selection)
    result = (spans_of(store, doc.id), store.status(doc.id, ME), shown)
    store.close()
    return result


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=3, max_size=8))
def test_a_burst_saves_what_the_same_keys_save_one_at_a_time(
    tmp_path: Path, steps: list[list[str]]
) -> None:
    keys = [k for step in steps for k in step]
    base = tmp_path / "base"
    if not base.exists():
        fresh_store(base)[0].close()
    results = []
    for at_once in (False, True):
        root = tmp_path / ("burst" if at_once else "slow")
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(base, root)
        results.append(asyncio.run(_run(root, keys, at_once)))
    assert results[1] == results[0], keys


async def test_ctrl_q_on_the_help_screen_quits_after_the_writes(tmp_path: Path) -> None:
    store, doc_id = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        with doc_lock(store, doc_id):
            await burst(app, ["w", "1", "question_mark"])
            await pilot.pause(0.2)
            await pilot.press("ctrl+q")
            await pilot.pause(0.2)
            assert app.is_running  # the label is still on its way
        assert await exited(app)
    assert spans_of(store, doc_id) == [(4, 11, "claim", "defense")]


async def test_a_paste_goes_into_the_find_bar_without_control_characters(tmp_path: Path) -> None:
    store, _ = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(ArticleView)
        await pilot.press("slash")
        app.post_message(events.Paste("hulusi\n\x1b\x07akar"))
        await pilot.pause()
        assert reader_of(app).find_bar.value == "hulusi akar"
        await pilot.press("enter")
        assert view.selection == (180, 191)


async def test_keys_typed_after_help_close_it_and_reach_the_article(tmp_path: Path) -> None:
    store, doc_id = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["question_mark", "j", "j", "escape", "w", "3"])
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert reader_of(app).mode.name == "normal"
        assert spans_of(store, doc_id) == [(4, 11, "actor", "defense")]
        await pilot.press("question_mark")
        help_screen = app.screen
        await pilot.press("j", "j", "j")
        assert help_screen.query_one("VerticalScroll").scroll_y > 0  # j scrolls the help
        await pilot.press("q")  # closes help; the next q quits
        assert isinstance(app.screen, ReaderScreen) and app.is_running


async def test_undo_says_what_came_back(tmp_path: Path) -> None:
    store, _ = fresh_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME)
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one(StatusBar)
        await pilot.press("w", "3", "x")
        assert "deleted actor “defense”" in status.text
        await pilot.press("u")
        assert "undid: restored actor “defense”" in status.text
        await pilot.press("u")
        assert "undid: removed actor “defense”" in status.text
