"""The writer thread and the reader's Store keep one copy of the open document between them.

A 1 MB article with 5,000 spans is ~2 MB of text and ~5 MB of parsed document
file; the reader's Store and the writer thread's each kept both (73 MiB after
40 labels). The writer takes the reader's text, and the reader drops its parsed
file once it has read what it shows.
"""

from __future__ import annotations

import queue
from typing import Any

import pytest

from store import storage
from store.store import Change, Store
from tui.writer import ThreadWriter, WriteDone


class _Inbox:
    """Stands in for the reader: ``post_message`` is all the writer calls."""

    def __init__(self) -> None:
        self.messages: queue.SimpleQueue[WriteDone] = queue.SimpleQueue()

    def post_message(self, message: WriteDone) -> None:
        self.messages.put(message)


def test_the_writer_thread_labels_against_the_readers_copy_of_the_text(
    seeded: tuple[Store, str],
) -> None:
    store, doc = seeded
    text = store.text(doc)
    inbox = _Inbox()
    writer = ThreadWriter(store.root, inbox)
    seen: list[str] = []

    def label(st: Store) -> Change:
        seen.append(st.text(doc))
        return st.add_span(doc, 4, 11, "claim", "alice")

    writer.share_text(doc, text)
    writer.submit(label, lambda outcome: None)
    done = inbox.messages.get(timeout=10)
    writer.close()
    assert done.outcome.ok, done.outcome.error
    assert seen[0] is text  # the very same string: one copy, not a second read
    (span,) = store.spans(doc, "alice")
    assert (span.start, span.end, span.text) == (4, 11, text[4:11])


def test_a_released_document_is_parsed_again_only_when_read(
    seeded: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, doc = seeded
    store.add_span(doc, 4, 11, "claim", "alice")
    parses: list[int] = []
    read_checked = storage.read_checked

    def counting(*args: Any) -> Any:
        parses.append(1)
        return read_checked(*args)

    monkeypatch.setattr(storage, "read_checked", counting)
    kept = store.spans(doc)
    assert parses == []  # the write left its data parsed
    store.release(doc)
    assert parses == []  # releasing reads nothing
    assert store.spans(doc) == kept  # and the next read parses the file again, whole
    assert parses == [1]
    store.add_span(doc, 12, 18, "quote", "alice")  # writing after a release works as ever
    assert [s.label for s in store.spans(doc, "alice")] == ["claim", "quote"]


async def test_the_reader_leaves_the_parsed_document_to_its_writer_thread(
    seeded: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app import NewsmarkApp

    store, doc = seeded
    store.add_span(doc, 4, 11, "claim", "alice")  # the reader's Store has it parsed now
    app = NewsmarkApp(store, annotator="alice", write_in_thread=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert [s.text for s in app.screen.spans] == ["defense"]  # type: ignore[attr-defined]
        parses: list[int] = []
        read_checked = storage.read_checked

        def counting(*args: Any) -> Any:
            parses.append(1)
            return read_checked(*args)

        monkeypatch.setattr(storage, "read_checked", counting)
        store.spans(doc)
        assert parses == [1]  # the reader kept no parsed copy of its own
        await pilot.press("l", "1")  # a label still lands, through the writer thread
        for _ in range(200):
            if app.screen.status.save_state == "saved":  # type: ignore[attr-defined]
                break
            await pilot.pause(0.02)
        assert app.screen.status.save_state == "saved"  # type: ignore[attr-defined]
    assert len(store.spans(doc, "alice")) == 2
