"""Faults on the way out: full disk, file-size limit, read-only folder, torn writes.

A failing write must be refused with one clear line (StoreWriteError / exit 1),
change nothing, leave no temp files, and keep everything saved before it. A
damaged file is reported by name and never rewritten. The tmpfs tests need
root (mount); they skip, saying why, where mounting is refused.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from store.errors import StoreCorrupt, StoreWriteError
from store.storage import decode_checked
from store.store import Store
from tests.crash_worker import (
    Model,
    MountRefused,
    Proc,
    article,
    call,
    new_store,
    observe_all,
    parse,
    random_op,
    reap_all,
    remount,
    replay,
    run_cli,
    store_tree,
    temp_files,
    tmpfs,
)


@pytest.fixture(autouse=True)
def _no_stray_processes() -> Iterator[None]:
    yield
    reap_all()


@contextmanager
def mounted(path: Path, size: str) -> Iterator[Path]:
    try:
        with tmpfs(path, size) as mnt:
            yield mnt
    except MountRefused as exc:
        pytest.skip(f"needs a tmpfs mount (root with CAP_SYS_ADMIN): {exc}")


def _one_line_error(res: object, *needles: str) -> str:
    code, err = res.returncode, res.stderr  # type: ignore[attr-defined]
    lines = err.strip().splitlines()
    assert code == 1, f"exit {code}, stderr {err!r}"
    assert len(lines) == 1 and lines[0].startswith("newsmark: "), f"not one line: {err!r}"
    assert "Traceback" not in err and "internal error" not in err, err
    for needle in needles:
        assert needle.lower() in lines[0].lower(), f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def _label_until_refused(st: Store, model: Model, seed: int, limit: int = 5000
                         ) -> StoreWriteError:
    rng = random.Random(seed)
    docs = list(model.texts)
    for i in range(limit):
        op = random_op(rng, model, docs, ["add"], [1], "fill", i)
        try:
            call(st, op)
        except StoreWriteError as exc:
            return exc
        model.apply(op)
    raise AssertionError(f"seed {seed}: {limit} labels and the disk never filled")


def _changes_refused(message: str, why: str) -> None:
    assert "\n" not in message, f"not one line: {message!r}"
    assert why in message and "nothing was changed" in message, message


# ---------------------------------------------------------------- full disk


def test_file_size_limit_refuses_the_change_and_keeps_the_rest(tmp_path: Path) -> None:
    """A worker under RLIMIT_FSIZE (SIGXFSZ ignored, so write() fails with EFBIG)."""
    root = tmp_path / "store"
    texts = new_store(root, 11, n_docs=1, words=200)
    seed = 11
    w = Proc.worker(
        tmp_path / "w.err", "--store", str(root), "--seed", str(seed), "--ops", "5000",
        "--docs", ",".join(texts), "--annotators", "alice", "--kinds", "add,relabel,status",
        "--fsize", str(16 * 1024),
    )
    assert w.finish(timeout=120) == 0, w.tail()
    events = w.events()
    [err] = [p for k, p in events if k == "ERR"]
    [after] = [p for k, p in events if k == "AFTER"]
    assert err["type"] == "StoreWriteError", err
    _changes_refused(err["message"], "file size limit")
    assert after["same"], f"seed {seed}: the refused change shows in the store's view: {after}"
    model, _, counts = replay(texts, ["alice"], events)
    assert counts["ack"] > 10, counts
    st = Store.open(root)
    assert temp_files(root) == []
    assert observe_all(st, list(texts), ["alice"]) == model.summaries(), f"seed {seed}"
    assert run_cli("validate", "--store", str(root)).returncode == 0
    st.close()


def test_full_disk_refuses_the_change_and_keeps_the_rest(tmp_path: Path) -> None:
    with mounted(tmp_path / "mnt", "96k") as mnt:
        root = mnt / "store"
        texts = new_store(root, 12, n_docs=1, words=200)
        st = Store.open(root)
        model = Model(texts, ["alice"])
        exc = _label_until_refused(st, model, 12)
        _changes_refused(str(exc), "disk is full")
        assert len(model.spans[next(iter(texts))]) > 10
        assert observe_all(st, list(texts), ["alice"]) == model.summaries()  # no phantom
        assert temp_files(root) == []
        st.close()
        fresh = Store.open(root)
        assert observe_all(fresh, list(texts), ["alice"]) == model.summaries()
        fresh.close()
        assert run_cli("validate", "--store", str(root)).returncode == 0


@pytest.fixture
def big_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    rng = random.Random(13)
    for i in range(120):
        (folder / f"a{i:03d}.txt").write_text(article(rng, i, 200), encoding="utf-8")
    return folder


def _populated_store_on(mnt: Path) -> tuple[Path, dict[str, str], dict[str, object]]:
    root = mnt / "store"
    texts = new_store(root, 14, n_docs=2, words=40)
    st = Store.open(root)
    first = next(iter(texts))
    st.add_span(first, 0, 8, "claim", "alice")
    st.set_status(first, "alice", "done")
    st.close()
    return root, texts, store_tree(root)


def test_import_onto_a_full_disk_exits_1_in_one_line(tmp_path: Path, big_folder: Path) -> None:
    with mounted(tmp_path / "mnt", "256k") as mnt:
        root, texts, before = _populated_store_on(mnt)
        st = Store.open(root)
        state = observe_all(st, list(texts), ["alice"])
        st.close()
        res = run_cli("import", str(big_folder), "--store", str(root))
        _one_line_error(res, "disk is full", "nothing was changed")
        after = store_tree(root)
        assert after == before
        assert temp_files(root) == []
        st = Store.open(root)
        assert [d.id for d in st.documents()] == list(texts)
        assert observe_all(st, list(texts), ["alice"]) == state
        st.close()
        assert run_cli("validate", "--store", str(root)).returncode == 0


def test_import_onto_a_full_disk_gives_the_space_back(tmp_path: Path, big_folder: Path) -> None:
    """Regression: a refused import once left the texts it wrote, filling the disk."""
    with mounted(tmp_path / "mnt", "256k") as mnt:
        root, texts, before = _populated_store_on(mnt)
        res = run_cli("import", str(big_folder), "--store", str(root))
        assert res.returncode == 1
        assert store_tree(root) == before
        # With the space back, the next change saves.
        st = Store.open(root)
        st.add_span(next(iter(texts)), 10, 14, "quote", "alice")
        st.close()


# ------------------------------------------------------------ read-only folder


def test_read_only_store_refuses_labels_but_exports_and_validates(tmp_path: Path) -> None:
    with mounted(tmp_path / "mnt", "4m") as mnt:
        root = mnt / "store"
        texts = new_store(root, 15, n_docs=3, words=80)
        docs = list(texts)
        st = Store.open(root)
        st.add_span(docs[0], 0, 8, "claim", "alice")
        st.add_span(docs[1], 2, 9, "actor", "bob")
        st.set_status(docs[1], "bob", "done")  # docs[2]: never annotated, no doc file
        state = observe_all(st, docs, ["alice", "bob"])
        st.close()
        reference = tmp_path / "reference.jsonl"
        assert run_cli("export", "-o", str(reference), "--store", str(root)).returncode == 0
        before = store_tree(root)
        try:
            remount(mnt, "ro")
        except MountRefused as exc:
            pytest.skip(f"cannot remount the tmpfs read-only: {exc}")

        st = Store.open(root)
        attempts = [
            lambda: st.add_span(docs[0], 10, 14, "quote", "alice"),
            lambda: st.add_span(docs[2], 0, 5, "claim", "alice"),
            lambda: st.set_status(docs[0], "alice", "done"),
            lambda: st.undo(docs[0], "alice"),
            lambda: st.relabel_span(docs[1], st.spans(docs[1])[0].id, "place", "bob"),
        ]
        for attempt in attempts:
            with pytest.raises(StoreWriteError, match=r"(?i)read-only") as info:
                attempt()
            assert "\n" not in str(info.value)
        assert observe_all(st, docs, ["alice", "bob"]) == state
        st.close()

        out = tmp_path / "out.jsonl"
        res = run_cli("export", "-o", str(out), "--store", str(root))
        assert res.returncode == 0, res.stderr
        assert out.read_bytes() == reference.read_bytes()
        res = run_cli("validate", "--store", str(root))
        assert res.returncode == 0, res.stderr
        _one_line_error(run_cli("import", str(tmp_path / "out.jsonl"), "--store", str(root)),
                        "read-only")
        assert store_tree(root) == before


# ------------------------------------------------------------------ torn writes


def _labelled(root: Path, seed: int, n: int = 15) -> tuple[str, Path]:
    texts = new_store(root, seed, n_docs=1, words=200)
    doc = next(iter(texts))
    st = Store.open(root)
    model = Model(texts, ["alice"])
    rng = random.Random(seed)
    for i in range(n):
        op = random_op(rng, model, [doc], ["add", "relabel"], [3, 1], "t", i)
        call(st, op)
        model.apply(op)
    st.close()
    return doc, root / "docs" / f"{doc}.json"


@pytest.mark.parametrize("seed", [21, 22])
def test_truncated_doc_file_is_reported_by_name_and_never_rewritten(
    tmp_path: Path, seed: int
) -> None:
    root = tmp_path / "store"
    doc, path = _labelled(root, seed)
    raw = path.read_bytes()
    rng = random.Random(seed)
    cuts = sorted({0, 1, len(raw) // 2, len(raw) - 1, len(raw) - 66,
                   *rng.sample(range(2, len(raw) - 1), 5)})
    for cut in cuts:
        path.write_bytes(raw[:cut])
        damaged = path.read_bytes()
        st = Store.open(root)  # document files are read when needed
        why = f"seed {seed}, cut at {cut}/{len(raw)}"
        with pytest.raises(StoreCorrupt, match=re.escape(path.name)):
            st.spans(doc)
        for method, args in (
            ("add_span", (doc, 0, 4, "claim", "alice")),
            ("set_status", (doc, "alice", "done")),
            ("undo", (doc, "alice")),
        ):
            with pytest.raises(StoreCorrupt, match=re.escape(path.name)):
                getattr(st, method)(*args)
        assert path.read_bytes() == damaged, f"{why}: the damaged file was rewritten"
        assert temp_files(root) == [], why
        st.close()
    res = run_cli("validate", "--store", str(root))
    assert res.returncode == 1 and path.name in res.stderr, res.stderr
    assert path.read_bytes() == raw[: cuts[-1]]
    path.write_bytes(raw)
    assert run_cli("validate", "--store", str(root)).returncode == 0


def test_truncated_catalog_and_text_are_reported_and_never_rewritten(tmp_path: Path) -> None:
    root = tmp_path / "store"
    doc, _ = _labelled(root, 23)
    catalog = root / "catalog.json"
    raw = catalog.read_bytes()
    for cut in (0, 10, len(raw) // 3, len(raw) - 1):
        catalog.write_bytes(raw[:cut])
        with pytest.raises(StoreCorrupt, match=r"catalog\.json"):
            Store.open(root)
        _one_line_error(run_cli("import", str(root / "texts"), "--store", str(root)),
                        "catalog.json")
        assert catalog.read_bytes() == raw[:cut]
    catalog.write_bytes(raw)
    st = Store.open(root)
    text_file = root / "texts" / f"{st.document(doc).text_sha256}.txt"
    text_raw = text_file.read_bytes()
    text_file.write_bytes(text_raw[: len(text_raw) // 2])
    st.close()
    st = Store.open(root)
    with pytest.raises(StoreCorrupt, match=re.escape(text_file.name)):
        st.text(doc)
    with pytest.raises(StoreCorrupt):
        st.add_span(doc, 0, 4, "claim", "alice")
    assert text_file.read_bytes() == text_raw[: len(text_raw) // 2]
    st.close()


@pytest.mark.parametrize(
    ("mode", "lands"),
    [("mid-write", False), ("before-replace", False), ("after-replace", True)],
)
def test_kill_inside_the_atomic_write(tmp_path: Path, mode: str, lands: bool) -> None:
    """SIGKILL at a chosen point of one real write: half the temp file written, the
    temp file complete but not renamed, or renamed but the folder not fsynced."""
    root = tmp_path / "store"
    texts = new_store(root, 31, n_docs=2, words=200)
    die_at = 12
    w = Proc.worker(
        tmp_path / "w.err", "--store", str(root), "--seed", "31", "--ops", "40",
        "--docs", ",".join(texts), "--die", mode, "--die-at", str(die_at),
    )
    assert w.finish(timeout=60) == -9, w.tail()
    events = w.events()
    model, plus, counts = replay(texts, ["alice", "bob"], events)
    assert counts["ack"] == die_at and plus is not None, counts
    left = temp_files(root)
    if lands:
        assert left == []
    else:
        assert len(left) == 1 and left[0].startswith("docs/"), left
        decode_ok = True
        try:
            decode_checked(root / left[0], (root / left[0]).read_bytes())
        except StoreCorrupt:
            decode_ok = False
        assert decode_ok == (mode == "before-replace"), left
    st = Store.open(root)
    assert temp_files(root) == [], "the dead writer's temp file was not swept"
    want = plus if lands else model
    assert observe_all(st, list(texts), ["alice", "bob"]) == want.summaries(), mode
    st.close()
    assert run_cli("validate", "--store", str(root)).returncode == 0


def test_open_keeps_a_live_writers_temp_file_and_its_lock_dies_with_it(tmp_path: Path) -> None:
    root = tmp_path / "store"
    texts = new_store(root, 32, n_docs=1, words=200)
    w = Proc.worker(
        tmp_path / "w.err", "--store", str(root), "--seed", "32", "--ops", "10",
        "--docs", ",".join(texts), "--die", "pause-before-replace", "--die-at", "3",
    )
    line = w.next_line(lambda x: x.startswith("PAUSED"), timeout=30)
    assert line is not None, w.tail()
    tmp = Path(parse(line)[1]["tmp"])
    assert tmp.exists()
    Store.open(root).close()
    assert tmp.exists(), "Store.open swept the temp file of a live writer"
    assert w.kill() == -9
    model, _, counts = replay(texts, ["alice", "bob"], w.events())
    assert counts["ack"] == 3
    st = Store.open(root)
    assert not tmp.exists()
    assert observe_all(st, list(texts), ["alice", "bob"]) == model.summaries()
    # The dead writer held the document's lock: the kernel released it with the process.
    doc = next(iter(texts))
    st.add_span(doc, 0, 3, "claim", "carol")
    assert [s.label for s in Store.open(root).spans(doc, "carol")] == ["claim"]
    st.close()

