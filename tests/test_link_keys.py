"""Linking by keys: L opens the sources nearest first, typing filters, enter links.

The store is the truth: each test reads the links back from it.
"""

from __future__ import annotations

from pathlib import Path

from store.store import Store
from tests.conftest import SEED
from tests.test_key_stream import burst, reader_of, settle
from tests.tui_driver import TuiProcess
from tui.app import NewsmarkApp
from tui.widgets.article_view import ArticleView
from tui.widgets.status_bar import StatusBar

SIZE = (120, 40)
TEXT = SEED.read_text(encoding="utf-8")
ME = "alice"
AKAR = TEXT.index("Hulusi Akar")
AUSTIN = TEXT.index("Lloyd Austin")
QUOTE = TEXT.index("for the significant role")
QUOTE_END = TEXT.index("there.", QUOTE) + len("there.")
CLAIM = TEXT.index("Turkey, however")
CLAIM_END = TEXT.index("F-35 aircraft", CLAIM) + len("F-35 aircraft")


def labelled_store(path: Path) -> tuple[Store, str]:
    store = Store.open(path, create=True)
    ((info, _),) = store.add_documents([{"text": TEXT}])
    for start, end, label in [
        (AKAR, AKAR + 11, "actor"), (AUSTIN, AUSTIN + 12, "actor"),
        (QUOTE, QUOTE_END, "quote"), (CLAIM, CLAIM_END, "claim"),
    ]:  # fmt: skip
        store.add_span(info.id, start, end, label, ME)
    return store, info.id


def links(store: Store, doc_id: str) -> list[tuple[str, str, str, str]]:
    by_id = {s.id: s.text for s in store.spans(doc_id)}
    return sorted(
        (by_id[r.head][:12], r.label, by_id[r.tail], by_id.get(r.cue, ""))
        for r in store.relations(doc_id, ME)
    )


# G then shift+tab selects the last annotation before the end: the claim; one more, the quote.
TO_QUOTE = ["G", "shift+tab", "shift+tab"]


async def test_L_lists_the_sources_nearest_first_and_typing_filters(tmp_path: Path) -> None:
    store, doc_id = labelled_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, [*TO_QUOTE, "L"])
        await settle(app, pilot)
        reader = reader_of(app)
        assert reader.mode.name == "link"
        assert [c.span.text for c in reader.linker.candidates] == ["Lloyd Austin", "Hulusi Akar"]
        await burst(app, ["h", "u", "l"])
        await settle(app, pilot)
        assert [c.span.text for c in reader.linker.candidates] == ["Hulusi Akar"]
        await burst(app, ["escape"])
        await settle(app, pilot)
        assert reader.mode.name == "normal" and links(store, doc_id) == []


async def test_a_link_by_keys_as_a_burst_and_slowly_alike(tmp_path: Path) -> None:
    keys = [*TO_QUOTE, "L", "down", "enter", "shift+tab", "shift+tab", "shift+tab", "L", "enter"]
    results = []
    for how in ("burst", "slow"):
        store, doc_id = labelled_store(tmp_path / how)
        app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            if how == "burst":
                await burst(app, keys)
            else:
                for key in keys:
                    await pilot.press(key)
                    await settle(app, pilot)
            await settle(app, pilot)
        results.append(links(store, doc_id))
    # shift+tab from the quote: Austin, Akar, then round to the claim, nearest Austin.
    assert results[0] == results[1] == [
        ("Turkey, howe", "claimant", "Lloyd Austin", ""),
        ("for the sign", "speaker", "Hulusi Akar", ""),
    ]


async def test_a_claim_links_to_its_claimant_and_enter_on_a_linked_one_unlinks(
    tmp_path: Path,
) -> None:
    store, doc_id = labelled_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["G", "shift+tab", "L", "enter"])
        await settle(app, pilot)
        assert links(store, doc_id) == [("Turkey, howe", "claimant", "Lloyd Austin", "")]
        assert reader_of(app).linker.candidates == []  # the picker closed
        await burst(app, ["L"])
        await settle(app, pilot)
        assert reader_of(app).linker.candidates[0].linked is not None  # shown as linked
        await burst(app, ["enter"])
        await settle(app, pilot)
        assert links(store, doc_id) == []


async def test_selecting_either_end_highlights_the_other_and_f_jumps(tmp_path: Path) -> None:
    store, _ = labelled_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, [*TO_QUOTE, "L", "enter"])
        await settle(app, pilot)
        view = app.screen.query_one(ArticleView)
        assert view.linked == ((AUSTIN, AUSTIN + 12),)
        await burst(app, ["f"])
        await settle(app, pilot)
        assert view.selection == (AUSTIN, AUSTIN + 12)
        assert view.linked == ((QUOTE, QUOTE_END),)
        await burst(app, ["f"])
        await settle(app, pilot)
        assert view.selection == (QUOTE, QUOTE_END)
        await burst(app, ["escape"])
        await settle(app, pilot)
        assert view.linked == ()  # nothing selected, nothing highlighted


async def test_undo_delete_and_cue_by_keys(tmp_path: Path) -> None:
    store, doc_id = labelled_store(tmp_path / "s")
    said = TEXT.index("said", TEXT.index("Pentagon separately"))
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, [*TO_QUOTE, "L", "enter", "u"])
        await settle(app, pilot)
        assert links(store, doc_id) == []
        await burst(app, ["U"])
        await settle(app, pilot)
        assert links(store, doc_id) == [("for the sign", "speaker", "Lloyd Austin", "")]
        # The cue: the word under the cursor becomes the cue of the last link.
        view = app.screen.query_one(ArticleView)
        await burst(app, ["escape"])
        await settle(app, pilot)
        view.move_cursor(said + 1)
        await burst(app, ["C"])
        await settle(app, pilot)
        assert links(store, doc_id) == [("for the sign", "speaker", "Lloyd Austin", "said")]
        # Deleting the source deletes the link; undo brings both back.
        await burst(app, ["g", "tab", "tab", "x"])
        await settle(app, pilot)
        assert [s.text for s in store.spans(doc_id, ME) if s.label == "actor"] == ["Hulusi Akar"]
        assert links(store, doc_id) == []
        await burst(app, ["u"])
        await settle(app, pilot)
        assert links(store, doc_id) == [("for the sign", "speaker", "Lloyd Austin", "said")]
        assert app.screen.query_one(StatusBar).save_state == "saved"


async def test_an_actor_cannot_start_a_link_and_nothing_changes(tmp_path: Path) -> None:
    store, doc_id = labelled_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["g", "tab", "L"])
        await settle(app, pilot)
        assert reader_of(app).mode.name == "normal"
        assert links(store, doc_id) == []


def test_a_link_shown_saved_survives_sigkill(tmp_path: Path) -> None:
    store, doc_id = labelled_store(tmp_path / "store")
    store.close()
    tui = TuiProcess(["--store", str(tmp_path / "store"), "--annotator", ME])
    try:
        tui.wait_for("Hulusi")
        since = tui.mark()
        tui.type("G")
        tui.type("\x1b[Z")  # shift+tab
        tui.type("\x1b[Z")
        tui.type("L")
        tui.wait_for("speaker of quote", since=since)
        tui.type("\r")
        tui.wait_for("linked quote", since=since)
    finally:
        tui.kill()  # SIGKILL: no chance to flush or clean up
    again = Store.open(tmp_path / "store")
    assert links(again, doc_id) == [("for the sign", "speaker", "Lloyd Austin", "")]
