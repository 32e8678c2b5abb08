"""Every foreign format newsmark can import, by name, and what their readers share.

A reader turns a file (or a brat folder) into native records, one per document and
annotator layer, with exact span texts; anything unusable raises
:class:`~store.errors.InputError` with a one-line message naming the file and the
problem. Readers take an optional ``notes: list[str]`` keyword where they append
one-line remarks about changes they made (brat fragments joined into one span,
annotation kinds skipped).

The format modules are imported when first used, so this module (and the helpers
they import from it) loads without them.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from store.errors import InputError
from store.records import IMPORTED_ANNOTATOR, SCHEMA_VERSION, Record, span_fault


@dataclass(frozen=True)
class ImportFormat:
    name: str
    detect: Callable[[Path], bool]
    read: Callable[[Path], Iterator[Record]]


# --- helpers shared by the readers -------------------------------------------------


def short(value: object, limit: int = 40) -> str:
    """A one-line repr of a value for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_text(path: Path) -> str:
    """A file's text, exactly (no newline translation), or a one-line InputError."""
    with open_binary(path) as fh:
        try:
            raw = fh.read()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def open_binary(path: Path) -> BinaryIO:
    """A file opened for streaming, or the same one-line InputError ``read_text`` gives."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def link_escapes(link: Path, root: Path) -> str | None:
    """Why the symlink ``link`` inside the folder ``root`` must not be followed, or None."""
    target = Path(os.path.realpath(link))
    if not target.exists():
        return f"{link}: broken symbolic link; skipped"
    if not target.is_relative_to(root):
        return (
            f"{link}: symbolic link to {target}, outside {root}; skipped (give "
            "--follow-symlinks to import it)"
        )
    return None


def load_json(path: Path) -> Any:
    try:
        return orjson.loads(read_text(path))
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None


def as_offset(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}: offset {short(value)} is not a whole number")
    return value


def make_span(text: str, start: object, end: object, label: object, where: str) -> Record:
    """A native span dict (id filled later), checking the offsets against ``text``."""
    s, e = as_offset(start, where), as_offset(end, where)
    if span_fault(text, s, e) is not None:
        raise InputError(
            f"{where}: bad offsets {s}-{e} for a text of {len(text)} characters"
        )
    if not isinstance(label, str) or not label:
        raise InputError(f"{where}: label {short(label)} is not a non-empty string")
    return {"id": None, "start": s, "end": e, "label": label, "text": text[s:e]}


def make_record(
    *,
    doc_id: str,
    text: str,
    spans: Sequence[Record],
    relations: Sequence[Record] = (),
    meta: dict[str, Any] | None = None,
    annotator: str = IMPORTED_ANNOTATOR,
    status: str = "todo",
    source: str = "",
) -> Record:
    """A native record: spans sorted (start, end, label) with unique ids, meta filled in."""
    full_meta: dict[str, Any] = dict(meta or {})
    full_meta.setdefault("title", doc_id)
    full_meta.setdefault("source", source)
    full_meta.setdefault("sha256", hashlib.sha256(text.encode("utf-8")).hexdigest())
    ordered = sorted(spans, key=lambda sp: (sp["start"], sp["end"], sp["label"]))
    used = {str(sp["id"]) for sp in ordered if sp.get("id") is not None}
    out_spans: list[Record] = []
    counter = 0
    for sp in ordered:
        sid = sp.get("id")
        if sid is None:
            counter += 1
            while f"s{counter}" in used:
                counter += 1
            sid = f"s{counter}"
            used.add(sid)
        out_spans.append(
            {
                "id": str(sid),
                "start": sp["start"],
                "end": sp["end"],
                "label": sp["label"],
                "text": sp["text"],
            }
        )
    # Relations and the status are passed on as given, not coerced (str(4.9), a bad
    # status read as "todo"): the import's one gate (store.importers.checks) refuses
    # what is wrong with a line that names the record.
    out_relations = [
        {
            "id": _relation_id(rel.get("id"), i),
            "head": rel.get("head"),
            "tail": rel.get("tail"),
            "label": rel.get("label"),
            **({"cue": rel["cue"]} if rel.get("cue") not in (None, "") else {}),
        }
        if isinstance(rel, dict)
        else rel
        for i, rel in enumerate(relations, 1)
    ]
    return {
        "id": doc_id,
        "text": text,
        "meta": full_meta,
        "annotator": annotator,
        "status": status,
        "spans": out_spans,
        "relations": out_relations,
        "schema_version": SCHEMA_VERSION,
    }


def _relation_id(value: object, i: int) -> object:
    """A relation's id as a string; a value that is no id is kept for the gate to refuse."""
    if value is None or value == "":
        return f"r{i}"
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    return value


# --- the registry ------------------------------------------------------------------


def _detector(module: str) -> Callable[[Path], bool]:
    def detect(path: Path) -> bool:
        mod = importlib.import_module(f"store.importers.{module}")
        result: bool = mod.detect(path)
        return result

    detect.__name__ = f"detect_{module}"
    return detect


def _reader(module: str) -> Callable[..., Iterator[Record]]:
    def read(path: Path, **options: Any) -> Iterator[Record]:
        mod = importlib.import_module(f"store.importers.{module}")
        result: Iterator[Record] = mod.read(path, **options)
        return result

    read.__name__ = f"read_{module}"
    return read


FORMATS: dict[str, ImportFormat] = {
    name: ImportFormat(name, _detector(name), _reader(name))
    for name in ("doccano", "brat", "conll", "labelstudio")
}


def detect_format(path: Path) -> ImportFormat | None:
    """The first format whose detector accepts ``path``, if any."""
    for fmt in FORMATS.values():
        if fmt.detect(path):
            return fmt
    return None


def read_with_notes(
    fmt: ImportFormat, path: Path, notes: list[str] | None = None, **options: Any
) -> Iterator[Record]:
    """``fmt.read(path)`` that also appends the reader's one-line notes to ``notes``."""
    mod = importlib.import_module(f"store.importers.{fmt.name}")
    result: Iterator[Record] = mod.read(path, notes=notes, **options)
    return result
