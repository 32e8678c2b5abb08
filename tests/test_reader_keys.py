"""Every key of the reader (tui/actions.py), driven through Textual's pilot.

The store is the source of truth: wherever a key changes something, the test reads
the store back rather than trusting what the screen shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Static

from store.labels import Label, LabelScheme
from store.model import Span
from store.store import Store
from tests.conftest import SEED
from tui.actions import ACTIONS
from tui.app import NewsmarkApp
from tui.screens.help import HelpScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.annotation_list import AnnotationList
from tui.widgets.article_view import ArticleView
from tui.widgets.document_list import DocumentList
from tui.widgets.status_bar import StatusBar

SIZE = (120, 40)
TEXT = SEED.read_text(encoding="utf-8")
ME = "alice"

# Keys each test below presses; checked against the key table so a new key
# without a test fails loudly.
TESTED_KEYS = {
    "h", "j", "k", "l", "left", "right", "up", "down", "w", "b",
    "right_parenthesis", "left_parenthesis", "right_curly_bracket", "left_curly_bracket",
    "g", "G", "home", "end", "pagedown", "space", "pageup",
    "shift+left", "shift+right", "shift+up", "shift+down", "v", "escape",
    "e", "quotation_mark", "slash", "n", "N",
    "1", "2", "3", "4", "5", "6", "7", "8", "9",
    "tab", "shift+tab", "x", "delete", "u", "ctrl+z", "U", "ctrl+y",
    "right_square_bracket", "left_square_bracket", "d", "o", "a", "A", "L", "f", "C", "t", "T",
    "question_mark", "f1", "ctrl+p", "q", "ctrl+q",
}  # fmt: skip


def app_for(store: Store, **kwargs: object) -> NewsmarkApp:
    return NewsmarkApp(store, annotator=ME, **kwargs)  # type: ignore[arg-type]


def view_of(app: NewsmarkApp) -> ArticleView:
    return app.screen.query_one(ArticleView)


def status_of(app: NewsmarkApp) -> str:
    return app.screen.query_one(StatusBar).text


def save_state(app: NewsmarkApp) -> str:
    """The status line's save state: clean, saving, saved, failed or updated."""
    return app.screen.query_one(StatusBar).save_state


def title_of(app: NewsmarkApp) -> str:
    return str(app.screen.query_one("#title", Static).content)


def layer(store: Store, doc_id: str) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.label, s.text) for s in store.spans(doc_id, ME)]


def assert_shows_store(app: NewsmarkApp, store: Store, doc_id: str) -> None:
    """The article, the annotation panel and the document list agree with the store."""
    stored = store.spans(doc_id, ME)
    assert sorted(view_of(app).spans, key=Span.sort_key) == stored
    assert app.screen.query_one(AnnotationList).spans == stored
    docs = app.screen.query_one(DocumentList)
    row = next(docs.row(i) for i in range(docs.count) if docs.row(i).id == doc_id)
    assert (row.spans, row.status) == (len(stored), store.status(doc_id, ME))


# Keys of the other modes (find bar, document list, title filter), tested below too.
TESTED_MODE_KEYS = {
    "find": {"enter", "escape", "backspace", "delete", "left", "right", "home", "ctrl+a",
             "end", "ctrl+e", "ctrl+u", "ctrl+q"},
    "doclist": {"up", "k", "down", "j", "pageup", "pagedown", "space", "g", "home", "G", "end",
             "enter", "t", "s", "f", "slash", "escape", "o", "question_mark", "f1", "ctrl+p",
             "q", "ctrl+q"},
    "filter": {"enter", "escape", "backspace", "delete", "left", "right", "home", "ctrl+a",
               "end", "ctrl+e", "ctrl+u", "ctrl+q"},
    "help": {"escape", "q", "question_mark", "f1", "down", "j", "up", "k", "pagedown", "space",
             "pageup", "g", "home", "G", "end", "ctrl+q"},
    # tests/test_link_keys.py
    "link": {"enter", "escape", "backspace", "delete", "left", "right", "home", "ctrl+a",
             "end", "ctrl+e", "ctrl+u", "down", "ctrl+n", "up", "ctrl+p", "tab", "ctrl+q"},
    "team": {"T"},  # tests/test_adjudicate_keys.py; the help's keys scroll it
    # tests/test_tag_keys.py
    "tag": {"1", "2", "3", "4", "5", "6", "7", "8", "9", "tab", "shift+tab", "escape", "t",
            "enter", "ctrl+q"},
    # tests/test_adjudicate_keys.py; take_1 … take_9 have no default key.
    "adjudicate": {"n", "N", "y", "c", "r", "A"},
}  # fmt: skip


