"""Repair that cannot lose what it repairs: validate sees every lost file, writes refuse to
bury the last good copy, doctor restores what the backups and the texts both know."""

from __future__ import annotations

import os
import random
from pathlib import Path

import orjson
import pytest

from store import layout
from store.doctor import doctor
from store.errors import StoreCorrupt, StoreWriteError
from store.storage import read_checked
from store.store import Store
from store.validate import validate_root
from tests.crash_worker import (
    MountRefused,
    Proc,
    article,
    new_store,
    reap_all,
    run_cli,
    temp_files,
    tmpfs,
)


def _store(tmp_path: Path, n: int = 2) -> tuple[Store, list[str]]:
    root = tmp_path / "store"
    texts = new_store(root, 5, n_docs=n, words=40)
    return Store.open(root), list(texts)


def _labels(st: Store, doc: str) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in st.spans(doc)]


def _problems(root: Path) -> list[str]:
    return [str(p) for p in validate_root(root)[2]]


# ------------------------------------------------------------ lost files


def test_a_deleted_document_file_is_a_problem_and_refuses_the_next_label(
    tmp_path: Path,
) -> None:
    st, (doc, _) = _store(tmp_path)
    st.add_span(doc, 0, 8, "actor", "alice")
    st.add_span(doc, 9, 15, "claim", "alice")
    backup = layout.doc_backup_path(st.root, doc)
    kept = backup.read_bytes()
    layout.doc_path(st.root, doc).unlink()
    st.close()

    [problem] = _problems(st.root)
    assert f"{doc}.json" in problem and "missing" in problem and "newsmark doctor" in problem
    fresh = Store.open(st.root)
    with pytest.raises(StoreCorrupt, match=r"missing.*newsmark doctor"):
        fresh.add_span(doc, 20, 25, "quote", "alice")
    assert backup.read_bytes() == kept  # the last copy is never replaced by a near-empty file
    assert not layout.doc_path(st.root, doc).exists()
    fresh.close()

    report = doctor(st.root)
    assert any(f"restored docs/{doc}.json" in a and "missing" in a for a in report.actions)
    assert _problems(st.root) == []
    again = Store.open(st.root)
    assert _labels(again, doc) == [(0, 8, "actor")]  # the version before the last write
    again.add_span(doc, 20, 25, "quote", "alice")  # usable again
    again.close()


def test_a_document_never_annotated_is_not_missing(tmp_path: Path) -> None:
    st, (doc, other) = _store(tmp_path)
    st.add_span(doc, 0, 8, "actor", "alice")  # the first write leaves an empty last good copy
    assert read_checked(layout.doc_backup_path(st.root, doc)) == {}
    st.close()
    assert not layout.doc_path(st.root, other).exists()
    assert _problems(st.root) == []
    layout.doc_path(st.root, doc).unlink()  # even one write is enough to miss it
    assert any("missing" in p for p in _problems(st.root))


def test_a_deleted_catalog_is_a_problem_and_refuses_imports(tmp_path: Path) -> None:
    st, docs = _store(tmp_path)
    st.close()
    catalog = layout.catalog_path(st.root)
    catalog.unlink()
    res = run_cli("validate", "--store", str(st.root))
    assert res.returncode == 1, res.stderr
    assert "catalog.json: the catalog is missing" in res.stderr
    assert "Traceback" not in res.stderr
    backup = layout.catalog_backup_path(st.root).read_bytes()
    (tmp_path / "x.txt").write_text("A new article\n\nbody.\n", encoding="utf-8")
    res = run_cli("import", "--store", str(st.root), str(tmp_path / "x.txt"))
    assert res.returncode == 1 and "newsmark doctor" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    with pytest.raises(StoreCorrupt, match=r"missing.*newsmark doctor"):
        Store.open(st.root)
    assert layout.catalog_backup_path(st.root).read_bytes() == backup
    assert not catalog.exists()

    doctor(st.root)
    fresh = Store.open(st.root)
    assert sorted(d.id for d in fresh.documents()) == sorted(docs)
    fresh.close()
    assert _problems(st.root) == []


