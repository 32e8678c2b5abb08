"""Links (with and without a cue) through every format that holds them, and back.

Two annotators link the same document with colliding ids; brat output is read
by pybrat (brat's standoff semantics, events included), Label Studio's by its
relation result shape, doccano's relation shape by newsmark's doccano reader,
and the attribution CSV by the csv module.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from store.export import attribution, brat, doccano, labelstudio
from store.export.base import ExportReport
from store.importers.registry import FORMATS as IMPORTS
from store.store import Store

TEXT = 'Akar said on Thursday: "We will not retreat." Austin urged calm.\n'
AKAR, SAID = (0, 4), (5, 9)
QUOTE = (TEXT.index('"'), TEXT.index('."') + 2)
AUSTIN, URGED = (TEXT.index("Austin"), TEXT.index("Austin") + 6), (
    TEXT.index("urged"), TEXT.index("urged") + 5)  # fmt: skip
CLAIM = (TEXT.index("calm"), TEXT.index("calm") + 4)


def layer(who: str, with_cue: bool) -> dict[str, Any]:
    """A layer whose span ids (T1…) and link ids (R1…) collide with the other's."""
    spans = [
        ("T1", *AKAR, "actor"), ("T2", *QUOTE, "quote"), ("T3", *AUSTIN, "actor"),
        ("T4", *CLAIM, "claim"), ("T5", *SAID, "cue"),
    ]  # fmt: skip
    rels: list[dict[str, Any]] = [
        {"id": "R1", "head": "T2", "tail": "T1", "label": "speaker"},
        {"id": "R2", "head": "T4", "tail": "T3", "label": "claimant"},
    ]
    if with_cue:
        rels[0]["cue"] = "T5"
    return {
        "id": "d1", "text": TEXT, "annotator": who, "status": "done",
        "meta": {"title": "t", "source": "s", "sha256": "ab" * 32},
        "spans": [{"id": i, "start": s, "end": e, "label": lab, "text": TEXT[s:e]}
                  for i, s, e, lab in spans],
        "relations": rels, "schema_version": 1,
    }  # fmt: skip


