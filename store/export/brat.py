"""brat standoff: a folder of ``<id>.txt`` + ``<id>.ann`` pairs and ``annotation.conf``.

``.ann`` lines::

    T1\tclaim 0 12\tThe minister
    T2\tquote 14 19;20 28\tfirst second      (a span across a line break: two fragments)
    R1\tsupports Arg1:T1 Arg2:T2

brat offsets are code points, like Python's, so they are exact, with one twist: brat
(and pybrat, bratly) read the ``.txt`` with universal newlines, so a ``\r\n`` counts as
one character there (brat issue #853). The ``.txt`` is written byte for byte as stored
and the offsets in brat's count (:func:`brat_offsets`); newsmark's importer maps them
back (:func:`raw_offsets`), so a CRLF text round-trips exactly. A span that crosses
line breaks (or tabs) is written as fragments that skip them, with the fragment texts
joined by one space, as brat itself writes them; newsmark's importer joins the
fragments back into the original span. When the records hold more than one
annotator, every annotator gets a subfolder (``alice/doc-1.ann``); ``annotation.conf``
at the top lists every label and relation type seen and allows any overlap.

Document labels have no brat annotation (an ``A`` attribute or ``#`` note needs an
entity to hang on): they are written as ``annotation.conf`` comments, one a document
layer (``# newsmark-doc-labels: alice/doc-1 {"topic": ["politics"]}``), which brat
ignores and newsmark's importer reads back; the report notes them.

Labels and relation types become brat-safe names (letters, digits, ``_`` and ``-``);
renamed ones are listed in ``annotation.conf`` comments so newsmark's importer
restores the original names.
"""

from __future__ import annotations

import bisect
import json
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from store.errors import InputError, StoreWriteError
from store.export.base import ExportReport, Record
from store.records import IMPORTED_ANNOTATOR

# Every character str.splitlines() breaks at, and the tab that separates .ann fields
# (brat itself copes with a tab in the text, many brat readers split at every tab):
# a span is written as fragments that skip these, so no .ann text contains one.
BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\t")
LAYOUT_MARKER = "# newsmark-layout: annotator-folders"
LABEL_MARKER = "# newsmark-label:"
DOC_LABELS_MARKER = "# newsmark-doc-labels:"
DOC_LABELS_NOTE = (
    "document layers' document labels written as annotation.conf comments "
    "(brat does not show them; newsmark reads them back)"
)
_UNSAFE_TYPE = re.compile(r"[^\w-]", re.UNICODE)
_UNSAFE_FILE = re.compile(r"[^A-Za-z0-9._-]")


def safe_type(label: str) -> str:
    """A brat type name for ``label``: no spaces, tabs or punctuation brat's config parses."""
    name = _UNSAFE_TYPE.sub("_", label)
    return name or "_"


def safe_filename(name: str) -> str:
    stem = _UNSAFE_FILE.sub("_", name).lstrip(".")
    return stem[:150] or "_"


def _crlf_positions(text: str) -> list[int]:
    """Where every ``\r\n`` of ``text`` starts (str.find, so a long text stays fast)."""
    out: list[int] = []
    at = text.find("\r\n")
    while at != -1:
        out.append(at)
        at = text.find("\r\n", at + 2)
    return out


def brat_offsets(text: str) -> Callable[[int], int]:
    """Map code-point offsets of ``text`` to brat's: every ``\r\n`` counts as one.

    An offset between the ``\r`` and the ``\n`` maps to the one brat character.
    """
    pairs = _crlf_positions(text)
    if not pairs:
        return lambda i: i
    return lambda i: i - bisect.bisect_left(pairs, i)


