"""The shapes of what a store keeps and exchanges, and the one rule a span must obey.

Document files are TinyDB databases of three tables whose rows have these shapes
(the on-disk format; see :mod:`store.layout` for where the files are):

* ``spans``: :class:`SpanRow`, one per labelled span of any annotator;
* ``layers``: :class:`LayerRow`, one per annotator with a status or a history;
* ``relations``: :class:`RelationRow`, links between two spans of one layer.

A layer's undo and redo stacks hold :data:`HistoryOp` entries. The catalog holds
one :class:`CatalogRow` per document. Importers and exporters exchange native
records (:data:`Record`, the native JSONL shape described in
:mod:`store.export.base`).

A span is valid when its offsets are ints with ``0 <= start < end <= len(text)``
and, when it says what it covers, ``text[start:end]`` is exactly that:
:func:`span_fault` is that rule, and every check of a span (import, merge,
labelling, validate, the importers) goes through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, NotRequired, TypedDict

from store.errors import InputError

#: Version of the native record shape; readers refuse newer ones.
SCHEMA_VERSION: Final = 1

#: A native record: one document and annotator layer in the native JSONL shape.
Record = dict[str, Any]

#: The annotator of a layer that arrives without a name, everywhere one is needed: a
#: foreign dataset (brat, CoNLL, doccano, Label Studio) that names nobody, a native
#: JSONL line or ``Store.add_documents`` item without ``"annotator"``, a stored row
#: lacking the field, and a record handed to an exporter without one. One name, so a
#: layer imported from one format and exported to another keeps the annotator it had.
IMPORTED_ANNOTATOR: Final = "imported"

#: The annotator name of the adjudicated layer, the one ``export --gold`` writes.
GOLD: Final = "gold"

#: The statuses of an annotator's layer of a document.
STATUSES: Final = ("todo", "done")

Status = Literal["todo", "done"]


class SpanRecord(TypedDict):
    """A span as :meth:`store.model.Span.to_record` writes it (undo entries hold these)."""

    id: str
    start: int
    end: int
    label: str
    text: str
    annotator: str


class SpanRow(SpanRecord):
    """A row of a document's ``spans`` table: the span and when it was made.

    Spans of the ``gold`` layer also say who adjudicated them and how they got
    there (``agreed``: every annotator made it; ``taken``: an annotator's version
    was chosen; ``labelled``: the adjudicator made it with the ordinary keys).
    """

    created: NotRequired[float]
    adjudicator: NotRequired[str]
    decision: NotRequired[str]


class RelationRow(TypedDict):
    """A row of a document's ``relations`` table: a link from ``head`` to ``tail``.

    An attribution is ``content —speaker/claimant→ source``; ``cue`` is the id of
    the span of its cue (the reporting verb, "said"), making the PARC triple.
    """

    id: str
    head: str
    tail: str
    label: str
    annotator: str
    cue: NotRequired[str]


class AddOp(TypedDict):
    """History entry: a span was added (undo deletes it again)."""

    op: Literal["add"]
    span: SpanRecord


class DeleteOp(TypedDict):
    """History entry: a span was deleted (undo brings it back, and its links as they were)."""

    op: Literal["delete"]
    span: SpanRecord
    relations: NotRequired[list[RelationRow]]


class LinkOp(TypedDict):
    """History entry: a link was made (``link``) or removed (``unlink``)."""

    op: Literal["link", "unlink"]
    relation: RelationRow


class DocLabelOp(TypedDict):
    """History entry: document label set ``name`` went from ``old`` to ``new`` choices."""

    op: Literal["doc_label"]
    name: str
    old: list[str]
    new: list[str]


class CueOp(TypedDict):
    """History entry: a link's cue changed from ``old`` to ``new`` (span ids, "" for none);
    ``span`` is the cue span the change made, if it made one."""

    op: Literal["cue"]
    relation: str
    old: str
    new: str
    span: NotRequired[SpanRecord]


class RelabelOp(TypedDict):
    """History entry: a span's label changed from ``old`` to ``new``."""

    op: Literal["relabel"]
    id: str
    old: str
    new: str


