"""Document labels by keys: t opens the label sets, digits set choices, each one write."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from store.labels import DocLabelSet, LabelScheme
from store.store import Store
from tests.conftest import SEED
from tests.test_key_stream import burst, reader_of, settle
from tui.app import NewsmarkApp

SIZE = (120, 40)
ME = "alice"


def scheme() -> LabelScheme:
    from store.labels import DEFAULT_SCHEME

    return LabelScheme(
        "test", DEFAULT_SCHEME.labels, DEFAULT_SCHEME.relations,
        (DocLabelSet("topic", ("politics", "economy", "security"), multi=True),
         DocLabelSet("stance", ("supportive", "neutral", "critical"))),
    )  # fmt: skip


def seed_store(path: Path) -> tuple[Store, str]:
    store = Store.open(path, create=True)
    ((info, _),) = store.add_documents([{"text": SEED.read_text(encoding="utf-8")}])
    return store, info.id


async def test_digits_set_the_open_documents_labels_as_a_burst(tmp_path: Path) -> None:
    store, doc_id = seed_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True, scheme=scheme())
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["t", "1", "3", "tab", "2", "3", "escape"])
        await settle(app, pilot)
        assert store.doc_labels(doc_id, ME) == {
            "topic": ["politics", "security"], "stance": ["critical"]  # one of a single set
        }
        assert reader_of(app).mode.name == "normal"
        title = str(app.screen.query_one("#title", Static).content)
        assert "topic: politics, security" in title and "stance: critical" in title
        # A digit on a chosen one clears it; u takes back the last change.
        await burst(app, ["t", "1", "escape", "u"])
        await settle(app, pilot)
        assert store.doc_labels(doc_id, ME)["topic"] == ["politics", "security"]
        await burst(app, ["t", "1", "escape"])
        await settle(app, pilot)
        assert store.doc_labels(doc_id, ME)["topic"] == ["security"]
        assert store.doc_labels(doc_id, "bob") == {}


async def test_without_label_sets_t_says_how_to_declare_them(tmp_path: Path) -> None:
    store, doc_id = seed_store(tmp_path / "s")
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True)
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["t", "1"])
        await settle(app, pilot)
        assert reader_of(app).mode.name == "normal"
        assert store.doc_labels(doc_id, ME) == {}
        assert [s.label for s in store.spans(doc_id, ME)] == ["claim"]  # 1 labelled a word


async def test_the_document_list_shows_each_documents_labels(tmp_path: Path) -> None:
    from tui.widgets.document_list import DocumentList

    store, doc_id = seed_store(tmp_path / "s")
    ((other, _),) = store.add_documents([{"text": "A second article.\n\nIt is short."}])
    store.set_doc_labels(other.id, ME, "stance", ["neutral"])
    store.save_index()
    app = NewsmarkApp(store, annotator=ME, write_in_thread=True, scheme=scheme())
    async with app.run_test(size=SIZE) as pilot:
        await burst(app, ["t", "2", "escape"])
        await settle(app, pilot)
        docs = app.screen.query_one(DocumentList)
        rows = {docs.row(i).id: docs.row(i) for i in range(docs.count)}
        assert rows[doc_id].tags == "topic: economy"
        assert rows[other.id].tags == "stance: neutral"
        assert "[stance: neutral]" in str(docs.render_row(1, 60))
