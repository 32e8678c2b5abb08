"""Shared fixtures: a fresh store with the seed article, and paths to the samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.store import Store

# Helpers that assert, imported by the tests: rewrite their asserts for pytest's messages.
pytest.register_assert_rewrite("tests.records")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "turkey-us-defense-call.txt"
# The sample articles alone, without the annotated sets beside them (two-annotators.jsonl).
ARTICLES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".txt", ".md", ".html"))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store.open(tmp_path / "store")
    yield st
    st.close()


@pytest.fixture
def seeded(store: Store) -> tuple[Store, str]:
    text = SEED.read_text(encoding="utf-8")
    (info, created), = store.add_documents(
        [{"text": text, "title": "Turkey, US defense chiefs", "source": str(SEED)}]
    )
    assert created
    return store, info.id
