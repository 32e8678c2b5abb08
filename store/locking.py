"""Locks between newsmark processes: one lock file per document and one for the catalog.

Every write takes the lock of the file it rewrites, re-reads that file and
writes it back, so two processes on one store never lose each other's writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from store import layout
from store.errors import StoreBusy, StoreWriteError

LOCK_TIMEOUT = 5.0  # seconds to wait for another process before saying it is busy

#: Takes the lock of a document (by id) or of the catalog for the ``with`` block.
Lock = Callable[[str], AbstractContextManager[None]]


@contextmanager
def locked(root: Path, name: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock ``name`` of the store at ``root``; StoreBusy after ``timeout`` s."""
    # Imported on first write: filelock costs ~40 ms of start-up, before first paint.
    from filelock import FileLock, Timeout

    lock = FileLock(str(layout.lock_path(root, name)), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise StoreBusy(
            f"{name} is busy: another newsmark process has held its lock for "
            f"{timeout:.0f} s; wait for it to finish and try again"
        ) from None
    except OSError as exc:
        raise StoreWriteError(
            f"cannot lock {name} in {root}: {exc.strerror}; check the folder is "
            "writable (nothing was changed)"
        ) from None
    try:
        yield
    finally:
        lock.release()
