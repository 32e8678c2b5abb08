"""What a key costs the screen: no layout pass, only the rows it changed, one frame.

A cursor key used to update the title and status ``Static``s, each ``update()``
asking Textual for a layout pass of the whole screen, and the annotation panel
followed the cursor from a message that often arrived after the frame, so the
key was drawn twice. These tests pin the cheap path; bench/keys.py measures it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events

from store.store import Store
from tests.conftest import SEED
from tui.app import NewsmarkApp
from tui.screens.reader import ReaderScreen
from tui.widgets.annotation_list import AnnotationList
from tui.widgets.article_view import ArticleView
from tui.widgets.status_bar import StatusBar

SIZE = (120, 40)
TEXT = SEED.read_text(encoding="utf-8")


@pytest.fixture
def annotated(tmp_path: Path) -> tuple[Store, str]:
    """The seed with a span on every fourth word: the annotation panel scrolls."""
    store = Store.open(tmp_path / "store")
    ((info, _),) = store.add_documents([{"text": TEXT, "title": "seed"}])
    words, pos = [], 0
    for word in TEXT.split():
        start = TEXT.index(word, pos)
        pos = start + len(word)
        words.append((start, pos))
    spans = [
        {"start": s, "end": e, "label": ("claim", "quote", "actor", "issue")[i % 4]}
        for i, (s, e) in enumerate(words[::4])
    ]
    store.merge_layer(info.id, "alice", spans)
    assert len(spans) > 2 * SIZE[1]  # more annotations than the panel has rows
    return store, info.id


def _count_calls(obj: object, name: str, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls of ``obj.name`` (Textual calls it through the instance)."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(obj, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(obj, name, counting)
    return calls


async def test_a_cursor_key_lays_nothing_out_and_renders_only_the_rows_it_changed(
    annotated: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = annotated
    app = NewsmarkApp(store, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        view = screen.query_one(ArticleView)
        layouts = _count_calls(screen, "_refresh_layout", monkeypatch)
        # (key, rows of the article it may render: the cursor's old and new rows, fewer
        # when cached from an earlier visit)
        for key, most in (("l", 1), ("w", 2), ("j", 2), ("k", 2), ("b", 2), ("l", 1)):
            before, rendered = view.cursor, view.rows_rendered
            await pilot.press(key)
            await pilot.pause()
            assert view.cursor != before, key
            assert layouts == [], f"{key} ran a layout pass of the whole screen"
            assert view.rows_rendered - rendered <= most, key


async def test_the_panel_and_status_line_follow_a_key_in_its_own_handler(
    annotated: tuple[Store, str],
) -> None:
    """Followed at once, not from a message after the frame: the key is drawn in one."""
    store, _ = annotated
    app = NewsmarkApp(store, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        view = screen.query_one(ArticleView)
        panel = screen.query_one(AnnotationList)
        status = screen.query_one(StatusBar)
        # Nothing awaited between the key and the checks: no message has been handled.
        screen.feed(events.Key("G", "G"))
        assert view.cursor == len(TEXT)
        assert f"@{len(TEXT)}" in status.where
        assert panel.highlighted == panel.count - 1  # the last annotation
        screen.feed(events.Key("g", "g"))
        assert view.cursor == 0
        assert "@0 " in status.where + " "
        assert panel.highlighted == 0
