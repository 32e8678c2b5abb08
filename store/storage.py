"""Durable files: atomic replace-writes and the TinyDB storage built on them.

Stock TinyDB ``JSONStorage`` rewrites its file in place, so a kill mid-write
tears it. Every write here goes to a temp file that is flushed, fsynced and
``os.replace``d over the old one, then the folder is fsynced: a reader sees the
old file or the new one, never half of each. Each JSON file also ends with a
checksum of its body, so damage from outside (a truncated copy, a bad disk) is
detected at open and reported, never silently overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import orjson
from tinydb.storages import Storage

from store.errors import StoreCorrupt, StoreWriteError

TMP_SUFFIX = ".tmp"
# When this process began (as far as the store knows): temp files with our pid and an
# older time were left by an earlier process that had the same pid.
_STARTED = time.time() - 1.0
_TMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")
# The body's checksum is spliced in as the last key, so the file stays plain JSON.
_TAIL_PREFIX = b',"_checksum":"'
_TAIL_LEN = len(_TAIL_PREFIX) + 64 + 2  # prefix + hex + '"}'
_EMPTY_TAIL_PREFIX = b'{"_checksum":"'

# What a file is written from: one bytes object, or pieces written in one go by
# writev, so a large file is never copied into one buffer just to be written.
Payload: TypeAlias = "bytes | Sequence[bytes | memoryview]"


# Test hook: NEWSMARK_CRASH_AT=N makes this process SIGKILL itself at its N-th write
# step (see crash_point), so the fault tests can kill doctor and export at every step.
_CRASH_AT = int(os.environ.get("NEWSMARK_CRASH_AT", "0") or 0)
_steps = 0


def crash_point(step: str) -> None:
    """A point where a kill must leave the store whole: the crash tests die here.

    A no-op unless ``NEWSMARK_CRASH_AT`` is set; then the N-th call names its step
    on stderr and kills the process with SIGKILL, as ``kill -9`` would.
    """
    global _steps
    if not _CRASH_AT:
        return
    _steps += 1
    if _steps == _CRASH_AT:
        sys.stderr.write(f"newsmark-crash-point {_steps}: {step}\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def fsync_dir(path: Path) -> None:
    """Make a rename or create inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_error(path: Path, exc: OSError) -> StoreWriteError:
    if exc.errno == errno.ENOSPC:
        why = "the disk is full; free some space and try again"
    elif exc.errno == errno.EDQUOT:
        why = "the disk quota is exhausted; free some space and try again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "the store folder is read-only; make it writable or use another --store"
    elif exc.errno == errno.EFBIG:
        why = "the file size limit was reached; raise the limit (ulimit -f)"
    else:
        why = f"{exc.strerror or exc}; check the disk and try again"
    return StoreWriteError(f"could not save {path.name}: {why} (nothing was changed)")


_deferred = threading.local()


@contextlib.contextmanager
def deferred_sync() -> Iterator[None]:
    """Make a burst of writes (an import) durable together when the block ends.

    Each file is still replaced atomically, so a crash leaves old or new files
    whole; only the fsyncs are gathered at the end, where the kernel has
    usually written the data back already. Nothing counts as saved before the
    block returns, which is when an import reports success.
    """
    if getattr(_deferred, "paths", None) is not None:
        yield
        return
    _deferred.paths = []
    try:
        yield
        sync_pending()
    finally:
        _deferred.paths = None


# From this many new files on, one syncfs(2) of the store's file system replaces an
# fsync per file and per folder: each fsync is a journal commit (≈ 1–2 ms on ext4),
# which made a 100,000-document import spend most of its time committing.
_SYNCFS_FROM = 64