class AdjudicateOp(TypedDict):
    """History entry: gold gained ``spans`` and rejected ``rejected`` candidates at once."""

    op: Literal["adjudicate"]
    spans: list[SpanRow]
    rejected: list[list[Any]]
    #: The links gold gained with the spans (from the annotators' layers).
    relations: NotRequired[list[RelationRow]]


HistoryOp = AddOp | DeleteOp | RelabelOp | AdjudicateOp | LinkOp | CueOp | DocLabelOp


class LayerRow(TypedDict):
    """A row of a document's ``layers`` table: one annotator's status and history."""

    annotator: str
    status: str
    undo: list[HistoryOp]
    redo: list[HistoryOp]
    #: Gold only: the candidates ``[start, end, label]`` the adjudicator rejected.
    rejected: NotRequired[list[list[Any]]]
    #: Gold only: the seed strategy gold started from ("all" or "majority").
    seeded: NotRequired[str]
    #: Document labels: label set (``topic``) -> the choices made (``["politics"]``).
    doc_labels: NotRequired[dict[str, list[str]]]


class DocFile(TypedDict, total=False):
    """A document file's data: its three tables, each ``{storage key: row}``."""

    spans: dict[str, SpanRow]
    layers: dict[str, LayerRow]
    relations: dict[str, RelationRow]


class CatalogRow(TypedDict):
    """A row of the catalog's ``documents`` table."""

    id: str
    title: str
    source: str
    sha256: str  # of the original file's bytes
    text_sha256: str  # of the stored (normalised) text
    length: int  # code points
    added: float
    order: int  # import order
    meta: dict[str, Any]


SpanFault = Literal["type", "order", "outside", "text"]

_UNSAID: Final = object()


def span_fault(text: str, start: object, end: object, says: object = _UNSAID) -> SpanFault | None:
    """What is wrong with the span ``start``–``end`` of ``text``; None if it is valid.

    ``"type"``: an offset is not an int; ``"order"``: not ``0 <= start < end``;
    ``"outside"``: ``end`` is past the text; ``"text"``: the span says it covers
    ``says`` but ``text[start:end]`` differs. Callers phrase the message, since
    they know what the span is (an import line, a stored annotation, a key press).
    """
    if (
        not isinstance(start, int)
        or not isinstance(end, int)
        or isinstance(start, bool)
        or isinstance(end, bool)
    ):
        return "type"
    if not 0 <= start < end:
        return "order"
    if end > len(text):
        return "outside"
    if says is not _UNSAID and says != text[start:end]:
        return "text"
    return None


def check_span(text: str, span: Mapping[str, Any], what: str) -> tuple[int, int, str]:
    """(start, end, label) of an imported span, or InputError saying what is wrong with it."""
    try:
        start, end, label = span["start"], span["end"], span["label"]
    except (KeyError, TypeError):
        raise InputError(f"{what} lacks start/end/label; fix the input") from None
    # Nothing is coerced: 4.9 is not 4, True is not 1, "4" is not a number.
    for value in (start, end):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{what}: offset {value!r:.40} is not a whole number; fix the input")
    if not isinstance(label, str) or not label:
        raise InputError(f"{what}: label {label!r:.40} is not a non-empty string; fix the input")
    fault = span_fault(text, start, end, span.get("text", _UNSAID))
    if fault in ("order", "outside"):
        raise InputError(
            f"{what} ({start}–{end}) is outside the text (0–{len(text)}); fix the offsets"
        )
    if fault == "text":
        raise InputError(
            f"{what} says {span['text']!r} but the text at {start}–{end} is "
            f"{text[start:end]!r}; fix the offsets"
        )
    return start, end, label
