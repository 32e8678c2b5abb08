"""A newsmark process to kill, and the tools the durability tests use to judge it.

Run as a script (never collected by pytest: the name does not start with ``test_``)::

    python tests/crash_worker.py --store S --seed N --docs ID,ID --annotators alice,bob

it opens the store and makes a random sequence of real store calls (add_span,
delete_span, relabel_span, undo, redo, set_status), printing one flushed line
per event on stdout::

    READY {"pid": ...}                  the store is open; no change made yet
    DO {"i": 3, "op": {...}}            about to call the store with op 3
    ACK {"i": 3, "op": {...}}           the call returned: op 3 is acknowledged
    BUSY {"i": 3, "error": "..."}       StoreBusy: op 3 was refused, nothing written
    ERR {"i": 3, "type": ..., "message": ...}   any other store error; the worker stops
    AFTER {"same": true, ...}           after ERR: does the store still show the model?
    MISMATCH {...}                      the store disagrees with the model (a store bug)
    DONE                                every op ran (or --stop-file appeared)

Imported as ``tests.crash_worker`` the module gives the tests the same
``Model`` (a reference implementation of the store's span/undo semantics, so a
parent can replay the acknowledged ops and know what the store must hold) and
small process helpers with timeouts.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve()
LABELS = ("actor", "claim", "quote", "place")
STATUSES = ("todo", "done")
HISTORY_LIMIT = 1000  # store.store.HISTORY_LIMIT, checked by the tests
KINDS = ("add", "delete", "relabel", "undo", "redo", "status")
WEIGHTS = {"add": 4, "delete": 2, "relabel": 2, "undo": 2, "redo": 1, "status": 1}

Rec = tuple[str, int, int, str, str]  # id, start, end, label, annotator


# ---------------------------------------------------------------- the model


class Model:
    """What the store must contain after a sequence of calls, computed independently."""

    def __init__(self, texts: dict[str, str], annotators: list[str]) -> None:
        self.texts = texts
        self.annotators = list(annotators)
        self.spans: dict[str, dict[str, Rec]] = {d: {} for d in texts}
        self.layers: dict[str, dict[str, dict[str, Any]]] = {d: {} for d in texts}

    def copy(self) -> Model:
        other = Model(self.texts, self.annotators)
        other.spans = {d: dict(s) for d, s in self.spans.items()}
        other.layers = {
            d: {
                a: {"status": la["status"], "undo": list(la["undo"]), "redo": list(la["redo"])}
                for a, la in layers.items()
            }
            for d, layers in self.layers.items()
        }
        return other

    def _layer(self, doc: str, annotator: str) -> dict[str, Any]:
        return self.layers[doc].setdefault(
            annotator, {"status": "todo", "undo": [], "redo": []}
        )

    def _push(self, doc: str, annotator: str, entry: tuple[Any, ...]) -> None:
        layer = self._layer(doc, annotator)
        layer["undo"].append(entry)
        layer["undo"] = layer["undo"][-HISTORY_LIMIT:]
        layer["redo"] = []

    def apply(self, op: dict[str, Any]) -> None:
        """Apply one op exactly as the store does (see Store.add_span … Store._step)."""
        doc, kind = op["doc"], op["op"]
        spans = self.spans[doc]
        if kind == "add":
            rec: Rec = (op["id"], op["start"], op["end"], op["label"], op["annotator"])
            spans[op["id"]] = rec
            self._push(doc, op["annotator"], ("add", rec))
        elif kind == "delete":
            rec = spans.pop(op["id"])
            self._push(doc, rec[4], ("delete", rec))
        elif kind == "relabel":
            rec = spans[op["id"]]
            spans[op["id"]] = (rec[0], rec[1], rec[2], op["label"], rec[4])
            self._push(doc, rec[4], ("relabel", rec[0], rec[3], op["label"]))
        elif kind == "status":
            self._layer(doc, op["annotator"])["status"] = op["status"]
        elif kind in ("undo", "redo"):
            layer = self._layer(doc, op["annotator"])
            undo = kind == "undo"
            source, target = ("undo", "redo") if undo else ("redo", "undo")
            changed = False
            while layer[source] and not changed:
                entry = layer[source].pop()
                changed = self._apply_entry(spans, entry, inverse=undo)
                layer[target].append(entry)
            layer["undo"] = layer["undo"][-HISTORY_LIMIT:]
        else:
            raise ValueError(f"unknown op {op!r}")

    @staticmethod
    def _apply_entry(spans: dict[str, Rec], entry: tuple[Any, ...], inverse: bool) -> bool:
        if entry[0] == "relabel":
            _, span_id, old, new = entry
            rec = spans.get(span_id)
            if rec is None:
                return False
            spans[span_id] = (rec[0], rec[1], rec[2], old if inverse else new, rec[4])
            return True
        rec = entry[1]
        adding = (entry[0] == "add") != inverse
        exists = rec[0] in spans
        if adding:
            if exists:
                return False
            spans[rec[0]] = rec
            return True
        if not exists:
            return False
        del spans[rec[0]]
        return True

    def summary(self, doc: str) -> dict[str, Any]:
        """Spans and, per annotator, (status, can undo, can redo): comparable with observe()."""
        layers = {}
        for a in self.annotators:
            la = self.layers[doc].get(a) or {"status": "todo", "undo": [], "redo": []}
            layers[a] = [la["status"], bool(la["undo"]), bool(la["redo"])]
        spans = sorted(list(r) for r in self.spans[doc].values() if r[4] in self.annotators)
        return {"spans": spans, "layers": layers}

    def summaries(self) -> dict[str, Any]:
        return {d: self.summary(d) for d in self.texts}


def observe(store: Any, doc: str, annotators: list[str]) -> dict[str, Any]:
    """What the store holds for these annotators, in Model.summary's shape."""
    spans = sorted(
        [s.id, s.start, s.end, s.label, s.annotator]
        for s in store.spans(doc)
        if s.annotator in annotators
    )
    layers = {
        a: [store.status(doc, a), store.can_undo(doc, a), store.can_redo(doc, a)]
        for a in annotators
    }
    return {"spans": spans, "layers": layers}


