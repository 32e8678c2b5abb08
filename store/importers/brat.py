"""Read brat standoff: a folder of ``.txt`` + ``.ann`` pairs, or one pair.

``T`` lines become spans and ``R`` lines relations; an ``E`` line of the shape newsmark
writes for a link with a cue (``E1	cue:T5 Content:T3 speaker:T1``) becomes that link
with its cue. Other annotation kinds (other events, attributes, normalisations, notes,
equivalences) are skipped with a note. A
discontinuous ``T`` line (``T1\tlabel 14 19;20 28\t...``) becomes one span from the
start of its first fragment to the end of its last, and a note says so unless only line
breaks and tabs lay between the fragments (that is how newsmark writes a span across
a line).

``annotation.conf`` (in the folder, or beside the pair or one level up) is read if
present: newsmark's export lists there the original names of labels it renamed, and
marks the layout with one subfolder per annotator. Otherwise every document gets the
annotator ``"imported"`` and an id from its path (``sub/doc-1``). The ``.ann`` text of
every span is checked against the ``.txt``.

Offsets are read as brat counts them: brat reads the ``.txt`` with universal newlines,
so a ``\r\n`` is one character (:func:`store.export.brat.raw_offsets` maps them back
to the text's code points); a ``.ann`` whose offsets count ``\r\n`` as two is read
that way where only that matches its text. Document labels come from newsmark's
``# newsmark-doc-labels:`` comments in ``annotation.conf``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from store.errors import InputError
from store.export.brat import (
    BREAKS,
    DOC_LABELS_MARKER,
    LABEL_MARKER,
    LAYOUT_MARKER,
    raw_offsets,
)
from store.importers.registry import link_escapes, make_record, read_text, short
from store.records import IMPORTED_ANNOTATOR, Record, span_fault


def detect(path: Path) -> bool:
    """A folder holding .ann files, or a .ann/.txt file with its partner beside it."""
    if path.is_dir():
        return next(path.rglob("*.ann"), None) is not None
    if path.suffix.lower() in (".ann", ".txt") and path.is_file():
        return path.with_suffix(".ann").is_file() and path.with_suffix(".txt").is_file()
    return False


class _Conf:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.nested = False
        self.names: dict[str, str] = {}
        self.doc_labels: dict[str, dict[str, list[str]]] = {}  # path from the conf folder
        if path is None:
            return
        for lineno, line in enumerate(read_text(path).split("\n"), 1):
            line = line.strip()
            if line == LAYOUT_MARKER:
                self.nested = True
            elif line.startswith(DOC_LABELS_MARKER):
                try:
                    where, chosen = line[len(DOC_LABELS_MARKER) :].strip().split(" ", 1)
                    labels = json.loads(chosen)
                except ValueError:
                    labels = None
                if not isinstance(labels, dict):
                    raise InputError(
                        f"{path}:{lineno}: unreadable newsmark document labels {short(line)}"
                    )
                self.doc_labels[where] = labels  # checked by the import's gate
            elif line.startswith(LABEL_MARKER):
                try:
                    safe, original = line[len(LABEL_MARKER) :].strip().split(" ", 1)
                    self.names[safe] = str(json.loads(original))
                except ValueError:
                    raise InputError(
                        f"{path}:{lineno}: unreadable newsmark label line {short(line)}"
                    ) from None

    def label(self, name: str) -> str:
        return self.names.get(name, name)


def _find_conf(start: Path, levels: int) -> Path | None:
    folder = start
    for _ in range(levels + 1):
        candidate = folder / "annotation.conf"
        if candidate.is_file():
            return candidate
        if folder.parent == folder:
            break
        folder = folder.parent
    return None


def _is_attribution(line: str) -> bool:
    """Whether an ``E`` line is ``E1	TYPE:T5 Content:T3 ROLE:T1`` (a link with its cue)."""
    fields = line.split("\t")
    if len(fields) < 2:
        return False
    parts = fields[1].split()
    if len(parts) != 3 or not all(":" in p for p in parts):
        return False
    roles = [p.split(":", 1)[0] for p in parts[1:]]
    return roles.count("Content") == 1 and all(p.split(":", 1)[1] for p in parts)


def _same(shown: str, expected: str) -> bool:
    return shown == expected or shown.split() == expected.split()


def _from_brat(
    text: str,
    frags: list[tuple[int, ...]],
    shown: str | None,
    where: str,
    to_raw: Callable[[int], int | None],
) -> list[tuple[int, int]]:
    """Fragments in ``text``'s code points from brat's (``\r\n`` counted as one).

    A CRLF text's offsets counted raw (as tools that ignore universal newlines write
    them) are taken as they are when only they match the ``.ann`` text.
    """
    mapped: list[tuple[int, int]] = []
    for a, b in frags:
        ra, rb = to_raw(a), to_raw(b)
        if ra is None or rb is None or ra > rb:
            mapped = []
            break
        mapped.append((ra, rb))
    raw = [(f[0], f[1]) for f in frags]
    raw_ok = all(0 <= a <= b <= len(text) for a, b in raw)
    if mapped == raw and raw_ok:
        return raw  # no CRLF before these offsets: both counts agree
    if mapped and (
        shown is None
        or _same(shown, " ".join(text[a:b] for a, b in mapped))
        or not raw_ok
        or not _same(shown, " ".join(text[a:b] for a, b in raw))
    ):
        return mapped
    if raw_ok:
        return raw
    a, b = raw[0][0], raw[-1][1]
    raise InputError(f"{where}: bad offsets {a}-{b} for a text of {len(text)} characters")


def _parse(
    ann_path: Path,
    text: str,
    conf: _Conf,
    notes: list[str] | None,
) -> tuple[list[Record], list[Record]]:
    spans: list[Record] = []
    relations: list[Record] = []
    skipped = 0
    to_raw = raw_offsets(text)
    content = read_text(ann_path) if ann_path.is_file() else ""
    for lineno, line in enumerate(content.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{ann_path}:{lineno}"
        kind = line[:1]
        if kind == "T":
            fields = line.split("\t", 2)
            if len(fields) < 2:
                raise InputError(f"{where}: not a brat text-bound line (ID, TYPE START END, TEXT)")
            tid, data = fields[0], fields[1]
            shown = fields[2] if len(fields) == 3 else None
            try:
                name, rest = data.split(" ", 1)
                given = [tuple(int(x) for x in part.split()) for part in rest.split(";")]
            except ValueError:
                raise InputError(f"{where}: bad offsets in {short(data)}") from None
            if any(len(f) != 2 for f in given):
                raise InputError(f"{where}: bad offsets in {short(data)}")
            frags = _from_brat(text, given, shown, where, to_raw)
            expected = " ".join(text[a:b] for a, b in frags)
            if shown is not None and not _same(shown, expected):
                raise InputError(
                    f"{where}: text mismatch: .ann has {short(shown)}, .txt has {short(expected)}"
                )
            start, end = frags[0][0], frags[-1][1]
            if len(frags) > 1:
                gaps = "".join(text[frags[i][1] : frags[i + 1][0]] for i in range(len(frags) - 1))
                if notes is not None and any(ch not in BREAKS for ch in gaps):
                    notes.append(
                        f"{where}: {tid} has {len(frags)} fragments; joined into one span "
                        f"{start}-{end}"
                    )
            if span_fault(text, start, end) is not None:
                raise InputError(f"{where}: empty span {start}-{end}")
            spans.append(
                {
                    "id": tid,
                    "start": start,
                    "end": end,
                    "label": conf.label(name),
                    "text": text[start:end],
                }
            )
        elif kind == "R":
            fields = line.split("\t")
            parts = fields[1].split() if len(fields) > 1 else []
            args = dict(part.split(":", 1) for part in parts[1:] if ":" in part)
            if len(parts) != 3 or len(args) != 2:
                raise InputError(f"{where}: not a brat relation line (ID, TYPE Arg1:T1 Arg2:T2)")
            roles = sorted(args)
            relations.append(
                {
                    "id": fields[0],
                    "head": args.get("Arg1", args[roles[0]]),
                    "tail": args.get("Arg2", args[roles[1]]),
                    "label": conf.label(parts[0]),
                }
            )
        elif kind == "E" and _is_attribution(line):
            # An attribution event (newsmark writes these): trigger = cue, Content = head,
            # the other role = tail, named by the link type.
            trigger, *event_args = line.split("\t")[1].split()
            by_role = dict(arg.split(":", 1) for arg in event_args)
            content = by_role.pop("Content")
            ((role, source),) = by_role.items()
            relations.append(
                {"id": line.split("\t", 1)[0], "head": content, "tail": source,
                 "label": conf.label(role.rstrip("0123456789")),
                 "cue": trigger.split(":", 1)[1]}
            )  # fmt: skip
        else:
            skipped += 1
    known = {sp["id"] for sp in spans}
    for rel in relations:
        if any(rel.get(k) not in known for k in ("head", "tail")) or (
            "cue" in rel and rel["cue"] not in known
        ):
            raise InputError(f"{ann_path}: relation {rel['id']} names no text-bound annotation")
    if skipped and notes is not None:
        notes.append(f"{ann_path}: skipped {skipped} lines that are not T or R annotations")
    return spans, relations


def _record(
    txt_path: Path,
    doc_id: str,
    annotator: str,
    conf: _Conf,
    notes: list[str] | None,
    key: str | None = None,
) -> Record:
    if not txt_path.is_file():
        raise InputError(f"{txt_path}: the .txt file for this .ann is missing")
    text = read_text(txt_path)
    spans, relations = _parse(txt_path.with_suffix(".ann"), text, conf, notes)
    rec = make_record(
        doc_id=doc_id,
        text=text,
        spans=spans,
        relations=relations,
        meta={
            "title": doc_id,
            "source": str(txt_path),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
        annotator=annotator,
        source=str(txt_path),
    )
    chosen = conf.doc_labels.get(key) if key is not None else None
    if chosen:
        rec["doc_labels"] = chosen
    return rec


def _escapes(ann: Path, root: Path, notes: list[str] | None) -> bool:
    """Whether the pair of ``ann`` has a file linked from outside the corpus (said in a note)."""
    for file in (ann, ann.with_suffix(".txt")):
        if file.is_symlink():
            why = link_escapes(file, root)
            if why is not None:
                if notes is not None:
                    notes.append(why)
                return True
    return False


def read(
    path: Path, *, notes: list[str] | None = None, follow_symlinks: bool = False
) -> Iterator[Record]:
    """Yield one native record per document (and annotator folder) of a brat corpus.

    In a folder, a pair whose .txt or .ann is a symbolic link leaving the folder is
    skipped with a note unless ``follow_symlinks`` (linked folders are never walked).
    """
    path = Path(path)
    if path.is_dir():
        conf = _Conf(_find_conf(path, 0))
        root = Path(os.path.realpath(path))
        ann_files = sorted(path.rglob("*.ann"))
        if not follow_symlinks:
            ann_files = [a for a in ann_files if not _escapes(a, root, notes)]
        if not ann_files:
            raise InputError(f"{path}: no .ann files in this folder")
        for ann in ann_files:
            rel = ann.relative_to(path).with_suffix("")
            parts = rel.parts
            if conf.nested and len(parts) > 1:
                annotator, doc_id = parts[0], "/".join(parts[1:])
            else:
                annotator, doc_id = IMPORTED_ANNOTATOR, "/".join(parts)
            key = "/".join(parts)
            yield _record(ann.with_suffix(".txt"), doc_id, annotator, conf, notes, key)
        return
    if path.suffix.lower() not in (".ann", ".txt"):
        raise InputError(f"{path}: give a brat folder or a .ann/.txt file")
    if not path.exists():
        raise InputError(f"{path}: file not found")
    conf_path = _find_conf(path.parent, 1)
    conf = _Conf(conf_path)
    annotator = IMPORTED_ANNOTATOR
    if conf.nested and conf_path is not None and conf_path.parent == path.parent.parent:
        annotator = path.parent.name
    if not path.with_suffix(".ann").is_file():
        raise InputError(f"{path.with_suffix('.ann')}: the .ann file is missing")
    where: str | None = None
    if conf_path is not None:
        where = "/".join(path.with_suffix("").relative_to(conf_path.parent).parts)
    yield _record(path.with_suffix(".txt"), path.stem, annotator, conf, notes, where)
