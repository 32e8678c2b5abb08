"""Import orchestration: find files, check them all, then add them in one go.

An import is all-or-nothing: every file of the command is read and every record
passes :func:`store.importers.checks.check_item` before anything is written, so a
bad record anywhere refuses the whole import and leaves the store byte-identical.
:func:`check_import` is that first pass (the CLI runs it before it creates a new
store folder, so a refused import into a new path leaves nothing behind);
:func:`apply_import` the second, which adds everything with one catalog write.

Symbolic links met while walking a folder are followed only when their target stays
inside that folder, unless ``follow_symlinks`` says otherwise: ``ln -s /etc/passwd
dir/x.txt`` must not put a system file into a corpus that gets shared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from store.errors import InputError
from store.importers.checks import check_item
from store.importers.jsonl import is_native, read_native_jsonl
from store.importers.registry import link_escapes
from store.importers.text import read_html_file, read_text_file
from store.labels import LabelScheme, link_fault
from store.records import IMPORTED_ANNOTATOR
from store.storage import deferred_sync
from store.store import Store, doc_id_for

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
PROGRESS_EVERY = 500  # records between progress updates while adding


@dataclass
class ImportReport:
    files: int = 0
    documents: int = 0
    added: int = 0
    already: int = 0
    spans: int = 0
    notes: list[str] = field(default_factory=list)
    first_id: str | None = None

    def summary(self) -> str:
        text = f"imported {self.added} new document{'s' if self.added != 1 else ''}"
        if self.already:
            text += f", {self.already} already in the store"
        if self.spans:
            text += f", {self.spans} spans"
        return text


@dataclass(frozen=True)
class ImportOptions:
    """How one import reads its input (the ``import`` command's options)."""

    annotator: str | None = None  # the layer of records that name nobody
    follow_symlinks: bool = False  # follow links whose target leaves the folder
    encoding: str | None = None  # decode text and HTML files with this, not detection
    scheme: LabelScheme | None = None  # links are checked against its relation types
    offsets: str = "codepoints"  # doccano and Label Studio offsets: "codepoints" or "utf16"
    skip_bad: bool = False  # import the good records of a file, naming each one skipped
    text_field: str | None = None  # Label Studio: the data field holding the text


@dataclass
class ImportPlan:
    """What a checked import will add: its files, how many records, the notes to show."""

    files: list[Path]
    options: ImportOptions
    records: int = 0
    notes: list[str] = field(default_factory=list)
    #: Each checked file's identity when its check began (see :func:`_identity`).
    checked: dict[Path, tuple[int, ...]] = field(default_factory=dict)

    def unchanged(self, path: Path) -> bool:
        """Whether ``path`` is still the file that was checked (so need not be again)."""
        seen = self.checked.get(path)
        return seen is not None and _identity(path) == seen


def _identity(path: Path) -> tuple[int, ...] | None:
    """What changes whenever a file is rewritten or replaced: size, mtime, inode, device.

    A folder (a brat dataset) has none that covers its files: always checked again.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, st.st_ctime_ns)


def collect(
    paths: list[Path], follow_symlinks: bool = False, notes: list[str] | None = None
) -> list[Path]:
    """Files to import: given files as they are, folders walked recursively (sorted).

    A link inside a walked folder whose target leaves the folder (or is missing) is
    skipped with a note in ``notes`` unless ``follow_symlinks``; a path named on the
    command line is the user's own choice and is read wherever it points.
    """
    found: list[Path] = []
    said = notes if notes is not None else []
    for path in paths:
        if path.is_dir() and _foreign(path) is not None:
            found.append(path)  # a dataset folder (brat): read as one unit
        elif path.is_dir():
            found.extend(_walk(path, follow_symlinks, said))
        elif path.exists():
            if path.suffix.lower() not in SUPPORTED and _foreign(path) is None:
                raise InputError(
                    f"{path}: unsupported file type {path.suffix or '(none)'}; give .txt, .md, "
                    ".html or .jsonl files or folders"
                )
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder; check the path")
    return found


def _skip_link(link: Path, root: Path, follow_symlinks: bool) -> str | None:
    """Why a link met in a walk is skipped (a note), or None to follow it."""
    if not os.path.exists(link):
        return f"{link}: broken symbolic link; skipped"
    return None if follow_symlinks else link_escapes(link, root)


def _walk(folder: Path, follow_symlinks: bool, notes: list[str]) -> Iterator[Path]:
    root = Path(os.path.realpath(folder))
    visited = {root}  # followed links can loop; each real folder is walked once
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=follow_symlinks):
        keep = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            sub = Path(dirpath) / name
            if sub.is_symlink():
                why = _skip_link(sub, root, follow_symlinks)
                if why is not None:
                    notes.append(why)
                    continue
                real = Path(os.path.realpath(sub))
                if real in visited:
                    continue
                visited.add(real)
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.suffix.lower() not in SUPPORTED or name.startswith("."):
                continue
            if p.is_symlink():
                why = _skip_link(p, root, follow_symlinks)
                if why is not None:
                    notes.append(why)
                    continue
            yield p


def _foreign(path: Path) -> Any:
    """The import format of a file in a foreign dataset format, if one recognises it."""
    try:
        from store.importers.registry import FORMATS
    except ImportError:
        return None
    for fmt in FORMATS.values():
        try:
            if fmt.detect(path):
                return fmt
        except (OSError, ValueError):
            continue
    return None


def read_items(
    path: Path,
    options: ImportOptions | None = None,
    notes: list[str] | None = None,
    passed: bool = False,
) -> Iterator[dict[str, Any]]:
    """Import items from one file (or brat folder), each already through the import's gate.

    Every item carries ``"where"`` (the file and line or record, for messages) and
    ``"notes"`` (what its reader changed or skipped). With ``skip_bad`` a record the
    gate refuses is left out and named in ``notes`` (as are lines its reader skipped
    after the last good record). ``passed``: this very file went through the gate
    already (the import's first pass, and it is unchanged since), so its records are
    not checked a second time; with ``skip_bad`` they always are (that is what skips).
    """
    opts = options or ImportOptions()
    said = notes if notes is not None else []
    gate = not passed or opts.skip_bad
    try:
        for n, item in enumerate(_raw_items(path, opts, said), 1):
            where = item.get("where") or (str(path) if n == 1 else f"{path}: record {n}")
            item["where"] = where
            if not gate:
                if opts.annotator and item.get("annotator") == IMPORTED_ANNOTATOR:
                    item["annotator"] = opts.annotator
                yield item
                continue
            try:
                check_item(item, where)
                if opts.scheme is not None and item.get("relations"):
                    fault = link_fault(opts.scheme, item.get("spans") or [], item["relations"])
                    if fault is not None:
                        raise InputError(f"{where}: {fault}")
            except InputError as exc:
                if not opts.skip_bad:
                    raise
                said.extend(_named(path, n) for n in item.get("notes", []))
                said.append(f"{exc}; skipped (--skip-bad)")
                continue
            if opts.annotator and item.get("annotator") == IMPORTED_ANNOTATOR:
                item["annotator"] = opts.annotator
            yield item
    except InputError as exc:
        message = str(exc)
        if ";" in message:
            raise
        # A format reader named the problem; every refusal also says what to do.
        raise InputError(f"{message}; fix the file and import again") from None


def _raw_items(
    path: Path, opts: ImportOptions, said: list[str]
) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if path.is_dir():
        suffix = ""
    if suffix in JSONL_SUFFIXES:
        first = _first_json_line(path)
        if first is None or (is_native(first) and "label" not in first):
            yield from read_native_jsonl(path)
            return
    if suffix in HTML_SUFFIXES:
        yield read_html_file(path, opts.encoding)
        return
    if suffix in TEXT_SUFFIXES:
        yield read_text_file(path, opts.encoding)
        return
    fmt = _foreign(path)
    if fmt is None:
        if suffix in JSONL_SUFFIXES:
            yield from read_native_jsonl(path)
            return
        raise InputError(f"{path}: not a format newsmark can import; see `newsmark import --help`")
    from store.importers.registry import read_with_notes

    notes: list[str] = []
    options: dict[str, Any] = {}
    if fmt.name == "brat":
        options["follow_symlinks"] = opts.follow_symlinks
    if fmt.name in ("doccano", "labelstudio"):
        options["offsets"] = opts.offsets
    if fmt.name == "doccano":
        options["skip_bad"] = opts.skip_bad
    if fmt.name == "labelstudio":
        options["text_field"] = opts.text_field
    for n, rec in enumerate(read_with_notes(fmt, path, notes, **options), 1):
        meta = rec.get("meta") or {}
        yield {
            "text": rec.get("text"),
            "title": str(meta.get("title") or ""),
            "source": str(meta.get("source") or path),
            "sha256": str(meta.get("sha256") or ""),
            "meta": {k: v for k, v in meta.items() if k not in ("title", "source", "sha256")},
            "annotator": rec.get("annotator", IMPORTED_ANNOTATOR),
            "status": rec.get("status", "todo"),
            "spans": rec.get("spans", []),
            "relations": rec.get("relations", []),
            "doc_labels": rec.get("doc_labels") or {},
            "where": rec.pop("where", None)
            or f"{path}: record {n} (document {str(rec.get('id'))[:40]})",
            "notes": notes[:],
        }
        notes.clear()
    said.extend(notes)  # lines skipped after the last record


def _named(path: Path, note: str) -> str:
    """A reader's note, said once with its file (most readers name it already)."""
    return note if note.startswith(str(path)) else f"{path}: {note}"


def _first_json_line(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.strip():
                    rec = orjson.loads(line)
                    return rec if isinstance(rec, dict) else None
    except (OSError, orjson.JSONDecodeError):
        return None
    return None


def check_import(
    paths: list[Path],
    options: ImportOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Read and check every record of every file; InputError (one line) on the first bad one.

    Writes nothing: this is the pass that makes an import all-or-nothing.
    """
    opts = options or ImportOptions()
    notes: list[str] = []
    files = collect(paths, opts.follow_symlinks, notes)
    plan = ImportPlan(files=files, options=opts, notes=notes)
    for i, path in enumerate(files, 1):
        skipped: list[str] = []
        identity = _identity(path)  # before reading: a change while it is read shows
        for item in read_items(path, opts, skipped):
            plan.notes.extend(skipped)  # each names its file and line already
            skipped.clear()
            plan.notes.extend(_named(path, n) for n in item.get("notes", []))
            plan.records += 1
        plan.notes.extend(skipped)
        if identity is not None:
            plan.checked[path] = identity
        if progress:
            progress(i, len(files) * 2)
    return plan


def apply_import(
    store: Store, plan: ImportPlan, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Add a checked import to the store: its texts, then one catalog write, then the layers.

    One catalog write per import, not one per few hundred documents: rewriting the
    whole catalog per batch made an import of 91,000 documents quadratic (227 s).
    Memory holds the catalog rows and the imported annotations, never the texts.
    """
    report = ImportReport(files=len(plan.files), notes=list(plan.notes))
    layered: list[tuple[str, str]] = []  # (doc id, annotator) of layers whose summary to warm
    total = len(plan.files)

    def items() -> Iterator[dict[str, Any]]:
        done = 0
        for path in plan.files:
            for item in read_items(path, plan.options, passed=plan.unchanged(path)):
                item.pop("notes", None)
                item.pop("where", None)
                # A span given twice is stored once: count what is stored.
                spans = item.get("spans") or []
                report.spans += len({(sp.get("start"), sp.get("end"), sp.get("label"))
                                     for sp in spans})  # fmt: skip
                if item.get("spans") or item.get("status") == "done":
                    layered.append((doc_id_for(item["text"]), str(item["annotator"])))
                yield item
                done += 1
                if progress and done % PROGRESS_EVERY == 0:
                    progress(total + total * done // max(1, plan.records), total * 2)

    seen: set[str] = set()
    with deferred_sync():
        results = store.add_documents(items(), checked=True)
    for info, created in results:
        if info.id in seen:
            continue  # another layer of a document already counted
        seen.add(info.id)
        report.documents += 1
        report.added += created
        report.already += not created
        if report.first_id is None:
            report.first_id = info.id
    # Warm the summary cache: the reader's document list then opens without reading
    # every document file.
    for doc_id, annotator in layered:
        store.summary(doc_id, annotator)
    return report


def import_paths(
    store: Store,
    paths: list[Path],
    progress: Callable[[int, int], None] | None = None,
    annotator: str | None = None,
    follow_symlinks: bool = False,
    encoding: str | None = None,
) -> ImportReport:
    """Import files and folders; all-or-nothing on bad input. Idempotent.

    ``annotator`` names the layer of every record that carries no annotator of its
    own (a peer's per-user doccano or Label Studio export), instead of "imported";
    records that name their annotator keep it.
    """
    plan = check_import(paths, ImportOptions(annotator, follow_symlinks, encoding), progress)
    report = apply_import(store, plan, progress)
    store.save_index()
    return report