def _syncfs(folder: Path) -> bool:
    """Flush every file of ``folder``'s file system (Linux syncfs); False if unavailable."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        if call(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(folder))
    finally:
        os.close(fd)
    return True


def sync_pending() -> None:
    """Inside ``deferred_sync``: make the files written so far durable now.

    Called before a write that refers to them (the catalog listing new texts),
    so that a power cut can never leave a reference to a text that is not on disk.
    """
    paths = getattr(_deferred, "paths", None)
    if not paths:
        return
    try:
        if len(paths) >= _SYNCFS_FROM:
            # One folder per file system the files are on (texts/ and docs/ may differ).
            folders = {os.stat(f).st_dev: f for f in {p.parent for p in paths}}
            if all(_syncfs(f) for f in folders.values()):
                paths.clear()
                return
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        for folder in {p.parent for p in paths}:
            fsync_dir(folder)
    except OSError as exc:
        raise _write_error(Path(exc.filename or "store"), exc) from None
    paths.clear()


def _temp_beside(path: Path) -> Path:
    # os.urandom(4).hex() is secrets.token_hex(4) without importing secrets (and hmac).
    return path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}{TMP_SUFFIX}")


def _write_temp(tmp: Path, data: Payload, *, sync: bool) -> None:
    """Write ``data`` to the new file ``tmp`` (never an existing one), synced if asked."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        views = [memoryview(data)] if isinstance(data, bytes) else [memoryview(b) for b in data]
        while views:
            written = os.writev(fd, views)
            while views and written >= len(views[0]):  # a short write: go on from there
                written -= len(views[0])
                views.pop(0)
            if views and written:
                views[0] = views[0][written:]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: Payload, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file whole."""
    pending = getattr(_deferred, "paths", None)
    # Only new files may wait for the burst's final sync: replacing a file that
    # holds saved work is always synced at once, whatever happens to the burst.
    if durable and pending is not None and not path.exists():
        pending.append(path)
        durable = False
    tmp = _temp_beside(path)
    try:
        _write_temp(tmp, data, sync=durable)
        crash_point(f"{path.name} written to its temp file")
        os.replace(tmp, path)
        crash_point(f"{path.name} renamed into place")
        if durable:
            fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _write_error(path, exc) from None


def create_new(path: Path, data: Payload) -> bool:
    """Create ``path`` holding ``data`` unless it exists; False (nothing written) if it does
    or the file system has no hard links.

    As :func:`atomic_write` (a temp file, then one atomic step, so a kill leaves no
    torn file), but that step is a hard link, which never replaces a file another
    process made first. Inside ``deferred_sync`` the file is made durable with the
    burst, as every new file is.
    """
    pending = getattr(_deferred, "paths", None)
    tmp = _temp_beside(path)
    try:
        _write_temp(tmp, data, sync=pending is None)
        crash_point(f"{path.name} written to its temp file")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                raise
            return False  # no hard links here (exFAT, some network mounts): caller falls back
        finally:
            os.unlink(tmp)
        crash_point(f"{path.name} linked into place")
        if pending is None:
            fsync_dir(path.parent)
        else:
            pending.append(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _write_error(path, exc) from None
    return True


def mark_written(backup: Path, durable: bool = True) -> None:
    """Create the empty last good copy of a file just written first: 80 bytes, one write().

    No temp file (it would need sweeping in backup/ at every open); a power cut
    mid-way leaves a copy that fails its checksum, which `newsmark doctor` replaces,
    while the live file is saved already. FileExistsError if there is one.
    """
    backup.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, encode_checked({}))
        pending = getattr(_deferred, "paths", None)
        if pending is not None:
            pending.append(backup)
        elif durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def sweep_temp_files(folder: Path) -> int:
    """Delete temp files left by writers that died; keep those of live processes."""
    removed = 0
    if not folder.is_dir():
        return 0
    # listdir and a suffix test first: a folder of 10,000 documents is swept while the
    # reader starts, and DirEntry objects plus a regex per name took twice as long.
    for name in os.listdir(folder):
        if not name.endswith(TMP_SUFFIX):
            continue
        match = _TMP_RE.match(name)
        if not match:
            continue
        pid = int(match["pid"])
        if pid == os.getpid():
            # Ours: a write in flight (the sweep runs on a thread beside the import
            # `newsmark PATH` starts), unless it predates this process (a dead one's
            # with the same pid).
            try:
                if os.stat(folder / name).st_mtime >= _STARTED:
                    continue
            except OSError:
                continue
        elif pid_alive(pid):
            continue
        with contextlib.suppress(OSError):
            os.unlink(folder / name)
            removed += 1
    return removed


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs (a writer whose temp files must stay)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def encode_checked(data: dict[str, Any]) -> bytes:
    """JSON with a trailing ``"_checksum"`` key holding the sha256 of the rest."""
    return b"".join(encode_checked_parts(data))


def encode_checked_parts(data: dict[str, Any]) -> tuple[bytes | memoryview, bytes]:
    """``encode_checked(data)`` as (body, tail): the file is their concatenation.

    The tail is what ``_tail`` reads back: the file's last ``_TAIL_LEN`` bytes, or
    the whole file when the data is empty. Written with writev, a document file of a megabyte
    is not copied: each copy of one cost ~1 ms in page faults on a label.
    """
    body = orjson.dumps(data)
    digest = hashlib.sha256(body).hexdigest().encode()
    if body == b"{}":
        return b"", _EMPTY_TAIL_PREFIX + digest + b'"}'
    return memoryview(body)[:-1], _TAIL_PREFIX + digest + b'"}'


def _split_checked(raw: bytes) -> tuple[bytes, bytes] | None:
    """(body, digest) of a checked file, or None if it has no checksum tail."""
    if raw.startswith(_EMPTY_TAIL_PREFIX) and len(raw) == len(_EMPTY_TAIL_PREFIX) + 66:
        return b"{}", raw[len(_EMPTY_TAIL_PREFIX) : -2]
    if len(raw) < _TAIL_LEN or not raw.endswith(b'"}'):
        return None
    tail = raw[-_TAIL_LEN:]
    if not tail.startswith(_TAIL_PREFIX):
        return None
    # One copy of the body, not two (slice, then concatenation): it can be a megabyte.
    body = b"".join((memoryview(raw)[:-_TAIL_LEN], b"}"))
    return body, tail[len(_TAIL_PREFIX) : -2]


def decode_checked(path: Path, raw: bytes) -> dict[str, Any]:
    """Parse a checked JSON file, raising StoreCorrupt naming the file if it is damaged."""
    hint = "restore it from a backup or run `newsmark doctor`"
    if not raw:
        raise StoreCorrupt(f"{path}: store file is empty (truncated?); {hint}")
    parts = _split_checked(raw)
    if parts is None:
        raise StoreCorrupt(f"{path}: store file is truncated or damaged (no checksum); {hint}")
    body, digest = parts
    if hashlib.sha256(body).hexdigest().encode() != digest:
        raise StoreCorrupt(f"{path}: store file fails its checksum (damaged); {hint}")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise StoreCorrupt(f"{path}: store file is not valid JSON; {hint}") from None
    if not isinstance(data, dict):
        raise StoreCorrupt(f"{path}: store file has an unexpected shape; {hint}")
    return data


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while parsing a large file into objects that stay alive.

    A catalog of 10,000 documents is ~30,000 container objects; the collections
    their allocation triggers would traverse them (and everything else alive)
    again and again, ~a third of opening such a store.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_checked(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreCorrupt(f"{path}: cannot read store file ({exc.strerror})") from None
    return decode_checked(path, raw)


def _tail(path: Path) -> bytes:
    """The checksum tail of a file: cheap proof of whether it changed since we read it."""
    with open(path, "rb") as fh:
        try:
            fh.seek(-_TAIL_LEN, os.SEEK_END)
        except OSError:
            fh.seek(0)
        return fh.read()


class AtomicJSONStorage(Storage):
    """TinyDB storage: one checked JSON file, replaced atomically on every write.

    ``read`` serves a cached parse while the file's checksum tail is unchanged,
    so another process's write is always seen (its tail differs) at the cost of
    reading 80 bytes. Inside ``batch()`` writes are collected and land as one
    atomic write when the block ends, so one user action is one durable write.
    """

    def __init__(
        self,
        path: str | Path,
        create: bool = False,
        durable: bool = True,
        backup: str | Path | None = None,
    ) -> None:
        """``backup``: where to keep the last good version of the file (see ``_keep_backup``).

        The file is created by the first write, not here, so merely reading a
        store (a read-only folder, an export) never writes to it.
        """
        self.path = Path(path)
        self.durable = durable
        self.backup = Path(backup) if backup is not None else None
        self._cache: dict[str, Any] | None = None
        self._cache_tail: bytes | None = None
        self._pending: dict[str, Any] | None = None
        self._depth = 0
        if create and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, encode_checked({}), durable=durable)

    def read(self) -> dict[str, Any] | None:
        if self._pending is not None:
            return self._pending
        try:
            tail = _tail(self.path)
        except FileNotFoundError:
            self._refuse_if_lost()
            return None
        if self._cache is not None and tail == self._cache_tail:
            return self._cache
        data = read_checked(self.path)
        self._cache, self._cache_tail = data, tail
        return data

    def _refuse_if_lost(self) -> None:
        """A missing file that has a last good copy was lost, not never written.

        Reading it as empty would let the next write start afresh and, one write
        later, replace that copy (the last one) by the near-empty file; so it is
        refused until `newsmark doctor` brings the copy back.
        """
        if self.backup is not None and self.backup.exists():
            self._cache = self._cache_tail = None
            raise StoreCorrupt(
                f"{self.path}: store file is missing (its last good copy is in "
                f"{self.backup.parent.name}/); run `newsmark doctor` to restore it "
                "(nothing was written)"
            )

    def write(self, data: dict[str, Any]) -> None:
        if self._depth:
            self._pending = data
            return
        self._flush(data)

    def _stage_backup(self) -> Path | None:
        """Hard-link the current (verified) file under a temp name beside the backup.

        Only a version this process has read and checked is kept, so the backup is
        never a damaged file. The link becomes the backup only after the new file
        is in place (``_flush``): the backup then never shares its inode with the
        live file, so damage done to one in place cannot reach the other (a write
        refused by a full disk used to leave them one file). No data is copied.
        Best effort: a failure here never blocks a save.
        """
        if self.backup is None or self._cache_tail is None:
            return None
        try:
            if _tail(self.path) != self._cache_tail:
                return None
            self.backup.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.backup.with_name(f".{self.backup.name}.{os.getpid()}.link")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.link(self.path, tmp)
        except OSError:
            return None
        return tmp

    def _flush(self, data: dict[str, Any]) -> None:
        body, tail = encode_checked_parts(data)
        first = not self.path.exists()
        if first:
            self._refuse_if_lost()
        staged = self._stage_backup()
        try:
            atomic_write(self.path, (body, tail), durable=self.durable)
        except BaseException:
            # TinyDB mutates the dict read() returned; a failed write must not
            # leave that unsaved state cached as if it were on disk.
            self._cache = self._cache_tail = None
            if staged is not None:
                with contextlib.suppress(OSError):
                    os.unlink(staged)
            raise
        # Exactly what _tail reads back: the last _TAIL_LEN bytes, or the whole of an
        # empty file (shorter than that).
        self._cache, self._cache_tail = data, tail
        self._keep_backup(staged, first)

    def _keep_backup(self, staged: Path | None, first: bool) -> None:
        """Make the staged link the last good copy; after a first write, an empty one.

        The empty copy (the state before the first write, truly) is what tells a
        lost file from one never written (see ``_refuse_if_lost``). Best effort: the
        new file is saved already, and a kill here leaves the older copy in place.
        """
        if self.backup is None:
            return
        try:
            if staged is not None:
                crash_point(f"{self.path.name} saved, its backup not yet moved")
                os.replace(staged, self.backup)
            elif first and not self.backup.exists():
                self._mark_written()
        except OSError:
            if staged is not None:
                with contextlib.suppress(OSError):
                    os.unlink(staged)

    def _mark_written(self) -> None:
        assert self.backup is not None
        mark_written(self.backup, self.durable)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Collect the writes of one logical change into a single atomic write."""
        if self._depth == 0:
            self._pending = None
        self._depth += 1
        ok = False
        try:
            yield
            ok = True
        finally:
            self._depth -= 1
            if self._depth == 0:
                pending, self._pending = self._pending, None
                if not ok:
                    self._cache = self._cache_tail = None
                elif pending is not None:
                    self._flush(pending)

    def take_cache(self) -> tuple[dict[str, Any], bytes] | None:
        """Give away the parsed copy (and the tail it was read with); none is kept."""
        if self._cache is None or self._cache_tail is None or self._depth:
            return None
        taken = (self._cache, self._cache_tail)
        self._cache = self._cache_tail = None
        return taken

    def adopt_cache(self, data: dict[str, Any], tail: bytes) -> bool:
        """Use a parse of this file made elsewhere, if none is cached here yet.

        Safe whatever the file did since: the next ``read`` compares ``tail`` with the
        file's and parses it afresh if they differ.
        """
        if self._cache is not None or self._depth:
            return False
        self._cache, self._cache_tail = data, tail
        return True

    def invalidate(self) -> None:
        self._cache = self._cache_tail = None

    def close(self) -> None:
        self._cache = self._cache_tail = None
