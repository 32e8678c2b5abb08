"""Adjudication by keys: gold starts agreed, each disagreement settled with one or two keys.

The sample `samples/two-annotators.jsonl` is the seed labelled by alice and bob
with realistic disagreements; carol adjudicates it. The store is the truth: every
test reads gold back from it.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from store import adjudication
from store.store import Store
from tests.test_cli import run
from tests.test_key_stream import burst, reader_of, settle
from tui.app import NewsmarkApp
from tui.widgets.article_view import ArticleView
from tui.widgets.status_bar import StatusBar

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "two-annotators.jsonl"
SIZE = (120, 40)
ME = "carol"

Cand = tuple[int, int, str]


def two_annotator_store(path: Path) -> tuple[Store, str]:
    store = Store.open(path, create=True)
    records = [orjson.loads(line) for line in SAMPLE.read_bytes().splitlines() if line.strip()]
    store.add_documents(records)
    (info,) = store.documents()
    return store, info.id


def gold(store: Store, doc_id: str) -> set[Cand]:
    return {(s.start, s.end, s.label) for s in store.spans(doc_id, "gold")}


def open_disagreements(store: Store, doc_id: str) -> list[adjudication.Disagreement]:
    settled = gold(store, doc_id) | store.rejected(doc_id)
    return adjudication.disagreements(
        store.adjudicated_layers(doc_id), settled, gold=gold(store, doc_id)
    )


def adjudicator(store: Store, **kwargs: object) -> NewsmarkApp:
    return NewsmarkApp(
        store, annotator=ME, write_in_thread=True, adjudicate=True, **kwargs  # type: ignore[arg-type]
    )


async def test_gold_starts_with_what_both_agree_on_and_offers_the_first_disagreement(
    tmp_path: Path,
) -> None:
    store, doc_id = two_annotator_store(tmp_path / "s")
    expected_gold = set(adjudication.agreed(store.adjudicated_layers(doc_id)))
    first = open_disagreements(store, doc_id)[0]
    app = adjudicator(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert gold(store, doc_id) == expected_gold and expected_gold  # zero keys
        view = app.screen.query_one(ArticleView)
        offered = first.versions[first.first_choice()].spans
        assert view.selection == (offered[0][0], offered[-1][1])
        status = app.screen.query_one(StatusBar).text
        assert "1/7 open" in status and "alice:" in status and "bob:" in status
        # Every annotator's spans are on show, the keys edit gold.
        assert {s.annotator for s in view.others} == {"alice", "bob"}
        assert reader_of(app).layer_owner == "gold"


async def test_y_takes_each_offered_version_as_a_burst_and_slowly_alike(tmp_path: Path) -> None:
    results = []
    for how in ("burst", "slow"):
        store, doc_id = two_annotator_store(tmp_path / how)
        n = len(open_disagreements(store, doc_id))
        app = adjudicator(store)
        async with app.run_test(size=SIZE) as pilot:
            if how == "burst":
                await burst(app, ["y"] * n)
            else:
                await settle(app, pilot)
                for _ in range(n):
                    await pilot.press("y")
                    await settle(app, pilot)
            await settle(app, pilot)
            assert open_disagreements(store, doc_id) == []  # one key per disagreement
            assert "no disagreement left" in app.screen.query_one(StatusBar).text
        results.append((gold(store, doc_id), store.rejected(doc_id)))
    assert results[0] == results[1]


async def test_c_y_takes_the_other_version_and_r_rejects_both(tmp_path: Path) -> None:
    store, doc_id = two_annotator_store(tmp_path / "s")
    found = open_disagreements(store, doc_id)
    # The first disagreement in which both annotators have a version.
    both = next(i for i, d in enumerate(found) if all(v.spans for v in d.versions))
    d = found[both]
    app = adjudicator(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await burst(app, ["n"] * both + ["c", "y"])
        await settle(app, pilot)
        other = d.versions[1 - d.first_choice()].spans
        assert set(other) <= gold(store, doc_id)
        assert set(d.versions[d.first_choice()].spans) <= store.rejected(doc_id)
        # r on the next one rejects every version of it.
        nxt = open_disagreements(store, doc_id)[0]
        before = gold(store, doc_id)
        await burst(app, ["r"])
        await settle(app, pilot)
        assert set(nxt.candidates) <= store.rejected(doc_id)
        assert gold(store, doc_id) == before


async def test_undo_reopens_the_decision_and_offers_it_again(tmp_path: Path) -> None:
    store, doc_id = two_annotator_store(tmp_path / "s")
    first = open_disagreements(store, doc_id)[0]
    app = adjudicator(store)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["y", "y", "u"])
        await settle(app, pilot)
        still = open_disagreements(store, doc_id)
        assert first not in still and len(still) == len(open_disagreements(store, doc_id))
        second = still[0]
        status = app.screen.query_one(StatusBar)
        assert status.save_state == "saved" and "undid" in status.text
        view = app.screen.query_one(ArticleView)
        offered = second.versions[second.first_choice()].spans or ((second.start, second.end, ""),)
        assert view.selection == (offered[0][0], offered[-1][1])
        # Undoing the very start takes the agreed spans out again, in one step.
        await burst(app, ["u", "u"])
        await settle(app, pilot)
        assert gold(store, doc_id) == set()


async def test_digits_label_gold_with_the_adjudicator_and_d_marks_gold_done(
    tmp_path: Path,
) -> None:
    store, doc_id = two_annotator_store(tmp_path / "s")
    app = adjudicator(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await burst(app, ["escape", "g", "v", "e", "4", "d"])
        await settle(app, pilot)
        assert store.status(doc_id, "gold") == "done"
        assert store.status(doc_id, ME) == "todo"
    (rec,) = list(store.records(annotator="gold"))
    labelled = [s for s in rec["spans"] if s["decision"] == "labelled"]
    assert [(s["start"], s["label"], s["adjudicator"]) for s in labelled] == [(0, "issue", ME)]
    assert store.spans(doc_id, ME) == []  # carol's own layer untouched


async def test_A_goes_back_to_your_own_layer_and_the_keys_edit_it(tmp_path: Path) -> None:
    store, doc_id = two_annotator_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert reader_of(app).layer_owner == ME
        await burst(app, ["A"])
        await settle(app, pilot)
        assert reader_of(app).mode.name == "adjudicate"
        gold_before = gold(store, doc_id)
        assert gold_before  # entering started gold
        await burst(app, ["A", "g", "1"])
        await settle(app, pilot)
        assert reader_of(app).mode.name == "normal"
        assert app.screen.query_one(ArticleView).others == []  # hidden again, as before
        assert [(s.start, s.label) for s in store.spans(doc_id, ME)] == [(0, "claim")]
        assert gold(store, doc_id) == gold_before


async def test_a_layer_still_at_work_is_left_out_once_two_are_done(tmp_path: Path) -> None:
    store, doc_id = two_annotator_store(tmp_path / "s")
    store.add_span(doc_id, 0, 3, "claim", "dave")  # dave has not finished
    app = adjudicator(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = app.screen.query_one(StatusBar).text
        assert "dave" not in status
    assert (0, 3, "claim") not in gold(store, doc_id)


async def test_two_exports_merged_adjudicated_and_out_as_gold_with_provenance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    # Each annotator's own export, as they would send it from their own machine.
    team, _ = two_annotator_store(tmp_path / "team")
    files = []
    for who in ("alice", "bob"):
        out = tmp_path / f"{who}.jsonl"
        assert run(capsys, "export", "--annotator", who, "-o", str(out),
                   "--store", str(team.root))[0] == 0  # fmt: skip
        files.append(str(out))
    here = tmp_path / "adjudication"
    assert run(capsys, "import", *files, "--store", str(here))[0] == 0
    store = Store.open(here)
    (info,) = store.documents()
    n = len(open_disagreements(store, info.id))
    app = adjudicator(store)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["y"] * n + ["d"])
        await settle(app, pilot)
    store.close()
    code, out, _ = run(capsys, "export", "--gold", "--store", str(here))
    assert code == 0
    (rec,) = [orjson.loads(line) for line in out.splitlines()]
    schema = orjson.loads((ROOT / "docs" / "newsmark.schema.json").read_bytes())
    jsonschema.validate(rec, schema)
    assert (rec["annotator"], rec["status"]) == ("gold", "done")
    decisions = {s["decision"] for s in rec["spans"]}
    assert decisions == {"agreed", "taken"}
    for s in rec["spans"]:
        assert rec["text"][s["start"] : s["end"]] == s["text"]
        assert s["adjudicator"] == ME
        if s["decision"] == "agreed":
            assert s["agreed_by"] == ["alice", "bob"]
        else:
            assert len(s["agreed_by"]) == 1  # taken from the one who made it


def test_gold_is_not_an_annotator_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    st = tmp_path / "s"
    code, _, err = run(capsys, "--annotator", "gold", "--store", str(st), str(SAMPLE))
    assert code == 1
    assert "gold is the adjudicated layer" in err and len(err.strip().splitlines()) == 1
    assert not st.exists()  # refused before anything was imported


async def test_T_shows_each_annotators_progress_and_their_agreement(tmp_path: Path) -> None:
    from textual.widgets import Static

    from tui.screens.team import TeamScreen

    store, _ = two_annotator_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["T"])
        await settle(app, pilot)
        assert isinstance(app.screen, TeamScreen) and reader_of(app).mode.name == "team"
        from rich.console import Console

        body = app.screen.query_one("#team-body", Static)
        text = ""
        for _ in range(500):  # counted on a thread
            console = Console(width=100, record=True)
            console.print(body.content)
            text = console.export_text()
            if "alice" in text:
                break
            await pilot.pause(0.01)
        assert "alice" in text and "1/1" in text and "alice / bob" in text
        assert "0.545" in text and "0.822" in text  # exact F1 and Cohen's κ, as `agree`
        await burst(app, ["j", "T", "w"])
        await settle(app, pilot)
        assert reader_of(app).mode.name == "normal" and not isinstance(app.screen, TeamScreen)
        assert reader_of(app).view.cursor > 0  # the key after T reached the article


async def test_an_imported_gold_layer_leaves_nothing_to_adjudicate(tmp_path: Path) -> None:
    store, doc_id = two_annotator_store(tmp_path / "s")
    gold_file = ROOT / "samples" / "two-annotators-gold.jsonl"
    store.add_documents([orjson.loads(line) for line in gold_file.read_bytes().splitlines()])
    before = gold(store, doc_id)
    app = adjudicator(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "no disagreement left" in app.screen.query_one(StatusBar).text
    assert gold(store, doc_id) == before  # started already: nothing added, nothing taken
