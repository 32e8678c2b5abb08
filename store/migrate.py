"""Store format migrations, oldest first. Each keeps the original files it replaces.

Format history:

1. catalog + texts + one checksummed TinyDB file per document.
2. adds ``backup/`` (a last good copy of each catalog/document file, kept by
   every write, used by ``newsmark doctor``) and ``index.json`` (a cache of
   each document's status and span counts, so the document list of a large
   corpus opens without reading every document file).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from store import layout
from store.errors import NewsmarkError, StoreWriteError
from store.storage import atomic_write, read_checked


def _v1_to_v2(root: Path) -> None:
    keep = layout.migration_dir(root, f"v1-{time.strftime('%Y%m%d-%H%M%S')}")
    keep.mkdir(parents=True, exist_ok=True)
    # The original catalog and format file, as they were, for anyone who needs to go back.
    for original in (layout.format_path(root), layout.catalog_path(root)):
        if original.exists():
            shutil.copy2(original, keep / original.name)
    layout.doc_backups_dir(root).mkdir(parents=True, exist_ok=True)
    # Seed the last good copies with today's files, where they are good.
    for path in [layout.catalog_path(root), *layout.doc_paths(root)]:
        if not path.exists():
            continue
        try:
            read_checked(path)
        except NewsmarkError:
            continue  # damaged already: `newsmark validate` will report it
        target = layout.backup_path(root, path)
        if not target.exists():
            # A copy, never a hard link: damage done to the live file in place
            # must not reach its last good copy.
            atomic_write(target, path.read_bytes())


MIGRATIONS: dict[int, Callable[[Path], None]] = {1: _v1_to_v2}


def migrate(root: Path, version: int, target: int) -> list[str]:
    """Bring a store from ``version`` up to ``target``; returns what was done."""
    done: list[str] = []
    try:
        while version < target:
            MIGRATIONS[version](root)
            version += 1
            marker = orjson.dumps({"format": version})
            atomic_write(layout.format_path(root), marker)
            layout.backup_dir(root).mkdir(exist_ok=True)
            atomic_write(layout.backup_path(root, layout.format_path(root)), marker)
            done.append(f"migrated store format {version - 1} → {version}")
    except OSError as exc:
        raise StoreWriteError(
            f"cannot migrate {root} to store format {target} ({exc.strerror}); make the folder "
            "writable and open it again"
        ) from None
    return done
