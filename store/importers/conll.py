"""Read CoNLL IOB files (``.conll``, ``.iob``): token-per-line, blank line between sentences.

The first field of a line is the token. With newsmark's old header comment
(``# newsmark-conll columns: TOKEN a b``), or when the first token line has two or more
fields after the token and every one is an IOB tag (newsmark's export, one column per
label), every following field is a tag column; otherwise the last field is the tag
column and any middle fields (POS, chunk) are ignored, as ``spacy convert`` does.
Tags may be IOB2 or IOB1 (``I-`` after ``O`` starts a span) and ``E-``/``S-``
(BIOES) or ``L-``/``U-`` (BILOU) are understood.

``-DOCSTART-`` lines separate documents (a file without them is one document). The text
is rebuilt from the tokens: joined by one space within a sentence and by a line break
between sentences; the original whitespace is not in the file. Documents get the id
``<file stem>-<n>`` and the annotator ``"imported"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from store.errors import InputError
from store.export.conll import HEADER_PREFIX
from store.importers.registry import make_record, open_binary, short
from store.records import Record

_SUFFIXES = {".conll", ".iob", ".iob2", ".bio", ".conll03"}
_TAG = re.compile(r"^(?:O|([BIESLU])-(.+))$")


def detect(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() not in _SUFFIXES:
        return False
    try:
        with path.open("rb") as fh:
            for raw in fh:
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    return line.startswith(("-DOCSTART-", HEADER_PREFIX)) or len(line.split()) >= 2
    except OSError:
        return False
    return False


def _is_tag(value: str) -> bool:
    return _TAG.match(value) is not None


class _Doc:
    def __init__(self, columns: int) -> None:
        self.sentences: list[list[tuple[str, list[str], int]]] = [[]]
        self.columns = columns

    def add(self, token: str, tags: list[str], lineno: int) -> None:
        self.sentences[-1].append((token, tags, lineno))

    def end_sentence(self) -> None:
        if self.sentences[-1]:
            self.sentences.append([])

    def empty(self) -> bool:
        return not any(self.sentences)

    def record(self, path: Path, number: int) -> Record:
        parts: list[str] = []
        positions: list[list[tuple[int, int, list[str], int]]] = []
        offset = 0
        for sentence in (s for s in self.sentences if s):
            if parts:
                parts.append("\n")
                offset += 1
            placed = []
            for k, (token, tags, lineno) in enumerate(sentence):
                if k:
                    parts.append(" ")
                    offset += 1
                placed.append((offset, offset + len(token), tags, lineno))
                parts.append(token)
                offset += len(token)
            positions.append(placed)
        text = "".join(parts)
        spans: list[Record] = []
        for col in range(self.columns):
            for placed in positions:
                open_label: str | None = None
                open_start = 0
                last_end = 0
                for start, end, tags, lineno in placed:
                    tag = tags[col]
                    m = _TAG.match(tag)
                    if m is None:
                        raise InputError(
                            f"{path}:{lineno}: tag {short(tag)} is not IOB "
                            "(O, B-label, I-label)"
                        )
                    prefix, label = m.group(1), m.group(2)
                    continues = prefix in ("I", "E", "L") and label == open_label
                    if open_label is not None and not continues:
                        spans.append(_span(text, open_start, last_end, open_label))
                        open_label = None
                    if prefix is not None and not continues:
                        open_label, open_start = label, start
                    last_end = end
                    if prefix in ("E", "L", "S", "U"):
                        spans.append(_span(text, open_start, end, label))
                        open_label = None
                if open_label is not None:
                    spans.append(_span(text, open_start, last_end, open_label))
        return make_record(
            doc_id=f"{path.stem}-{number}", text=text, spans=spans, source=path.name
        )


def _span(text: str, start: int, end: int, label: str) -> Record:
    return {"id": None, "start": start, "end": end, "label": label, "text": text[start:end]}


def read(path: Path, *, notes: list[str] | None = None) -> Iterator[Record]:
    """Yield one native record per ``-DOCSTART-`` document of a CoNLL file."""
    path = Path(path)
    fh = open_binary(path)
    header: int | None = None
    doc: _Doc | None = None
    number = 0
    started = False
    first_token = True
    with fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise InputError(f"{path}:{lineno}: not UTF-8 text; save it as UTF-8") from None
            fields = line.split()
            if lineno == 1 and line.startswith(HEADER_PREFIX):
                names = line[len(HEADER_PREFIX) :].split()
                header = max(1, len(names) - 1)
                continue
            if not fields:
                if doc is not None:
                    doc.end_sentence()
                continue
            if fields[0] == "-DOCSTART-" and (len(fields) == 1 or fields[1] == "-X-"):
                if doc is not None and (started or not doc.empty()):
                    number += 1
                    yield doc.record(path, number)
                doc, started = _Doc(header or 1), True
                continue
            if line.startswith("#") and not _is_tag(fields[-1]):
                continue  # a comment line
            if len(fields) < 2:
                raise InputError(f"{path}:{lineno}: token {short(fields[0])} has no tag column")
            if first_token and len(fields) >= 3 and all(_is_tag(f) for f in fields[1:]):
                # newsmark's several label columns (no header: spaCy would read it).
                header = len(fields) - 1
                if doc is not None:
                    doc.columns = header
            first_token = False
            if header is not None:
                if len(fields) != header + 1:
                    raise InputError(
                        f"{path}:{lineno}: {len(fields)} fields, the file's tag columns "
                        f"need {header + 1}"
                    )
                tags = fields[1:]
            else:
                tags = [fields[-1]]
            if doc is None:
                doc = _Doc(header or 1)
            doc.add(fields[0], tags, lineno)
    if doc is not None and (started or not doc.empty()):
        number += 1
        yield doc.record(path, number)
