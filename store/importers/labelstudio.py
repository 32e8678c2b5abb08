"""Read Label Studio JSON: an array of tasks with text-span annotations.

Each annotation of a task becomes one record (an annotator layer). The annotator is
newsmark's own ``annotation["newsmark"]["annotator"]`` when present, else the
``completed_by`` email or user id Label Studio exports, else ``"imported"``; the status
is newsmark's when present, else ``"done"`` for a submitted annotation and ``"todo"``
for a skipped one. A task without annotations becomes one empty ``"imported"`` layer.

Regions of type ``labels`` become spans (one per label), ``relation`` results become
relations (``direction: "left"`` swaps head and tail), ``choices`` results document
labels (label set = the result's ``from_name``). Other result types (text areas,
ratings, ...) and predictions are skipped with a note. Region offsets are code
points; a region whose ``text`` matches only when its offsets are read as UTF-16 code
units (older Label Studio with emoji) is converted, and ``offsets="utf16"`` reads
every region's offsets as UTF-16.

Label Studio's plain task list (``[{"text": ...}]``, every key a data field) is read
too. The text is the data field ``text``, else ``text_field`` when given, else the
one string field of ``data`` when there is exactly one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from store.errors import InputError
from store.export.doccano import check_offsets_option, codepoint_offsets
from store.importers.registry import as_offset, load_json, make_record, make_span, short
from store.records import IMPORTED_ANNOTATOR, Record, span_fault


def detect(path: Path) -> bool:
    """A .json file holding an array of objects with "data" (or one such object)."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 20).lstrip()  # "data" may follow long annotations
    except OSError:
        return False
    if head.startswith(b"[") and head[1:].lstrip()[:1] in (b"{", b"]"):
        # "text": Label Studio's plain task list, every key a data field.
        return b'"data"' in head or b'"text"' in head or head[1:].lstrip().startswith(b"]")
    return head.startswith(b"{") and b'"data"' in head


def _annotator(ann: dict[str, Any]) -> str:
    ours = ann.get("newsmark")
    if isinstance(ours, dict) and ours.get("annotator") is not None:
        return str(ours["annotator"]) if isinstance(ours["annotator"], str) else ours["annotator"]
    by = ann.get("completed_by")
    if isinstance(by, dict):
        by = by.get("email") or by.get("id")
    if isinstance(by, str) and by:
        return by
    if isinstance(by, int) and not isinstance(by, bool):
        return f"user-{by}"
    return IMPORTED_ANNOTATOR


def _status(ann: dict[str, Any]) -> Any:
    ours = ann.get("newsmark")
    if isinstance(ours, dict) and ours.get("status") is not None:
        return ours["status"]  # as given: a status that is not todo/done is refused
    return "todo" if ann.get("was_cancelled") else "done"


def _region_span(
    text: str, value: dict[str, Any], label: object, where: str, utf16: bool = False
) -> Record:
    start, end, shown = value.get("start"), value.get("end"), value.get("text")
    if isinstance(start, str) or isinstance(end, str):
        raise InputError(f"{where}: not a plain-text region (start/end are not numbers)")
    s, e = as_offset(start, where), as_offset(end, where)
    if utf16:
        back = codepoint_offsets(text)
        cs, ce = back(s), back(e)
        if cs is None or ce is None:
            raise InputError(
                f"{where}: UTF-16 offsets {s}-{e} fall inside a character or past the text; "
                "check --offsets"
            )
        return make_span(text, cs, ce, label, where)
    in_range = span_fault(text, s, e) is None
    if isinstance(shown, str) and span_fault(text, s, e, shown) is not None:
        back = codepoint_offsets(text)
        cs, ce = back(s), back(e)
        if cs is not None and ce is not None and cs < ce and text[cs:ce] == shown:
            return make_span(text, cs, ce, label, where)
        if in_range:
            raise InputError(
                f"{where}: region text {short(shown)} does not match the task text "
                f"{short(text[s:e])} at {s}-{e}"
            )
    return make_span(text, s, e, label, where)


