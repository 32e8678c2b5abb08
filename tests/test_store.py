"""The store: spans, undo/redo, idempotent import, persistence, corruption, locking."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import orjson
import pytest

from store.errors import InputError, StoreCorrupt, StoreVersionError
from store.storage import AtomicJSONStorage, decode_checked, encode_checked
from store.store import FORMAT_FILE, Store
from tests.conftest import ROOT


def test_label_persists_with_exact_text(seeded: tuple[Store, str], tmp_path: Path) -> None:
    store, doc = seeded
    change = store.add_span(doc, 180, 191, "actor", "alice")
    assert change.span is not None and change.span.text == "Hulusi Akar"
    reopened = Store.open(store.root)
    [span] = reopened.spans(doc, "alice")
    assert (span.start, span.end, span.label, span.text) == (180, 191, "actor", "Hulusi Akar")
    assert span.id == change.span.id  # stable uuid, not a TinyDB doc_id


def test_spans_are_per_annotator_layer(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    store.add_span(doc, 180, 191, "actor", "bob")
    store.add_span(doc, 0, 3, "claim", "bob")
    assert len(store.spans(doc, "alice")) == 1
    assert len(store.spans(doc, "bob")) == 2
    assert store.annotators(doc) == ["alice", "bob"]


def test_out_of_range_and_duplicate_spans_are_refused(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    with pytest.raises(InputError, match="outside the text"):
        store.add_span(doc, 10, 999_999, "claim", "alice")
    with pytest.raises(InputError, match="outside the text"):
        store.add_span(doc, 5, 5, "claim", "alice")
    store.add_span(doc, 180, 191, "actor", "alice")
    with pytest.raises(InputError, match="already labelled"):
        store.add_span(doc, 180, 191, "actor", "alice")
    assert len(store.spans(doc)) == 1


def test_undo_redo_cover_label_delete_relabel_and_survive_restart(
    seeded: tuple[Store, str],
) -> None:
    store, doc = seeded
    added = store.add_span(doc, 180, 191, "actor", "alice").span
    assert added is not None
    store.relabel_span(doc, added.id, "quote", "alice")
    store.delete_span(doc, added.id, "alice")
    assert store.spans(doc, "alice") == []

    again = Store.open(store.root)  # history is in the store, not in memory
    undo = again.undo(doc, "alice")
    assert undo is not None and undo.kind == "add"
    assert [s.label for s in again.spans(doc, "alice")] == ["quote"]
    assert again.undo(doc, "alice") is not None
    assert [s.label for s in again.spans(doc, "alice")] == ["actor"]
    assert again.undo(doc, "alice") is not None
    assert again.spans(doc, "alice") == []
    assert again.undo(doc, "alice") is None

    assert again.redo(doc, "alice") is not None
    assert again.redo(doc, "alice") is not None
    assert [s.label for s in again.spans(doc, "alice")] == ["quote"]
    # A new change clears the redo stack.
    again.add_span(doc, 0, 3, "claim", "alice")
    assert again.redo(doc, "alice") is None


def test_undo_is_per_document_and_per_annotator(store: Store) -> None:
    (a, _), (b, _) = store.add_documents([{"text": "First text here."}, {"text": "Second one."}])
    store.add_span(a.id, 0, 5, "claim", "alice")
    store.add_span(b.id, 0, 6, "claim", "alice")
    store.add_span(a.id, 6, 10, "claim", "bob")
    assert store.undo(a.id, "alice") is not None
    assert len(store.spans(b.id)) == 1
    assert [s.annotator for s in store.spans(a.id)] == ["bob"]


def test_import_is_idempotent_and_keeps_text_once(store: Store) -> None:
    text = "Same words.\n"
    first = store.add_documents([{"text": text, "source": "a.txt"}])
    second = store.add_documents([{"text": text, "source": "b.txt"}])
    assert first[0][1] is True and second[0][1] is False
    assert len(store.documents()) == 1
    assert len(list((store.root / "texts").iterdir())) == 1
    assert first[0][0].text_sha256 == second[0][0].text_sha256


def test_status_toggles_and_persists(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    assert store.status(doc, "alice") == "todo"
    store.set_status(doc, "alice", "done")
    assert Store.open(store.root).status(doc, "alice") == "done"
    with pytest.raises(InputError):
        store.set_status(doc, "alice", "finished")


def test_every_write_is_checksummed_and_atomic(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    raw = (store.root / "docs" / f"{doc}.json").read_bytes()
    data = orjson.loads(raw)  # still plain JSON for other tools
    assert "_checksum" in data
    assert decode_checked(Path("x"), raw)["spans"]
    assert not list((store.root / "docs").glob(".*.tmp"))


def test_truncated_doc_file_is_reported_and_never_rewritten(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    path = store.root / "docs" / f"{doc}.json"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    damaged = path.read_bytes()
    fresh = Store.open(store.root)
    with pytest.raises(StoreCorrupt, match=re.escape(path.name)):
        fresh.spans(doc)
    with pytest.raises(StoreCorrupt):
        fresh.add_span(doc, 0, 3, "claim", "alice")
    assert path.read_bytes() == damaged


def test_flipped_byte_fails_checksum(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    path = store.root / "docs" / f"{doc}.json"
    raw = bytearray(path.read_bytes())
    i = raw.index(b"Hulusi")
    raw[i] = ord("X")  # still valid JSON, silently wrong text: the checksum catches it
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreCorrupt, match="checksum"):
        Store.open(store.root).spans(doc)


def test_corrupt_catalog_is_reported_at_open(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    catalog = store.root / "catalog.json"
    catalog.write_bytes(catalog.read_bytes()[:-10])
    before = catalog.read_bytes()
    with pytest.raises(StoreCorrupt, match=r"catalog\.json"):
        Store.open(store.root)
    assert catalog.read_bytes() == before


def test_newer_store_format_is_refused(store: Store) -> None:
    (store.root / FORMAT_FILE).write_bytes(b'{"format": 99}')
    with pytest.raises(StoreVersionError, match="newer newsmark"):
        Store.open(store.root)


def test_folder_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a newsmark store"):
        Store.open(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_stale_temp_files_are_swept_at_open(seeded: tuple[Store, str]) -> None:
    store, _ = seeded
    # A writer that died (pid 999999 is not running) left a temp file behind.
    stale = store.root / "docs" / ".abc.json.999999.0123abcd.tmp"
    stale.write_bytes(b"{")
    # A live process's write in flight, and files that only look similar, stay.
    live = store.root / "docs" / f".abc.json.{os.getppid()}.0123abcd.tmp"
    live.write_bytes(b"{")
    lookalikes = [store.root / "docs" / ".abc.json.999999.0123abcd.tmp.bak", store.root / "x.tmp"]
    for path in lookalikes:
        path.write_bytes(b"{")
    Store.open(store.root)
    assert not stale.exists()
    assert live.exists() and all(path.exists() for path in lookalikes)


def test_batch_lands_as_one_write(tmp_path: Path) -> None:
    storage = AtomicJSONStorage(tmp_path / "db.json", create=True)
    with storage.batch():
        storage.write({"a": {"1": {"x": 1}}})
        storage.write({"a": {"1": {"x": 2}}})
        # Nothing on disk until the batch ends.
        assert decode_checked(tmp_path / "db.json", (tmp_path / "db.json").read_bytes()) == {}
    assert storage.read() == {"a": {"1": {"x": 2}}}
    assert encode_checked({}) != encode_checked({"a": {}})


_WORKER = textwrap.dedent(
    """
    import sys
    from store.store import Store
    root, doc, who, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    st = Store.open(root)
    for i in range(n):
        st.add_span(doc, i, i + 1, who, who)
    """
)


def test_two_processes_labelling_one_document_lose_nothing(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    n = 60
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(store.root), doc, who, str(n)], env=env
        )
        for who in ("alice", "bob", "carol")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    spans = Store.open(store.root).spans(doc)
    for who in ("alice", "bob", "carol"):
        assert sorted(s.start for s in spans if s.annotator == who) == list(range(n))


def test_summary_cache_follows_every_write(seeded: tuple[Store, str]) -> None:
    store, doc = seeded
    assert store.summary(doc, "alice").spans == 0
    store.add_span(doc, 180, 191, "actor", "alice")
    assert store.summary(doc, "alice").spans == 1
    store.save_index()
    other = Store.open(store.root)  # another process writes …
    other.add_span(doc, 0, 3, "claim", "alice")
    other.set_status(doc, "alice", "done")
    again = Store.open(store.root)  # … and a reader with the saved cache sees it
    summary = again.summary(doc, "alice")
    assert (summary.status, summary.spans) == ("done", 2)
    (store.root / "index.json").write_bytes(b"{broken")
    assert Store.open(store.root).summary(doc, "alice").spans == 2  # a cache, never a risk


def test_reimport_repairs_a_damaged_text(tmp_path: Path) -> None:
    from store.importing import import_paths
    from store.validate import validate
    from tests.conftest import SEED

    store = Store.open(tmp_path / "s")
    import_paths(store, [SEED])
    [info] = store.documents()
    text_file = store.root / "texts" / f"{info.text_sha256}.txt"
    text_file.write_bytes(b"")  # what a power cut can leave of an unsynced file
    assert validate(Store.open(store.root))[2]
    import_paths(Store.open(store.root), [SEED])
    assert validate(Store.open(store.root))[2] == []


def test_busy_document_gives_a_clear_message_and_changes_nothing(
    seeded: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.store as store_module
    from store.errors import StoreBusy

    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    lock_path = store.root / "locks" / f"{doc}.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from filelock import FileLock
            with FileLock({str(lock_path)!r}):
                print("held", flush=True)
                time.sleep(30)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(store_module, "LOCK_TIMEOUT", 0.3)
        before = (store.root / "docs" / f"{doc}.json").read_bytes()
        with pytest.raises(StoreBusy, match="another newsmark process"):
            store.add_span(doc, 0, 3, "claim", "alice")
        assert (store.root / "docs" / f"{doc}.json").read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    store.add_span(doc, 0, 3, "claim", "alice")  # free again once the holder is gone
    assert len(store.spans(doc)) == 2


def test_sweep_keeps_this_process_writes_in_flight(tmp_path: Path) -> None:
    """The open-time sweep runs beside an import: our own fresh temp files stay."""
    import os
    import time

    from store.storage import sweep_temp_files

    folder = tmp_path / "docs"
    folder.mkdir()
    fresh = folder / f".abc.json.{os.getpid()}.0123abcd.tmp"
    fresh.write_bytes(b"in flight")
    stale = folder / f".old.json.{os.getpid()}.89abcdef.tmp"
    stale.write_bytes(b"left by a dead process with our pid")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    assert sweep_temp_files(folder) == 1
    assert fresh.exists() and not stale.exists()


def test_a_parse_handed_to_another_store_never_hides_a_later_change(
    seeded: tuple[Store, str],
) -> None:
    """The reader hands its parse of the open document to its writer's Store; a change
    another process made in between must survive the writer's next label."""
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    reader = Store.open(store.root)
    assert [s.text for s in reader.spans(doc, "alice")] == ["Hulusi Akar"]
    parsed = reader.take_parsed(doc)
    assert parsed is not None
    elsewhere = Store.open(store.root)  # another newsmark process labels meanwhile
    elsewhere.add_span(doc, 0, 3, "claim", "bob")
    writer = Store.open(store.root)
    writer.adopt_parsed(doc, parsed)
    writer.add_span(doc, 4, 11, "issue", "alice")
    again = Store.open(store.root)
    assert sorted((s.annotator, s.text) for s in again.spans(doc)) == [
        ("alice", "Hulusi Akar"), ("alice", "defense"), ("bob", "The"),
    ]


def test_a_parse_handed_over_is_used_while_the_file_is_unchanged(
    seeded: tuple[Store, str],
) -> None:
    store, doc = seeded
    store.add_span(doc, 180, 191, "actor", "alice")
    reader = Store.open(store.root)
    reader.spans(doc)
    parsed = reader.take_parsed(doc)
    assert parsed is not None and reader.take_parsed(doc) is None  # given away, not kept
    writer = Store.open(store.root)
    writer.adopt_parsed(doc, parsed)
    writer.add_span(doc, 0, 3, "claim", "alice")
    assert sorted(s.text for s in Store.open(store.root).spans(doc, "alice")) == [
        "Hulusi Akar", "The",
    ]
    # The writer labelled with the parse it was handed: it holds no other copy.
    assert writer._docfiles.raw(doc) is parsed[0]
