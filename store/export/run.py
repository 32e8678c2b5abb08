"""Export orchestration: pick the writer, stream the store's records to it, land the output.

The counterpart of :mod:`store.importing`. A file is written under a temp name
beside the target (``.<name>.partial``) and renamed over it only once the
writer has finished, so a killed or failed export never leaves a truncated
file under the name asked for; the store itself is only read. A dry run feeds
the same records to the same writer, aimed at nothing, so its report says
exactly what a real export would write and lose.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from store.errors import InputError
from store.export.base import ExportReport, Record

if TYPE_CHECKING:
    from store.export.registry import ExportFormat
    from store.store import Store

NATIVE = "jsonl"  # the native format, written by store.export.jsonl


def formats() -> dict[str, ExportFormat | None]:
    """Every format this installation can write, by name (None: the native JSONL)."""
    found: dict[str, ExportFormat | None] = {NATIVE: None}
    try:
        from store.export.registry import FORMATS

        found.update(FORMATS)
    except ImportError:
        pass
    return found


def export_format(name: str) -> ExportFormat | None:
    """The format called ``name`` (None for native JSONL); InputError naming the choices."""
    known = formats()
    if name not in known:
        raise InputError(f"unknown format {name!r}; use one of: {', '.join(sorted(known))}")
    return known[name]


def export_store(
    store: Store,
    fmt: str = NATIVE,
    output: Path | None = None,
    *,
    stream: BinaryIO | None = None,
    annotator: str | None = None,
    status: str | None = None,
    labels: set[str] | None = None,
    doc_ids: list[str] | None = None,
    options: dict[str, Any] | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ExportReport:
    """Export the store's layers as ``fmt`` to the file or folder ``output``, or to ``stream``.

    ``output`` None streams to ``stream`` (only formats of kind "stream" can). The
    filters are those of :meth:`Store.records`; ``options`` go to the writer.
    ``progress(done, total)`` is called once per document. Returns what was
    written and what the format could not hold.
    """
    spec = export_format(fmt)
    for doc_id in doc_ids or ():
        store.document(doc_id)  # NotFound names the bad id
    records: Iterable[Record] = store.records(
        annotator=annotator, status=status, labels=labels, doc_ids=doc_ids
    )
    report = ExportReport()
    opts = dict(options or {})
    if dry_run:
        _write_nowhere(spec, records, report, opts)
        return report
    kind = "stream" if spec is None else spec.kind
    if kind != "stream" and output is None:
        raise InputError(f"--format {fmt} writes files; give -o PATH")
    if progress is not None:
        records = _counted(records, len(doc_ids) if doc_ids else len(store.documents()), progress)
    if kind != "stream":
        assert spec is not None and output is not None
        spec.write(records, output, report, **opts)
    elif output is None:
        if stream is None:
            raise InputError(f"--format {fmt} needs a file or a stream to write to")
        _write(spec, records, stream, report, opts)
        stream.flush()
    else:
        _write_file(spec, records, output, report, opts)
    return report


def _write(
    spec: ExportFormat | None,
    records: Iterable[Record],
    out: BinaryIO,
    report: ExportReport,
    options: dict[str, Any],
) -> None:
    if spec is None:
        from store.export.jsonl import write_jsonl

        write_jsonl(records, out, report)
    else:
        spec.write(records, out, report, **options)


def _write_file(
    spec: ExportFormat | None,
    records: Iterable[Record],
    target: Path,
    report: ExportReport,
    options: dict[str, Any],
) -> None:
    """Stream into a temp file beside ``target``, then rename it into place."""
    tmp = target.with_name(f".{target.name}.partial")
    try:
        with open(tmp, "wb") as fh:
            _write(spec, records, fh, report, options)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_nowhere(
    spec: ExportFormat | None,
    records: Iterable[Record],
    report: ExportReport,
    options: dict[str, Any],
) -> None:
    # Write into the void: the writer still counts what it keeps and loses.
    if spec is not None and spec.kind != "stream":
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / ("out" + (spec.extension or ""))
            spec.write(records, target, report, **options)
        return
    with open(os.devnull, "wb") as out:
        _write(spec, records, out, report, options)


def _counted(
    records: Iterable[Record], total: int, update: Callable[[int, int], None]
) -> Iterator[Record]:
    """Pass records through, advancing the progress bar once per document."""
    done = 0
    last = None
    for rec in records:
        if rec["id"] != last:
            last = rec["id"]
            done += 1
            update(done, total)
        yield rec
