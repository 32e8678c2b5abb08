"""Store format evolution: older stores migrate (keeping originals), newer ones are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from store.errors import StoreVersionError
from store.store import FORMAT_VERSION, Store
from store.validate import validate
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "store-v1"


@pytest.fixture
def v1_store(tmp_path: Path) -> Path:
    root = tmp_path / "store-v1"
    shutil.copytree(FIXTURE, root)
    return root


def test_first_format_migrates_and_keeps_everything(v1_store: Path) -> None:
    original_catalog = (v1_store / "catalog.json").read_bytes()
    store = Store.open(v1_store)
    fmt = orjson.loads((v1_store / "newsmark-store.json").read_bytes())
    assert fmt["format"] == FORMAT_VERSION
    [doc] = store.documents()
    spans = store.spans(doc.id, "alice")
    assert [(s.start, s.end, s.text) for s in spans] == [
        (180, 191, "Hulusi Akar"),
        (196, 234, "U.S. Secretary of Defense Lloyd Austin"),
    ]
    assert store.status(doc.id, "alice") == "done"
    assert validate(store)[2] == []
    # The original files are kept, byte for byte.
    [kept] = (v1_store / "migrations").iterdir()
    assert (kept / "catalog.json").read_bytes() == original_catalog
    assert orjson.loads((kept / "newsmark-store.json").read_bytes()) == {"format": 1}
    # New in format 2: last good copies exist, so `doctor` can restore.
    assert (v1_store / "backup" / "docs" / f"{doc.id}.json").exists()


def test_migrated_store_keeps_working_and_undo_history(v1_store: Path) -> None:
    store = Store.open(v1_store)
    [doc] = store.documents()
    change = store.undo(doc.id, "alice")
    assert change is not None and change.span is not None
    assert change.span.text == "U.S. Secretary of Defense Lloyd Austin"
    store.add_span(doc.id, 0, 3, "claim", "alice")
    assert len(Store.open(v1_store).spans(doc.id)) == 2


def test_newer_format_is_refused_untouched(v1_store: Path) -> None:
    (v1_store / "newsmark-store.json").write_bytes(orjson.dumps({"format": FORMAT_VERSION + 1}))
    before = sorted(p.name for p in v1_store.rglob("*"))
    with pytest.raises(StoreVersionError, match="newer newsmark"):
        Store.open(v1_store)
    assert sorted(p.name for p in v1_store.rglob("*")) == before
