"""Export orchestration: pick the writer, stream the store's records to it, land the output.

The counterpart of :mod:`store.importing`. Output appears whole or not at all:
every writer works under a temp name beside the target
(``.<name>.<pid>.<random>.partial``: a file, or a folder for brat and spaCy) that
is fsynced and renamed into place only once the writer has finished, so a killed
or failed export never leaves a truncated file or a half-filled folder under the
name asked for; a later export sweeps the temp names dead exports left. A brat
folder replaces an earlier newsmark brat export in one atomic exchange, and is
refused over a folder holding anything else. The output may not lie inside the
store (nor hold it). The store itself is only read. A dry run feeds the same
records to the same writer, aimed at nothing, so its report says exactly what a
real export would write and lose.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from store.errors import InputError, StoreWriteError
from store.export.base import ExportReport, Record
from store.storage import crash_point, fsync_dir, pid_alive

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
    if output is not None:
        _check_outside(store.root, Path(output))
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
    records = _crash_points(records)
    if kind == "dir":
        assert spec is not None and output is not None
        _write_folder(spec, records, Path(output), report, opts)
    elif kind == "file":
        assert spec is not None and output is not None
        _write_files(spec, records, Path(output), report, opts)
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


_PARTIAL = ".partial"


def _check_outside(root: Path, output: Path) -> None:
    """Refuse an output inside the store (it would overwrite store files) or holding it."""
    store_at, target = root.resolve(), output.resolve()
    if target == store_at or target.is_relative_to(store_at):
        raise InputError(
            f"{output} is inside the store {root}; export to a path outside the store folder"
        )
    if store_at.is_relative_to(target):
        raise InputError(
            f"{output} holds the store {root}; export to a path outside the store folder"
        )


def _partial_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}{_PARTIAL}")


def _sweep_partials(target: Path) -> None:
    """Remove the temp outputs that killed exports to ``target`` left beside it."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]{{8}}\.partial$")
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.match(entry.name)
            if match is None or pid_alive(int(match[1])):
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)


def _crash_points(records: Iterable[Record]) -> Iterator[Record]:
    """Pass records through; the crash tests kill an export between any two of them."""
    for rec in records:
        crash_point(f"export: record {rec['id']} written")
        yield rec


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Make every file and folder under ``folder`` durable before it is renamed into place.

    On Linux one syncfs() flushes the folder's filesystem: a brat export of 1,000
    documents is 2,000 files, and an fsync each made the export five times slower.
    """
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            _fsync_file(Path(dirpath) / name)
        fsync_dir(Path(dirpath))


def _write_file(
    spec: ExportFormat | None,
    records: Iterable[Record],
    target: Path,
    report: ExportReport,
    options: dict[str, Any],
) -> None:
    """Stream into a temp file beside ``target``, fsync it, then rename it into place."""
    _sweep_partials(target)
    tmp = _partial_name(target)
    try:
        with open(tmp, "wb") as fh:
            _write(spec, records, fh, report, options)
            fh.flush()
            os.fsync(fh.fileno())
        crash_point(f"export: {target.name} complete under its temp name")
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_files(
    spec: ExportFormat,
    records: Iterable[Record],
    target: Path,
    report: ExportReport,
    options: dict[str, Any],
) -> None:
    """A writer of real files (spaCy) fills a temp folder; each file is then renamed out.

    Each file lands whole (a split's three land one after the other).
    """
    _sweep_partials(target)
    tmp = _partial_name(target)
    try:
        tmp.mkdir()
        inner = ExportReport()
        spec.write(records, tmp / target.name, inner, **options)
        _fsync_tree(tmp)
        crash_point(f"export: {target.name} complete under its temp name")
        for name in inner.files:
            os.replace(name, target.parent / Path(name).name)
            crash_point(f"export: {Path(name).name} renamed into place")
        fsync_dir(target.parent)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _merge(report, inner, [str(target.parent / Path(name).name) for name in inner.files])


def _merge(report: ExportReport, inner: ExportReport, files: list[str]) -> None:
    report.documents += inner.documents
    report.spans += inner.spans
    report.relations += inner.relations
    report.lost.update(inner.lost)
    report.info.update(inner.info)
    report.files.extend(files)


def _write_folder(
    spec: ExportFormat,
    records: Iterable[Record],
    target: Path,
    report: ExportReport,
    options: dict[str, Any],
) -> None:
    """A folder writer (brat) fills a temp folder, renamed into place once complete."""
    replacing = _check_folder_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreWriteError(f"{target}: cannot create its folder ({exc.strerror})") from None
    _sweep_partials(target)
    tmp = _partial_name(target)
    inner = ExportReport()
    try:
        spec.write(records, tmp, inner, **options)
        _fsync_tree(tmp)
        crash_point(f"export: {target.name} complete under its temp name")
        if replacing:
            _exchange(tmp, target)  # tmp now holds the earlier export
            crash_point(f"export: {target.name} exchanged with the earlier export")
        else:
            os.replace(tmp, target)  # a missing or empty folder
        fsync_dir(target.parent)
    except OSError as exc:
        raise StoreWriteError(f"{target}: writing the folder failed ({exc.strerror})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _merge(report, inner, [str(target)])


def _check_folder_target(target: Path) -> bool:
    """Whether ``target`` is an earlier export to replace; InputError if it is not ours."""
    if not target.exists() and not target.is_symlink():
        return False
    if not target.is_dir() or target.is_symlink():
        raise InputError(f"{target}: not a folder; give a folder for the brat export")
    entries = list(target.rglob("*"))
    if not entries:
        return False
    from store.export.brat import is_export

    if not is_export(target, entries):
        raise InputError(
            f"{target} is a folder with other files in it; give a new or empty folder for "
            "the brat export (an earlier newsmark brat export there is replaced)"
        )
    return True


_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one atomic step (renameat2 RENAME_EXCHANGE on Linux).

    Elsewhere, or on a filesystem without it, the earlier folder is moved aside
    and the new one renamed in: two renames, with the name briefly absent but
    never holding a partial export.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        at_fdcwd = -100
        done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
        if done == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(b))
    aside = _partial_name(b)
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


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
