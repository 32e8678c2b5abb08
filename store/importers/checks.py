"""What every imported record must be before anything is written: the one gate of import.

Every importer (plain text, HTML, native JSONL, doccano, Label Studio, brat, CoNLL)
hands its records to :func:`check_item`, so one rule holds whatever the format: a
record is refused, with a one-line message naming where it came from, the problem
and what to do, unless

* its text is a non-blank string without NUL or terminal escape characters
  (:func:`text_fault`, the rule ``.txt`` files obey too);
* every span is an object with integer offsets (not bools, floats or strings)
  inside the text, a non-empty one-line label, its ``text`` (when given) equal to
  ``text[start:end]`` and an id (when given) used by no other span of the record;
* every relation is an object with ``head``, ``tail`` (and a ``cue``, if any) naming
  spans of the same record and a non-empty one-line ``label``;
* the status is ``"todo"`` or ``"done"`` and the annotator a printable name.

Nothing is coerced: ``4.9`` is not read as ``4``, ``"finished"`` is not read as
``"todo"``. A dataset that breaks a rule is fixed at its source, not guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from store.errors import InputError
from store.records import IMPORTED_ANNOTATOR, STATUSES, span_fault

#: Characters that start a terminal escape sequence (ESC, and CSI of C1 controls):
#: a text carrying one could restyle or rewrite the terminal of whoever reads it.
ESCAPES: Final = ("\x1b", "\x9b")
ANNOTATOR_MAX: Final = 64  # as `--annotator` allows
_SCAN: Final = 65536  # the part of a text the binary test samples
_CONTROLS: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_fault(text: str) -> str | None:
    """Why ``text`` is not article text (a phrase to put after the file name), or None.

    NUL means binary; an escape character could drive the reader's terminal; many
    other control characters mean a binary file decoded as text. A few stray ones
    (a form feed, a BEL in an old wire story) are kept, shown visibly by the reader.
    """
    if "\x00" in text:
        return "contains NUL characters, so it is binary, not text; remove them"
    for ch in ESCAPES:
        if ch in text:
            at = text.index(ch)
            return (
                f"contains a terminal escape character (U+{ord(ch):04X} at {at}); "
                "remove it and import again"
            )
    head = text[:_SCAN]
    # A regex over the control characters (category Cc but tab and line breaks), not
    # unicodedata per character: 40× faster, and every imported text goes through it.
    controls = len(_CONTROLS.findall(head))
    if controls > max(8, len(head) // 100):
        return f"looks binary ({controls} control characters); give a text file"
    return None


def check_text(text: object, where: str) -> str:
    """The text of a record, or InputError naming what is wrong with it."""
    if not isinstance(text, str):
        raise InputError(f'{where}: "text" is {_short(text)}, not a string; give the text')
    if not text.strip():
        raise InputError(f"{where}: the text is empty; remove the record or give it text")
    fault = text_fault(text)
    if fault is not None:
        raise InputError(f"{where}: the text {fault}")
    return text


def _name_fault(value: object) -> str | None:
    """Why ``value`` cannot be a label or relation label (shown on one line), or None."""
    if not isinstance(value, str) or not value.strip():
        return "is not a non-empty string"
    if not value.isprintable():
        return "has control characters or line breaks"
    return None


def check_annotator(value: object, where: str) -> None:
    """An imported annotator name: printable, one line, 1–64 characters (as --annotator)."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or not value.isprintable()
        or len(value) > ANNOTATOR_MAX
    ):
        raise InputError(
            f"{where}: annotator {_short(value)} is not a name of 1–{ANNOTATOR_MAX} printable "
            "characters; fix the annotator"
        )


def check_status(value: object, where: str) -> None:
    if value not in STATUSES:
        raise InputError(
            f"{where}: status {_short(value)} is not one of {', '.join(STATUSES)}; fix the status"
        )