def observe_all(store: Any, docs: list[str], annotators: list[str]) -> dict[str, Any]:
    return {d: observe(store, d, annotators) for d in docs}


def random_op(
    rng: random.Random,
    model: Model,
    docs: list[str],
    kinds: list[str],
    weights: list[float],
    tag: str,
    i: int,
) -> dict[str, Any]:
    """A valid op for the model's current state (never a duplicate label or a no-op relabel)."""
    for _ in range(200):
        kind = rng.choices(kinds, weights)[0]
        doc = rng.choice(docs)
        spans = model.spans[doc]
        if kind == "add":
            n = len(model.texts[doc])
            start = rng.randrange(0, n - 1)
            end = min(n, start + rng.randint(1, 14))
            label, who = rng.choice(LABELS), rng.choice(model.annotators)
            if any(r[1:] == (start, end, label, who) for r in spans.values()):
                continue
            span_id = f"{tag}-{i:04d}-{rng.getrandbits(32):08x}"
            return {"op": "add", "doc": doc, "start": start, "end": end, "label": label,
                    "annotator": who, "id": span_id}
        if kind in ("delete", "relabel"):
            if not spans:
                continue
            span_id = rng.choice(sorted(spans))
            rec = spans[span_id]
            if kind == "delete":
                return {"op": "delete", "doc": doc, "id": span_id, "annotator": rec[4]}
            label = rng.choice([x for x in LABELS if x != rec[3]])
            return {"op": "relabel", "doc": doc, "id": span_id, "label": label,
                    "annotator": rec[4]}
        if kind == "status":
            return {"op": "status", "doc": doc, "annotator": rng.choice(model.annotators),
                    "status": rng.choice(STATUSES)}
        return {"op": kind, "doc": doc, "annotator": rng.choice(model.annotators)}
    raise RuntimeError("no valid op found")


def call(store: Any, op: dict[str, Any]) -> None:
    kind, doc = op["op"], op["doc"]
    if kind == "add":
        store.add_span(doc, op["start"], op["end"], op["label"], op["annotator"], span_id=op["id"])
    elif kind == "delete":
        store.delete_span(doc, op["id"], op["annotator"])
    elif kind == "relabel":
        store.relabel_span(doc, op["id"], op["label"], op["annotator"])
    elif kind == "status":
        store.set_status(doc, op["annotator"], op["status"])
    elif kind == "undo":
        store.undo(doc, op["annotator"])
    elif kind == "redo":
        store.redo(doc, op["annotator"])
    else:
        raise ValueError(f"unknown op {op!r}")