def test_every_key_in_the_table_is_tested() -> None:
    keys = {k for a in ACTIONS if a.mode == "normal" for k in a.keys.split(",")}
    assert keys == TESTED_KEYS
    for mode, tested in TESTED_MODE_KEYS.items():
        keys = {k for a in ACTIONS if a.mode == mode for k in a.keys.split(",") if k}
        assert keys == tested, mode


# ------------------------------------------------------------------------ motions


async def test_character_and_line_motions(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        assert view.cursor == 0
        await pilot.press("l", "right")
        assert view.cursor == 2
        await pilot.press("h")
        assert view.cursor == 1
        await pilot.press("left")
        assert view.cursor == 0
        await pilot.press("l", "l", "j")
        row1 = view.cursor
        # One visual row down, same column: the row is a soft-wrapped part of line 1.
        assert 2 < row1 < TEXT.index("\n")
        await pilot.press("down")
        row2 = view.cursor
        assert row1 < row2
        assert row2 - row1 == pytest.approx(row1 - 2, abs=12)
        await pilot.press("k")
        assert view.cursor == row1
        await pilot.press("up")
        assert view.cursor == 2


async def test_word_motions_land_on_word_starts(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("w")
        assert view.cursor == TEXT.index("defense")
        await pilot.press("w")
        assert view.cursor == TEXT.index("chiefs")
        await pilot.press("b")
        assert view.cursor == TEXT.index("defense")
        await pilot.press("b")
        assert view.cursor == 0


async def test_sentence_motions_skip_abbreviations(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        minister = TEXT.index("Turkish National")
        view.move_cursor(TEXT.index("Secretary of Defense") + 3)
        await pilot.press("right_parenthesis")
        # Not after "U.S.": the next sentence is the next paragraph's.
        assert TEXT[view.cursor :].startswith("They emphasized")
        await pilot.press("w", "left_parenthesis")
        assert TEXT[view.cursor :].startswith("They emphasized")
        await pilot.press("left_parenthesis")
        assert view.cursor == minister


async def test_paragraph_and_document_motions(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        second = TEXT.index("\n") + 1
        third = TEXT.index("\n", second) + 1
        await pilot.press("right_curly_bracket")
        assert view.cursor == second
        await pilot.press("right_curly_bracket")
        assert view.cursor == third
        await pilot.press("left_curly_bracket")
        assert view.cursor == second
        await pilot.press("G")
        assert view.cursor == len(TEXT)
        await pilot.press("g")
        assert view.cursor == 0
        await pilot.press("end")
        assert view.cursor == len(TEXT)
        assert view.scroll_offset.y > 0  # the end of the article is on screen
        await pilot.press("home")
        assert view.cursor == 0
        assert view.scroll_offset.y == 0


async def test_page_keys_move_the_cursor(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("space")
        one = view.cursor
        assert one > 0
        await pilot.press("pageup")
        assert view.cursor == 0
        await pilot.press("pagedown")
        assert view.cursor == one
        await pilot.press("pagedown")  # the last page is shorter: clamps to the last row
        two = view.cursor
        assert two > one
        await pilot.press("pageup")
        assert view.cursor < two


# ---------------------------------------------------------------------- selection


async def test_shift_arrows_extend_and_escape_clears(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("shift+right", "shift+right", "shift+right")
        assert view.selection == (0, 3)
        await pilot.press("shift+left")
        assert view.selection == (0, 2)
        await pilot.press("shift+down")
        below = view.cursor
        assert view.selection == (0, below) and below > 2
        await pilot.press("shift+up")
        assert view.selection == (0, 2)
        await pilot.press("escape")
        assert view.selection is None
        assert view.cursor == 2


async def test_visual_mode_extends_with_motions(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("w", "v", "w", "w")
        assert view.selection == (TEXT.index("defense"), TEXT.index(" of Turkey") + 1)
        assert "VISUAL" in status_of(app)
        await pilot.press("escape")
        assert view.selection is None
        await pilot.press("w")  # a motion after escape no longer extends
        assert view.selection is None
        assert "VISUAL" not in status_of(app)


async def test_expand_word_name_sentence_paragraph(store: Store) -> None:
    text = (
        "Officials met on Monday. On Tuesday the minister Hulusi Akar spoke to reporters. "
        "Nothing changed.\n\nA second paragraph."
    )
    ((info, _),) = store.add_documents([{"text": text, "title": "expand"}])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        view.move_cursor(text.index("Hulusi") + 2)

        def selected() -> str:
            assert view.selection is not None
            return text[view.selection[0] : view.selection[1]]

        await pilot.press("e")
        assert selected() == "Hulusi"
        await pilot.press("e")
        assert selected() == "Hulusi Akar"
        await pilot.press("e")
        assert selected() == "On Tuesday the minister Hulusi Akar spoke to reporters."
        await pilot.press("e")
        assert selected() == text[: text.index("\n")]
        await pilot.press("3")
        assert layer(store, info.id) == [(0, text.index("\n"), "actor", selected())]


async def test_expand_on_the_seed_grows_around_the_name(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        view.move_cursor(182)
        await pilot.press("e")
        assert view.selection == (180, 186)
        await pilot.press("e")
        chain = view.selection
        assert chain is not None and chain[0] <= 180 and chain[1] == 191


async def test_quotation_selects_inside_the_marks(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        view.move_cursor(TEXT.index("significant role"))
        await pilot.press("quotation_mark")
        assert view.selection is not None
        start, end = view.selection
        assert TEXT[start - 1] == '"' and TEXT[end] == '"'
        assert TEXT[start:end].startswith("for the significant role")
        assert TEXT[start:end].endswith("peace process there.")
        # Outside any quotation the selection stays as it was.
        await pilot.press("g", "quotation_mark")
        assert view.selection is None
        assert view.cursor == 0


# --------------------------------------------------------------------------- find


async def test_find_then_label_actor(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("slash", *"hulusi akar", "enter")
        assert view.selection == (180, 191)
        assert app.focused is view
        await pilot.press("3")
        assert layer(store, doc_id) == [(180, 191, "actor", "Hulusi Akar")]
        assert [s.annotator for s in store.spans(doc_id)] == [ME]
        assert save_state(app) == "saved"
        assert view.selected_span_id == store.spans(doc_id, ME)[0].id


async def test_find_next_and_previous(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    hits = [m.start() for m in re.finditer("Akar", TEXT)]
    assert len(hits) >= 3
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("slash", *"akar", "enter")
        assert view.selection == (hits[0], hits[0] + 4)
        await pilot.press("n")
        assert view.selection == (hits[1], hits[1] + 4)
        await pilot.press("n")
        assert view.selection == (hits[2], hits[2] + 4)
        await pilot.press("N")
        assert view.selection == (hits[1], hits[1] + 4)
        await pilot.press("N", "N")  # wraps around to the last match
        assert view.selection == (hits[-1], hits[-1] + 4)


async def test_find_folds_dotted_capital_i(store: Store) -> None:
    text = "Presidential spokesperson İbrahim Kalın spoke.\n\nLater, İbrahim Kalın left."
    store.add_documents([{"text": text, "title": "Kalın"}])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("slash", *"ibrahim kalın", "enter")
        start = text.index("İbrahim")
        assert view.selection == (start, start + len("İbrahim Kalın"))


async def test_find_missing_or_escaped_leaves_cursor(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        find = app.screen.query_one("#find")
        await pilot.press("w", "w", "slash", "q", "4", "z", "enter")
        assert view.cursor == TEXT.index("chiefs")
        assert view.selection is None
        assert not find.display
        await pilot.press("slash", "a", "escape")  # escape closes the bar, finds nothing
        assert not find.display
        assert app.focused is view
        assert view.cursor == TEXT.index("chiefs")
        assert view.selection is None
        assert store.spans(seeded[1]) == []


# ------------------------------------------------------------------------- labels


async def test_digits_label_the_word_under_the_cursor(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "w", "2", "w", "3", "w", "4")
        assert layer(store, doc_id) == [
            (0, 3, "claim", "The"),
            (4, 11, "quote", "defense"),
            (12, 18, "actor", "chiefs"),
            (19, 21, "issue", "of"),
        ]
        assert_shows_store(app, store, doc_id)


async def test_digit_relabels_a_tab_selected_annotation(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    store.add_span(doc_id, 180, 191, "claim", ME)
    before = store.spans(doc_id, ME)[0]
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("tab")
        assert view.selected_span_id == before.id
        await pilot.press("3")
        (after,) = store.spans(doc_id, ME)
        assert (after.id, after.start, after.end, after.label) == (before.id, 180, 191, "actor")
        assert "relabelled" in status_of(app) and save_state(app) == "saved"
        assert_shows_store(app, store, doc_id)
        await pilot.press("u")  # undo the relabel
        assert [s.label for s in store.spans(doc_id, ME)] == ["claim"]
        assert_shows_store(app, store, doc_id)


async def test_digits_beyond_the_scheme_change_nothing(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("shift+right", "shift+right", "5", "6", "7", "8", "9")
        assert store.spans(doc_id) == []
        assert store.can_undo(doc_id, ME) is False
        assert view.selection == (0, 2)
        assert "labelled" not in status_of(app) and save_state(app) == "clean"


async def test_digits_five_to_nine_with_a_nine_label_scheme(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    scheme = LabelScheme("nine", tuple(Label(f"l{i}", str(i), "#4f8fe6") for i in range(1, 10)))
    app = app_for(store, scheme=scheme)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "w", "6", "w", "7", "w", "8", "w", "9")
        got = [(s.text, s.label) for s in store.spans(doc_id, ME)]
        assert got == [
            ("The", "l5"), ("defense", "l6"), ("chiefs", "l7"), ("of", "l8"), ("Turkey", "l9"),
        ]  # fmt: skip


# ------------------------------------------------------------------ annotations


async def test_tab_walks_annotations_and_delete_removes(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    for start, end, label in [(4, 11, "issue"), (146, 200, "claim"), (180, 191, "actor")]:
        store.add_span(doc_id, start, end, label, ME)
    spans = store.spans(doc_id, ME)
    ranges = [(s.start, s.end) for s in spans]
    assert ranges == [(4, 11), (146, 200), (180, 191)]
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("tab")
        assert (view.selection, view.selected_span_id) == (ranges[0], spans[0].id)
        await pilot.press("tab")
        assert (view.selection, view.selected_span_id) == (ranges[1], spans[1].id)
        await pilot.press("tab")
        assert view.selection == ranges[2]
        await pilot.press("shift+tab")
        assert view.selection == ranges[1]
        await pilot.press("x")
        assert [(s.start, s.end) for s in store.spans(doc_id, ME)] == [ranges[0], ranges[2]]
        assert view.selection is None
        await pilot.press("shift+tab")  # the nearest one before the cursor
        assert view.selection == ranges[2]
        await pilot.press("shift+tab")
        assert view.selected_span_id == spans[0].id
        await pilot.press("delete")
        assert [(s.start, s.end) for s in store.spans(doc_id, ME)] == [ranges[2]]
        await pilot.press("shift+tab")  # wraps around to the last one
        assert view.selection == ranges[2]
        assert_shows_store(app, store, doc_id)


async def test_undo_redo_round_trip(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("w", "3")
        labelled = store.spans(doc_id, ME)
        assert layer(store, doc_id) == [(4, 11, "actor", "defense")]
        await pilot.press("u")
        assert store.spans(doc_id, ME) == []
        assert view.selection is None
        assert_shows_store(app, store, doc_id)
        await pilot.press("U")
        assert store.spans(doc_id, ME) == labelled
        assert view.selection == (4, 11)
        await pilot.press("ctrl+z")
        assert store.spans(doc_id, ME) == []
        await pilot.press("ctrl+y")
        assert store.spans(doc_id, ME) == labelled
        assert_shows_store(app, store, doc_id)
        await pilot.press("U")  # nothing left to redo
        assert store.spans(doc_id, ME) == labelled


async def test_undo_survives_quitting(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    first = app_for(store)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"akar", "enter", "3", "q")
    assert layer(store, doc_id) == [(187, 191, "actor", "Akar")]
    again = Store.open(store.root)
    try:
        second = app_for(again)
        async with second.run_test(size=SIZE) as pilot:
            await pilot.press("u")
            assert again.spans(doc_id, ME) == []
    finally:
        again.close()
    assert store.spans(doc_id, ME) == []


# ---------------------------------------------------------------------- documents


async def test_switch_documents_and_mark_done(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    other = "A second, shorter article.\n\nIt has two paragraphs."
    ((info, _),) = store.add_documents([{"text": other, "title": "Second article"}])
    app = app_for(store, open_doc=doc_id)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        assert view.text == TEXT
        assert "Turkey, US defense chiefs" in title_of(app)
        await pilot.press("right_square_bracket")
        assert view.text == other
        assert "Second article" in title_of(app)
        await pilot.press("right_square_bracket")  # already the last: stays
        assert view.text == other
        await pilot.press("d")
        assert store.status(info.id, ME) == "done"
        assert store.status(doc_id, ME) == "todo"
        assert "✓ done" in title_of(app)
        assert_shows_store(app, store, info.id)
        await pilot.press("d")
        assert store.status(info.id, ME) == "todo"
        await pilot.press("d", "left_square_bracket")
        assert view.text == TEXT
        assert "todo" in title_of(app)
        await pilot.press("left_square_bracket")  # already the first: stays
        assert view.text == TEXT
    assert store.status(info.id, ME) == "done"


async def test_document_list_toggles(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        docs = app.screen.query_one(DocumentList)
        panel = app.screen.query_one("#doc-panel")
        assert panel.display  # wide enough to show it
        await pilot.press("o")
        assert not panel.display
        assert app.focused is view_of(app)
        await pilot.press("o")
        assert panel.display
        assert app.focused is docs


async def test_document_list_filters_sorts_and_steers_next_document(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s")
    infos = [
        info
        for info, _ in store.add_documents(
            [{"text": f"Story {c} about the harbour.", "title": f"{c} story"} for c in "CAB"]
        )
    ]
    store.add_span(infos[2].id, 0, 5, "claim", "alice")
    store.set_status(infos[2].id, "alice", "done")
    store.set_status(infos[0].id, "alice", "done")
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        docs = app.screen.query_one(DocumentList)
        await pilot.press("o")  # hide, then show and focus the list
        await pilot.press("o")
        assert app.focused is docs
        await pilot.press("t")  # status: todo
        assert [docs.row(i).title for i in range(docs.count)] == ["A story"]
        await pilot.press("t")  # status: done
        assert [docs.row(i).title for i in range(docs.count)] == ["C story", "B story"]
        await pilot.press("s")  # sort by title
        assert [docs.row(i).title for i in range(docs.count)] == ["B story", "C story"]
        await pilot.press("s")  # sort by span count
        assert [docs.row(i).spans for i in range(docs.count)] == [1, 0]
        await pilot.press("f", "B", "enter")  # title contains "B"
        assert [docs.row(i).title for i in range(docs.count)] == ["B story"]
        assert "1/3" in str(app.screen.query_one("#docs-header", Static).render())
        await pilot.press("t", "f", "ctrl+u", "enter", "s", "s")  # all, no text, import order
        assert [docs.row(i).title for i in range(docs.count)] == ["C story", "A story", "B story"]
        await pilot.press("t")  # todo only: ] skips the done documents
        await pilot.press("escape")
        app.screen.query_one(ArticleView).focus()
        screen = app.screen
        screen.open_document(0)
        await pilot.press("right_square_bracket")
        assert screen.doc.title == "A story"


async def test_help_palette_and_quit(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")  # closes help, does not quit
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("q")
        assert not app.is_running
    assert app.return_code == 0


async def test_ctrl_q_quits(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        assert not app.is_running


# ------------------------------------------------------------- small screen, mouse


async def test_small_terminal_mounts_and_labels(seeded: tuple[Store, str]) -> None:
    store, doc_id = seeded
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        assert view.size.width >= 30 and view.size.height >= 10
        assert not app.screen.query_one("#doc-panel").display
        await pilot.press("w", "4")
        assert layer(store, doc_id) == [(4, 11, "issue", "defense")]
        assert save_state(app) == "saved"


async def test_click_places_cursor(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        await pilot.press("j", "j")
        third_row = view.cursor
        await pilot.click(ArticleView, offset=(4, 0))
        assert view.cursor == 4
        assert view.selection is None
        await pilot.click(ArticleView, offset=(3, 2))
        assert view.cursor == third_row + 3


async def test_reopening_returns_to_where_the_cursor_was(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    store.add_documents([{"text": "A second article.\nWith two lines."}])
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_parenthesis", "right_parenthesis", "w")
        where = view_of(app).cursor
        assert where > 0
        await pilot.press("right_square_bracket")  # leave for the other document
        assert view_of(app).text.startswith("A second article")
        await pilot.press("q")
    again = app_for(store)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert view_of(again).text.startswith("A second article")  # the last one open
        await pilot.press("left_square_bracket")
        assert view_of(again).cursor == where


async def _writes_settled(app: NewsmarkApp, pilot: object) -> None:
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    for _ in range(200):
        if screen.pending_writes == 0:
            return
        await pilot.pause(0.01)  # type: ignore[attr-defined]
    raise AssertionError("writes never finished")


async def test_writer_thread_saves_in_order_and_says_saved_only_after(
    seeded: tuple[Store, str],
) -> None:
    store, doc_id = seeded
    app = app_for(store, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"hulusi akar", "enter", "3")
        await pilot.press("2", "u", "U")  # relabel, undo it, redo it: queued in order
        await _writes_settled(app, pilot)
        assert layer(store, doc_id) == [(180, 191, "quote", "Hulusi Akar")]
        assert save_state(app) == "saved" and "redid" in status_of(app)
        assert_shows_store(app, store, doc_id)


async def test_writer_thread_change_lands_on_its_own_document(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s")
    (a, _), (b, _) = store.add_documents(
        [{"text": "Alpha minister spoke."}, {"text": "Beta council voted."}]
    )
    app = app_for(store, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        screen.open_document(0)
        await pilot.press("w", "1", "right_square_bracket")  # label, then leave at once
        await _writes_settled(app, pilot)
        assert [s.text for s in store.spans(a.id, ME)] == ["minister"]
        assert store.spans(b.id, ME) == []
        assert view_of(app).text.startswith("Beta") and screen.spans == []
        await pilot.press("q")  # quitting waits for queued writes
    assert [s.text for s in store.spans(a.id, ME)] == ["minister"]


async def test_acknowledged_write_is_not_taken_for_another_process(
    seeded: tuple[Store, str],
) -> None:
    store, doc_id = seeded
    app = app_for(store, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReaderScreen)
        await pilot.press("w", "1")
        await _writes_settled(app, pilot)
        assert save_state(app) == "saved"
        # The writer read the revision after its write: polling finds nothing new.
        seen = screen.watcher.poll(doc_id, len(screen.docs), ME, False)
        assert seen.spans is None
        # Another process's write is still noticed.
        other = Store.open(store.root)
        other.add_span(doc_id, 0, 6, "issue", ME)
        assert screen.watcher.poll(doc_id, len(screen.docs), ME, False).spans == store.spans(
            doc_id, ME
        )


async def test_labels_outside_the_scheme_keep_their_colour_through_changes(
    seeded: tuple[Store, str],
) -> None:
    store, doc_id = seeded
    store.merge_layer(doc_id, ME, [{"start": 180, "end": 191, "label": "evidence"}])
    app = app_for(store, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(AnnotationList)

        def label_colour(row: int) -> object:
            """The colour the panel gives the label of its row ``row``."""
            strip = panel.render_line(row)
            return next(s.style.color for s in strip if s.text.strip() == panel.spans[row].label)  # type: ignore[union-attr]

        await pilot.pause()
        shown = label_colour(0)
        await pilot.press("w", "1")  # another label: "evidence" stays in use
        await _writes_settled(app, pilot)
        assert [s.label for s in panel.spans] == ["claim", "evidence"]
        assert label_colour(1) == shown
        assert_shows_store(app, store, doc_id)


async def test_motions_and_labels_never_ask_for_a_layout_pass(tmp_path: Path) -> None:
    """A layout pass re-renders the whole screen (~13 ms): keys that move or label don't."""
    from textual.widget import Widget

    store = Store.open(tmp_path / "s")
    text = " ".join(f"word{i}" for i in range(3000))
    ((info, _),) = store.add_documents([{"text": text}])
    store.merge_layer(
        info.id, ME, [{"start": i * 8, "end": i * 8 + 5, "label": "claim"} for i in range(300)]
    )
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        view.move_cursor(text.index("word1500"))  # the panel scrolls to follow
        await pilot.pause()
        layouts: list[str] = []
        original = Widget.refresh

        def refresh(self: Widget, *regions: object, **kwargs: object) -> Widget:
            if kwargs.get("layout"):
                layouts.append(type(self).__name__)
            return original(self, *regions, **kwargs)  # type: ignore[arg-type]

        Widget.refresh = refresh  # type: ignore[method-assign]
        try:
            await pilot.press("l", "l", "j", "w", "b", "k", "shift+right", "escape")
            await pilot.press("w", "2", "w", "3", "x")  # two labels and a delete
            await pilot.pause()
        finally:
            Widget.refresh = original  # type: ignore[method-assign]
        assert layouts == []
        assert len(store.spans(info.id, ME)) == 301
        assert_shows_store(app, store, info.id)


async def test_a_shows_the_other_annotators_spans_underlined_and_hides_them(
    seeded: tuple[Store, str],
) -> None:
    store, doc_id = seeded
    store.add_span(doc_id, 180, 191, "actor", "bob")  # "Hulusi Akar", bob's layer
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        view = view_of(app)
        assert view.others == []
        await pilot.press("a")
        assert [(s.start, s.end, s.annotator) for s in view.others] == [(180, 191, "bob")]
        assert "+others" in status_of(app)
        # Bob's span is drawn: underlined, with no tint of your own.
        row = next(y for y in range(view.size.height) if "Hulusi" in view.render_line(y).text)
        strip = view.render_line(row)
        hulusi = [seg for seg in strip if "Hulusi" in seg.text]
        assert hulusi and all(seg.style is not None and seg.style.underline for seg in hulusi)
        # Your keys still act on your layer only.
        await pilot.press("slash", *"akar", "enter", "3")
        assert layer(store, doc_id) == [(187, 191, "actor", "Akar")]
        assert [s.annotator for s in store.spans(doc_id) if s.start == 180] == ["bob"]
        await pilot.press("a")
        assert view.others == [] and "+others" not in status_of(app)
