"""Fuzz: every importer either imports a record exactly or refuses the import cleanly.

Hypothesis draws a valid document (text, spans, relations, status, annotator), then
maybe one mutation known to make it invalid (a dropped key, a wrong type, offsets
out of range, NUL or ESC in the text, a relation to no span, a bad status), and
writes it in one importer's format beside a good file. An unmutated record must
come out of the store exactly as it went in; a mutated one must be refused with
one line, exit 1, and every file of the store unchanged.

``NEWSMARK_FUZZ_EXAMPLES`` raises the number of examples per format (default 20)
for a longer run, like the durability soak.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.store import Store, doc_id_for
from tui.cli import main

EXAMPLES = int(os.environ.get("NEWSMARK_FUZZ_EXAMPLES", "20"))
WORDS = ["akar", "met", "austin", "in", "ankara", "señor", "müller", "漢字", "🇹🇷", "e\u0301", "ı"]
LABELS = ["actor", "claim", "quote", "place"]
REL_LABELS = ["meets", "says"]
FORMATS = ("native", "doccano", "labelstudio", "brat", "conll", "txt")

Rec = dict[str, Any]


def every_file(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "/"
        for p in sorted(root.rglob("*"))
    }


@st.composite
def documents(draw: st.DrawFn) -> Rec:
    """A valid record: ≥ 2 spans and ≥ 1 relation, so every mutation has a target."""
    tokens = draw(st.lists(st.sampled_from(WORDS), min_size=3, max_size=12))
    text = " ".join(tokens)
    spans = []
    for i in range(draw(st.integers(2, 4))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append({"id": f"T{i + 1}", "start": start, "end": end,
                      "label": draw(st.sampled_from(LABELS)), "text": text[start:end]})
    relations = [
        {"id": f"R{k + 1}", "head": draw(st.sampled_from(spans))["id"],
         "tail": draw(st.sampled_from(spans))["id"], "label": draw(st.sampled_from(REL_LABELS))}
        for k in range(draw(st.integers(1, 2)))
    ]
    return {"text": text, "tokens": tokens, "spans": spans, "relations": relations,
            "status": draw(st.sampled_from(["todo", "done"])),
            "annotator": draw(st.sampled_from(["alice", "bob"]))}


# Each mutation makes any record invalid; the formats it applies to are those that can
# express it (brat cannot say "label None", Label Studio has a default relation label).
def _span(rec: Rec, change: Callable[[Rec], None]) -> None:
    change(rec["spans"][0])


def _drop(key: str) -> Callable[[Rec], None]:
    return lambda d: d.pop(key)


MUTATIONS: dict[str, tuple[set[str], Callable[[Rec], None]]] = {
    "drop start": ({"native", "doccano", "labelstudio", "brat"},
                   lambda r: _span(r, _drop("start"))),
    "drop end": ({"native", "doccano", "labelstudio", "brat"}, lambda r: _span(r, _drop("end"))),
    "drop label": ({"native", "doccano", "labelstudio", "brat"},
                   lambda r: _span(r, _drop("label"))),
    "float offset": ({"native", "doccano", "labelstudio", "brat"},
                     lambda r: _span(r, lambda s: s.update(start=s["start"] + 0.5))),
    "bool offset": ({"native", "doccano", "labelstudio", "brat"},
                    lambda r: _span(r, lambda s: s.update(end=True))),
    "string offset": ({"native", "doccano", "labelstudio"},
                      lambda r: _span(r, lambda s: s.update(start=str(s["start"])))),
    "end past text": ({"native", "doccano", "labelstudio", "brat"},
                      lambda r: _span(r, lambda s: s.update(end=len(r["text"]) + 1))),
    "empty span": ({"native", "doccano", "labelstudio", "brat"},
                   lambda r: _span(r, lambda s: s.update(end=s["start"]))),
    "negative start": ({"native", "doccano", "labelstudio"},
                       lambda r: _span(r, lambda s: s.update(start=-1))),
    "empty label": ({"native", "doccano", "labelstudio", "brat"},
                    lambda r: _span(r, lambda s: s.update(label=""))),
    "number label": ({"native", "doccano", "labelstudio"},
                     lambda r: _span(r, lambda s: s.update(label=5))),
    "span text differs": ({"native", "labelstudio", "brat"},
                          lambda r: _span(r, lambda s: s.update(text="ZZZ"))),
    "relation without tail": ({"native", "doccano", "labelstudio", "brat"},
                              lambda r: r["relations"][0].pop("tail")),
    "relation without label": ({"native", "doccano", "brat"},
                               lambda r: r["relations"][0].pop("label")),
    "relation to no span": ({"native", "doccano", "labelstudio", "brat"},
                            lambda r: r["relations"][0].update(tail="nope")),
    "relation is a string": ({"native", "doccano"},
                             lambda r: r["relations"].__setitem__(0, "T1->T2")),
    "bad status": ({"native", "doccano", "labelstudio"}, lambda r: r.update(status="finished")),
    "empty annotator": ({"native"}, lambda r: r.update(annotator="")),
    "number annotator": ({"native", "labelstudio"}, lambda r: r.update(annotator=7)),
    "NUL in text": (set(FORMATS), lambda r: _append(r, "\x00")),
    "ESC in text": (set(FORMATS), lambda r: _append(r, "\x1b[2J")),
    "bad tag": ({"conll"}, lambda r: r.update(bad_tag=True)),
}


def _append(rec: Rec, junk: str) -> None:
    rec["tokens"] = [*rec["tokens"], f"x{junk}"]
    rec["text"] = rec["text"] + f" x{junk}"  # offsets of the spans stay right


# --------------------------------------------------------------------- writers


def write_native(rec: Rec, folder: Path) -> Path:
    keep = {k: rec[k] for k in ("text", "annotator", "status", "spans", "relations") if k in rec}
    path = folder / "data.jsonl"
    path.write_bytes(orjson.dumps(keep) + b"\n")
    return path


def _rename(d: Any, names: dict[str, str]) -> Any:
    if not isinstance(d, dict):
        return d
    return {names.get(k, k): v for k, v in d.items()}


def write_doccano(rec: Rec, folder: Path) -> Path:
    ents = [_rename({k: v for k, v in s.items() if k != "text"},
                    {"start": "start_offset", "end": "end_offset"}) for s in rec["spans"]]
    rels = [_rename(r, {"head": "from_id", "tail": "to_id", "label": "type"})
            for r in rec["relations"]]
    obj = {"text": rec["text"], "entities": ents, "relations": rels,
           "annotator": rec["annotator"], "status": rec["status"]}
    path = folder / "doccano.jsonl"
    path.write_bytes(orjson.dumps(obj) + b"\n")
    return path


def write_labelstudio(rec: Rec, folder: Path) -> Path:
    result: list[Any] = []
    for s in rec["spans"]:
        value = {k: s[k] for k in ("start", "end", "text") if k in s}
        if "label" in s:
            value["labels"] = [s["label"]]
        result.append({"id": s["id"], "type": "labels", "value": value})
    for r in rec["relations"]:
        item = {"type": "relation", "from_id": r.get("head"), "to_id": r.get("tail")}
        if "label" in r:
            item["labels"] = [r["label"]]
        result.append(item)
    ann = {"result": result, "newsmark": {"annotator": rec["annotator"], "status": rec["status"]}}
    path = folder / "tasks.json"
    path.write_bytes(orjson.dumps([{"data": {"text": rec["text"]}, "annotations": [ann]}]))
    return path


def write_brat(rec: Rec, folder: Path) -> Path:
    corpus = folder / "brat"
    corpus.mkdir()
    (corpus / "doc.txt").write_bytes(rec["text"].encode())
    lines = []
    for s in rec["spans"]:
        offsets = " ".join(str(s[k]) for k in ("start", "end") if k in s)
        head = f"{s['label']} {offsets}" if "label" in s else offsets
        lines.append(f"{s['id']}\t{head}\t{s['text']}")
    for r in rec["relations"]:
        args = " ".join(f"{role}:{r[k]}" for role, k in (("Arg1", "head"), ("Arg2", "tail"))
                        if k in r)
        lines.append(f"{r['id']}\t{r['label'] + ' ' if 'label' in r else ''}{args}")
    (corpus / "doc.ann").write_bytes(("\n".join(lines) + "\n").encode())
    return corpus


def _conll_spans(rec: Rec) -> list[tuple[int, int, str]]:
    """Non-overlapping token spans: every other token from the first, labelled in turn."""
    return [(i, i + 1, LABELS[i % len(LABELS)]) for i in range(0, len(rec["tokens"]), 2)]


def write_conll(rec: Rec, folder: Path) -> Path:
    tags = ["O"] * len(rec["tokens"])
    for i, _, label in _conll_spans(rec):
        tags[i] = f"B-{label}"
    if rec.get("bad_tag"):
        tags[0] = "X-actor"
    path = folder / "doc.conll"
    body = "".join(f"{tok} {tag}\n" for tok, tag in zip(rec["tokens"], tags, strict=True))
    path.write_bytes(body.encode())
    return path


def write_txt(rec: Rec, folder: Path) -> Path:
    path = folder / "article.txt"
    path.write_bytes(rec["text"].encode())
    return path


WRITERS = {"native": write_native, "doccano": write_doccano, "labelstudio": write_labelstudio,
           "brat": write_brat, "conll": write_conll, "txt": write_txt}


def expected(fmt: str, rec: Rec) -> tuple[str, str, str, set[Any], set[Any]]:
    """(text, annotator, status, span keys, relation keys) the store must hold."""
    if fmt == "txt":
        return rec["text"], "", "todo", set(), set()
    if fmt == "conll":
        text = " ".join(rec["tokens"])
        starts = [sum(len(t) + 1 for t in rec["tokens"][:i]) for i in range(len(rec["tokens"]))]
        spans = {(starts[i], starts[i] + len(rec["tokens"][i]), label)
                 for i, _, label in _conll_spans(rec)}
        return text, "imported", "todo", spans, set()
    key = {s["id"]: (s["start"], s["end"], s["label"]) for s in rec["spans"]}
    rels = {(key[r["head"]], key[r["tail"]], r["label"]) for r in rec["relations"]}
    annotator, status = rec["annotator"], rec["status"]
    if fmt == "brat":
        annotator, status = "imported", "todo"
    return rec["text"], annotator, status, set(key.values()), rels


def run_cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, err.getvalue()


@settings(max_examples=EXAMPLES * len(FORMATS), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fmt=st.sampled_from(FORMATS), rec=documents(), data=st.data())
def test_every_importer_imports_exactly_or_refuses_cleanly(
    fmt: str, rec: Rec, data: st.DataObject
) -> None:
    names = [None, *sorted(n for n, (fmts, _) in MUTATIONS.items() if fmt in fmts)]
    mutation = data.draw(st.sampled_from(names), label="mutation")
    if mutation is not None:
        MUTATIONS[mutation][1](rec)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        store = Store.open(root)
        store.add_documents([{"text": "An article already in the store."}])
        store.close()
        before = every_file(root)
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        good = inputs / "0-good.txt"
        good.write_text("A good article that must land only with the rest.\n")
        path = WRITERS[fmt](rec, inputs)
        code, err = run_cli("import", str(good), str(path), "--store", str(root))
        if mutation is not None:
            assert code == 1, f"{mutation} in {fmt} was imported: {err}"
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"newsmark: {path}"), err
            assert "internal error" not in err and "Traceback" not in err
            assert every_file(root) == before, f"{mutation} in {fmt} changed the store"
            return
        assert code == 0, f"a valid {fmt} record was refused: {err}"
        text, annotator, status, spans, rels = expected(fmt, rec)
        store = Store.open(root)
        doc_id = doc_id_for(text)
        assert store.text(doc_id) == text
        assert store.has_document(doc_id_for(good.read_text()))
        if annotator:
            stored = store.spans(doc_id, annotator)
            assert {(s.start, s.end, s.label) for s in stored} == spans
            assert all(text[s.start:s.end] == s.text for s in stored)
            by_id = {s.id: (s.start, s.end, s.label) for s in stored}
            assert {(by_id[r.head], by_id[r.tail], r.label)
                    for r in store.relations(doc_id, annotator)} == rels
            if spans or status == "done":
                assert store.status(doc_id, annotator) == status
        store.close()