def _ident(value: object) -> str | None:
    """A span or relation id as stored (a string), or None when it is not a usable id."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if text and text.isprintable() else None


def check_spans(text: str, spans: object, where: str) -> set[str]:
    """Check every span of a record; returns the ids they give (for the relations)."""
    if not isinstance(spans, list):
        raise InputError(f'{where}: "spans" is {_short(spans)}, not a list; fix the record')
    ids: set[str] = set()
    for i, span in enumerate(spans, 1):
        what = f"{where}: span #{i}"
        if not isinstance(span, Mapping):
            raise InputError(f"{what} is {_short(span)}, not an object; fix the span")
        for key in ("start", "end", "label"):
            if key not in span:
                raise InputError(f'{what} has no "{key}"; give start, end and label')
        start, end = span["start"], span["end"]
        for key, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(
                    f"{what}: {key} {_short(value)} is not a whole number; give integer "
                    "code-point offsets"
                )
        says = span.get("text")
        if "text" in span and not isinstance(says, str):
            raise InputError(f'{what}: "text" is {_short(says)}, not a string; fix the span')
        fault = span_fault(text, start, end, says) if "text" in span else span_fault(
            text, start, end
        )
        if fault in ("order", "outside"):
            raise InputError(
                f"{what} ({start}–{end}) is outside the text (0–{len(text)}) or empty; fix "
                "the offsets"
            )
        if fault == "text":
            raise InputError(
                f"{what} says {_short(says)} but the text at {start}–{end} is "
                f"{_short(text[start:end])}; fix the offsets"
            )
        label_fault = _name_fault(span["label"])
        if label_fault is not None:
            raise InputError(f"{what}: label {_short(span['label'])} {label_fault}; fix the label")
        if span.get("id") not in (None, ""):
            sid = _ident(span["id"])
            if sid is None:
                raise InputError(
                    f"{what}: id {_short(span['id'])} is not a string or number; fix the id"
                )
            if sid in ids:
                raise InputError(f"{what}: id {sid!r} is used by another span; make ids unique")
            ids.add(sid)
    return ids


def check_relations(relations: object, span_ids: set[str], where: str) -> None:
    """Check every relation of a record: head and tail name spans of that same record."""
    if not isinstance(relations, list):
        raise InputError(
            f'{where}: "relations" is {_short(relations)}, not a list; fix the record'
        )
    for i, rel in enumerate(relations, 1):
        what = f"{where}: relation #{i}"
        if not isinstance(rel, Mapping):
            raise InputError(f"{what} is {_short(rel)}, not an object; give head, tail, label")
        if rel.get("id") not in (None, "") and _ident(rel["id"]) is None:
            raise InputError(f"{what}: id {_short(rel['id'])} is not a string or number")
        for key in ("head", "tail"):
            if key not in rel:
                raise InputError(f'{what} has no "{key}"; give head, tail and label')
            end_id = _ident(rel[key])
            if end_id is None:
                raise InputError(
                    f"{what}: {key} {_short(rel[key])} is not a span id; fix the relation"
                )
            if end_id not in span_ids:
                raise InputError(
                    f"{what}: {key} {end_id!r} names no span of this record; fix or drop "
                    "the relation"
                )
        if rel.get("cue") not in (None, ""):
            cue = _ident(rel["cue"])
            if cue is None or cue not in span_ids:
                raise InputError(
                    f"{what}: cue {_short(rel['cue'])} names no span of this record; fix or "
                    "drop the cue"
                )
        if "label" not in rel:
            raise InputError(f'{what} has no "label"; give head, tail and label')
        label_fault = _name_fault(rel["label"])
        if label_fault is not None:
            raise InputError(f"{what}: label {_short(rel['label'])} {label_fault}; fix the label")


def check_doc_labels(value: object, where: str) -> None:
    """Document labels: an object of label set -> a list of choices, all one-line names."""
    if not isinstance(value, Mapping):
        raise InputError(f'{where}: "doc_labels" is {_short(value)}, not an object; fix it')
    for name, choices in value.items():
        fault = _name_fault(name)
        if fault is not None:
            raise InputError(f"{where}: document label set {_short(name)} {fault}; fix it")
        if not isinstance(choices, list):
            raise InputError(
                f"{where}: document labels of {name!r} are {_short(choices)}, not a list"
            )
        for choice in choices:
            fault = _name_fault(choice)
            if fault is not None:
                raise InputError(f"{where}: {name} label {_short(choice)} {fault}; fix it")


def check_item(item: Mapping[str, Any], where: str) -> None:
    """Refuse an import item (text, spans, relations, status, annotator, meta) unless all good."""
    text = check_text(item.get("text"), where)
    for key in ("title", "source", "sha256"):
        if not isinstance(item.get(key, ""), str):
            raise InputError(f"{where}: {key} {_short(item[key])} is not a string; fix the meta")
    if not isinstance(item.get("meta", {}), Mapping):
        raise InputError(f'{where}: "meta" is {_short(item["meta"])}, not an object')
    check_annotator(item.get("annotator", IMPORTED_ANNOTATOR), where)
    check_status(item.get("status", "todo"), where)
    ids = check_spans(text, item.get("spans", []), where)
    check_relations(item.get("relations", []), ids, where)
    check_doc_labels(item.get("doc_labels", {}), where)
