"""Locks between newsmark processes: one lock file per document and one for the catalog.

Every write takes the lock of the file it rewrites, re-reads that file and
writes it back, so two processes on one store never lose each other's writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from store import layout
from store.errors import StoreBusy, StoreWriteError

if TYPE_CHECKING:
    from filelock import FileLock

LOCK_TIMEOUT = 5.0  # seconds to wait for another process before saying it is busy

#: Takes the lock of a document (by id) or of the catalog for the ``with`` block.
Lock = Callable[[str], AbstractContextManager[None]]


# FileLock objects of the locks taken lately. Making one costs more than taking it
# (~0.1 ms, paid on every label); each keeps its state per thread, so one object
# serves the reader's writer thread and the UI thread alike.
_RECENT_LOCKS = 64
_locks: OrderedDict[tuple[str, float], FileLock] = OrderedDict()
_locks_guard = threading.Lock()


def _lock_for(path: str, timeout: float) -> FileLock:
    from filelock import FileLock

    key = (path, timeout)
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = FileLock(path, timeout=timeout)
            while len(_locks) > _RECENT_LOCKS:
                _locks.popitem(last=False)
        else:
            _locks.move_to_end(key)
        return lock


@contextmanager
def locked(root: Path, name: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock ``name`` of the store at ``root``; StoreBusy after ``timeout`` s."""
    # Imported on first write: filelock costs ~40 ms of start-up, before first paint.
    from filelock import Timeout

    lock = _lock_for(str(layout.lock_path(root, name)), timeout)
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
