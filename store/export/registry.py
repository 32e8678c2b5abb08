"""Every export format newsmark can write, by name.

Three kinds of writer share one calling convention besides the target:

* ``"stream"``: ``write(records, out: BinaryIO, report, **options)`` writes UTF-8 bytes
  to a binary stream (a file or ``sys.stdout.buffer``).
* ``"dir"``: ``write(records, path: Path, report, **options)`` fills a folder (brat).
* ``"file"``: ``write(records, path: Path, report, **options)`` writes a real file that
  cannot be streamed (a spaCy ``.spacy`` DocBin).

Every writer consumes records one at a time, counts what it wrote in the
:class:`~store.export.base.ExportReport` and calls ``report.lose(reason, n)`` for
everything the format could not hold. Same input, byte-identical output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from store.export import attribution, brat, conll, doccano, labelstudio, spacy


@dataclass(frozen=True)
class ExportFormat:
    name: str
    kind: Literal["stream", "dir", "file"]
    extension: str
    description: str
    write: Callable[..., None]


FORMATS: dict[str, ExportFormat] = {
    "doccano": ExportFormat(
        "doccano",
        "stream",
        ".jsonl",
        "doccano JSONL: one line per document layer with label [[start, end, label], ...]",
        doccano.write,
    ),
    "spacy": ExportFormat(
        "spacy",
        "file",
        ".spacy",
        "spaCy DocBin: every span in doc.spans['sc'] and doc.spans[annotator], "
        "non-overlapping ones in doc.ents (needs newsmark[spacy])",
        spacy.write,
    ),
    "brat": ExportFormat(
        "brat",
        "dir",
        "",
        "brat standoff folder: <id>.txt + <id>.ann per document and annotation.conf",
        brat.write,
    ),
    "conll": ExportFormat(
        "conll",
        "stream",
        ".conll",
        "CoNLL IOB2, one tag column per label; lossy (whitespace, relations, same-label "
        "overlaps)",
        conll.write,
    ),
    "attribution": ExportFormat(
        "attribution",
        "stream",
        ".csv",
        "attribution CSV: one row per link (source, cue, content with offsets, document, "
        "annotator)",
        attribution.write,
    ),
    "labelstudio": ExportFormat(
        "labelstudio",
        "stream",
        ".json",
        "Label Studio JSON tasks, one annotation per annotator layer",
        labelstudio.write,
    ),
}
