"""`newsmark doctor`: repair a damaged store from its last good copies, crash-safely.

`validate` only reports. `doctor` acts, and says exactly what it did:

- a damaged or missing format marker, catalog or document file is replaced by
  its last good copy from ``backup/`` (the version before its last write);
- a catalog restored from its copy gains the documents whose texts are in
  ``texts/`` but which that older copy does not list (the last import), and a
  catalog with no good copy is rebuilt from the texts;
- a damaged document file with no good copy starts empty again;
- a text whose bytes no longer match its hash is quarantined; re-importing the
  original file brings it back, since documents are named by their text;
- a last good copy that is damaged, or that is the live file itself (a hard
  link: damage to one is damage to both), is replaced by a copy of the live file.

Nothing is ever deleted: every damaged file is kept in ``quarantine/``.

Crash safety (a ``kill -9`` at any instruction, rerun included): a damaged file
is first hard-linked into ``quarantine/`` (the link made durable), then the
repaired file replaces it in one atomic write. A kill before the replace leaves
the damaged file where it was, so the rerun repairs it again (the quarantine copy
already there is reused); a kill after leaves it repaired. At no point is a store
file missing, so no kill can make a store look empty and healthy. Every repair is
computed from what is on disk (backups, texts), never from an earlier run, so no
journal is needed: rerunning converges on the same result.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from store import layout
from store.catalog import default_title
from store.errors import NewsmarkError
from store.locking import locked
from store.storage import (
    atomic_write,
    crash_point,
    encode_checked,
    fsync_dir,
    pid_alive,
    read_checked,
    sweep_temp_files,
)
from store.store import FORMAT_VERSION, Store

_LINK_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.link$")


@dataclass
class DoctorReport:
    actions: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.actions and not self.unresolved


def _good(path: Path) -> bool:
    try:
        read_checked(path)
    except NewsmarkError:
        return False
    return True


def format_version(path: Path) -> int | None:
    """The version a format marker holds, or None if it is missing or unreadable."""
    try:
        version = orjson.loads(path.read_bytes())["format"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return None
    return version


def same_file(a: Path, b: Path) -> bool:
    """Whether two names are one file on disk (a hard link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _keep_aside(root: Path, path: Path, stamp: str) -> Path:
    """Put a copy of the damaged ``path`` in quarantine, durably, leaving ``path`` in place.

    A hard link costs no space and no time; a rerun after a kill finds the same
    file already kept and reuses it, so quarantine never fills with duplicates.
    """
    target = layout.quarantine_path(root, stamp, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while target.exists():
        if same_file(target, path) or target.read_bytes() == path.read_bytes():
            return target
        n += 1
        target = target.with_name(f"{path.name}.{n}")
    try:
        os.link(path, target)
    except OSError:
        # A filesystem without hard links: a durable copy instead.
        shutil.copyfile(path, target)
        with open(target, "rb") as fh:
            os.fsync(fh.fileno())
    fsync_dir(target.parent)
    crash_point(f"{path.name} kept in quarantine")
    return target


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _lost(path: Path, backup: Path) -> bool:
    """A file to repair: damaged, or missing although it has a last good copy."""
    if path.exists():
        return not _good(path)
    return backup.exists()


# ------------------------------------------------------------- format marker


def _repair_format(root: Path, stamp: str, report: DoctorReport) -> None:
    fmt = layout.format_path(root)
    backup = layout.backup_path(root, fmt)
    if format_version(fmt) is not None:
        if format_version(backup) is None or same_file(fmt, backup):
            backup.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(backup, fmt.read_bytes())
            report.actions.append(f"kept a last good copy of {fmt.name} in {_rel(root, backup)}")
        return
    where = ""
    if fmt.exists():
        where = f"; the damaged file is in {_rel(root, _keep_aside(root, fmt, stamp))}"
    if format_version(backup) is not None:
        atomic_write(fmt, backup.read_bytes())
        report.actions.append(f"restored {fmt.name} from its last good copy{where}")
        return
    # No copy: the folders tell the version. backup/ came with format 2.
    version = FORMAT_VERSION if layout.backup_dir(root).is_dir() else 1
    atomic_write(fmt, orjson.dumps({"format": version}))
    if version == FORMAT_VERSION:
        backup.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(backup, fmt.read_bytes())
    report.actions.append(
        f"recreated {fmt.name} (store format {version}, judged from the folders){where}"
    )


# ------------------------------------------------------------------- catalog


def _text_rows(
    root: Path, known: set[str], order: int
) -> list[dict[str, Any]]:
    """Catalog rows for the intact texts of ``texts/`` no row in ``known`` lists."""
    found: list[tuple[float, str, Path]] = []
    for text_path in layout.text_paths(root):
        tsha = text_path.stem
        if tsha[:16] in known:
            continue
        with contextlib.suppress(OSError):
            found.append((text_path.stat().st_mtime, tsha, text_path))
    rows: list[dict[str, Any]] = []
    # Oldest first: the order the texts were written is the order they were imported.
    for added, tsha, text_path in sorted(found):
        raw = text_path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != tsha:
            continue  # a damaged text cannot be listed as its hash
        text = raw.decode("utf-8")
        order += 1
        rows.append(
            {
                "id": tsha[:16],
                "title": default_title(text),
                "source": "(recovered by newsmark doctor)",
                "sha256": tsha,
                "text_sha256": tsha,
                "length": len(text),
                "added": added,
                "order": order,
                "meta": {},
            }
        )
    return rows


def _catalog_expected(root: Path) -> bool:
    """Whether a missing catalog was lost: it had a copy, or the store has texts."""
    return layout.catalog_backup_path(root).exists() or bool(layout.text_paths(root))


def _repair_catalog(root: Path, stamp: str, report: DoctorReport) -> None:
    catalog = layout.catalog_path(root)
    backup = layout.catalog_backup_path(root)
    if catalog.exists():
        if _good(catalog):
            return
    elif not _catalog_expected(root):
        return  # a store nothing was ever imported into
    table: dict[str, dict[str, Any]] = {}
    from_backup = _good(backup)
    if from_backup:
        table = dict(read_checked(backup).get("documents") or {})
    known = {str(r.get("id")) for r in table.values()}
    order = max((int(r.get("order") or 0) for r in table.values()), default=0)
    key = max((int(k) for k in table if k.isdigit()), default=0)
    gained = _text_rows(root, known, order)
    for row in gained:
        key += 1
        table[str(key)] = row
    where = "; it was missing"
    if catalog.exists():
        where = f"; the damaged catalog is in {_rel(root, _keep_aside(root, catalog, stamp))}"
    atomic_write(catalog, encode_checked({"documents": table}))
    if from_backup:
        more = (
            f", plus {len(gained)} document{'s' if len(gained) != 1 else ''} whose texts it "
            "did not list (titles from "
            "first lines, sources lost)"
            if gained
            else ""
        )
        report.actions.append(f"restored {catalog.name} from its last good copy{more}{where}")
    else:
        report.actions.append(
            f"rebuilt {catalog.name} from {len(gained)} texts (titles from first lines; "
            f"original sources and import order are lost{where})"
        )


# --------------------------------------------------------------- documents


def _repair_doc(root: Path, doc_id: str, stamp: str, report: DoctorReport) -> None:
    path = layout.doc_path(root, doc_id)
    backup = layout.doc_backup_path(root, doc_id)
    if not _lost(path, backup):
        return
    name = _rel(root, path)
    moved = _keep_aside(root, path, stamp) if path.exists() else None
    copy = read_checked(backup) if _good(backup) else None
    if copy:
        atomic_write(path, backup.read_bytes())
        where = "it was missing" if moved is None else f"the damaged file is in {_rel(root, moved)}"
        report.actions.append(
            f"restored {name} from its last good copy (the version before its last write; "
            f"{where})"
        )
        return
    atomic_write(path, encode_checked({}))
    why = "its only copy is from before its first write" if copy is not None else "no good copy"
    if moved is None:
        report.actions.append(f"recreated {name} with no annotations (it was missing; {why})")
    else:
        report.actions.append(
            f"quarantined {name} (damaged; {why}): the annotations of {doc_id} are in "
            f"{_rel(root, moved)}, and it starts with none"
        )


def _doc_needs_repair(root: Path, doc_id: str) -> bool:
    path, backup = layout.doc_path(root, doc_id), layout.doc_backup_path(root, doc_id)
    if _lost(path, backup):
        return True
    return path.exists() and backup.exists() and (same_file(path, backup) or not _good(backup))


def _repair_backup(root: Path, path: Path, stamp: str, report: DoctorReport) -> None:
    """Make the last good copy of a (good) live file a good, separate file."""
    backup = layout.backup_path(root, path)
    if not backup.exists() or not path.exists():
        return
    if same_file(path, backup):
        atomic_write(backup, path.read_bytes())
        report.actions.append(
            f"made {_rel(root, backup)} a separate copy (it was the live file itself, so "
            "damage to one would have damaged both)"
        )
    elif not _good(backup):
        moved = _keep_aside(root, backup, stamp)
        atomic_write(backup, path.read_bytes())
        report.actions.append(
            f"replaced the damaged {_rel(root, backup)} by a copy of the live file (the "
            f"damaged one is in {_rel(root, moved)})"
        )


def _sweep_links(root: Path) -> None:
    """Remove the staged backup links and temp files of writers that died in backup/.

    (An open sweeps the other folders; backup/ only doctor writes through temp files.)
    """
    for folder in (layout.backup_dir(root), layout.doc_backups_dir(root)):
        sweep_temp_files(folder)
    for leftover in layout.backup_dir(root).rglob(".*.link"):
        match = _LINK_RE.match(leftover.name)
        if match and pid_alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            os.unlink(leftover)


def doctor(root: Path) -> DoctorReport:
    """Check every store file and repair what can be repaired. Idempotent and crash-safe."""
    report = DoctorReport()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    _sweep_links(root)
    _repair_format(root, stamp, report)
    # Each repair holds the lock writers take, so a reader or an import running
    # meanwhile never interleaves a write with it.
    layout.locks_dir(root).mkdir(parents=True, exist_ok=True)
    with locked(root, layout.CATALOG_LOCK):
        _repair_catalog(root, stamp, report)
    store = Store.open(root)
    try:
        for info in store.documents():
            text_path = layout.text_path(root, info.text_sha256)
            if not text_path.exists():
                report.unresolved.append(
                    f"text of {info.id} ({info.title!r}) is missing: re-import its original "
                    f"file ({info.source or 'source unknown'})"
                )
            elif hashlib.sha256(text_path.read_bytes()).hexdigest() != info.text_sha256:
                moved = _keep_aside(root, text_path, stamp)
                text_path.unlink()
                fsync_dir(text_path.parent)
                report.actions.append(
                    f"quarantined the damaged text of {info.id} to {_rel(root, moved)}"
                )
                report.unresolved.append(
                    f"re-import the original of {info.id} ({info.source or 'source unknown'}) "
                    "to bring its text back"
                )
            if _doc_needs_repair(root, info.id):
                # Locked only when there is work: a lock file per document otherwise.
                with locked(root, info.id):
                    _repair_doc(root, info.id, stamp, report)
                    _repair_backup(root, layout.doc_path(root, info.id), stamp, report)
    finally:
        store.close()
    with locked(root, layout.CATALOG_LOCK):
        _repair_backup(root, layout.catalog_path(root), stamp, report)
    return report
