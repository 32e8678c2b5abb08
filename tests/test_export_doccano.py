"""doccano JSONL export and import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from store.errors import InputError
from store.export import doccano
from store.export.base import ExportReport
from store.export.doccano import RELATIONS_LOST as DOCCANO_RELATIONS_LOST
from store.importers import doccano as doccano_in
from store.importers.registry import FORMATS as IMPORTS
from tests.records import SPANS, TEXT, import_error, record, spans_of, stream

# doccano's documented sequence-labelling import line: text plus [start, end, label] triples.
DOCCANO_LINE = {
    "type": "object",
    "required": ["text", "label"],
    "properties": {
        "text": {"type": "string"},
        "label": {
            "type": "array",
            "items": {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "integer"}, {"type": "string"}],
                "minItems": 3,
                "maxItems": 3,
            },
        },
    },
}


def sample() -> list[dict[str, Any]]:
    return [
        record("doc-1", TEXT, SPANS, relations=[("s1", "s2", "supports")], title="Doc-1"),
        record("doc-1", TEXT, SPANS[:3], annotator="bob", title="Doc-1"),
        record("doc-2", "Short one.", [(0, 5, "claim")], title="Doc-2"),
    ]


def export(records: list[dict[str, Any]], **options: Any) -> tuple[bytes, ExportReport]:
    return stream(doccano.write, records, **options)


def test_lines_match_doccano_import_shape_and_offsets() -> None:
    records = sample()
    data, report = export(records)
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == len(records)
    for line, rec in zip(lines, records, strict=True):
        obj = orjson.loads(line)
        jsonschema.validate(obj, DOCCANO_LINE)
        assert obj["id"] == rec["id"] and obj["text"] == rec["text"]
        assert obj["meta"] == rec["meta"] and obj["annotator"] == rec["annotator"]
        assert [(s, e, lab, obj["text"][s:e]) for s, e, lab in obj["label"]] == [
            (sp["start"], sp["end"], sp["label"], sp["text"]) for sp in rec["spans"]
        ]
    assert report.documents == 3
    assert report.spans == sum(len(r["spans"]) for r in records)
    assert report.lost == {DOCCANO_RELATIONS_LOST: 1}


def test_utf16_offsets_for_doccano_ui(tmp_path: Path) -> None:
    records = sample()
    data, _ = export(records, offsets="utf16")
    first = orjson.loads(data.splitlines()[0])
    units = first["text"].encode("utf-16-le")
    for (s, e, _label), sp in zip(first["label"], records[0]["spans"], strict=True):
        assert units[2 * s : 2 * e].decode("utf-16-le") == sp["text"]
    assert first["label"] != [[sp["start"], sp["end"], sp["label"]] for sp in records[0]["spans"]]
    path = tmp_path / "ui.jsonl"
    path.write_bytes(data)
    back = list(doccano_in.read(path, offsets="utf16"))
    assert [r["spans"] for r in back] == [
        [{**sp, "id": f"s{i}"} for i, sp in enumerate(r["spans"], 1)] for r in records
    ]


def test_importer_reads_back_and_detects(tmp_path: Path) -> None:
    records = sample()
    path = tmp_path / "out.jsonl"
    path.write_bytes(export(records)[0])
    assert IMPORTS["doccano"].detect(path)
    assert not IMPORTS["labelstudio"].detect(path)
    back = list(IMPORTS["doccano"].read(path))
    for got, rec in zip(back, records, strict=True):
        assert got["id"] == rec["id"] and got["text"] == rec["text"]
        assert got["annotator"] == rec["annotator"] and got["status"] == "done"
        assert got["meta"] == rec["meta"]
        assert spans_of(got) == spans_of(rec)
        assert got["relations"] == []


def test_importer_reads_doccano_relation_export(tmp_path: Path) -> None:
    line = {
        "id": 7,
        "text": "Ann met Bob.",
        "entities": [
            {"id": 1, "label": "PER", "start_offset": 0, "end_offset": 3},
            {"id": 2, "label": "PER", "start_offset": 8, "end_offset": 11},
        ],
        "relations": [{"id": 3, "from_id": 1, "to_id": 2, "type": "met"}],
    }
    path = tmp_path / "rel.jsonl"
    path.write_bytes(orjson.dumps(line) + b"\n")
    (rec,) = list(doccano_in.read(path))
    assert [(s["id"], s["text"]) for s in rec["spans"]] == [("1", "Ann"), ("2", "Bob")]
    assert rec["relations"] == [{"id": "3", "head": "1", "tail": "2", "label": "met"}]
    assert rec["annotator"] == "imported" and rec["status"] == "todo"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": "abc", "label": [[0, 9, "X"]]}\n', "bad offsets 0-9"),
        (b'{"text": "abc", "label": [[2, 1, "X"]]}\n', "bad offsets 2-1"),
        (b'{"text": "abc", "label": [[0, 1]]}\n', "is not [start, end, label]"),
        (b'{"text": "abc", "label": [[0, 1, "X"]]}\n{oops\n', "bad.jsonl:2: not JSON"),
        (b'{"text": "abc", "spans": []}\n', "native JSONL"),
    ],
)
def test_importer_errors_are_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    error = import_error(doccano_in.read, path)
    assert message in error and str(path) in error


def test_native_jsonl_is_not_detected_as_doccano(tmp_path: Path) -> None:
    path = tmp_path / "native.jsonl"
    path.write_bytes(orjson.dumps(sample()[0]) + b"\n")
    assert not doccano_in.detect(path)


def test_deterministic_and_streams_with_unknown_option_refused() -> None:
    assert export(sample())[0] == export(sample())[0]
    with pytest.raises(InputError, match="no option 'lang'"):
        export(sample(), lang="en")
