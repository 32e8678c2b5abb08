"""The reader's writes: one store change at a time, in order, off the UI thread.

Keys never wait on fsync: a change runs on the writer thread with its own
``Store`` (no cache is shared between threads) and its outcome comes back to
the UI thread as a message. The thread never waits for the UI thread, so
quitting while a write is in flight cannot deadlock: the reader holds `q` until
the outstanding writes are acknowledged, then closes the writer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from textual.message import Message

from store.docfiles import Parsed
from store.errors import NewsmarkError
from store.store import Change, Store

Call = Callable[[Store], Change | None]
Done = Callable[["Outcome"], None]


class Outcome(NamedTuple):
    """What one write did: its change, or the error that kept it from the store."""

    change: Change | None = None
    error: NewsmarkError | None = None
    #: The document's revision token (``Store.revision``) read right after the write,
    #: on the writer thread, so the UI thread does no file I/O to acknowledge it.
    revision: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class WriteDone(Message):
    """Posted (thread-safely) to the reader when a write returned."""

    def __init__(self, outcome: Outcome, done: Done) -> None:
        super().__init__()
        self.outcome = outcome
        self.done = done


def run_call(call: Call, store: Store) -> Outcome:
    """Run one change; every failure becomes an Outcome, never an exception."""
    try:
        return Outcome(call(store))
    except NewsmarkError as exc:
        return Outcome(error=exc)
    except Exception as exc:  # never lose an error on the writer thread
        return Outcome(error=NewsmarkError(f"could not save ({type(exc).__name__}: {exc})"))


class SyncWriter:
    """Writes on the calling thread (tests, and library use of the reader)."""

    pending = 0

    def __init__(self, store: Store) -> None:
        self.store = store

    def submit(self, call: Call, done: Done) -> None:
        done(run_call(call, self.store))

    def share_text(self, doc_id: str, text: str) -> None:
        pass  # the reader's own Store writes: it has the text already

    def share_parsed(self, doc_id: str, parsed: Parsed) -> None:
        pass  # never taken from the reader's Store: it writes with it

    def close(self) -> None:
        pass


class ThreadWriter:
    """One writer thread; outcomes are posted to ``target`` as ``WriteDone`` messages."""

    def __init__(self, root: Path, target: Any) -> None:
        self._root = root
        self._target = target  # a Textual MessagePump: post_message is thread-safe
        self._queue: queue.SimpleQueue[tuple[Call, Done] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        #: Writes submitted and not yet acknowledged on the UI thread.
        self.pending = 0
        # (doc_id, text) the writer's Store takes before its next write (share_text).
        self._text: tuple[str, str] | None = None
        # (doc_id, parsed file) it adopts likewise (share_parsed).
        self._parsed: tuple[str, Parsed] | None = None

    def share_text(self, doc_id: str, text: str) -> None:
        """The open document's text, as the reader read and checked it: one copy, not two."""
        self._text = (doc_id, text)  # one assignment: safe to read from the thread

    def share_parsed(self, doc_id: str, parsed: Parsed) -> None:
        """The open document's file as the reader parsed it (``Store.adopt_parsed``).

        The reader never touches it again; one that arrives too late to be adopted
        is dropped, and the writer parses the file itself.
        """
        self._parsed = (doc_id, parsed)

    def submit(self, call: Call, done: Done) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="newsmark-writer", daemon=True)
            self._thread.start()
        self.pending += 1
        self._queue.put((call, done))

    def acknowledged(self) -> None:
        """Called on the UI thread once a write's outcome has been shown."""
        self.pending -= 1

    def _run(self) -> None:
        store: Store | None = None
        taken: tuple[str, str] | None = None
        while True:
            job = self._queue.get()
            if job is None:
                break
            call, done = job
            if store is None:
                try:
                    store = Store(self._root)
                except Exception as exc:  # reported through the outcome like any failure
                    outcome = Outcome(error=NewsmarkError(f"could not open the store: {exc}"))
                    self._target.post_message(WriteDone(outcome, done))
                    continue
            shared = self._text
            if shared is not None and shared is not taken:
                store.share_text(*shared)
                taken = shared
            parsed = self._parsed
            if parsed is not None:
                self._parsed = None
                store.adopt_parsed(*parsed)
            outcome = run_call(call, store)
            if outcome.change is not None:
                revision = store.revision(outcome.change.doc_id)
                outcome = Outcome(outcome.change, outcome.error, revision)
            self._target.post_message(WriteDone(outcome, done))
        if store is not None:
            store.close()

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued and stop the thread (it never waits on the UI)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