# ------------------------------------------------------- the worker process


class _OsWithFaults:
    """``os`` as store.storage sees it, with a SIGKILL planted at one point of one write."""

    def __init__(self, docs_dir: Path, mode: str) -> None:
        self.docs_dir = os.path.abspath(docs_dir)
        self.mode = mode
        self.armed = False
        self._doc_fds: set[int] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def _die(self) -> None:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)  # never reached

    def open(self, path: Any, flags: int, mode: int = 0o777) -> int:
        fd = os.open(path, flags, mode)
        if self._in_docs(path):
            self._doc_fds.add(fd)
        return fd

    def close(self, fd: int) -> None:
        self._doc_fds.discard(fd)
        os.close(fd)

    def write(self, fd: int, data: Any) -> int:
        if self.armed and self.mode == "mid-write" and fd in self._doc_fds:
            os.write(fd, bytes(data)[: max(1, len(data) // 2)])
            self._die()
        return os.write(fd, data)

    def writev(self, fd: int, buffers: Any) -> int:
        if self.armed and self.mode == "mid-write" and fd in self._doc_fds:
            data = b"".join(bytes(b) for b in buffers)
            os.write(fd, data[: max(1, len(data) // 2)])
            self._die()
        return os.writev(fd, buffers)

    def _in_docs(self, path: Any) -> bool:
        return os.path.dirname(os.path.abspath(os.fspath(path))) == self.docs_dir

    def replace(self, src: Any, dst: Any) -> None:
        to_doc = self._in_docs(dst)
        if self.armed and to_doc and self.mode == "before-replace":
            self._die()
        if self.armed and to_doc and self.mode == "pause-before-replace":
            emit("PAUSED", {"tmp": os.fspath(src)})
            time.sleep(120)
        os.replace(src, dst)
        if self.armed and to_doc and self.mode == "after-replace":
            self._die()  # renamed, but the folder was never fsynced


def emit(kind: str, payload: Any = None) -> None:
    line = kind if payload is None else f"{kind} {json.dumps(payload, sort_keys=True)}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--ops", type=int, default=80)
    parser.add_argument("--docs", required=True, help="comma-separated document ids")
    parser.add_argument("--annotators", default="alice,bob")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--focus", default="", help="an op kind made three times as likely")
    parser.add_argument("--fsize", type=int, default=0, help="RLIMIT_FSIZE to set after open")
    parser.add_argument("--die", default="", help="mid-write|before-replace|after-replace|"
                        "pause-before-replace")
    parser.add_argument("--die-at", type=int, default=-1, help="op index to die in")
    parser.add_argument("--check", type=int, default=1, help="compare store and model each op")
    parser.add_argument("--stop-file", default="", help="stop (DONE) once this file exists")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    import store.storage as storage
    from store.errors import NewsmarkError, StoreBusy
    from store.store import HISTORY_LIMIT as STORE_HISTORY_LIMIT
    from store.store import Store

    assert STORE_HISTORY_LIMIT == HISTORY_LIMIT
    st = Store.open(args.store)
    docs = args.docs.split(",")
    annotators = args.annotators.split(",")
    model = Model({d: st.text(d) for d in docs}, annotators)
    for d in docs:
        if observe(st, d, annotators) != model.summary(d):
            emit("MISMATCH", {"i": -1, "why": f"annotators {annotators} not fresh on {d}"})
            return 3
    faults: _OsWithFaults | None = None
    if args.die:
        faults = _OsWithFaults(Path(args.store) / "docs", args.die)
        storage.os = faults  # type: ignore[assignment]
    if args.fsize:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (args.fsize, args.fsize))

    kinds = args.kinds.split(",")
    weights = [WEIGHTS[k] * (3 if k == args.focus else 1) for k in kinds]
    rng = random.Random(args.seed)
    tag = f"{annotators[0]}{args.seed}"
    emit("READY", {"pid": os.getpid()})
    for i in range(args.ops):
        if args.stop_file and os.path.exists(args.stop_file):
            break
        op = random_op(rng, model, docs, kinds, weights, tag, i)
        emit("DO", {"i": i, "op": op})
        if faults is not None and i == args.die_at:
            faults.armed = True
        try:
            call(st, op)
        except StoreBusy as exc:
            emit("BUSY", {"i": i, "error": str(exc)})
            continue
        except NewsmarkError as exc:
            emit("ERR", {"i": i, "type": type(exc).__name__, "message": str(exc)})
            seen = observe(st, op["doc"], annotators)
            emit("AFTER", {"same": seen == model.summary(op["doc"]), "store": seen})
            return 0
        model.apply(op)
        emit("ACK", {"i": i, "op": op})
        if args.check:
            seen = observe(st, op["doc"], annotators)
            if seen != model.summary(op["doc"]):
                emit("MISMATCH", {"i": i, "model": model.summary(op["doc"]), "store": seen})
                return 3
    emit("DONE")
    st.close()
    return 0


# ------------------------------------------------- helpers for the tests


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NEWSMARK_ANNOTATOR": "tester"}


_LIVE: list[subprocess.Popen[bytes]] = []


def reap_all() -> None:
    """Kill (by pid) every process these helpers started that is still running."""
    while _LIVE:
        proc = _LIVE.pop()
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)


def parse(line: str) -> tuple[str, Any]:
    kind, _, payload = line.partition(" ")
    return kind, (json.loads(payload) if payload else None)


class Proc:
    """A child process whose stdout lines are read as they come, with deadlines."""

    def __init__(self, argv: list[str], stderr_path: Path, cwd: Path = ROOT,
                 extra_env: dict[str, str] | None = None) -> None:
        self.stderr_path = stderr_path
        with open(stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                cwd=cwd, env={**env(), **(extra_env or {})},
            )
        _LIVE.append(self.proc)
        self.started = time.monotonic()
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.lines: list[str] = []
        self.times: list[float] = []  # when each line arrived (time.monotonic)
        self.eof = False
        self._buf = b""
        self._seen = 0
        self._sent: dict[int, float] = {}
        self._took: list[float] = []

    @classmethod
    def worker(cls, stderr_path: Path, *args: str) -> Proc:
        return cls([sys.executable, str(WORKER), *args], stderr_path)

    def pump(self, timeout: float) -> None:
        if self.eof:
            return
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.eof = True
            if self._buf:
                self.lines.append(self._buf.decode())
                self.times.append(time.monotonic())
                self._buf = b""
            return
        self._buf += chunk
        *full, self._buf = self._buf.split(b"\n")
        self.lines.extend(x.decode() for x in full)
        now = time.monotonic()
        self.times.extend([now] * len(full))
        for raw in full:
            if raw.startswith((b"DO ", b"ACK ")):
                i = int(raw[raw.index(b":") + 1 : raw.index(b",")])
                if raw.startswith(b"DO "):
                    self._sent[i] = now
                elif i in self._sent:
                    self._took.append(now - self._sent[i])

    def op_latency(self, default: float = 0.004) -> float:
        """Median time from a DO line to its ACK so far: how long one store call takes."""
        took = sorted(self._took)
        return took[len(took) // 2] if took else default

    def next_line(self, pred: Callable[[str], bool], timeout: float) -> str | None:
        """The next unseen line with pred(line); None if the process ends first."""
        deadline = time.monotonic() + timeout
        while True:
            while self._seen < len(self.lines):
                line = self.lines[self._seen]
                self._seen += 1
                if pred(line):
                    return line
            if self.eof:
                return None
            if time.monotonic() > deadline:
                raise AssertionError(f"no expected line within {timeout} s; got {self.tail()}")
            self.pump(deadline - time.monotonic())

    def kill(self) -> int:
        """SIGKILL (if still running), reap, and read whatever it printed before dying."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        return self.finish(timeout=20)

    def finish(self, timeout: float) -> int:
        """Read stdout to its end and reap; kill and fail if that takes over timeout s."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise AssertionError(f"process did not finish within {timeout} s: {self.tail()}")
            self.pump(min(0.5, deadline - time.monotonic()))
        try:
            code = self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"process did not exit within {timeout} s") from None
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code

    def events(self) -> list[tuple[str, Any]]:
        return [parse(x) for x in self.lines if x]

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def tail(self) -> str:
        return f"stdout tail {self.lines[-3:]!r}, stderr tail {self.stderr()[-800:]!r}"


def pump_all(procs: list[Proc], until: Callable[[], bool], timeout: float) -> None:
    """Read every process's output as it comes (a full pipe would stall a writer) until
    until() holds; fail after timeout s."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s: {[p.tail() for p in procs]}")
        live = [p for p in procs if not p.eof]
        if not live:
            time.sleep(0.01)
            continue
        ready, _, _ = select.select([p.fd for p in live], [], [], 0.05)
        for p in live:
            if p.fd in ready:
                p.pump(0)


def replay(texts: dict[str, str], annotators: list[str], events: list[tuple[str, Any]]
           ) -> tuple[Model, Model | None, dict[str, Any]]:
    """(state after the last ACK, that state plus the op in flight or None, counts)."""
    ops: dict[int, dict[str, Any]] = {}
    acked: list[int] = []
    counts = {"ack": 0, "busy": 0, "err": 0, "done": 0, "mismatch": 0}
    for kind, payload in events:
        if kind == "DO":
            ops[payload["i"]] = payload["op"]
        elif kind == "ACK":
            assert ops.get(payload["i"]) == payload["op"], f"ACK without its DO: {payload}"
            acked.append(payload["i"])
        elif kind in ("BUSY", "ERR", "DONE", "MISMATCH"):
            counts[kind.lower()] += 1
    counts["ack"] = len(acked)
    model = Model(texts, annotators)
    for i in acked:
        model.apply(ops[i])
    last_done = max([*acked, *[p["i"] for k, p in events if k in ("BUSY", "ERR")]], default=-1)
    in_flight = ops.get(last_done + 1)
    plus = None
    if in_flight is not None and not counts["done"] and not counts["err"]:
        plus = model.copy()
        plus.apply(in_flight)
    return model, plus, counts


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`newsmark ARGS` as a real process (python -m tui.cli)."""
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def store_tree(root: Path) -> dict[str, str]:
    """Every file (by sha256) and folder of a store except locks/: proof nothing changed."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if rel.parts[0] == "locks":
            continue
        out[rel.as_posix()] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*.tmp"))


WORDS = (
    "minister", "said", "the", "council", "harbour", "strike", "budget", "vote", "report",
    "energy", "summit", "İstanbul", "café", "naïve", "“quoted”", "words", "東京", "data", "🚢",
    "ship", "Ankara", "talks", "defence", "deal", "port", "workers",
)


def article(rng: random.Random, i: int, words: int = 60) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return f"Headline number {i}: {rng.choice(WORDS)}\n\n{body}.\n"


def new_store(root: Path, seed: int, n_docs: int, words: int) -> dict[str, str]:
    """A store at `root` holding `n_docs` seeded articles: {document id: text}."""
    from store.store import Store

    rng = random.Random(seed)
    st = Store.open(root)
    texts = [article(rng, i, words) for i in range(n_docs)]
    ids = [info.id for info, _ in st.add_documents([{"text": t} for t in texts])]
    st.close()
    return dict(zip(ids, texts, strict=True))


class MountRefused(Exception):
    pass


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A fresh tmpfs of `size` at path (root only); unmounted on the way out."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        res = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
            capture_output=True, text=True, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MountRefused(f"mount could not run ({exc})") from None
    if res.returncode != 0:
        raise MountRefused(f"mount -t tmpfs refused: {res.stderr.strip() or res.returncode}")
    try:
        yield path
    finally:
        res = subprocess.run(["umount", str(path)], capture_output=True, timeout=30)
        if res.returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


def remount(path: Path, mode: str) -> None:
    res = subprocess.run(
        ["mount", "-o", f"remount,{mode}", str(path)], capture_output=True, text=True, timeout=30
    )
    if res.returncode != 0:
        raise MountRefused(f"mount -o remount,{mode} refused: {res.stderr.strip()}")


if __name__ == "__main__":
    sys.exit(main())
