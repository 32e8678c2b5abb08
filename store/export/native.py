"""Native records: a document's annotator layers in the shape every exporter consumes.

One record per document and annotator layer (see :mod:`store.export.base` for
the shape), spans sorted by (start, end, label), relations by id and only
between spans the record keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from store.model import DocumentInfo, Relation
from store.records import GOLD, IMPORTED_ANNOTATOR, SCHEMA_VERSION, DocFile, Record, SpanRow


def layer_records(
    info: DocumentInfo,
    raw: DocFile,
    text: Callable[[], str],
    *,
    annotator: str | None = None,
    status: str | None = None,
    labels: set[str] | None = None,
    include_empty: bool = True,
) -> Iterator[Record]:
    """The records of one document's layers, filtered; ``text()`` is read only if one is."""
    rows = list((raw.get("spans") or {}).values())
    layer_rows = {r["annotator"]: r for r in (raw.get("layers") or {}).values()}
    names = {r.get("annotator", IMPORTED_ANNOTATOR) for r in rows} | set(layer_rows)
    if annotator is not None:
        names &= {annotator}
    if not names:
        # A document nobody has annotated yet: listed (annotator "") only in an
        # unfiltered export, so `--annotator alice` never invents alice layers.
        if not include_empty or annotator is not None or status not in (None, "todo"):
            return
        names = {""}
    body = text()
    rel_rows = list((raw.get("relations") or {}).values())
    for name in sorted(names):
        layer = layer_rows.get(name)
        layer_status = "todo" if layer is None else layer.get("status", "todo")
        if status is not None and layer_status != status:
            continue
        # Export dicts straight from the rows, converted as Span.from_record does and
        # sorted by Span.sort_key: no Span object per span (a fifth of an export).
        exported: list[dict[str, Any]] = [
            {
                "id": str(r["id"]),
                "start": int(r["start"]),
                "end": int(r["end"]),
                "label": str(r["label"]),
                "text": str(r["text"]),
            }
            for r in rows
            if r.get("annotator", IMPORTED_ANNOTATOR) == name
            and (labels is None or r["label"] in labels)
        ]
        exported.sort(key=_span_order)
        span_ids: set[str] = {s["id"] for s in exported}
        rels = sorted(
            (
                _kept_cue(Relation.from_row(r), span_ids)
                for r in rel_rows
                if r.get("annotator", IMPORTED_ANNOTATOR) == name
                and r["head"] in span_ids
                and r["tail"] in span_ids
            ),
            key=lambda r: r.id,
        )
        if name == GOLD:
            _add_provenance(exported, rows)
        out: Record = {
            "id": info.id,
            "text": body,
            "meta": info.export_meta(),
            "annotator": name,
            "status": layer_status,
            "spans": exported,
            "relations": [r.to_export() for r in rels],
            "schema_version": SCHEMA_VERSION,
        }
        doc_labels = None if layer is None else layer.get("doc_labels")
        if doc_labels:
            # Only when set: a layer without document labels keeps the shape it had.
            out["doc_labels"] = {k: list(v) for k, v in sorted(doc_labels.items())}
        yield out


def _span_order(span: dict[str, Any]) -> tuple[int, int, str, str]:
    """Span.sort_key of an exported span."""
    return (span["start"], span["end"], span["label"], span["id"])


def _kept_cue(rel: Relation, span_ids: set[str]) -> Relation:
    """The link, without its cue if a label filter left the cue span out."""
    if rel.cue and rel.cue not in span_ids:
        return Relation(rel.id, rel.head, rel.tail, rel.label, rel.annotator)
    return rel


def _add_provenance(exported: list[dict[str, Any]], rows: list[SpanRow]) -> None:
    """Say of each gold span who agreed with it and who adjudicated it, and how.

    ``agreed_by`` lists the annotators whose layer holds exactly this span (same
    start, end and label) now; ``adjudicator`` and ``decision`` are as stored
    (``agreed``, ``taken`` or ``labelled``).
    """
    made: dict[tuple[int, int, str], set[str]] = {}
    by_id: dict[str, SpanRow] = {}
    for r in rows:
        who = r.get("annotator", IMPORTED_ANNOTATOR)
        if who == GOLD:
            by_id[r["id"]] = r
        else:
            made.setdefault((r["start"], r["end"], r["label"]), set()).add(who)
    for span in exported:
        row: dict[str, Any] = dict(by_id.get(span["id"]) or {})
        span["agreed_by"] = sorted(made.get((span["start"], span["end"], span["label"]), ()))
        span["adjudicator"] = row.get("adjudicator", "")
        span["decision"] = row.get("decision", "labelled")