def _layer(
    ann: dict[str, Any],
    text: str,
    where: str,
    notes: list[str] | None,
    utf16: bool = False,
    doc_labels: dict[str, list[str]] | None = None,
) -> tuple[list[Record], list[Record]]:
    result = ann.get("result", [])
    if not isinstance(result, list):
        raise InputError(f"{where}: \"result\" is not a list")
    spans: list[Record] = []
    first_span: dict[str, str] = {}
    relations: list[Record] = []
    pending: list[dict[str, Any]] = []
    skipped = 0
    for item in result:
        if not isinstance(item, dict):
            raise InputError(f"{where}: result item {short(item)} is not an object")
        kind = item.get("type")
        if kind == "relation":
            pending.append(item)
            continue
        if kind == "choices" and doc_labels is not None:
            value = item.get("value")
            choices = value.get("choices") if isinstance(value, dict) else None
            name = item.get("from_name") or "choices"
            if not isinstance(choices, list):
                raise InputError(f"{where}: choices {short(item.get('id'))} has no choices list")
            # As given: the import's gate refuses a choice that is not a name.
            doc_labels.setdefault(str(name), []).extend(
                c for c in choices if c not in doc_labels.get(str(name), [])
            )
            continue
        if kind != "labels":
            skipped += 1
            continue
        value = item.get("value")
        if not isinstance(value, dict):
            raise InputError(f"{where}: region {short(item.get('id'))} has no value")
        labels = value.get("labels")
        if not isinstance(labels, list) or not labels:
            raise InputError(f"{where}: region {short(item.get('id'))} has no labels")
        rid = str(item.get("id") or f"region{len(spans) + 1}")
        region_where = f"{where} region {rid}"
        for k, label in enumerate(labels):
            span = _region_span(text, value, label, region_where, utf16)
            span["id"] = rid if k == 0 else f"{rid}-{k + 1}"
            spans.append(span)
            first_span.setdefault(rid, span["id"])
    for item in pending:
        head, tail = str(item.get("from_id")), str(item.get("to_id"))
        if head not in first_span or tail not in first_span:
            raise InputError(f"{where}: relation {head}->{tail} names no labelled region")
        if item.get("direction") == "left":
            head, tail = tail, head
        labels = item.get("labels") or ["related"]
        for k, label in enumerate(labels):
            rel_id = item.get("id")
            relations.append(
                {
                    "id": None if rel_id is None else (rel_id if k == 0 else f"{rel_id}-{k + 1}"),
                    "head": first_span[head],
                    "tail": first_span[tail],
                    "label": label,
                }
            )
    if skipped and notes is not None:
        notes.append(f"{where}: skipped {skipped} results that are not text labels or relations")
    return spans, relations


def _text(payload: dict[str, Any], field: str | None, where: str) -> tuple[str, str]:
    """The task's text and the name of its field."""
    if field is not None:
        value = payload.get(field)
        if not isinstance(value, str):
            raise InputError(f"{where}: no data.{field} string; check --text-field")
        return value, field
    if isinstance(payload.get("text"), str):
        return payload["text"], "text"
    strings = [k for k, v in payload.items() if isinstance(v, str) and k != "doc_id"]
    if len(strings) == 1:
        return payload[strings[0]], strings[0]
    fields = ", ".join(sorted(map(str, payload))[:8]) or "none"
    raise InputError(
        f"{where}: no data.text string and not one string field to take (fields: "
        f"{short(fields, 60)}); give --text-field NAME"
    )


def read(
    path: Path,
    *,
    notes: list[str] | None = None,
    offsets: str = "codepoints",
    text_field: str | None = None,
) -> Iterator[Record]:
    """Yield one native record per annotation of every task in a Label Studio JSON file."""
    path = Path(path)
    utf16 = check_offsets_option(offsets) == "utf16"
    data = load_json(path)
    tasks = [data] if isinstance(data, dict) else data
    if not isinstance(tasks, list):
        raise InputError(f"{path}: not a Label Studio task array")
    for i, task in enumerate(tasks):
        where = f"{path} task {i + 1}"
        if not isinstance(task, dict):
            raise InputError(f"{where}: not an object")
        payload = task.get("data")
        if payload is None and any(isinstance(v, str) for v in task.values()):
            # The plain task list: the task is its data.
            payload = task
        if not isinstance(payload, dict):
            raise InputError(f"{where}: no \"data\" object")
        text, field = _text(payload, text_field, where)
        if payload.get("doc_id") is not None:
            doc_id = str(payload["doc_id"])
        elif task.get("id") is not None:
            doc_id = str(task["id"])
        else:
            doc_id = f"{path.stem}-{i + 1}"
        raw_meta = payload.get("meta")
        meta: dict[str, Any] = dict(raw_meta) if isinstance(raw_meta, dict) else {}
        for key, value in payload.items():
            if key not in (field, "meta", "doc_id"):
                meta.setdefault(key, value)
        annotations = task.get("annotations") or task.get("completions") or []
        if not isinstance(annotations, list):
            raise InputError(f"{where}: \"annotations\" is not a list")
        if task.get("predictions") and notes is not None:
            notes.append(f"{where}: predictions skipped (only annotations are imported)")
        if not annotations:
            yield make_record(doc_id=doc_id, text=text, spans=[], meta=meta, source=path.name)
            continue
        names: dict[str, int] = {}
        for j, ann in enumerate(annotations):
            ann_where = f"{where} annotation {j + 1}"
            if not isinstance(ann, dict):
                raise InputError(f"{ann_where}: not an object")
            doc_labels: dict[str, list[str]] = {}
            spans, relations = _layer(ann, text, ann_where, notes, utf16, doc_labels)
            annotator = _annotator(ann)
            names[annotator] = names.get(annotator, 0) + 1
            if names[annotator] > 1:
                annotator = f"{annotator}-{names[annotator]}"
            rec = make_record(
                doc_id=doc_id,
                text=text,
                spans=spans,
                relations=relations,
                meta=meta,
                annotator=annotator,
                status=_status(ann),
                source=path.name,
            )
            if doc_labels:
                rec["doc_labels"] = doc_labels
            yield rec
