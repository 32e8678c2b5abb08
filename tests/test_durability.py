"""Crash injection: real newsmark processes, SIGKILLed at random points, then judged.

Each trial starts a real process (tests/crash_worker.py making store calls, or
the `newsmark` CLI importing or exporting), kills it with SIGKILL at a random
point (right after an acknowledgement, a fraction of a millisecond into a write,
or after a random delay), reopens the store and checks that it opens, that
`newsmark validate` passes, and that it holds exactly what was acknowledged
(or that plus the one change in flight when the kill landed).

NEWSMARK_SOAK_TRIALS sets the number of kill trials (default 12, spread over
the kinds; `make soak` runs 120). NEWSMARK_SOAK_SEED moves the seeds. Every
failure message names its seed and kill plan; a trial's outcome never depends
on timing, only where the kill lands does.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from store.errors import NewsmarkError
from store.importers.text import read_text_file
from store.store import Store, doc_id_for, text_sha256
from tests.crash_worker import (
    Model,
    Proc,
    article,
    new_store,
    observe_all,
    pump_all,
    reap_all,
    replay,
    run_cli,
    store_tree,
    temp_files,
)

TRIALS = int(os.environ.get("NEWSMARK_SOAK_TRIALS", "12"))
BASE_SEED = int(os.environ.get("NEWSMARK_SOAK_SEED", "7100"))
# One trial kind per slot, round robin: 12 trials cover every kind at least once.
CYCLE = (
    "add", "undo", "delete", "import", "relabel", "export",
    "redo", "status", "add", "import", "undo", "export",
)
ANNOTATORS = ["alice", "bob"]
N_ARTICLES = 300


def _trials(*kinds: str) -> list[Any]:
    return [
        pytest.param(kind, BASE_SEED + t, id=f"{kind}-{BASE_SEED + t}")
        for t in range(TRIALS)
        if (kind := CYCLE[t % len(CYCLE)]) in kinds
    ] or [pytest.param("", 0, marks=pytest.mark.skip(reason="no trial of this kind at this count"))]


@pytest.fixture(autouse=True)
def _no_stray_processes() -> Iterator[None]:
    yield
    reap_all()


def _diff(seen: dict[str, Any], want: dict[str, Any]) -> str:
    lines = []
    for doc in sorted(set(seen) | set(want)):
        a, b = seen.get(doc), want.get(doc)
        if a == b:
            continue
        sa = {tuple(x) for x in (a or {}).get("spans", [])}
        sb = {tuple(x) for x in (b or {}).get("spans", [])}
        lines.append(
            f"  {doc}: missing {sorted(sb - sa)[:4]} unexpected {sorted(sa - sb)[:4]} "
            f"layers store={(a or {}).get('layers')} expected={(b or {}).get('layers')}"
        )
    return "\n".join(lines)


@contextmanager
def _judging(plan: str) -> Iterator[None]:
    """A store error while checking is a failed trial: say which seed and kill caused it."""
    try:
        yield
    except NewsmarkError as exc:
        pytest.fail(f"{plan}: store unusable after the kill: {type(exc).__name__}: {exc}")


def _validate_ok(root: Path, why: str) -> None:
    res = run_cli("validate", "--store", str(root))
    assert res.returncode == 0, f"{why}: validate failed: {res.stderr.strip()}"


# ------------------------------------------------------ mid-change kills


def _kill_plan(rng: random.Random) -> tuple[str, float, int]:
    """(mode, delay or fraction of a call's duration, which op)."""
    mode = rng.choices(["mid-op", "on-temp", "after-ack", "timer"], [2, 2, 1, 1])[0]
    if mode == "mid-op":
        # Kill a fraction of the way through the n-th call of the kind under test,
        # timed by how long calls take in this very run (the write comes last).
        return mode, rng.choice([rng.uniform(0, 1.2), rng.uniform(0.5, 1.05)]), rng.randint(1, 4)
    if mode == "on-temp":
        # Kill as soon as (or µs after) the n-th call's temp file appears: mid-write.
        return mode, rng.choice([0.0, rng.uniform(0, 0.0002)]), rng.randint(1, 4)
    if mode == "after-ack":
        return mode, 0.0, rng.randint(0, 40)
    return mode, rng.uniform(0, 0.3), 0


MID_CHANGE = ("add", "delete", "relabel", "undo", "redo", "status")


@pytest.mark.parametrize(("kind", "seed"), _trials(*MID_CHANGE))
def test_kill9_mid_change(
    kind: str, seed: int, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """SIGKILL mid-label/-delete/-relabel/-undo/-redo/-status: acknowledged state survives."""
    root = tmp_path / "store"
    texts = new_store(root, seed, n_docs=3, words=60)
    docs = list(texts)
    rng = random.Random(seed)
    mode, delay, nth = _kill_plan(rng)
    plan = f"seed {seed}, kill {mode} (delay {delay:.3f}, n {nth}) during {kind}"
    w = Proc.worker(
        tmp_path / "worker.err", "--store", str(root), "--seed", str(seed), "--ops", "80",
        "--docs", ",".join(docs), "--annotators", ",".join(ANNOTATORS), "--focus", kind,
    )
    assert w.next_line(lambda x: x.startswith("READY"), timeout=30), f"{plan}: {w.tail()}"
    if mode in ("mid-op", "on-temp"):
        count = 0

        def target(line: str) -> bool:
            nonlocal count
            if line.startswith("DO ") and f'"op": "{kind}"' in line:
                count += 1
            return count >= nth

        if w.next_line(target, timeout=30) is None:
            pass  # the worker finished first: judge the final state
        elif mode == "mid-op":
            time.sleep(delay * w.op_latency())
        else:
            _spin_until_temp_file(root / "docs", timeout=0.05)
            _spin(delay)
    elif mode == "after-ack":
        w.next_line(lambda x: x.startswith(f'ACK {{"i": {nth},'), timeout=30)
    else:
        time.sleep(delay)
    code = w.kill()
    events = w.events()
    assert not [e for e in events if e[0] == "MISMATCH"], f"{plan}: store disagreed with model"
    model, plus, counts = replay(texts, ANNOTATORS, events)
    assert code == -9 or (code == 0 and counts["done"]), f"{plan}: worker exited {code}: {w.tail()}"
    with _judging(plan):
        _check_after_change_kill(root, texts, model, plus, counts, plan, record_property)


def _spin_until_temp_file(folder: Path, timeout: float) -> None:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if any(name.endswith(".tmp") for name in os.listdir(folder)):
            return


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _check_after_change_kill(
    root: Path,
    texts: dict[str, str],
    model: Model,
    plus: Model | None,
    counts: dict[str, int],
    plan: str,
    record_property: Callable[[str, object], None],
) -> None:
    docs = list(texts)
    record_property("temp_files_left_by_kill", len(temp_files(root)))
    st = Store.open(root)
    assert temp_files(root) == [], f"{plan}: temp files left after reopen"
    assert [d.id for d in st.documents()] == docs, f"{plan}: catalog changed"
    assert all(st.text(d) == texts[d] for d in docs), f"{plan}: a text changed"
    seen = observe_all(st, docs, ANNOTATORS)
    matched = None
    if seen == model.summaries():
        matched = model
    elif plus is not None and seen == plus.summaries():
        matched = plus
    assert matched is not None, (
        f"{plan}: after {counts['ack']} acknowledged ops the store holds neither the "
        f"acknowledged state nor that plus the op in flight:\n{_diff(seen, model.summaries())}"
    )
    record_property("acked", counts["ack"])
    record_property("outcome", "in-flight op landed" if matched is plus else "acknowledged state")
    _validate_ok(root, plan)
    # The undo history survived too: undoing and redoing behaves as the model says.
    for doc in docs:
        for who in ANNOTATORS:
            for op in ("undo", "undo", "redo"):
                step = {"op": op, "doc": doc, "annotator": who}
                getattr(st, op)(doc, who)
                matched.apply(step)
        assert observe_all(st, [doc], ANNOTATORS) == {doc: matched.summary(doc)}, (
            f"{plan}: undo/redo after reopen diverged on {doc}"
        )
    st.close()


# --------------------------------------------------------- mid-import kills


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A folder of ~300 small articles and the text each must be stored as, by id."""
    folder = tmp_path_factory.mktemp("articles")
    rng = random.Random(300)
    for i in range(N_ARTICLES):
        (folder / f"article-{i:03d}.txt").write_text(article(rng, i, 40), encoding="utf-8")
    expected = {}
    for path in sorted(folder.iterdir()):
        text = read_text_file(path)["text"]
        expected[doc_id_for(text)] = text
    assert len(expected) == N_ARTICLES
    return folder, expected


def _check_import_state(root: Path, expected: dict[str, str], why: str) -> int:
    st = Store.open(root)
    assert temp_files(root) == [], f"{why}: temp files left after reopen"
    docs = st.documents()
    for info in docs:
        assert info.id in expected, f"{why}: unexpected document {info.id}"
        assert st.text(info.id) == expected[info.id], f"{why}: text of {info.id} incomplete"
        assert info.length == len(expected[info.id])
    st.close()
    _validate_ok(root, why)
    return len(docs)


@pytest.mark.parametrize(("kind", "seed"), _trials("import"))
def test_kill9_mid_import(
    kind: str,
    seed: int,
    tmp_path: Path,
    articles: tuple[Path, dict[str, str]],
    record_property: Callable[[str, object], None],
) -> None:
    folder, expected = articles
    root = tmp_path / "store"
    rng = random.Random(seed)
    fresh = rng.random() < 0.5  # else the import goes into an existing, empty store
    if not fresh:
        Store.open(root).close()
    mode = rng.choice(["timer", "texts", "catalog"])
    nth = rng.randint(1, N_ARTICLES)
    # A whole import of these articles takes ≈ 0.3 s here, most of it start-up and reading.
    delay = rng.uniform(0, 0.4) if mode == "timer" else rng.uniform(0, 0.003)
    plan = (
        f"seed {seed}, {'new' if fresh else 'existing'} store, kill {mode} "
        f"(n {nth}, delay {delay * 1000:.1f} ms)"
    )
    p = Proc([sys.executable, "-m", "tui.cli", "import", str(folder), "--store", str(root)],
             tmp_path / "import.err")
    deadline = time.monotonic() + 60
    if mode == "timer":
        time.sleep(delay)
    else:
        texts, catalog = root / "texts", root / "catalog.json"
        while p.proc.poll() is None and time.monotonic() < deadline:
            if mode == "texts" and texts.is_dir() and len(os.listdir(texts)) >= nth:
                break
            if mode == "catalog" and catalog.exists():
                break
            time.sleep(0.0005)
        time.sleep(delay)
    assert p.kill() in (-9, 0), f"{plan}: {p.tail()}"
    with _judging(plan):
        _check_import_then_finish(root, folder, expected, plan, record_property)


def _check_import_then_finish(
    root: Path,
    folder: Path,
    expected: dict[str, str],
    plan: str,
    record_property: Callable[[str, object], None],
) -> None:
    present = _check_import_state(root, expected, plan)
    record_property("documents_at_kill", present)
    record_property("texts_at_kill", len(os.listdir(root / "texts")))  # opened: it exists
    # Running the import again finishes the job, then is a no-op.
    again = run_cli("import", str(folder), "--store", str(root))
    assert again.returncode == 0, f"{plan}: re-import failed: {again.stderr}"
    assert f"imported {N_ARTICLES - present} new" in again.stdout, f"{plan}: {again.stdout}"
    assert _check_import_state(root, expected, plan) == N_ARTICLES
    before = store_tree(root)
    third = run_cli("import", str(folder), "--store", str(root))
    assert third.returncode == 0 and f"0 new documents, {N_ARTICLES} already" in third.stdout
    assert store_tree(root) == before, f"{plan}: a no-op import changed the store"
    # Texts a killed import wrote before its catalog write are the same texts: no junk.
    assert sorted(p.name for p in (root / "texts").iterdir()) == sorted(
        f"{text_sha256(t)}.txt" for t in expected.values()
    ), plan


@pytest.mark.parametrize("when", ["before", "after"])
def test_kill9_while_the_store_folder_is_created(
    tmp_path: Path, articles: tuple[Path, dict[str, str]], when: str
) -> None:
    """Regression: a kill inside the first Store.open once left a folder newsmark refused."""
    folder, expected = articles
    root = tmp_path / "store"
    # Die where a kill -9 of the first `newsmark import` can land: just before or just
    # after the store's first file (its format file) is written.
    code = (
        "import os, signal, sys\n"
        "import store.store as s\n"
        "real = s.atomic_write\n"
        "def die(*a, **k):\n"
        f"    if {when == 'after'}:\n"
        "        real(*a, **k)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "s.atomic_write = die\n"
        "s.Store.open(sys.argv[1])\n"
    )
    p = Proc([sys.executable, "-c", code, str(root)], tmp_path / "create.err")
    assert p.finish(timeout=30) == -9, p.tail()
    res = run_cli("import", str(folder), "--store", str(root))
    assert res.returncode == 0, res.stderr
    assert _check_import_state(root, expected, f"killed {when} the format file") == N_ARTICLES


# --------------------------------------------------------- mid-export kills


@pytest.fixture(scope="module")
def export_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A store big enough that an export takes a while, and its complete export."""
    root = tmp_path_factory.mktemp("export") / "store"
    rng = random.Random(41)
    st = Store.open(root)
    infos = st.add_documents([{"text": article(rng, i, 3000)} for i in range(60)])
    for n, (info, _) in enumerate(infos):
        if n % 7 == 6:
            continue  # some documents nobody annotated
        text = st.text(info.id)
        spans = []
        for _ in range(80):
            start = rng.randrange(len(text) - 10)
            spans.append({"start": start, "end": start + rng.randint(1, 9),
                          "label": rng.choice(["actor", "claim", "quote"])})
        st.merge_layer(info.id, rng.choice(ANNOTATORS), spans, rng.choice(["todo", "done"]))
    st.close()
    out = root.parent / "reference.jsonl"
    res = run_cli("export", "-o", str(out), "--store", str(root))
    assert res.returncode == 0, res.stderr
    return root, out.read_bytes()


@pytest.mark.parametrize(("kind", "seed"), _trials("export"))
def test_kill9_mid_export(
    kind: str,
    seed: int,
    tmp_path: Path,
    export_source: tuple[Path, bytes],
    record_property: Callable[[str, object], None],
) -> None:
    source, reference = export_source
    root = tmp_path / "store"
    shutil.copytree(source, root, symlinks=True)
    before = store_tree(root)
    out = tmp_path / "out.jsonl"
    rng = random.Random(seed)
    mode = rng.choice(["timer", "writing"])
    # The whole export takes ≈ 0.25 s, of which the last ≈ 50 ms write the output.
    delay = rng.uniform(0, 0.35) if mode == "timer" else rng.uniform(0, 0.06)
    plan = f"seed {seed}, kill {mode} after {delay * 1000:.1f} ms"
    p = Proc([sys.executable, "-m", "tui.cli", "export", "-o", str(out), "--store", str(root)],
             tmp_path / "export.err")
    if mode == "writing":
        partial = out.with_name(f".{out.name}.partial")
        deadline = time.monotonic() + 30
        while p.proc.poll() is None and time.monotonic() < deadline:
            if partial.exists() or out.exists():  # the output has begun
                break
            time.sleep(0.0005)
    time.sleep(delay)
    assert p.kill() in (-9, 0), f"{plan}: {p.tail()}"
    assert store_tree(root) == before, f"{plan}: the export changed the store"
    if out.exists():
        assert out.read_bytes() == reference, f"{plan}: {out.name} is incomplete"
    partial = out.with_name(f".{out.name}.partial")
    record_property("output", "complete" if out.exists() else
                    "partial under temp name" if partial.exists() else "absent")
    with _judging(plan):
        Store.open(root).close()
    _validate_ok(root, plan)
    again = run_cli("export", "-o", str(out), "--store", str(root))
    assert again.returncode == 0 and out.read_bytes() == reference, plan


# ------------------------------------------------------------ concurrency


Spec = tuple[str, list[str], int, int, str]  # annotator, documents, seed, ops, op kinds


def _run_workers(tmp_path: Path, root: Path, specs: list[Spec], *extra: str) -> list[Proc]:
    procs = [
        Proc.worker(
            tmp_path / f"{who}.err", "--store", str(root), "--seed", str(seed),
            "--ops", str(ops), "--docs", ",".join(docs), "--annotators", who, "--kinds", kinds,
            *extra,
        )
        for who, docs, seed, ops, kinds in specs
    ]
    for p in procs:
        assert p.next_line(lambda x: x.startswith("READY"), timeout=30), p.tail()
    return procs


def _check_workers(root: Path, texts: dict[str, str], procs: list[Proc], specs: list[Spec]
                   ) -> list[int]:
    """Every worker's acknowledged writes are in the store; returns the ACK counts."""
    acks = []
    pump_all(procs, lambda: all(p.eof for p in procs), timeout=120)
    st = Store.open(root)
    for p, (who, docs, seed, _, _) in zip(procs, specs, strict=True):
        code = p.finish(timeout=30)
        assert code == 0, f"worker {who} (seed {seed}) exited {code}: {p.tail()}"
        model, _, counts = replay({d: texts[d] for d in docs}, [who], p.events())
        assert counts["done"] == 1 and counts["mismatch"] == 0, f"{who}: {p.tail()}"
        tried = sum(k == "DO" for k, _ in p.events())
        assert counts["ack"] + counts["busy"] == tried
        # A refusal (StoreBusy) is an honest "not saved"; it must stay rare.
        assert counts["ack"] >= tried * 0.9, f"{who}: only {counts['ack']}/{tried} acknowledged"
        acks.append(counts["ack"])
        seen = observe_all(st, docs, [who])
        assert seen == model.summaries(), (
            f"worker {who} (seed {seed}) lost acknowledged writes:\n"
            f"{_diff(seen, model.summaries())}"
        )
    st.close()
    _validate_ok(root, "after concurrent writers")
    return acks


def test_four_processes_writing_at_once_lose_nothing(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    root = tmp_path / "store"
    texts = new_store(root, 4, n_docs=5, words=200)
    shared, *own = list(texts)
    kinds = "add,delete,relabel,undo"
    specs = [(f"w{i}", [shared, own[i]], 900 + i, 150, kinds) for i in range(4)]
    procs = _run_workers(tmp_path, root, specs)
    record_property("acknowledged", _check_workers(root, texts, procs, specs))
    st = Store.open(root)
    on_shared = {s.annotator for s in st.spans(shared)}
    assert on_shared == {"w0", "w1", "w2", "w3"}, on_shared


def test_import_while_two_annotators_label(
    tmp_path: Path,
    articles: tuple[Path, dict[str, str]],
    record_property: Callable[[str, object], None],
) -> None:
    folder, expected = articles
    root = tmp_path / "store"
    texts = new_store(root, 5, n_docs=2, words=200)
    docs = list(texts)
    kinds = "add,delete,relabel,undo,status"
    specs = [(f"v{i}", docs, 950 + i, 100_000, kinds) for i in range(2)]
    stop = tmp_path / "stop"
    # The labellers run from before the import starts until after it ends.
    procs = _run_workers(tmp_path, root, specs, "--stop-file", str(stop))
    imp = Proc([sys.executable, "-m", "tui.cli", "import", str(folder), "--store", str(root)],
               tmp_path / "import.err")
    try:
        pump_all([imp, *procs], lambda: imp.eof, timeout=120)
        assert imp.finish(timeout=30) == 0, imp.tail()
        assert all(p.proc.poll() is None for p in procs), "a labeller ended before the import"
    finally:
        stop.touch()
    assert f"imported {N_ARTICLES} new documents" in "".join(imp.lines)
    record_property("acknowledged", _check_workers(root, texts, procs, specs))
    st = Store.open(root)
    ids = [d.id for d in st.documents()]
    assert ids[:2] == docs and sorted(ids[2:]) == sorted(expected)
    assert all(st.text(i) == expected[i] for i in ids[2:])

