"""`newsmark doctor`: repair a damaged store from its last good copies.

`validate` only reports. `doctor` acts, and says exactly what it did:

- a damaged catalog or document file is moved to ``quarantine/`` and replaced
  by its last good copy from ``backup/`` (the version before the last write);
- with no good copy, a damaged document file is quarantined (its annotations
  are gone from the store but kept in quarantine for inspection), and a
  damaged catalog is rebuilt from the texts folder;
- a text whose bytes no longer match its hash is quarantined; re-importing the
  original file brings it back, since documents are named by their text.

Nothing is ever deleted: everything moved aside lands in ``quarantine/``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from store import layout
from store.catalog import default_title
from store.errors import NewsmarkError
from store.storage import atomic_write, encode_checked, read_checked
from store.store import Store


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


def _quarantine(root: Path, path: Path, stamp: str) -> Path:
    target = layout.quarantine_path(root, stamp, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)
    return target


def _restore(root: Path, path: Path, stamp: str, report: DoctorReport) -> bool:
    """Replace a damaged file by its last good copy; True if done."""
    backup = layout.backup_path(root, path)
    if not backup.exists() or not _good(backup):
        return False
    moved = _quarantine(root, path, stamp)
    atomic_write(path, backup.read_bytes())
    report.actions.append(
        f"restored {path.relative_to(root)} from its last good copy (the version before its "
        f"last write; the damaged file is in {moved.relative_to(root)})"
    )
    return True


def _rebuild_catalog(root: Path, stamp: str, report: DoctorReport) -> None:
    """A catalog from the texts folder: titles come back from first lines, sources are lost."""
    catalog = layout.catalog_path(root)
    rows: dict[str, dict[str, object]] = {}
    for order, text_path in enumerate(layout.text_paths(root), 1):
        raw = text_path.read_bytes()
        tsha = hashlib.sha256(raw).hexdigest()
        if tsha != text_path.stem:
            continue  # damaged text: handled by the text check
        text = raw.decode("utf-8")
        doc_id = tsha[:16]
        rows[str(order)] = {
            "id": doc_id,
            "title": default_title(text),
            "source": "(recovered by newsmark doctor)",
            "sha256": tsha,
            "text_sha256": tsha,
            "length": len(text),
            "added": text_path.stat().st_mtime,
            "order": order,
            "meta": {},
        }
    if catalog.exists():
        moved = _quarantine(root, catalog, stamp)
        where = f"; the damaged catalog is in {moved.relative_to(root)}"
    else:
        where = ""
    atomic_write(catalog, encode_checked({"documents": rows}))
    report.actions.append(
        f"rebuilt {catalog.name} from {len(rows)} texts (titles from first lines; original "
        f"sources and import order are lost{where})"
    )


def doctor(root: Path) -> DoctorReport:
    """Check every store file and repair what can be repaired. Idempotent."""
    report = DoctorReport()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    catalog = layout.catalog_path(root)
    if catalog.exists() and not _good(catalog) and not _restore(root, catalog, stamp, report):
        _rebuild_catalog(root, stamp, report)
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
                moved = _quarantine(root, text_path, stamp)
                report.actions.append(
                    f"quarantined the damaged text of {info.id} to {moved.relative_to(root)}"
                )
                report.unresolved.append(
                    f"re-import the original of {info.id} ({info.source or 'source unknown'}) "
                    "to bring its text back"
                )
            doc_path = layout.doc_path(root, info.id)
            if (
                doc_path.exists()
                and not _good(doc_path)
                and not _restore(root, doc_path, stamp, report)
            ):
                moved = _quarantine(root, doc_path, stamp)
                report.actions.append(
                    f"quarantined {doc_path.relative_to(root)} (damaged, no good copy): the "
                    f"annotations of {info.id} are in {moved.relative_to(root)}"
                )
    finally:
        store.close()
    # Leftover temp files of dead writers are swept by Store.open above.
    for leftover in layout.backup_dir(root).rglob(".*.link"):
        os.unlink(leftover)
    return report
