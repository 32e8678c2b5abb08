"""The one span rule (store.records.span_fault) and the import-facing check built on it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from store.errors import InputError
from store.records import IMPORTED_ANNOTATOR, check_span, span_fault

TEXT = "Hulusi Akar met Lloyd Austin."


@pytest.mark.parametrize(
    ("start", "end", "says", "fault"),
    [
        (0, 6, "Hulusi", None),
        (0, 6, None, None),
        (0, len(TEXT), TEXT, None),
        ("0", 6, None, "type"),
        (0, 6.0, None, "type"),
        (-1, 6, None, "order"),
        (6, 6, None, "order"),
        (7, 6, None, "order"),
        (0, len(TEXT) + 1, None, "outside"),
        (0, 6, "Hulusi ", "text"),
        (0, 6, "hulusi", "text"),
    ],
)
def test_span_fault_names_what_is_wrong(
    start: object, end: object, says: str | None, fault: str | None
) -> None:
    if says is None:
        assert span_fault(TEXT, start, end) == fault
    else:
        assert span_fault(TEXT, start, end, says) == fault


def test_check_span_returns_offsets_and_label_or_one_line_errors() -> None:
    assert check_span(TEXT, {"start": 0, "end": 6, "label": "actor"}, "span #1") == (
        0,
        6,
        "actor",
    )
    # Nothing is coerced: strings, floats and bools are not offsets, "" is not a label.
    for bad in ("0", 0.0, False):
        with pytest.raises(InputError, match=r"^x: offset .* is not a whole number"):
            check_span(TEXT, {"start": bad, "end": 6, "label": "actor"}, "x")
    with pytest.raises(InputError, match=r"^x: label '' is not a non-empty string"):
        check_span(TEXT, {"start": 0, "end": 6, "label": ""}, "x")
    with pytest.raises(InputError, match=r"^span #2 lacks start/end/label; fix the input$"):
        check_span(TEXT, {"start": 0, "label": "actor"}, "span #2")
    with pytest.raises(InputError, match=r"^span #3 \(6–6\) is outside the text \(0–29\)"):
        check_span(TEXT, {"start": 6, "end": 6, "label": "actor"}, "span #3")
    with pytest.raises(InputError, match=r"^span #4 says 'Akar' but the text at 0–6 is 'Hulusi'"):
        check_span(TEXT, {"start": 0, "end": 6, "label": "actor", "text": "Akar"}, "span #4")


def test_nameless_layers_of_any_format_land_in_one_imported_layer(tmp_path: Path) -> None:
    import orjson

    from store.export import doccano
    from store.export.base import ExportReport
    from store.importing import import_paths
    from store.store import Store

    native = tmp_path / "native.jsonl"
    native.write_bytes(
        orjson.dumps({"text": TEXT, "spans": [{"start": 0, "end": 6, "label": "actor"}]}) + b"\n"
    )
    foreign = tmp_path / "doccano.jsonl"
    foreign.write_bytes(orjson.dumps({"text": TEXT, "label": [[16, 28, "actor"]]}) + b"\n")
    store = Store.open(tmp_path / "store")
    import_paths(store, [native, foreign])
    [doc] = store.documents()
    assert store.annotators(doc.id) == [IMPORTED_ANNOTATOR]
    assert [s.text for s in store.spans(doc.id, IMPORTED_ANNOTATOR)] == ["Hulusi", "Lloyd Austin"]
    # An exporter handed a record without an annotator names it the same way.
    [rec] = list(store.records())
    del rec["annotator"]
    out = io.BytesIO()
    doccano.write([rec], out, ExportReport())
    assert orjson.loads(out.getvalue())["annotator"] == IMPORTED_ANNOTATOR
