"""Fault injection: `newsmark doctor` and `newsmark export` killed at every write step.

``NEWSMARK_CRASH_AT=N`` makes the process SIGKILL itself at its N-th write step
(``store.storage.crash_point``: a temp file complete, a rename done, a damaged
file kept in quarantine, an export record written). Each test kills a real
`newsmark` process at step 1, 2, … until a run gets through; after every kill
it checks what a user would find: doctor's rerun (itself killed once more) ends
in the same store as an uninterrupted repair, every span is in the store or
its damaged file in quarantine, `validate` is clean; an export's target is the
earlier output or the new one, whole, never a part.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store import layout
from store.doctor import doctor
from store.store import Store
from store.validate import validate_root
from tests.crash_worker import ROOT, article, env, run_cli, temp_files

MAX_STEPS = 80  # far more write steps than any of these runs has


def _newsmark(*args: str, crash_at: int = 0) -> subprocess.CompletedProcess[str]:
    extra = {"NEWSMARK_CRASH_AT": str(crash_at)} if crash_at else {}
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=ROOT, env={**env(), **extra}, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _killed(res: subprocess.CompletedProcess[str]) -> bool:
    if res.returncode == -signal.SIGKILL:
        assert "newsmark-crash-point" in res.stderr, res.stderr
        return True
    assert res.returncode == 0, f"exit {res.returncode}: {res.stderr}"
    return False


def _every_step(args: tuple[str, ...]) -> Iterator[int]:
    """1, 2, … up to the first step the run gets past (it then exits on its own)."""
    yield from range(1, MAX_STEPS)
    raise AssertionError(f"{args}: still killed after {MAX_STEPS} steps")


# ------------------------------------------------------------------ doctor


def _damaged_store(root: Path) -> dict[str, Any]:
    """A store with every kind of damage doctor repairs; what it must come back as."""
    rng = random.Random(31)
    st = Store.open(root)
    first = [i.id for i, _ in st.add_documents([{"text": article(rng, i)} for i in range(3)])]
    a, c, d = first
    for doc in (a, c, d):
        st.add_span(doc, 0, 8, "actor", "alice")
        st.add_span(doc, 9, 15, "claim", "bob")
    [(late, _)] = st.add_documents([{"text": article(rng, 9)}])  # the catalog's copy lacks it
    st.add_span(late.id, 2, 6, "quote", "alice")
    st.close()
    damaged: dict[str, bytes] = {}
    for path, cut in ((layout.format_path(root), 5), (layout.catalog_path(root), 60),
                      (layout.doc_path(root, a), 45)):
        damaged[path.relative_to(root).as_posix()] = path.read_bytes()[:cut]
        path.write_bytes(damaged[path.relative_to(root).as_posix()])
    layout.doc_path(root, c).unlink()  # lost: its last good copy must come back
    shared = layout.doc_backup_path(root, d)
    shared.unlink()
    os.link(layout.doc_path(root, d), shared)  # one inode: made a copy again
    return {"ids": [a, c, d, late.id], "damaged": damaged,
            "spans": {a: [(0, 8, "actor")], c: [(0, 8, "actor")],
                      d: [(0, 8, "actor"), (9, 15, "claim")], late.id: [(2, 6, "quote")]}}


def _outcome(root: Path) -> dict[str, Any]:
    st = Store.open(root)
    try:
        return {
            "docs": [d.id for d in st.documents()],
            "spans": {d.id: sorted((s.start, s.end, s.label) for s in st.spans(d.id))
                      for d in st.documents()},
        }
    finally:
        st.close()


def _quarantined(root: Path) -> set[bytes]:
    return {p.read_bytes() for p in (root / "quarantine").rglob("*") if p.is_file()}


def _check_repaired(root: Path, case: dict[str, Any], reference: dict[str, Any], when: str
                    ) -> None:
    assert validate_root(root)[2] == [], f"{when}: validate not clean"
    got = _outcome(root)
    assert got == reference, f"{when}: the rerun ended elsewhere than an uninterrupted repair"
    assert sorted(got["docs"]) == sorted(case["ids"]), when
    for doc, spans in case["spans"].items():
        assert got["spans"][doc] == spans, f"{when}: {doc}"
    kept = _quarantined(root)
    for name, data in case["damaged"].items():
        assert data in kept, f"{when}: the damaged {name} is not in quarantine"
    for path in [layout.catalog_path(root), *layout.doc_paths(root)]:
        assert not os.path.samefile(path, layout.backup_path(root, path)), f"{when}: {path}"
    assert temp_files(root) == [] and not list(root.rglob(".*.link")), when
    assert doctor(root).healthy, f"{when}: a third run still found work"


def test_doctor_killed_at_every_step_and_again_in_its_rerun_loses_nothing(
    tmp_path: Path,
) -> None:
    reference_root = tmp_path / "reference"
    _damaged_store(reference_root)
    assert not doctor(reference_root).healthy
    reference = _outcome(reference_root)
    steps = 0
    for n in _every_step(("doctor",)):
        root = tmp_path / f"s{n}"
        case = _damaged_store(root)
        first = _newsmark("doctor", "--store", str(root), crash_at=n)
        if not _killed(first):
            _check_repaired(root, case, reference, f"uninterrupted run (step {n})")
            break
        steps = n
        # The state a kill left is one a user may meet: it must never pass as healthy
        # with anything missing, and the rerun (killed too, at its own step n) and a
        # final run finish the repair.
        rerun = _newsmark("doctor", "--store", str(root), crash_at=n)
        if _killed(rerun):
            assert _newsmark("doctor", "--store", str(root)).returncode == 0
        _check_repaired(root, case, reference, f"killed at step {n}: {first.stderr.strip()}")
    assert steps >= 8, f"only {steps} write steps: the injection missed doctor's writes"


def test_a_killed_doctor_never_leaves_a_store_that_validates_empty(tmp_path: Path) -> None:
    """The attack of newsmark issue 11: kill between moving the catalog aside and restoring."""
    for n in _every_step(("doctor", "validate")):
        root = tmp_path / f"s{n}"
        case = _damaged_store(root)
        if not _killed(_newsmark("doctor", "--store", str(root), crash_at=n)):
            break
        res = run_cli("validate", "--store", str(root))
        if res.returncode == 0:
            # Only a finished repair may validate: then every document is there.
            assert f"ok: {len(case['ids'])} documents" in res.stdout, res.stdout
        else:
            assert "newsmark doctor" in res.stderr, res.stderr


# ------------------------------------------------------------------ export


def _tree(path: Path) -> dict[str, str] | str | None:
    if not path.exists():
        return None
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _export_store(root: Path) -> list[str]:
    rng = random.Random(41)
    st = Store.open(root)
    ids = [i.id for i, _ in st.add_documents([{"text": article(rng, i)} for i in range(3)])]
    for doc in ids:
        st.add_span(doc, 0, 8, "actor", "alice")
        st.add_span(doc, 9, 15, "claim", "bob")
    st.close()
    return ids


FORMATS = [("jsonl", "out.jsonl"), ("doccano", "out.jsonl"), ("conll", "out.conll"),
           ("labelstudio", "out.json"), ("brat", "out"), ("spacy", "out.spacy")]


def _put(tree_of: Path, target: Path) -> None:
    """Make ``target`` a copy of the export at ``tree_of`` (or absent, for None)."""
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    if tree_of.is_dir():
        shutil.copytree(tree_of, target)
    elif tree_of.exists():
        shutil.copyfile(tree_of, target)


@pytest.mark.parametrize(("fmt", "name"), FORMATS)
def test_export_killed_at_every_step_leaves_the_old_output_or_the_new_whole(
    tmp_path: Path, fmt: str, name: str
) -> None:
    if fmt == "spacy":
        pytest.importorskip("spacy")
    root = tmp_path / "store"
    ids = _export_store(root)
    # spaCy starts slowly: one layer, so fewer steps to kill it at.
    only = ["--annotator", "alice"] if fmt == "spacy" else []
    # What an uninterrupted export writes, and the earlier export a target may hold.
    whole, old_dir, absent = tmp_path / "whole", tmp_path / "old", tmp_path / "absent"
    for folder in (whole, old_dir, absent):
        folder.mkdir()
    base = ("export", "-f", fmt, "--store", str(root), *only)
    assert _newsmark(*base, "-o", str(whole / name)).returncode == 0
    assert _newsmark(*base, "-o", str(old_dir / name), "--doc", ids[0]).returncode == 0
    new, old = _tree(whole / name), _tree(old_dir / name)
    assert old != new and new is not None
    outs = {"absent": tmp_path / "t-absent", "old": tmp_path / "t-old"}
    for out in outs.values():
        out.mkdir()
    kills = 0
    for n in _every_step(("export", fmt)):
        finished = 0
        for start, out in outs.items():
            _put((absent if start == "absent" else old_dir) / name, out / name)
            expected = None if start == "absent" else old
            res = _newsmark(*base, "-o", str(out / name), crash_at=n)
            got = _tree(out / name)
            assert got in (expected, new), f"step {n}, target {start}: a partial {fmt} export"
            if _killed(res):
                kills += 1
                # Whatever the kill left is beside the target, under a hidden temp name.
                assert all(p.name == name or p.name.endswith(".partial") for p in out.iterdir())
            else:
                finished += 1
                assert got == new
        if finished == len(outs):
            break
    assert kills >= 4, f"{fmt}: only {kills} kills, the injection missed the export's steps"
    # The next export sweeps what the killed ones left.
    for out in outs.values():
        assert sorted(p.name for p in out.iterdir()) == [name], f"{fmt}: leftovers remain"
    assert validate_root(root)[2] == []


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize("where", ["catalog.json", "docs/x.json", ".", "brat-out", ".."])
def test_an_export_into_the_store_is_refused(tmp_path: Path, where: str) -> None:
    root = tmp_path / "store"
    _export_store(root)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    fmt = "brat" if where in (".", "brat-out", "..") else "jsonl"
    res = _newsmark("export", "-f", fmt, "-o", str(root / where), "--store", str(root))
    assert res.returncode == 1, res.stderr
    [line] = res.stderr.strip().splitlines()
    assert line.startswith("newsmark: ") and "outside the store" in line, line
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_brat_export_replaces_only_an_earlier_brat_export(tmp_path: Path) -> None:
    root = tmp_path / "store"
    ids = _export_store(root)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.md").write_text("my notes\n", encoding="utf-8")
    res = _newsmark("export", "-f", "brat", "-o", str(mine), "--store", str(root))
    assert res.returncode == 1 and "other files" in res.stderr, res.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.md"]

    out = tmp_path / "brat"
    assert _newsmark("export", "-f", "brat", "-o", str(out), "--store", str(root)).returncode == 0
    assert _newsmark("export", "-f", "brat", "-o", str(out), "--store", str(root),
                     "--doc", ids[1]).returncode == 0
    # Replaced as a whole: the documents of the earlier export are gone, not mixed in.
    assert sorted(p.name for p in out.rglob("*.ann")) == [f"{ids[1]}.ann"] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brat", "mine", "store"]