def raw_offsets(text: str) -> Callable[[int], int | None]:
    """Map brat's offsets (``\r\n`` as one character) back to ``text``'s (None: past the end)."""
    pairs = _crlf_positions(text)
    size = len(text) - len(pairs)  # the text's length as brat counts it
    merged = [at - k for k, at in enumerate(pairs)]  # where each pair's newline is for brat
    return lambda u: u + bisect.bisect_left(merged, u) if 0 <= u <= size else None


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of ``text[start:end]`` between line breaks and tabs (empty ones dropped)."""
    out: list[tuple[int, int]] = []
    piece = start
    for i in range(start, end):
        if text[i] in BREAKS:
            if i > piece:
                out.append((piece, i))
            piece = i + 1
    if end > piece:
        out.append((piece, end))
    return out


class _Namer:
    """Deterministic unique file names per folder."""

    def __init__(self) -> None:
        self.used: dict[str, set[str]] = {}

    def name(self, folder: str, wanted: str) -> str:
        used = self.used.setdefault(folder, set())
        candidate, n = wanted, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{wanted}-{n}"
        used.add(candidate.lower())
        return candidate


def _ann_lines(
    rec: Record,
    report: ExportReport,
    types: dict[str, str],
    relation_types: dict[str, str],
    events: dict[str, set[str]] | None = None,
) -> list[str]:
    """The ``.ann`` lines of a record: T per span, R per link, E per link with a cue.

    A link with a cue is brat's event: its trigger is the cue's T (of the cue's
    type, which then is an event type), ``Content`` the link's head, and a role
    named by the link type its tail (``E1	cue:T5 Content:T3 speaker:T1``).
    ``events`` collects event type -> its link types, for annotation.conf.
    """
    text: str = rec["text"]
    brat_at = brat_offsets(text)
    lines: list[str] = []
    t_ids: dict[str, str] = {}
    for sp in rec["spans"]:
        start, end = int(sp["start"]), int(sp["end"])
        frags = fragments(text, start, end)
        if not frags:
            report.lose("spans made only of line breaks and tabs (brat cannot show them)")
            continue
        if frags[0][0] != start or frags[-1][1] != end:
            report.lose("spans trimmed of leading or trailing line breaks and tabs by brat")
        label = str(sp["label"])
        name = safe_type(label)
        if name != label:
            report.lose("span labels renamed to brat-safe names (listed in annotation.conf)")
        types.setdefault(name, label)
        tid = f"T{len(t_ids) + 1}"
        t_ids[str(sp["id"])] = tid
        offsets = ";".join(f"{brat_at(a)} {brat_at(b)}" for a, b in frags)
        shown = " ".join(text[a:b] for a, b in frags)
        lines.append(f"{tid}\t{name} {offsets}\t{shown}")
        report.spans += 1
    r_count = e_count = 0
    labels = {str(sp["id"]): str(sp["label"]) for sp in rec["spans"]}
    for rel in rec.get("relations", []):
        head, tail = t_ids.get(str(rel["head"])), t_ids.get(str(rel["tail"]))
        if head is None or tail is None:
            report.lose("relations whose span could not be written to brat")
            continue
        label = str(rel["label"])
        name = safe_type(label)
        if name != label:
            report.lose("relation labels renamed to brat-safe names (listed in annotation.conf)")
        relation_types.setdefault(name, label)
        cue = t_ids.get(str(rel.get("cue") or ""))
        if cue is not None and events is not None and name != "Content":
            trigger = safe_type(labels[str(rel["cue"])])
            events.setdefault(trigger, set()).add(name)
            e_count += 1
            lines.append(f"E{e_count}\t{trigger}:{cue} Content:{head} {name}:{tail}")
        else:
            if rel.get("cue"):
                report.lose("link cues brat could not hold (their span was not written)")
            r_count += 1
            lines.append(f"R{r_count}\t{name} Arg1:{head} Arg2:{tail}")
        report.relations += 1
    return lines


def _conf(
    types: dict[str, str],
    relation_types: dict[str, str],
    nested: bool,
    events: dict[str, set[str]] | None = None,
    doc_labels: dict[str, dict[str, list[str]]] | None = None,
) -> str:
    events = events or {}
    out = [CONF_HEADER]
    if nested:
        out.append(LAYOUT_MARKER)
    for where, chosen in sorted((doc_labels or {}).items()):
        # The path has no space (safe_filename); the labels are one JSON line.
        out.append(f"{DOC_LABELS_MARKER} {where} {json.dumps(chosen, ensure_ascii=False)}")
    for name, label in sorted({**types, **relation_types}.items()):
        if name != label:
            out.append(f"{LABEL_MARKER} {name} {json.dumps(label, ensure_ascii=False)}")
    out.append("[entities]")
    out.extend(sorted(t for t in types if t not in events))
    out.append("[relations]")
    out.append("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>")
    out.extend(f"{name}\tArg1:<ENTITY>, Arg2:<ENTITY>" for name in sorted(relation_types))
    out.append("[events]")
    for trigger, roles in sorted(events.items()):
        # Content is the quote or claim; the role named by the link type is its source.
        out.append(f"{trigger}\tContent:<ENTITY>, " + ", ".join(
            f"{role}?:<ENTITY>" for role in sorted(roles)))  # fmt: skip
    out.append("[attributes]")
    return "\n".join(out) + "\n"


CONF_HEADER = "# brat annotation types written by newsmark"


def is_export(folder: Path, entries: Iterable[Path]) -> bool:
    """Whether ``folder`` holds a brat export newsmark wrote, and nothing else.

    Such a folder may be replaced by a new export; any other is the user's.
    """
    try:
        with open(folder / "annotation.conf", encoding="utf-8") as fh:
            if fh.readline().rstrip("\n") != CONF_HEADER:
                return False
    except (OSError, UnicodeDecodeError):
        return False
    return all(
        p.is_dir() or p.suffix in (".txt", ".ann") or p == folder / "annotation.conf"
        for p in entries
    )


def write(records: Iterable[Record], path: Path, report: ExportReport, **options: Any) -> None:
    """Write a brat folder at ``path`` (created if missing)."""
    if options:
        raise InputError(f"brat export has no option {sorted(options)[0]!r}")
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreWriteError(f"{path}: cannot create the brat folder ({exc.strerror})") from None
    if not path.is_dir():
        raise InputError(f"{path}: not a folder; give a folder for the brat export")
    types: dict[str, str] = {}
    relation_types: dict[str, str] = {}
    events: dict[str, set[str]] = {}
    namer = _Namer()
    first_annotator: str | None = None
    folders: dict[str, str] = {}  # annotator -> subfolder, once nested
    flat_files: list[str] = []
    nested = False
    labelled: list[tuple[str, str, dict[str, list[str]]]] = []  # (annotator, stem, labels)

    namer.used["/"] = {"annotation.conf"}  # the namespace of annotator subfolders

    def folder_for(annotator: str) -> str:
        if annotator not in folders:
            folders[annotator] = namer.name("/", safe_filename(annotator))
        return folders[annotator]

    try:
        for rec in records:
            annotator = str(rec.get("annotator", IMPORTED_ANNOTATOR))
            if first_annotator is None:
                first_annotator = annotator
            if not nested and annotator != first_annotator:
                # A second annotator: move the first one's files into its own subfolder.
                nested = True
                sub = folder_for(first_annotator)
                (path / sub).mkdir(exist_ok=True)
                for name in flat_files:
                    shutil.move(str(path / name), str(path / sub / name))
                namer.used[sub] = namer.used.pop("", set())
            folder = folder_for(annotator) if nested else ""
            doc_id = str(rec["id"])
            wanted = safe_filename(doc_id)
            stem = namer.name(folder, wanted)
            if stem != doc_id:
                report.lose("document ids changed to be safe brat file names")
            target = path / folder if folder else path
            target.mkdir(exist_ok=True)
            lines = _ann_lines(rec, report, types, relation_types, events)
            (target / f"{stem}.txt").write_bytes(str(rec["text"]).encode("utf-8"))
            ann = "".join(line + "\n" for line in lines)
            (target / f"{stem}.ann").write_bytes(ann.encode("utf-8"))
            if not nested:
                flat_files.extend([f"{stem}.txt", f"{stem}.ann"])
            if rec.get("doc_labels"):
                labelled.append((annotator, stem, dict(rec["doc_labels"])))
                report.note(DOC_LABELS_NOTE)
            report.documents += 1
            report.lose("document meta and status not kept by brat")
        doc_labels = {
            (f"{folder_for(who)}/{stem}" if nested else stem): chosen
            for who, stem, chosen in labelled
        }
        (path / "annotation.conf").write_bytes(
            _conf(types, relation_types, nested, events, doc_labels).encode("utf-8")
        )
    except OSError as exc:
        raise StoreWriteError(f"{path}: writing the brat folder failed ({exc.strerror})") from None
    report.files.append(str(path))
