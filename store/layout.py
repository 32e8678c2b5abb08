"""Where everything lives in a store folder: the one owner of the store's file names.

Every module that touches a store file asks this one for its path; no other
module spells a store file or folder name. A store folder holds::

    newsmark-store.json      format version (refuses newer, migrates older)
    catalog.json             TinyDB: one record per document (title, source, hashes)
    texts/<sha256>.txt       document texts, written once, named by their hash
    docs/<id>.json           TinyDB per document: spans, layers (status, undo/redo)
    backup/                  last good copy of the format, catalog and document files
    quarantine/              damaged files `newsmark doctor` moved aside, never deleted
    migrations/              original files kept by each format migration
    index.json               cache of per-document status and span counts
    locks/                   one lock file per document and one for the catalog
    session.json             last-opened document and cursor per annotator

:data:`ENTRIES` lists those names; a test keeps the README's copy of this
list in step with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

FORMAT_FILE: Final = "newsmark-store.json"
CATALOG_FILE: Final = "catalog.json"
TEXTS_DIR: Final = "texts"
DOCS_DIR: Final = "docs"
BACKUP_DIR: Final = "backup"
QUARANTINE_DIR: Final = "quarantine"
MIGRATIONS_DIR: Final = "migrations"
INDEX_FILE: Final = "index.json"
LOCKS_DIR: Final = "locks"
SESSION_FILE: Final = "session.json"

TEXT_SUFFIX: Final = ".txt"
DOC_SUFFIX: Final = ".json"
LOCK_SUFFIX: Final = ".lock"
CATALOG_LOCK: Final = "catalog"  # the lock name the catalog is written under

#: Every entry of a store folder, as the README's store layout block names them.
ENTRIES: Final = (
    FORMAT_FILE,
    CATALOG_FILE,
    f"{TEXTS_DIR}/<sha256>{TEXT_SUFFIX}",
    f"{DOCS_DIR}/<id>{DOC_SUFFIX}",
    f"{BACKUP_DIR}/",
    f"{QUARANTINE_DIR}/",
    f"{MIGRATIONS_DIR}/",
    INDEX_FILE,
    f"{LOCKS_DIR}/",
    SESSION_FILE,
)


def format_path(root: Path) -> Path:
    """The format file: its presence is what makes a folder a store."""
    return root / FORMAT_FILE


def catalog_path(root: Path) -> Path:
    """The catalog: one TinyDB record per document."""
    return root / CATALOG_FILE


def texts_dir(root: Path) -> Path:
    """The folder of document texts."""
    return root / TEXTS_DIR


def text_path(root: Path, text_sha256: str) -> Path:
    """The file holding the text whose UTF-8 sha256 is ``text_sha256``."""
    return root / TEXTS_DIR / f"{text_sha256}{TEXT_SUFFIX}"


def text_paths(root: Path) -> list[Path]:
    """Every text file of the store, sorted by name."""
    return sorted((root / TEXTS_DIR).glob(f"*{TEXT_SUFFIX}"))


def docs_dir(root: Path) -> Path:
    """The folder of per-document TinyDB files."""
    return root / DOCS_DIR


def doc_path(root: Path, doc_id: str) -> Path:
    """The TinyDB file of one document's annotations."""
    return root / DOCS_DIR / f"{doc_id}{DOC_SUFFIX}"


def doc_paths(root: Path) -> list[Path]:
    """Every document file of the store, sorted by name."""
    return sorted((root / DOCS_DIR).glob(f"*{DOC_SUFFIX}"))


def backup_dir(root: Path) -> Path:
    """The folder of last good copies."""
    return root / BACKUP_DIR


def backup_path(root: Path, path: Path) -> Path:
    """Where the last good copy of the store file ``path`` is kept."""
    return root / BACKUP_DIR / path.relative_to(root)


def catalog_backup_path(root: Path) -> Path:
    """The last good copy of the catalog."""
    return backup_path(root, catalog_path(root))


def doc_backup_path(root: Path, doc_id: str) -> Path:
    """The last good copy of one document file."""
    return backup_path(root, doc_path(root, doc_id))


def doc_backups_dir(root: Path) -> Path:
    """The folder of last good copies of document files."""
    return root / BACKUP_DIR / DOCS_DIR


def quarantine_path(root: Path, stamp: str, path: Path) -> Path:
    """Where ``newsmark doctor`` moves the damaged store file ``path`` in its run ``stamp``."""
    return root / QUARANTINE_DIR / stamp / path.relative_to(root)


def migration_dir(root: Path, name: str) -> Path:
    """The folder keeping the original files of one format migration."""
    return root / MIGRATIONS_DIR / name


def index_path(root: Path) -> Path:
    """The summary cache (derived data: losing it costs time, never annotations)."""
    return root / INDEX_FILE


def locks_dir(root: Path) -> Path:
    """The folder of lock files."""
    return root / LOCKS_DIR


def lock_path(root: Path, name: str) -> Path:
    """The lock file of a document (by id) or of the catalog (``CATALOG_LOCK``)."""
    return root / LOCKS_DIR / f"{name}{LOCK_SUFFIX}"


def session_path(root: Path) -> Path:
    """Where each annotator's last-opened document and cursor are remembered."""
    return root / SESSION_FILE


def looks_like_store(root: Path) -> bool:
    """Whether a folder holds store files (it may have lost its format marker)."""
    marks = (format_path(root), catalog_path(root), texts_dir(root), docs_dir(root))
    return any(p.exists() for p in marks)


def folders_made_at_open(root: Path) -> list[Path]:
    """Folders every open makes sure exist (so a store cut short at creation still opens)."""
    return [texts_dir(root), docs_dir(root), locks_dir(root), doc_backups_dir(root)]


def folders_swept_at_open(root: Path) -> list[Path]:
    """Folders where writers put temp files, swept of dead writers' leftovers at open."""
    return [root, docs_dir(root), texts_dir(root)]
