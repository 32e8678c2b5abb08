"""What the terminal really shows after bursts of labels and deletes.

The annotation panel repaints only the rows a change moved (and scrolls by one
row to keep that to the shorter side of the change). A row it forgot to repaint
would show stale text on the user's screen, so these tests run the real program
in a pty, replay everything it drew through a VT100 emulator (pyte) and compare
the panel, row by row, with what the store holds.
"""

from __future__ import annotations

import re
from pathlib import Path

from store.model import Span
from store.store import Store
from tests.conftest import SEED
from tests.tui_driver import TuiProcess

ME = "alice"
TEXT = SEED.read_text(encoding="utf-8")
WORDS = [m.span() for m in re.finditer(r"\w+", TEXT)]
# A panel row ends with the span's offsets: "▊claim    Turkey       12–18".
ROW = re.compile(r"▊(?P<label>\S+) .*?(?P<start>\d+)–(?P<end>\d+)\s*\S?\s*$")


def store_with_every_other_word(path: Path, words: int) -> str:
    """Every other word of the first ``2 * words`` labelled claim: the panel scrolls."""
    store = Store.open(path, create=True)
    ((info, _),) = store.add_documents([{"text": TEXT}])
    spans = [{"start": s, "end": e, "label": "claim"} for s, e in WORDS[: 2 * words : 2]]
    store.merge_layer(info.id, ME, spans)
    store.close()
    return info.id


def panel_rows(display: list[str]) -> list[tuple[str, int, int]]:
    rows = []
    for line in display[1:-2]:  # between the title bar and the status and key bars
        if "▊" not in line:
            continue
        match = ROW.search(line[line.rindex("▊") :])
        if match:
            rows.append((match["label"], int(match["start"]), int(match["end"])))
    return rows


def assert_panel_shows_the_store(tui: TuiProcess, root: Path, doc_id: str) -> list[Span]:
    store = Store.open(root)
    spans = sorted(store.spans(doc_id, ME), key=Span.sort_key)
    store.close()
    shown = panel_rows(tui.display())
    assert len(shown) >= 30, f"the panel shows {len(shown)} rows"
    expected = [(s.label, s.start, s.end) for s in spans]
    first = expected.index(shown[0])
    # Every row drawn is the next annotation of the store: none stale, none missing.
    assert shown == expected[first : first + len(shown)]
    return spans


def run(root: Path, keys: list[str]) -> TuiProcess:
    tui = TuiProcess(["--store", str(root), "--annotator", ME])
    tui.wait_for("Hulusi")
    tui.settle()
    for chunk in keys:
        tui.type(chunk, pause=0)  # a burst: the keys arrive together
        tui.settle()
    return tui


def test_a_burst_of_labels_leaves_every_panel_row_equal_to_the_store(tmp_path: Path) -> None:
    root = tmp_path / "store"
    doc_id = store_with_every_other_word(root, 60)
    # Word by word: each label lands between two labelled words, in the window's
    # upper part first (the panel scrolls by one) and then lower down (it does not).
    tui = run(root, ["w2w3w4w2w3w4w2w3w4", "w2w3w4w2w3w4", "ww" * 12 + "4w3w2"])
    try:
        spans = assert_panel_shows_the_store(tui, root, doc_id)
        assert len(spans) == 60 + 18
        assert "78 spans" in tui.display()[-2]
    finally:
        tui.kill()


def test_deletes_and_undo_in_a_burst_leave_every_panel_row_equal_to_the_store(
    tmp_path: Path,
) -> None:
    root = tmp_path / "store"
    doc_id = store_with_every_other_word(root, 70)
    # Far enough down that the panel has scrolled, then delete above and below the
    # middle of its window, undo one delete, and label again.
    tui = run(root, ["\t" * 45, "\tx\tx\tx", "\t\t\t\t\tx\tx", "u", "w2w3", "\x1b[Z" * 20 + "x"])
    try:
        spans = assert_panel_shows_the_store(tui, root, doc_id)
        assert len(spans) == 70 - 6 + 1 + 2
    finally:
        tui.kill()
