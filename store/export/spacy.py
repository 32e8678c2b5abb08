"""spaCy DocBin (``.spacy``), one ``Doc`` per document layer.

The text is tokenised by ``spacy.blank(lang)`` and every token is then split at span
edges, so ``doc.char_span(start, end, alignment_mode="strict")`` finds every span at
its exact offsets. Each Doc holds:

* ``doc.spans["sc"]``: every span of the layer (overlaps and nesting kept), in record
  order, and the same spans in ``doc.spans[annotator]``;
* ``doc.ents``: the longest non-overlapping spans (``spacy.util.filter_spans``); the
  others stay in the span groups and are reported as information, not loss;
* ``doc.cats``: ``"SET:CHOICE": 1.0`` for each document label of the layer, and 0.0
  for every other ``SET:CHOICE`` some document of the export has (textcat wants the
  same labels on every Doc);
* ``doc.user_data``: ``id``, ``meta``, ``annotator``, ``status``, ``span_ids`` (parallel
  to ``doc.spans["sc"]``), ``relations`` (``{"id", "head", "tail", "label"}``) and
  ``doc_labels`` when set.

The spans are exact in the DocBin, but ``spacy train`` tokenises with the pipeline's
own tokenizer and drops, as misaligned, a span that begins or ends inside one of its
tokens ("T" of "Turkey", most spans inside CJK text). The report counts those a
default ``spacy.blank(lang)`` tokenizer cannot align (``char_span(...,
alignment_mode="strict")`` is None) as a note: they are kept, not lost, but a model
trained on the file will not learn them.

``split=(train, dev, test)`` writes ``<stem>-train.spacy``, ``<stem>-dev.spacy`` and
``<stem>-test.spacy`` beside ``path`` instead: documents are ordered by a hash of
``seed`` and their id (the same seed gives the same split whatever the input order)
and cut by the fractions; all layers of a document land in the same part.

A DocBin is one serialised blob, so the Docs are held in memory until it is written.
spaCy is an optional extra and is imported only when this writer runs.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.errors import InputError, StoreWriteError
from store.export.base import SCHEMA_VERSION, ExportReport, Record
from store.records import IMPORTED_ANNOTATOR

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

INFO_NOT_IN_ENTS = "spans left out of doc.ents because they overlap (kept in doc.spans)"
INFO_MISALIGNED = (
    "spans begin or end inside a token of spaCy's default tokenizer: kept in the DocBin, "
    "but `spacy train` drops them as misaligned"
)


def _require_spacy() -> Any:
    try:
        import spacy
    except ImportError:
        raise InputError("spaCy is not installed; pip install 'newsmark[spacy]'") from None
    return spacy


def note(report: ExportReport, reason: str, count: int = 1) -> None:
    """Record information that is not a loss (``report.note`` when the report has one)."""
    method = getattr(report, "note", None)
    if callable(method):
        method(reason, count)
        return
    info = report.__dict__.setdefault("info", Counter())
    info[reason] += count


def _words(default: Doc, text: str, spans: list[Record]) -> tuple[list[str], list[bool]]:
    """Words and spaces: ``default``'s tokens (the blank tokenizer's), split at span edges."""
    starts = {int(sp["start"]) for sp in spans}
    ends = {int(sp["end"]) for sp in spans}
    cuts = sorted(starts | ends)
    words: list[str] = []
    spaces: list[bool] = []
    for tok in default:
        a = tok.idx
        b = a + len(tok.text)
        lo = bisect.bisect_right(cuts, a)
        hi = bisect.bisect_left(cuts, b)
        for c in [*cuts[lo:hi], b]:
            words.append(text[a:c])
            spaces.append(False)
            a = c
        if tok.whitespace_:
            # A span that starts at the trailing space or ends just after it needs the
            # space as a token of its own; otherwise it stays the token's whitespace.
            if b in starts or b + 1 in ends:
                words.append(tok.whitespace_)
                spaces.append(False)
            else:
                spaces[-1] = True
    return words, spaces


def make_doc(nlp: Language, rec: Record, report: ExportReport) -> Doc:
    """The Doc of one record, with every span at its exact offsets."""
    from spacy.tokens import Doc, SpanGroup
    from spacy.util import filter_spans

    text: str = rec["text"]
    spans: list[Record] = list(rec["spans"])
    default = nlp.make_doc(text)
    misaligned = sum(
        default.char_span(int(sp["start"]), int(sp["end"]), alignment_mode="strict") is None
        for sp in spans
    )
    if misaligned:
        note(report, INFO_MISALIGNED, misaligned)
    words, spaces = _words(default, text, spans)
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    if doc.text != text:  # pragma: no cover - the construction above is exact
        raise InputError(f"document {rec['id']!r}: spaCy could not rebuild its text exactly")
    group = []
    ids = []
    for sp in spans:
        span = doc.char_span(
            int(sp["start"]), int(sp["end"]), label=str(sp["label"]), alignment_mode="strict"
        )
        if span is None:  # pragma: no cover - every span edge is a token edge
            report.lose("spans spaCy could not align to tokens")
            continue
        group.append(span)
        ids.append(str(sp["id"]))
    annotator = str(rec.get("annotator", IMPORTED_ANNOTATOR))
    doc.spans["sc"] = SpanGroup(doc, name="sc", spans=group)
    if annotator != "sc":
        doc.spans[annotator] = SpanGroup(doc, name=annotator, spans=group)
    ents = filter_spans(group)
    doc.ents = ents
    if len(ents) < len(group):
        note(report, INFO_NOT_IN_ENTS, len(group) - len(ents))
    kept = set(ids)
    relations = [dict(rel) for rel in rec.get("relations", [])]
    for rel in relations:
        if str(rel["head"]) not in kept or str(rel["tail"]) not in kept:
            report.lose("relations whose span could not be written to spaCy")
    doc.user_data["id"] = str(rec["id"])
    doc.user_data["meta"] = rec.get("meta", {})
    doc.user_data["annotator"] = annotator
    doc.user_data["status"] = rec.get("status", "todo")
    doc.user_data["span_ids"] = ids
    doc.user_data["relations"] = relations
    doc_labels = rec.get("doc_labels") or {}
    if doc_labels:
        doc.user_data["doc_labels"] = {k: list(v) for k, v in doc_labels.items()}
    doc.cats = {f"{name}:{choice}": 1.0 for name, chosen in doc_labels.items() for choice in chosen}
    report.documents += 1
    report.spans += len(group)
    report.relations += len(relations)
    return doc


def _split_parts(split: object) -> tuple[float, float, float]:
    try:
        parts = tuple(float(x) for x in split)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        parts = ()
    if len(parts) != 3 or any(p < 0 for p in parts) or abs(sum(parts) - 1.0) > 1e-6:
        raise InputError(
            f"split={split!r} is not three fractions adding up to 1; use e.g. (0.8, 0.1, 0.1)"
        )
    return parts[0], parts[1], parts[2]


def split_of(
    doc_ids: Iterable[str], split: tuple[float, float, float], seed: int
) -> dict[str, str]:
    """Which part ("train", "dev", "test") each document goes to."""
    order = sorted(
        set(doc_ids),
        key=lambda d: (hashlib.sha256(f"{seed}\0{d}".encode()).hexdigest(), d),
    )
    n = len(order)
    cut1 = round(n * split[0])
    cut2 = max(cut1, round(n * (split[0] + split[1])))
    return {
        d: ("train" if i < cut1 else "dev" if i < cut2 else "test") for i, d in enumerate(order)
    }


def write(
    records: Iterable[Record],
    path: Path,
    report: ExportReport,
    *,
    lang: str = "en",
    split: tuple[float, float, float] | None = None,
    seed: int = 0,
    **options: Any,
) -> None:
    """Write a ``.spacy`` DocBin at ``path`` (or three beside it with ``split``)."""
    if options:
        raise InputError(f"spacy export has no option {sorted(options)[0]!r}")
    spacy = _require_spacy()
    from spacy.tokens import DocBin

    parts = _split_parts(split) if split is not None else None
    try:
        nlp = spacy.blank(lang)
    except Exception as exc:  # spaCy raises ImportError/ValueError/OSError for bad languages
        raise InputError(f"lang={lang!r}: spaCy cannot make a blank pipeline ({exc})") from None
    path = Path(path)
    everything = DocBin(store_user_data=True)
    doc_ids: list[str] = []
    docs: list[Doc] = []
    for rec in records:
        docs.append(make_doc(nlp, rec, report))
        doc_ids.append(str(rec["id"]))
    cats = sorted({cat for doc in docs for cat in doc.cats})
    for doc in docs:
        doc.cats = {cat: doc.cats.get(cat, 0.0) for cat in cats}
        everything.add(doc)
    try:
        if parts is None:
            everything.to_disk(path)
            report.files.append(str(path))
            return
        where = split_of(doc_ids, parts, seed)
        bins = {name: DocBin(store_user_data=True) for name in ("train", "dev", "test")}
        for doc_id, doc in zip(doc_ids, everything.get_docs(nlp.vocab), strict=True):
            bins[where[doc_id]].add(doc)
        for name, docbin in bins.items():
            target = path.with_name(f"{path.stem}-{name}.spacy")
            docbin.to_disk(target)
            report.files.append(str(target))
    except OSError as exc:
        raise StoreWriteError(f"{path}: writing the spaCy file failed ({exc.strerror})") from None


def _plain(value: Any) -> Any:
    """msgpack gives tuples back for lists; make user_data JSON-shaped again."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def read_docbin(path: Path, lang: str = "en") -> Iterator[Record]:
    """Native records back from a DocBin this writer made (spans from doc.spans["sc"])."""
    spacy = _require_spacy()
    from spacy.tokens import DocBin

    nlp = spacy.blank(lang)
    try:
        docbin = DocBin().from_disk(Path(path))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable spaCy DocBin ({exc})") from None
    for doc in docbin.get_docs(nlp.vocab):
        data = doc.user_data
        group = list(doc.spans["sc"]) if "sc" in doc.spans else list(doc.ents)
        ids = _plain(data.get("span_ids")) or [f"s{i + 1}" for i in range(len(group))]
        spans = [
            {
                "id": sid,
                "start": sp.start_char,
                "end": sp.end_char,
                "label": sp.label_,
                "text": sp.text,
            }
            for sid, sp in zip(ids, group, strict=False)
        ]
        spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
        yield {
            "id": str(data.get("id", "")),
            "text": doc.text,
            "meta": _plain(data.get("meta", {})),
            "annotator": str(data.get("annotator", IMPORTED_ANNOTATOR)),
            "status": str(data.get("status", "todo")),
            "spans": spans,
            "relations": _plain(data.get("relations", [])),
            "schema_version": SCHEMA_VERSION,
            **({"doc_labels": _plain(data["doc_labels"])} if data.get("doc_labels") else {}),
        }
