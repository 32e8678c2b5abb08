"""The fast import and export paths write and read exactly what the careful ones did.

Import writes each new document's file once, before the catalog lists it (no lock,
no re-read); export reads each document file once, without TinyDB. These tests hold
them to the outputs and the durability of the layer-by-layer paths they replaced:
exports of a sample store stay byte-identical to the ones the earlier code wrote
(tests/fixtures/export-sample, rebuilt by its build.py), an import stores what
merging layer by layer stores, and an import killed at any write step leaves a store
that opens, validates and is finished by importing again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from store import layout
from store.errors import InputError, StoreCorrupt
from store.export.run import export_store
from store.importing import apply_import, check_import, import_paths
from store.model import new_id
from store.store import Store
from store.validate import validate_root
from tests.crash_worker import ROOT, env, temp_files

SAMPLE = Path(__file__).parent / "fixtures" / "export-sample"
sys.path.insert(0, str(SAMPLE))

from build import EXPORTS  # noqa: E402


def _tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` (or the file itself) by relative name, with its bytes."""
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(SAMPLE / "store", root)
    return root


@pytest.mark.parametrize(("fmt", "name", "options"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_every_export_of_the_sample_store_is_byte_identical_to_the_reference(
    sample: Path, tmp_path: Path, fmt: str, name: str, options: dict[str, object]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    st = Store.open(sample, create=False)
    export_store(st, fmt, out / name, options=dict(options))
    st.close()
    assert _tree(out / name) == _tree(SAMPLE / "expected" / name)


@pytest.mark.parametrize(
    ("name", "filters"),
    [
        ("alice-done.jsonl", {"annotator": "alice", "status": "done"}),
        ("actors.jsonl", {"labels": {"actor"}}),
        ("gold.jsonl", {"annotator": "gold"}),
    ],
)
def test_filtered_exports_are_byte_identical_to_the_reference(
    sample: Path, tmp_path: Path, name: str, filters: dict[str, Any]
) -> None:
    st = Store.open(sample, create=False)
    export_store(st, "jsonl", tmp_path / name, **filters)
    st.close()
    assert (tmp_path / name).read_bytes() == (SAMPLE / "expected" / name).read_bytes()


def test_an_export_reads_a_document_a_writer_has_open_as_it_is_now(sample: Path) -> None:
    """A document this Store has parsed and then changed is exported with the change."""
    st = Store.open(sample, create=False)
    doc = st.documents()[0].id
    before = [s.id for s in st.spans(doc, "alice")]  # opens the file in this Store
    st.add_span(doc, 0, 7, "headline", "alice", "alice-h")
    records = [r for r in st.records(annotator="alice") if r["id"] == doc]
    st.close()
    assert [s["id"] for s in records[0]["spans"]] == sorted(
        ["alice-h", *before], key=lambda i: next(
            (s["start"], s["end"], s["label"]) for s in records[0]["spans"] if s["id"] == i
        )
    )
    assert records[0]["spans"][0] == {
        "id": "alice-h", "start": 0, "end": 7, "label": "headline", "text": "Harbour"
    }


def test_an_export_refuses_a_document_file_that_was_lost(sample: Path, tmp_path: Path) -> None:
    """A missing file with a last good copy is damage for doctor, never an empty layer."""
    st = Store.open(sample, create=False)
    doc = st.documents()[0].id
    st.close()
    layout.doc_path(sample, doc).unlink()
    st = Store.open(sample, create=False)
    with pytest.raises(StoreCorrupt, match="newsmark doctor"):
        export_store(st, "jsonl", tmp_path / "out.jsonl")
    st.close()
    assert not (tmp_path / "out.jsonl").exists()


# ---------------------------------------------------------------- import


def _corpus(path: Path) -> Path:
    """A native JSONL with the shapes an import meets: the sample's layers (given ids,
    links with cues, document labels, done), a document given twice by two annotators,
    spans without ids, and a document without annotations."""
    lines = (SAMPLE / "expected" / "all.jsonl").read_bytes().splitlines()
    extra = [
        {"text": "Second layer later\n\nThe port workers struck.\n", "annotator": "dan",
         "status": "done", "spans": [{"start": 24, "end": 31, "label": "actor"}],
         "relations": []},
        {"text": "Plain brief with nothing marked.\n", "spans": [], "relations": []},
        {"text": "Second layer later\n\nThe port workers struck.\n", "annotator": "erin",
         "status": "todo", "spans": [{"start": 24, "end": 31, "label": "actor"},
                                     {"start": 32, "end": 38, "label": "event"}],
         "relations": [], "doc_labels": {"topic": ["labour"]}},
    ]  # fmt: skip
    path.write_bytes(b"\n".join([*lines, *(orjson.dumps(e) for e in extra)]) + b"\n")
    return path


def _layer_by_layer(root: Path, data: Path) -> None:
    """The import as it was: documents first, then each layer merged under its lock."""
    st = Store.open(root)
    items = [orjson.loads(line) for line in data.read_bytes().splitlines()]
    for item in items:
        (info, _), = st.add_documents([{"text": item["text"], **(item.get("meta") or {})}])
        st.merge_layer(
            info.id, item.get("annotator") or "imported", item.get("spans") or [],
            item.get("status") or "todo", item.get("relations") or [],
            item.get("doc_labels") or None,
        )  # fmt: skip
    st.close()


def _stored(root: Path) -> tuple[list[Any], dict[str, Any]]:
    """Each document's layers as stored (span ids that were drawn at random, and times,
    left out) and the summaries the document list shows."""
    st = Store.open(root, create=False)
    layers = []
    summaries = {}
    for info in st.documents():
        for name in st.annotators(info.id):
            given = [s for s in st.spans(info.id, name) if len(s.id) != 32]
            layers.append((info.id, name, st.status(info.id, name), st.doc_labels(info.id, name),
                           [(s.start, s.end, s.label, s.id, s.text) for s in given],
                           len(st.spans(info.id, name)),
                           [(r.head, r.tail, r.label, r.cue) for r in st.relations(info.id, name)]))
            summaries[f"{info.id}/{name}"] = st.summary(info.id, name)
    st.close()
    return layers, summaries


def test_an_import_stores_what_merging_layer_by_layer_stores(tmp_path: Path) -> None:
    data = _corpus(tmp_path / "corpus.jsonl")
    import_paths(Store.open(tmp_path / "fast"), [data])
    _layer_by_layer(tmp_path / "slow", data)
    fast, slow = _stored(tmp_path / "fast"), _stored(tmp_path / "slow")
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    # The second record of a document is merged into the file the first one made.
    assert ("dan" in {name for _, name, *_ in fast[0]}) and ("erin" in {n for _, n, *_ in fast[0]})
    for root in (tmp_path / "fast", tmp_path / "slow"):
        assert validate_root(root)[2] == []
    # Every new document file has its empty last good copy, as any first write leaves.
    for path in layout.docs_dir(tmp_path / "fast").iterdir():
        assert layout.doc_backup_path(tmp_path / "fast", path.stem).exists(), path


def test_importing_the_same_file_again_changes_no_text_catalog_or_annotation(
    tmp_path: Path,
) -> None:
    data = _corpus(tmp_path / "corpus.jsonl")
    root = tmp_path / "store"
    import_paths(Store.open(root), [data])
    # backup/ is left out: a layer with document labels is rewritten on every import (as
    # it always was), which moves its last good copy on by one version.
    before = {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
              and p.relative_to(root).parts[0] in ("catalog.json", "texts", "docs")}  # fmt: skip
    report = import_paths(Store.open(root), [data])
    assert report.added == 0
    after = {p: p.read_bytes() for p in before}
    assert after == before


def _import_killed_at(step: int, data: Path, root: Path) -> bool:
    res = subprocess.run(
        [sys.executable, "-m", "tui.cli", "import", str(data), "--store", str(root)],
        cwd=ROOT, env={**env(), "NEWSMARK_CRASH_AT": str(step)}, capture_output=True,
        text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if res.returncode == -signal.SIGKILL:
        assert "newsmark-crash-point" in res.stderr, res.stderr
        return True
    assert res.returncode == 0, f"step {step}: exit {res.returncode}: {res.stderr}"
    return False


def test_an_import_killed_at_any_write_step_is_finished_by_importing_again(
    tmp_path: Path,
) -> None:
    data = _corpus(tmp_path / "corpus.jsonl")
    want = _stored(_reference(tmp_path, data))[0]
    step = 0
    while True:
        step += 1
        assert step < 80, "still killed after 80 write steps"
        root = tmp_path / f"store-{step}"
        if not _import_killed_at(step, data, root):
            break
        why = f"killed at step {step}"
        if root.exists() and layout.format_path(root).exists():
            st = Store.open(root)
            # The folders the import writes (a kill while the store folder itself is
            # made can leave a temp file in backup/, which no open sweeps: not this path).
            left = [t for t in temp_files(root) if t.split("/")[0] in ("texts", "docs")]
            assert left == [], why
            for info in st.documents():  # what is listed reads whole
                assert len(st.text(info.id)) == info.length, why
                st.spans(info.id)
            st.close()
        import_paths(Store.open(root), [data])  # as `newsmark import` again
        assert validate_root(root)[2] == [], why
        assert _stored(root)[0] == want, why
        shutil.rmtree(root)
    assert step > 10, "the import made too few write steps for this test to mean anything"


def _reference(tmp_path: Path, data: Path) -> Path:
    root = tmp_path / "reference"
    import_paths(Store.open(root), [data])
    return root


def test_fresh_ids_are_version_4_uuids_and_never_repeat(tmp_path: Path) -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for i in ids:
        u = uuid.UUID(i)
        assert (u.version, u.variant, u.hex) == (4, uuid.RFC_4122, i)
    # A forked child draws ids of its own, not the rest of the parent's batch.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, new_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    assert child not in ids and child != new_id()


def test_a_file_changed_between_the_check_and_the_writes_is_checked_again(
    tmp_path: Path,
) -> None:
    """The second pass trusts only the very file the first pass checked."""
    data = _corpus(tmp_path / "corpus.jsonl")
    root = tmp_path / "store"
    st = Store.open(root)
    before = {p.relative_to(root).as_posix() for p in root.rglob("*") if "locks" not in p.parts}
    plan = check_import([data])
    lines = data.read_bytes().splitlines()
    bad = orjson.loads(lines[-1])
    # Only the gate refuses this one (the writes' own span check lets it through).
    bad["spans"][0]["label"] = "two\nlines"
    data.write_bytes(b"\n".join([*lines[:-1], orjson.dumps(bad)]) + b"\n")
    assert not plan.unchanged(data)
    with pytest.raises(InputError, match="line breaks"):
        apply_import(st, plan)
    st.close()
    after = {p.relative_to(root).as_posix() for p in root.rglob("*") if "locks" not in p.parts}
    assert after == before  # nothing of the refused import is left
    assert Store.open(root).documents() == []


def test_an_import_onto_a_file_system_without_hard_links_stores_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """exFAT and some network mounts refuse link(2): each layer is merged as before."""
    data = _corpus(tmp_path / "corpus.jsonl")
    import_paths(Store.open(tmp_path / "linked"), [data])

    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    import_paths(Store.open(tmp_path / "unlinked"), [data])
    assert _stored(tmp_path / "unlinked") == _stored(tmp_path / "linked")
    assert temp_files(tmp_path / "unlinked") == []
    assert validate_root(tmp_path / "unlinked")[2] == []
