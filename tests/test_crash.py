"""Nothing the screen showed as saved is lost to kill -9: real processes, real signals."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from filelock import FileLock

from store import layout
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


# Textual switches these on at start and must switch them off on the way out.
ALT_SCREEN_OFF = b"\x1b[?1049l"
MOUSE_OFF = b"\x1b[?1000l"


def _open_seed(tmp_path: Path) -> tuple[Path, TuiProcess]:
    store_dir = tmp_path / "store"
    tui = TuiProcess(["--store", str(store_dir), "--annotator", "alice", str(SEED)])
    tui.wait_for("Hulusi")
    return store_dir, tui


def _layer(store_dir: Path) -> list[tuple[int, int, str, str]]:
    store = Store.open(store_dir)
    try:
        [doc] = store.documents()
        return [(s.start, s.end, s.label, s.text) for s in store.spans(doc.id, "alice")]
    finally:
        store.close()


def test_one_burst_of_bytes_labels_what_slow_typing_labels(tmp_path: Path) -> None:
    """A pasted macro: every byte in one write to the terminal, then quit."""
    store_dir, tui = _open_seed(tmp_path)
    try:
        tui.type('/hulusi akar\r3/for the sig\r"2', pause=0)
        tui.wait_for("labelled quote")
        tui.type("q")
        assert tui.wait_exit() == 0
    finally:
        if tui.fd >= 0:
            with suppress(OSError):
                tui.kill()
    text = SEED.read_text(encoding="utf-8")
    assert _layer(store_dir) == [
        (180, 191, "actor", "Hulusi Akar"),
        (887, 1035, "quote", text[887:1035]),
    ]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_during_a_write_saves_it_and_restores_the_terminal(
    tmp_path: Path, sig: signal.Signals
) -> None:
    store_dir, tui = _open_seed(tmp_path)
    # Another process holds the document: the label's write is in flight when the
    # signal arrives, and must still land before the reader leaves.
    with _document_held(store_dir):
        tui.type("w1", pause=0)
        tui.wait_for("saving")
        os.kill(tui.pid, sig)
        time.sleep(0.3)
        assert _still_running(tui.pid)  # waiting for the write, not killed
    assert tui.wait_exit() == 128 + int(sig)
    assert _layer(store_dir) == [(4, 11, "claim", "defense")]
    tail = tui.raw[-2000:]
    assert ALT_SCREEN_OFF in tail and MOUSE_OFF in tail


def test_q_with_a_write_in_flight_waits_for_it(tmp_path: Path) -> None:
    store_dir, tui = _open_seed(tmp_path)
    with _document_held(store_dir):
        tui.type("w1q", pause=0)
        time.sleep(0.5)
        assert _still_running(tui.pid)
    assert tui.wait_exit() == 0
    assert _layer(store_dir) == [(4, 11, "claim", "defense")]


@contextmanager
def _document_held(store_dir: Path) -> Iterator[None]:
    """Hold the one document's lock, as another newsmark process writing it would."""
    [doc] = Store.open(store_dir).documents()
    lock = FileLock(str(layout.lock_path(store_dir, doc.id)))
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _still_running(pid: int) -> bool:
    done, _ = os.waitpid(pid, os.WNOHANG)
    return done == 0


def test_a_find_that_looks_like_markup_is_shown_as_typed(tmp_path: Path) -> None:
    """Typed text is never parsed as markup: the warning shows it, nothing crashes."""
    _, tui = _open_seed(tmp_path)
    try:
        since = tui.mark()
        tui.type("/[/nope] [@click=app.quit]x\r", pause=0.01)
        tui.wait_for("is not in this document", since=since)
        assert "[/nope] [@click=app.quit]x" in tui.screen_text
        assert _still_running(tui.pid)
    finally:
        tui.kill()
