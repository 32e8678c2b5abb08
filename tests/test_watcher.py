"""Another newsmark process's work reaches the open reader (tui/watcher.py)."""

from __future__ import annotations

from pathlib import Path

from store.store import Store
from tests.conftest import SEED
from tui.app import NewsmarkApp
from tui.watcher import StoreWatcher
from tui.widgets.article_view import ArticleView
from tui.widgets.status_bar import StatusBar

TEXT = SEED.read_text(encoding="utf-8")


def test_watcher_reports_new_documents_and_changed_layers(tmp_path: Path) -> None:
    mine = Store.open(tmp_path / "s")
    ((info, _),) = mine.add_documents([{"text": TEXT}])
    watcher = StoreWatcher(mine)
    watcher.seen(info.id)
    assert watcher.poll(info.id, 1, "alice", damaged=False) == watcher.poll(
        info.id, 1, "alice", damaged=False
    )
    other = Store(mine.root)  # a second process's view of the same folder
    other.add_span(info.id, 180, 191, "actor", "alice")
    other.add_documents([{"text": "A new article from the import next door."}])
    seen = watcher.poll(info.id, 1, "alice", damaged=False)
    assert seen.documents is not None and len(seen.documents) == 2
    assert seen.spans is not None and [s.text for s in seen.spans] == ["Hulusi Akar"]
    again = watcher.poll(info.id, 2, "alice", damaged=False)
    assert again.documents is None and again.spans is None  # nothing new since


async def test_reader_repaints_another_process_label(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s")
    ((info, _),) = store.add_documents([{"text": TEXT}])
    app = NewsmarkApp(store, annotator="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        reader = app.reader
        assert reader is not None
        other = Store(store.root)
        other.add_span(info.id, 180, 191, "actor", "alice")
        other.add_span(info.id, 0, 3, "hedge", "alice")  # a label the scheme does not name
        reader._poll()  # what the two-second timer does
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        assert [(s.start, s.end, s.label) for s in view.spans] == [
            (0, 3, "hedge"),
            (180, 191, "actor"),
        ]
        # The article draws the new label in the colour the panel names it with.
        from textual.color import Color

        wanted = Color.parse(reader.editor.colors()["hedge"])
        assert view._label_color("hedge") == wanted
        status = app.screen.query_one(StatusBar)
        assert status.save_state == "updated"
        assert "another newsmark process" in status.text
