"""Screenshots of the reader, compared with the SVGs under tests/__snapshots__/.

Everything shown is put in the store before the app starts: a save would print the
clock time on the status line and make the screenshot differ from run to run.
Update the snapshots with ``pytest tests/test_snapshots.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from store.store import Store
from tests.conftest import SEED
from tui.app import NewsmarkApp

TEXT = SEED.read_text(encoding="utf-8")
ME = "alice"


def _at(piece: str, after: int = 0) -> tuple[int, int]:
    start = TEXT.index(piece, after)
    return start, start + len(piece)


@pytest.fixture
def annotated(seeded: tuple[Store, str]) -> NewsmarkApp:
    """The seed article with nested and overlapping spans, and a second document."""
    store, doc_id = seeded
    quote_open = TEXT.index('"for the')
    spans = [
        (*_at("regional security and bilateral defense cooperation"), "issue"),
        # A claim with two actors nested inside it.
        (146, _at(" exchanged views")[1], "claim"),
        (180, 191, "actor"),
        (*_at("Lloyd Austin"), "actor"),
        (*_at("Pentagon"), "actor"),
        # The Pentagon quote, without its marks.
        (quote_open + 1, TEXT.index('"', quote_open + 1), "quote"),
        # An issue crossing the quote's start, and one nested inside the quote.
        (_at("Austin thanked")[0], _at("Turkey is playing")[1], "issue"),
        (*_at("Resolute Support Mission in Afghanistan"), "issue"),
    ]
    for start, end, label in spans:
        store.add_span(doc_id, start, end, label, ME)
    store.add_documents([{"text": "A second article.\n\nShort.", "title": "Harbour strike"}])
    return NewsmarkApp(store, annotator=ME, open_doc=doc_id)


# Three tabs from the top select the actor "Hulusi Akar", inside the claim.
SELECT_ACTOR = ("tab", "tab", "tab")


def test_reader_120x40(snap_compare: Any, annotated: NewsmarkApp) -> None:
    assert snap_compare(annotated, press=SELECT_ACTOR, terminal_size=(120, 40))


def test_reader_80x24(snap_compare: Any, annotated: NewsmarkApp) -> None:
    assert snap_compare(annotated, press=SELECT_ACTOR, terminal_size=(80, 24))


def test_help_screen(snap_compare: Any, annotated: NewsmarkApp) -> None:
    assert snap_compare(annotated, press=("question_mark",), terminal_size=(120, 40))


def test_reader_light_theme(snap_compare: Any, annotated: NewsmarkApp) -> None:
    def light(pilot: Pilot[None]) -> None:
        pilot.app.theme = "textual-light"

    assert snap_compare(annotated, press=SELECT_ACTOR, terminal_size=(120, 40), run_before=light)


def test_adjudication_120x40(snap_compare: Any, tmp_path: Any) -> None:
    """Adjudicating the two-annotator sample: both layers underlined, versions offered."""
    from tests.test_adjudicate_keys import two_annotator_store

    store, _ = two_annotator_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator="carol", adjudicate=True)

    async def offered(pilot: Pilot[None]) -> None:
        for _ in range(200):
            if app.reader is not None and app.reader.adjudication.current is not None:
                break
            await pilot.pause(0.01)
        await pilot.pause()

    assert snap_compare(app, run_before=offered, terminal_size=(120, 40))


def test_link_picker_120x40(snap_compare: Any, annotated: NewsmarkApp) -> None:
    """L on the Pentagon quote: its possible speakers, nearest first."""
    quote = ("G", "shift+tab", "shift+tab", "L")
    assert snap_compare(annotated, press=quote, terminal_size=(120, 40))
