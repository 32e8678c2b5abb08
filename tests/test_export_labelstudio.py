"""Label Studio JSON export and import."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from store.export import labelstudio
from store.export.base import ExportReport
from store.importers import labelstudio as ls_in
from store.importers.registry import FORMATS as IMPORTS
from tests.records import SPANS, TEXT, import_error, record, stream

# The parts of Label Studio's task format (docs: "Label Studio JSON format of annotated
# tasks") that its importer reads: data, and annotations with a result list of regions.
REGION = {
    "type": "object",
    "required": ["id", "from_name", "to_name", "type", "value"],
    "properties": {
        "type": {"const": "labels"},
        "value": {
            "type": "object",
            "required": ["start", "end", "text", "labels"],
            "properties": {
                "start": {"type": "integer"},
                "end": {"type": "integer"},
                "text": {"type": "string"},
                "labels": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
        },
    },
}
RELATION = {
    "type": "object",
    "required": ["from_id", "to_id", "type", "direction", "labels"],
    "properties": {"type": {"const": "relation"}, "direction": {"enum": ["right", "left", "bi"]}},
}
TASKS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["data", "annotations"],
        "properties": {
            "data": {"type": "object", "required": ["text"]},
            "annotations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "result"],
                    "properties": {
                        "id": {"type": "integer"},  # Label Studio keeps it as an integer import_id
                        "result": {
                            "type": "array",
                            "items": {"oneOf": [REGION, RELATION]},
                        },
                    },
                },
            },
        },
    },
}


def sample() -> list[dict[str, Any]]:
    return [
        record("doc-1", TEXT, SPANS, relations=[("s1", "s2", "supports")], title="Doc-1"),
        record("doc-1", TEXT, SPANS[:3], annotator="bob", status="todo", title="Doc-1"),
        record("doc-2", "Short one.", [(0, 5, "claim")], title="Doc-2"),
    ]


def export(records: Iterable[dict[str, Any]], **options: Any) -> tuple[bytes, ExportReport]:
    return stream(labelstudio.write, records, **options)


def test_tasks_group_layers_and_match_label_studio_shape() -> None:
    records = sample()

    def stream() -> Iterator[dict[str, Any]]:
        yield from records

    data, report = export(stream())
    tasks = orjson.loads(data)
    jsonschema.validate(tasks, TASKS)
    assert [t["id"] for t in tasks] == ["doc-1", "doc-2"]
    assert [len(t["annotations"]) for t in tasks] == [2, 1]
    assert [a["id"] for t in tasks for a in t["annotations"]] == [1, 2, 3]
    first = tasks[0]
    assert first["data"]["text"] == TEXT and first["data"]["meta"] == records[0]["meta"]
    regions = [r for r in first["annotations"][0]["result"] if r["type"] == "labels"]
    for region, sp in zip(regions, records[0]["spans"], strict=True):
        value = region["value"]
        assert (region["from_name"], region["to_name"]) == ("label", "text")
        assert TEXT[value["start"] : value["end"]] == value["text"] == sp["text"]
        assert value["labels"] == [sp["label"]] and region["id"] == sp["id"]
    (rel,) = [r for r in first["annotations"][0]["result"] if r["type"] == "relation"]
    assert (rel["from_id"], rel["to_id"], rel["labels"]) == ("s1", "s2", ["supports"])
    assert first["annotations"][1]["newsmark"] == {"annotator": "bob", "status": "todo"}
    assert "completed_by" not in first["annotations"][0]
    assert (report.documents, report.relations) == (3, 1) and not report.lost


def test_emails_fill_completed_by_and_empty_input_is_an_empty_array() -> None:
    data, _ = export(sample(), emails={"alice": "alice@example.org"})
    tasks = orjson.loads(data)
    assert tasks[0]["annotations"][0]["completed_by"] == {"email": "alice@example.org"}
    assert "completed_by" not in tasks[0]["annotations"][1]
    assert orjson.loads(export([])[0]) == []


def test_non_consecutive_layers_are_reported() -> None:
    a, b, c = sample()
    data, report = export([a, c, b])
    assert [t["id"] for t in orjson.loads(data)] == ["doc-1", "doc-2", "doc-1"]
    assert sum(report.lost.values()) == 1


def test_importer_reads_back(tmp_path: Path) -> None:
    records = sample()
    path = tmp_path / "tasks.json"
    path.write_bytes(export(records)[0])
    assert IMPORTS["labelstudio"].detect(path) and not IMPORTS["doccano"].detect(path)
    back = list(IMPORTS["labelstudio"].read(path))
    for got, rec in zip(back, records, strict=True):
        assert {k: got[k] for k in ("id", "text", "meta", "annotator", "status")} == {
            k: rec[k] for k in ("id", "text", "meta", "annotator", "status")
        }
        assert got["spans"] == rec["spans"] and got["relations"] == rec["relations"]


def test_importer_reads_a_label_studio_export(tmp_path: Path) -> None:
    text = "🚀 Ann met Bob"
    task = {
        "id": 12,
        "data": {"text": text, "title": "t"},
        "annotations": [
            {
                "id": 40,
                "completed_by": 3,
                "was_cancelled": False,
                "result": [
                    # Old Label Studio counted UTF-16 units: "Ann" at 3-6 instead of 2-5.
                    {"id": "Xy1", "type": "labels", "from_name": "label", "to_name": "text",
                     "value": {"start": 3, "end": 6, "text": "Ann", "labels": ["PER"]}},
                    {"id": "Xy2", "type": "labels", "from_name": "label", "to_name": "text",
                     "value": {"start": 10, "end": 13, "text": "Bob", "labels": ["PER", "X"]}},
                    {"from_id": "Xy2", "to_id": "Xy1", "type": "relation",
                     "direction": "left", "labels": []},
                    {"id": "c", "type": "choices", "value": {"choices": ["ok"]}},
                ],
            },
            {"id": 41, "completed_by": {"email": "e@x.org"}, "was_cancelled": True, "result": []},
        ],
        "predictions": [{"result": []}],
    }
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps([task]))
    notes: list[str] = []
    first, second = list(ls_in.read(path, notes=notes))
    assert first["id"] == "12" and first["meta"]["title"] == "t"
    assert first["annotator"] == "user-3" and first["status"] == "done"
    assert [(s["id"], s["start"], s["end"], s["label"], s["text"]) for s in first["spans"]] == [
        ("Xy1", 2, 5, "PER", "Ann"),
        ("Xy2", 10, 13, "PER", "Bob"),
        ("Xy2-2", 10, 13, "X", "Bob"),
    ]
    assert first["relations"] == [{"id": "r1", "head": "Xy1", "tail": "Xy2", "label": "related"}]
    assert second["annotator"] == "e@x.org" and second["status"] == "todo"
    # A choices result is a document label; its set is the from_name (here none).
    assert first["doc_labels"] == {"choices": ["ok"]}
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[{\"data\": {\"text\": \"abc\"}", "not JSON"),
        (b'{"a": 1}', "no \"data\" object"),
        (b'[{"data": {"text": "abc"}, "annotations": [{"result": [{"id": "r", "type": "labels",'
         b' "value": {"start": 0, "end": 2, "text": "zz", "labels": ["X"]}}]}]}]',
         "does not match"),
        (b'[{"data": {"text": "abc"}, "annotations": [{"result": [{"id": "r", "type": "labels",'
         b' "value": {"start": 1, "end": 7, "labels": ["X"]}}]}]}]',
         "bad offsets 1-7"),
    ],
)
def test_importer_errors_are_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    error = import_error(ls_in.read, path)
    assert message in error and str(path) in error


def test_deterministic() -> None:
    assert export(sample())[0] == export(sample())[0]