def test_a_missing_or_damaged_format_marker_is_a_problem_doctor_restores(
    tmp_path: Path,
) -> None:
    st, docs = _store(tmp_path)
    st.add_span(docs[0], 0, 8, "actor", "alice")
    st.close()
    marker = layout.format_path(st.root)
    copy = layout.backup_path(st.root, marker)
    assert copy.read_bytes() == marker.read_bytes()
    assert not os.path.samefile(copy, marker)

    marker.write_bytes(b'{"form')
    assert any("format marker is damaged" in p for p in _problems(st.root))
    with pytest.raises(StoreCorrupt, match="newsmark doctor"):
        Store.open(st.root)
    report = doctor(st.root)
    assert any("restored newsmark-store.json" in a for a in report.actions)
    assert orjson.loads(marker.read_bytes()) == {"format": 2}
    assert list((st.root / "quarantine").rglob("newsmark-store.json"))  # damage kept

    marker.unlink()
    copy.unlink()
    res = run_cli("validate", "--store", str(st.root))
    assert res.returncode == 1 and "format marker is missing" in res.stderr, res.stderr
    res = run_cli("doctor", "--store", str(st.root))
    assert res.returncode == 0, res.stderr
    assert "recreated newsmark-store.json (store format 2" in res.stdout
    assert _problems(st.root) == []
    assert doctor(st.root).healthy
    again = Store.open(st.root)
    assert _labels(again, docs[0]) == [(0, 8, "actor")]
    again.close()


# ------------------------------------------------------------ restores merge


def test_a_catalog_restored_from_its_copy_keeps_the_last_import(tmp_path: Path) -> None:
    root = tmp_path / "store"
    st = Store.open(root)
    [(first, _)] = st.add_documents([{"text": "First article\n\nbody.", "source": "a.txt"}])
    [(second, _)] = st.add_documents([{"text": "Second article\n\nmore.", "source": "b.txt"}])
    st.add_span(second.id, 0, 6, "actor", "alice")
    st.close()
    # The copy is the catalog before the last import: it lists only the first document.
    rows = read_checked(layout.catalog_backup_path(root))["documents"].values()
    backup_ids = [r["id"] for r in rows]
    assert backup_ids == [first.id]
    catalog = layout.catalog_path(root)
    catalog.write_bytes(catalog.read_bytes()[:40])

    report = doctor(root)
    [action] = [a for a in report.actions if "catalog.json" in a]
    assert "restored catalog.json" in action and "plus 1 document whose" in action
    fresh = Store.open(root)
    by_id = {d.id: d for d in fresh.documents()}
    assert [d.id for d in fresh.documents()] == [first.id, second.id]  # import order kept
    assert by_id[first.id].source == "a.txt"  # what the copy knows is kept
    assert by_id[second.id].title == "Second article"  # what the texts know is added
    assert _labels(fresh, second.id) == [(0, 6, "actor")]
    fresh.close()
    assert _problems(root) == []


# ------------------------------------------------------------ one inode, never


def test_a_hard_linked_backup_is_a_problem_doctor_makes_a_copy(tmp_path: Path) -> None:
    st, (doc, _) = _store(tmp_path)
    st.add_span(doc, 0, 8, "actor", "alice")
    st.add_span(doc, 9, 15, "claim", "alice")
    st.close()
    live, backup = layout.doc_path(st.root, doc), layout.doc_backup_path(st.root, doc)
    backup.unlink()
    os.link(live, backup)  # what a write refused by a full disk used to leave
    assert any("hard link" in p for p in _problems(st.root))
    report = doctor(st.root)
    assert any("a separate copy" in a for a in report.actions)
    assert not os.path.samefile(live, backup)
    assert _problems(st.root) == []
    # Damage done in place to the live file no longer reaches its copy.
    with open(live, "r+b") as fh:
        fh.truncate(30)
    doctor(st.root)
    fresh = Store.open(st.root)
    assert _labels(fresh, doc) == [(0, 8, "actor"), (9, 15, "claim")]
    fresh.close()


