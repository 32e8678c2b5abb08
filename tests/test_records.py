"""The one span rule (store.records.span_fault) and the import-facing check built on it."""

from __future__ import annotations

import pytest

from store.errors import InputError
from store.records import check_span, span_fault

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
    # Numbers given as strings are read as numbers, as imports always did.
    assert check_span(TEXT, {"start": "0", "end": "6", "label": "actor"}, "x")[:2] == (0, 6)
    with pytest.raises(InputError, match=r"^span #2 lacks start/end/label; fix the input$"):
        check_span(TEXT, {"start": 0, "label": "actor"}, "span #2")
    with pytest.raises(InputError, match=r"^span #3 \(6–6\) is outside the text \(0–29\)"):
        check_span(TEXT, {"start": 6, "end": 6, "label": "actor"}, "span #3")
    with pytest.raises(InputError, match=r"^span #4 says 'Akar' but the text at 0–6 is 'Hulusi'"):
        check_span(TEXT, {"start": 0, "end": 6, "label": "actor", "text": "Akar"}, "span #4")
