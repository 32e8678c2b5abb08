"""Native records: a document's annotator layers in the shape every exporter consumes.

One record per document and annotator layer (see :mod:`store.export.base` for
the shape), spans sorted by (start, end, label), relations by id and only
between spans the record keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from store.model import DocumentInfo, Relation, Span
from store.records import IMPORTED_ANNOTATOR, SCHEMA_VERSION, DocFile, Record


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
        spans = sorted(
            (
                Span.from_record(r)
                for r in rows
                if r.get("annotator", IMPORTED_ANNOTATOR) == name
                and (labels is None or r["label"] in labels)
            ),
            key=Span.sort_key,
        )
        span_ids = {s.id for s in spans}
        rels = sorted(
            (
                Relation(r["id"], r["head"], r["tail"], r["label"], name)
                for r in rel_rows
                if r.get("annotator", IMPORTED_ANNOTATOR) == name
                and r["head"] in span_ids
                and r["tail"] in span_ids
            ),
            key=lambda r: r.id,
        )
        yield {
            "id": info.id,
            "text": body,
            "meta": info.export_meta(),
            "annotator": name,
            "status": layer_status,
            "spans": [s.to_export() for s in spans],
            "relations": [r.to_export() for r in rels],
            "schema_version": SCHEMA_VERSION,
        }
