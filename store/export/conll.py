"""CoNLL IOB2 with one tag column per label.

::

    # newsmark-conll columns: TOKEN claim quote
    -DOCSTART- -X- O O

    The B-claim O
    minister I-claim O
    said O O
    " O B-quote
    ...

Tokens are the text split at whitespace and at every span edge. Sentences end at line
breaks and after sentence-final punctuation, never inside a span. Documents start with
the ``-DOCSTART- -X- O O`` line ``spacy convert`` reads, then a blank line. No header
line is written by default (``header=True`` writes the old ``# newsmark-conll
columns:`` comment): ``spacy convert`` would read it as a junk first document.
newsmark's importer knows the columns without it, as every field after the token is
an IOB tag. ``spacy convert FILE OUT --converter ner`` reads the last column as the
NER tags (spaCy's NER holds one tag per token), so with several labels only the last
label's spans reach spaCy that way; use ``--format spacy`` for all of them.

What CoNLL cannot hold, counted in the report: the exact whitespace of a document
(tokens come back joined by one space, sentences by a line break), relations,
document labels, document ids, meta, annotator and status, spans made only of
whitespace, and a span that overlaps an earlier or longer span of the same label (spans of different
labels sit in different columns and may overlap freely). Spans keep their tokens but
lose leading or trailing whitespace.

Without ``labels=[...]`` the writer spools the records to a temporary file to learn
every label before the header, so memory stays constant.
"""

from __future__ import annotations

import bisect
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, BinaryIO

import orjson

from store.errors import InputError
from store.export.base import ExportReport, Record

DOCSTART = "-DOCSTART- -X- O O"
HEADER_PREFIX = "# newsmark-conll columns:"
_TOKEN = re.compile(r"\S+")
_SPACE = re.compile(r"\s")
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’»)\]]*$")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

LOST_OVERLAP = (
    "overlapping spans of the same label dropped by CoNLL IOB "
    "(spans of different labels keep their own columns)"
)
LOST_BLANK = "spans covering only whitespace dropped by CoNLL"
LOST_COLUMN = "spans whose label is not one of the CoNLL columns asked for"
SPAN_LOSSES = (LOST_OVERLAP, LOST_BLANK, LOST_COLUMN)


def column_name(label: str) -> str:
    """The tag-column name of a label: whitespace would split the column, so it becomes _."""
    return _SPACE.sub("_", label) or "_"


def _spool(records: Iterable[Record], tmp: IO[bytes]) -> list[str]:
    names: set[str] = set()
    for rec in records:
        tmp.write(orjson.dumps(rec) + b"\n")
        names.update(column_name(str(sp["label"])) for sp in rec["spans"])
    tmp.seek(0)
    return sorted(names)


def _replay(tmp: IO[bytes]) -> Iterator[Record]:
    for line in tmp:
        yield orjson.loads(line)


def _tokens(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(text):
        a, b = m.span()
        lo = bisect.bisect_right(cuts, a)
        hi = bisect.bisect_left(cuts, b)
        for c in cuts[lo:hi]:
            out.append((a, c))
            a = c
        out.append((a, b))
    return out


def document_lines(
    rec: Record, columns: Sequence[str], report: ExportReport
) -> tuple[list[list[str]], str]:
    """The sentences of one record as CoNLL lines, and the text an importer rebuilds."""
    text: str = rec["text"]
    index = {name: i for i, name in enumerate(columns)}
    by_column: list[list[tuple[int, int]]] = [[] for _ in columns]
    for sp in rec["spans"]:
        label = str(sp["label"])
        name = column_name(label)
        if name not in index:
            report.lose(LOST_COLUMN)
            continue
        start, end = int(sp["start"]), int(sp["end"])
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            report.lose(LOST_BLANK)
            continue
        if name != label:
            report.lose("span labels with whitespace written with _ in CoNLL")
        by_column[index[name]].append((start, end))
    kept: list[list[tuple[int, int]]] = []
    for spans in by_column:
        spans.sort(key=lambda se: (se[0], -se[1]))
        keep: list[tuple[int, int]] = []
        last_end = -1
        for start, end in spans:
            if start < last_end:
                report.lose(LOST_OVERLAP)
                continue
            keep.append((start, end))
            last_end = end
        kept.append(keep)
        report.spans += len(keep)
    cuts = sorted({pos for keep in kept for se in keep for pos in se})
    tokens = _tokens(text, cuts)
    n = len(tokens)
    first_token = {a: i for i, (a, _) in enumerate(tokens)}
    last_token = {b: i for i, (_, b) in enumerate(tokens)}
    tags = [["O"] * len(columns) for _ in range(n)]
    inside = [False] * n  # inside[i]: some span covers tokens i and i + 1
    for col, keep in enumerate(kept):
        name = columns[col]
        for start, end in keep:
            i0, i1 = first_token[start], last_token[end]
            tags[i0][col] = f"B-{name}"
            for i in range(i0 + 1, i1 + 1):
                tags[i][col] = f"I-{name}"
            for i in range(i0, i1):
                inside[i] = True
    sentences: list[list[str]] = []
    current: list[str] = []
    words: list[str] = []
    rebuilt: list[str] = []
    for i, (a, b) in enumerate(tokens):
        word = text[a:b]
        current.append(" ".join([word, *tags[i]]) if columns else word + " O")
        words.append(word)
        if i + 1 < n and not inside[i]:
            gap = text[b : tokens[i + 1][0]]
            if any(ch in _LINE_BREAKS for ch in gap) or (gap and _SENTENCE_END.search(word)):
                sentences.append(current)
                rebuilt.append(" ".join(words))
                current, words = [], []
    if current:
        sentences.append(current)
        rebuilt.append(" ".join(words))
    return sentences, "\n".join(rebuilt)


def write(
    records: Iterable[Record],
    out: BinaryIO,
    report: ExportReport,
    *,
    labels: Sequence[str] | None = None,
    header: bool | None = None,
    **options: Any,
) -> None:
    """Write CoNLL IOB2 to ``out``: one tag column per label, sorted by name."""
    if options:
        raise InputError(f"conll export has no option {sorted(options)[0]!r}")
    with tempfile.TemporaryFile() as tmp:
        if labels is None:
            columns = _spool(records, tmp)
            stream: Iterable[Record] = _replay(tmp)
        else:
            columns = list(dict.fromkeys(column_name(str(label)) for label in labels))
            stream = records
        if header is None:
            header = False  # spacy convert reads a header line as a junk document
        if header:
            out.write(f"{HEADER_PREFIX} TOKEN {' '.join(columns) or 'O'}\n".encode())
        for rec in stream:
            sentences, rebuilt = document_lines(rec, columns, report)
            chunk = [DOCSTART, ""]
            for sentence in sentences:
                chunk.extend(sentence)
                chunk.append("")
            out.write(("\n".join(chunk) + "\n").encode("utf-8"))
            report.documents += 1
            if rebuilt != rec["text"]:
                report.lose(
                    "documents whose exact whitespace CoNLL cannot keep "
                    "(tokens come back joined by spaces, sentences by line breaks)"
                )
            report.lose("document ids, meta, annotator and status not kept by CoNLL")
            if rec.get("relations"):
                report.lose("relations not representable in CoNLL", len(rec["relations"]))
            if rec.get("doc_labels"):
                report.lose("document layers' document labels not representable in CoNLL")
