"""`newsmark doctor`: damaged files come back from their last good copy, or are quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.doctor import doctor
from store.errors import StoreCorrupt
from store.store import Store
from tests.conftest import SAMPLES


def _two_labels(store: Store, doc: str) -> None:
    store.add_span(doc, 180, 191, "actor", "alice")
    store.add_span(doc, 0, 3, "claim", "alice")


def test_healthy_store_needs_nothing(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    _two_labels(store, doc)
    report = doctor(store.root)
    assert report.healthy
    assert len(Store.open(store.root).spans(doc)) == 2


def test_damaged_doc_file_is_restored_from_last_good_copy(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    _two_labels(store, doc)
    path = store.root / "docs" / f"{doc}.json"
    damaged = path.read_bytes()[:-30]
    path.write_bytes(damaged)
    with pytest.raises(StoreCorrupt):
        Store.open(store.root).spans(doc)
    report = doctor(store.root)
    assert any("restored docs/" in a for a in report.actions)
    assert not report.unresolved
    # The last good copy is the version before the last write: the first label.
    spans = Store.open(store.root).spans(doc)
    assert [(s.start, s.end, s.label) for s in spans] == [(180, 191, "actor")]
    quarantined = list((store.root / "quarantine").rglob(f"{doc}.json"))
    assert [q.read_bytes() for q in quarantined] == [damaged]  # nothing is deleted
    assert doctor(store.root).healthy  # and it is idempotent


def test_damaged_doc_without_good_copy_is_quarantined(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")  # first write: no earlier version
    path = store.root / "docs" / f"{doc}.json"
    path.write_bytes(b'{"spans": {"1": ')
    report = doctor(store.root)
    assert any("quarantined docs/" in a for a in report.actions)
    reopened = Store.open(store.root)
    assert reopened.spans(doc) == []
    reopened.add_span(doc, 0, 3, "claim", "alice")  # the document is usable again


def test_damaged_catalog_is_restored_or_rebuilt(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s")
    from store.importing import import_paths

    import_paths(store, [SAMPLES / "turkey-us-defense-call.txt"])
    import_paths(store, [SAMPLES / "council-budget-vote.md"])
    catalog = store.root / "catalog.json"
    catalog.write_bytes(catalog.read_bytes()[:50])
    report = doctor(store.root)
    assert any("catalog.json" in a for a in report.actions)
    # Restored from the copy before the last import: the first document is back.
    assert len(Store.open(store.root).documents()) >= 1

    (store.root / "backup" / "catalog.json").unlink()
    catalog.write_bytes(b"garbage")
    report = doctor(store.root)
    assert any("rebuilt catalog.json from 2 texts" in a for a in report.actions)
    titles = sorted(d.title for d in Store.open(store.root).documents())
    assert len(titles) == 2 and any("Riverton" in t for t in titles)


def test_changed_text_is_quarantined_and_reimport_brings_it_back(
    seeded: tuple[Store, str],
) -> None:
    store, doc = seeded
    info = store.document(doc)
    text_path = store.root / "texts" / f"{info.text_sha256}.txt"
    original = text_path.read_bytes()
    text_path.write_bytes(original.replace(b"Hulusi", b"Xulusi"))
    report = doctor(store.root)
    assert report.unresolved and "re-import" in report.unresolved[0]
    fresh = Store.open(store.root)
    fresh.add_documents([{"text": original.decode("utf-8")}])
    assert fresh.text(doc).encode("utf-8") == original