def test_a_write_refused_by_the_file_size_limit_leaves_backup_and_file_apart(
    tmp_path: Path,
) -> None:
    """The worker labels under RLIMIT_FSIZE until a write fails (EFBIG, as a full disk)."""
    root = tmp_path / "store"
    texts = new_store(root, 21, n_docs=1, words=200)
    w = Proc.worker(
        tmp_path / "w.err", "--store", str(root), "--seed", "21", "--ops", "5000",
        "--docs", ",".join(texts), "--annotators", "alice", "--kinds", "add",
        "--fsize", str(16 * 1024),
    )
    try:
        assert w.finish(timeout=120) == 0, w.tail()
    finally:
        reap_all()
    assert [k for k, _ in w.events() if k == "ERR"], "the limit was never reached"
    [doc] = texts
    live, backup = layout.doc_path(root, doc), layout.doc_backup_path(root, doc)
    assert backup.exists() and not os.path.samefile(live, backup)
    st = Store.open(root)
    saved = _labels(st, doc)
    st.close()
    before_last = [
        (r["start"], r["end"], r["label"]) for r in read_checked(backup)["spans"].values()
    ]
    assert len(before_last) == len(saved) - 1
    # Damage in place (a bad disk, a truncating copy): doctor restores, never quarantines all.
    with open(live, "r+b") as fh:
        fh.truncate(100)
    report = doctor(root)
    assert any("restored docs/" in a for a in report.actions), report.actions
    fresh = Store.open(root)
    assert _labels(fresh, doc) == sorted(before_last)
    fresh.close()
    assert temp_files(root) == []


def test_doctor_on_a_healthy_store_changes_nothing(tmp_path: Path) -> None:
    st, docs = _store(tmp_path, n=3)
    rng = random.Random(3)
    for doc in docs:
        for i in range(3):
            start = rng.randrange(0, 100)
            st.add_span(doc, start, start + 5, f"l{i}", "alice")
    st.close()
    assert doctor(st.root).healthy
    assert _problems(st.root) == []
    for path in [layout.catalog_path(st.root), *layout.doc_paths(st.root)]:
        assert not os.path.samefile(path, layout.backup_path(st.root, path))


def test_doctor_refuses_a_folder_that_is_no_store(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text(article(random.Random(1), 1))
    res = run_cli("doctor", "--store", str(tmp_path / "notes"))
    assert res.returncode == 1 and "no store at" in res.stderr
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["todo.txt"]


def test_a_write_refused_by_a_full_disk_leaves_backup_and_file_apart(tmp_path: Path) -> None:
    """A real full disk (a small tmpfs; needs root, skips saying so where refused)."""
    try:
        with tmpfs(tmp_path / "mnt", "96k") as mnt:
            root = mnt / "store"
            [doc] = new_store(root, 22, n_docs=1, words=200)
            st = Store.open(root)
            rng = random.Random(22)
            with pytest.raises(StoreWriteError, match="disk is full"):
                for i in range(5000):
                    start = rng.randrange(0, 900)
                    st.add_span(doc, start, start + 4, f"l{i}", "alice")
            saved = _labels(st, doc)
            st.close()
            live, backup = layout.doc_path(root, doc), layout.doc_backup_path(root, doc)
            assert not os.path.samefile(live, backup)
            assert len(read_checked(backup)["spans"]) == len(saved) - 1
            assert _problems(root) == []
    except MountRefused as exc:
        pytest.skip(f"needs a tmpfs mount (root with CAP_SYS_ADMIN): {exc}")


def test_a_damaged_last_good_copy_is_replaced_by_a_copy_of_the_live_file(
    tmp_path: Path,
) -> None:
    st, (doc, _) = _store(tmp_path)
    st.add_span(doc, 0, 8, "actor", "alice")
    st.add_span(doc, 9, 15, "claim", "alice")
    st.close()
    backup = layout.doc_backup_path(st.root, doc)
    damaged = backup.read_bytes()[:20]
    backup.write_bytes(damaged)
    report = doctor(st.root)
    assert any(f"replaced the damaged backup/docs/{doc}.json" in a for a in report.actions)
    assert backup.read_bytes() == layout.doc_path(st.root, doc).read_bytes()
    assert not os.path.samefile(backup, layout.doc_path(st.root, doc))
    assert [p.read_bytes() for p in (st.root / "quarantine").rglob(f"{doc}.json")] == [damaged]
    fresh = Store.open(st.root)
    assert _labels(fresh, doc) == [(0, 8, "actor"), (9, 15, "claim")]  # the live file untouched
    fresh.close()
    assert doctor(st.root).healthy
