"""Nothing the screen showed as saved is lost to kill -9: real processes, real signals."""

from __future__ import annotations

from pathlib import Path

from store.store import Store
from tests.conftest import SEED
from tests.tui_driver import TuiProcess


def test_label_shown_saved_survives_sigkill(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    tui = TuiProcess(["--store", str(store_dir), "--annotator", "alice", str(SEED)])
    try:
        tui.wait_for("Hulusi")
        tui.find_and_label("hulusi akar", "3", "labelled actor")
    finally:
        tui.kill()  # SIGKILL: no chance to flush or clean up
    store = Store.open(store_dir)
    [doc] = store.documents()
    spans = store.spans(doc.id, "alice")
    assert [(s.start, s.end, s.label, s.text) for s in spans] == [
        (180, 191, "actor", "Hulusi Akar")
    ]


def test_quit_and_reopen_shows_the_label(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    args = ["--store", str(store_dir), "--annotator", "alice", str(SEED)]
    tui = TuiProcess(args)
    tui.wait_for("Hulusi")
    tui.find_and_label("akar", "3", "labelled actor")
    tui.type("q")
    assert tui.wait_exit() == 0
    again = TuiProcess(["--store", str(store_dir), "--annotator", "alice"])
    try:
        again.wait_for("1 spans")  # the status line counts the reopened layer
    finally:
        again.kill()