def links_of(rec: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    by_id = {s["id"]: s["text"] for s in rec["spans"]}
    return sorted(
        (by_id[r["head"]], r["label"], by_id[r["tail"]], by_id.get(r.get("cue") or "", ""))
        for r in rec["relations"]
    )


def records(tmp_path: Path) -> list[dict[str, Any]]:
    """Both layers merged into one store and exported back (ids renamed apart)."""
    store = Store.open(tmp_path / "store", create=True)
    store.add_documents([layer("alice", True)])
    store.add_documents([layer("bob", False)])
    out = list(store.records())
    assert [r["annotator"] for r in out] == ["alice", "bob"]
    return out


EXPECTED = {
    "alice": sorted([("calm", "claimant", "Austin", ""),
                     ('"We will not retreat."', "speaker", "Akar", "said")]),
    "bob": sorted([("calm", "claimant", "Austin", ""),
                   ('"We will not retreat."', "speaker", "Akar", "")]),
}  # fmt: skip


def test_merged_layers_keep_their_own_links_and_cues(tmp_path: Path) -> None:
    for rec in records(tmp_path):
        assert links_of(rec) == EXPECTED[rec["annotator"]]


def test_brat_writes_R_lines_and_an_event_for_a_link_with_a_cue(tmp_path: Path) -> None:
    pybrat = pytest.importorskip("pybrat.parser")
    out = tmp_path / "brat"
    report = ExportReport()
    brat.write(iter(records(tmp_path)), out, report)
    assert not report.lost.get("relations whose span could not be written to brat")
    alice = next((out / "alice").glob("*.ann")).read_text(encoding="utf-8")
    assert "E1\tcue:T" in alice and " Content:T" in alice and " speaker:T" in alice
    assert "\tspeaker " not in alice  # the cue link is an event, not also an R line
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert "cue\tContent:<ENTITY>, speaker?:<ENTITY>" in conf
    (example,) = pybrat.BratParser(error="ignore").parse(str(out / "alice"))
    (event,) = example.events
    assert event.trigger.mention == "said"
    # pybrat keeps the arguments (content, then source), not their role names.
    assert [a.mention for a in event.arguments] == ['"We will not retreat."', "Akar"]
    assert {(r.type, r.arg1.mention, r.arg2.mention) for r in example.relations} == {
        ("claimant", "calm", "Austin")
    }
    # newsmark reads its own brat back: the event is the link with its cue again.
    back = list(IMPORTS["brat"].read(out))
    for rec in back:
        assert links_of(rec) == EXPECTED[rec["annotator"]]


def test_label_studio_relations_join_the_regions_and_say_the_cue_is_lost(
    tmp_path: Path,
) -> None:
    buf = io.BytesIO()
    report = ExportReport()
    labelstudio.write(iter(records(tmp_path)), buf, report)
    (task,) = orjson.loads(buf.getvalue())
    for ann in task["annotations"]:
        regions = {r["id"]: r for r in ann["result"] if r["type"] == "labels"}
        rels = [r for r in ann["result"] if r["type"] == "relation"]
        shown = sorted(
            (regions[r["from_id"]]["value"]["text"], r["labels"][0],
             regions[r["to_id"]]["value"]["text"])
            for r in rels
        )  # fmt: skip
        assert shown == sorted([("calm", "claimant", "Austin"),
                                ('"We will not retreat."', "speaker", "Akar")])  # fmt: skip
    assert report.lost["link cues not representable in Label Studio (kept as cue labels)"] == 1
    path = tmp_path / "ls.json"
    path.write_bytes(buf.getvalue())
    back = {r["annotator"]: r for r in IMPORTS["labelstudio"].read(path)}
    assert [lk[:3] for lk in links_of(back["bob"])] == [lk[:3] for lk in EXPECTED["bob"]]


def test_doccano_relation_shape_keeps_the_links(tmp_path: Path) -> None:
    buf = io.BytesIO()
    report = ExportReport()
    doccano.write(iter(records(tmp_path)), buf, report, relations=True)
    lines = [orjson.loads(line) for line in buf.getvalue().splitlines()]
    assert all("entities" in ln and "label" not in ln for ln in lines)
    ents = {e["id"]: e for e in lines[1]["entities"]}
    assert {(ents[r["from_id"]]["label"], r["type"], ents[r["to_id"]]["label"])
            for r in lines[1]["relations"]} == {("quote", "speaker", "actor"),
                                                ("claim", "claimant", "actor")}  # fmt: skip
    path = tmp_path / "d.jsonl"
    path.write_bytes(buf.getvalue())
    back = list(IMPORTS["doccano"].read(path))
    assert [links_of(r) for r in back][1] == EXPECTED["bob"]
    # Without --relations the label shape says what it cannot hold.
    plain = ExportReport()
    doccano.write(iter(records(tmp_path / "again")), io.BytesIO(), plain)
    assert sum(n for why, n in plain.lost.items() if why.startswith("relations")) == 4


def test_attribution_csv_has_one_row_per_link_with_source_cue_and_content(
    tmp_path: Path,
) -> None:
    buf = io.BytesIO()
    report = ExportReport()
    attribution.write(iter(records(tmp_path)), buf, report)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"))))
    assert report.relations == len(rows) == 4
    alice = [r for r in rows if r["annotator"] == "alice"]
    speaker = next(r for r in alice if r["relation"] == "speaker")
    assert (speaker["source_text"], speaker["cue_text"], speaker["content_text"]) == (
        "Akar", "said", '"We will not retreat."'
    )
    for r in rows:
        for part in ("source", "content"):
            s, e = int(r[f"{part}_start"]), int(r[f"{part}_end"])
            assert TEXT[s:e] == r[f"{part}_text"]
        if r["cue_text"]:
            assert TEXT[int(r["cue_start"]) : int(r["cue_end"])] == r["cue_text"]
