"""The open document's layer as the reader shows it, and every change to it.

A label, relabel, delete, undo, redo or status change is one store call made
through the reader's writer; what the store acknowledges is applied to the
article, the annotation panel and the document list. An acknowledgement never
moves the cursor or the selection the user has moved since the key (the
article's ``selection_epoch`` tells), except that undo and redo, which every
later key waits for, select what they restored.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING

from store.errors import NewsmarkError
from store.model import Span
from store.store import Change, Store
from store.textmodel import LINE_BREAKS
from tui.span_index import insort_span, remove_span
from tui.widgets.document_list import DocRow
from tui.writer import Outcome

if TYPE_CHECKING:
    from tui.screens.reader import ReaderScreen
    from tui.widgets.article_view import ArticleView
    from tui.widgets.status_bar import StatusBar
    from tui.writer import SyncWriter, ThreadWriter

# Trimmed off a selection before it is labelled: spaces, tabs and every line break.
_WHITESPACE = " \t\u00a0" + LINE_BREAKS


class LayerEditor:
    """The spans of the open layer, kept equal to what the store acknowledged."""

    def __init__(self, reader: ReaderScreen) -> None:
        self.reader = reader
        #: The layer's spans as the store acknowledged them, sorted by Span.sort_key.
        self.spans: list[Span] = []
        # How many spans use each label: the colours cover every label in use, and
        # counting keeps a label from scanning all spans for their labels.
        self._labels: Counter[str] = Counter()
        self._wrote = False  # a write of this session returned for the open document
        self._shown_colors: dict[str, str] = {}

    def set_spans(self, spans: list[Span]) -> None:
        """Replace the whole layer (a document opened, another process changed it)."""
        self.spans = sorted(spans, key=Span.sort_key)
        self._labels = Counter(s.label for s in spans)

    def replace(self, spans: list[Span]) -> None:
        """Show another process's version of the layer: spans, colours, panel."""
        self.set_spans(spans)
        colors = self.colors()
        if colors != self._shown_colors:
            # A label another process used that the scheme does not name gets a colour.
            self._shown_colors = colors
            self.view.set_colors(colors)
        self.view.set_spans(self.spans)
        self.refresh_panel()

    def _apply_spans(self, added: list[Span], removed: list[Span]) -> None:
        """Apply one acknowledged change to the sorted list and the label counts."""
        for span in removed:
            if not remove_span(self.spans, span):
                if span not in self.spans:
                    continue  # never expected: the view and this list hold the same spans
                self.spans.remove(span)
            self._labels[span.label] -= 1
            if not self._labels[span.label]:
                del self._labels[span.label]
        for span in added:
            insort_span(self.spans, span)
            self._labels[span.label] += 1

    @property
    def view(self) -> ArticleView:
        return self.reader.view

    @property
    def status(self) -> StatusBar:
        return self.reader.status

    @property
    def writer(self) -> SyncWriter | ThreadWriter:
        return self.reader.writer

    def load(self, spans: list[Span]) -> dict[str, str]:
        """A document was opened with ``spans``; returns the label colours to show."""
        self.set_spans(spans)
        self._wrote = False
        self._shown_colors = self.colors()
        return self._shown_colors

    def write(
        self, call: Callable[[Store], Change | None], done: Callable[[Outcome], None]
    ) -> None:
        """Make one store change; ``done`` repaints from what the store acknowledged.

        With the app's ``write_in_thread`` (the command line turns it on) the change
        runs on the writer thread, in order, so keys never wait on fsync; the status
        line says "saving…" until the write has returned, and only then "saved".
        """
        self.status.say("saving", "saving…")
        self.writer.submit(call, done)
        # Usually the write returns within a frame: the key's change, the span and
        # "saved" are then drawn together, in one frame.
        self.reader.hold_frame_for_write()

    def acknowledged(
        self, outcome: Outcome, epoch: int, verb: str = "", follow: bool = False
    ) -> None:
        """Repaint after a write returned.

        The cursor and the selection stay where they are, except that ``follow``
        (undo, redo: every later key waited for this) selects what was restored and
        drops the selection of what was removed, if nothing moved since the key.
        """
        if not outcome.ok:
            assert outcome.error is not None
            self.fail(outcome.error)
            return
        change = outcome.change
        if change is None:
            return
        stamp = time.strftime("%H:%M:%S")
        if change.doc_id != self.reader.doc.id:
            # Acknowledged after the user moved to another document: update its row only.
            with suppress(NewsmarkError):
                self.reader.doc_list.update_row(
                    self.reader.row_for(self.reader.store.document(change.doc_id))
                )
            self.say_saved(f"saved {stamp}: {_what(change, verb)}")
            return
        view = self.view
        span = change.span
        if change.kind in ("adjudicate", "link", "unlink", "cue"):
            # Several spans at once, or none (a link); the selection stays where it is.
            self._apply_batch(list(change.spans), list(change.removed))
        elif span is not None:
            # Apply the acknowledged change locally rather than re-reading every span:
            # the list, the view's index and the panel each update in place.
            # One span replaces what the view shows under its id (nothing, when new).
            self._apply_batch([span] if change.kind != "delete" else [], [span], keep=True)
            unmoved = view.selection_epoch == epoch
            if change.kind == "delete":
                if view.selected_span_id == span.id:
                    view.selected_span_id = None
                if follow and unmoved:
                    view.clear_selection()
            elif follow and unmoved:
                view.selecting = False
                view.select(span.start, span.end)
                view.selected_span_id = span.id
            elif unmoved and view.selection == (span.start, span.end):
                # Nothing moved since the key: the span on screen is the one selected,
                # so the next digit relabels it.
                view.selected_span_id = span.id
        if change.kind == "status" and change.status:
            self.reader.doc_status = change.status
            self.reader.refresh_title()
        self.reader.watcher.seen(self.reader.doc.id, outcome.revision)
        self.reader.annotation_list.follow(view.cursor, view.selected_span_id)
        self.reader.tagger.applied(change)
        reader = self.reader
        reader.doc_list.update_row(
            DocRow(reader.doc.id, reader.doc.title, reader.doc_status, len(self.spans),
                   reader.tagger.summary())
        )
        self._wrote = True
        self.say_saved(f"saved {stamp}: {_what(change, verb)}")
        self.reader.linker.applied(change)
        if self.reader.adjudicating:
            self.reader.adjudication.changed()
            if follow and change.kind == "adjudicate" and view.selection_epoch == epoch:
                # Undo took a decision back: offer the disagreement it reopened.
                self.reader.adjudication.offer_at(change, verb)
        self.reader.show_position()

    def _apply_batch(self, added: list[Span], removed: list[Span], keep: bool = False) -> None:
        """Apply acknowledged spans to the list, the view and the panel, in place.

        ``removed`` are looked up in the view by id (what it shows is what goes);
        ``keep`` leaves the selected span to the caller.
        """
        view = self.view
        removed = [old for s in removed if (old := view.span(s.id)) is not None]
        self._apply_spans(added, removed)
        colors = self.colors()
        if colors != self._shown_colors:
            self._shown_colors = colors
            view.set_colors(colors)
        view.update_spans(added, removed)
        self.reader.annotation_list.apply(added, removed, colors)
        if not keep and view.selected_span_id in {s.id for s in removed}:
            view.selected_span_id = None

    def say_saved(self, message: str) -> None:
        if self.writer.pending:
            self.status.say("saving", f"{message} · {self.writer.pending} more saving…")
        else:
            self.status.say("saved", message)

    def say_idle(self, message: str) -> None:
        """A key that wrote nothing: the save state is what it was before it."""
        if self.writer.pending:
            self.status.say("saving", f"{message} · saving…")
        else:
            self.status.say("saved" if self._wrote else "clean", message)

    def fail(self, exc: NewsmarkError) -> None:
        self.status.say("failed", f"not saved: {exc}")
        self.reader.notify(str(exc), severity="error", timeout=8, markup=False)
        # Until another key is handled, the user may not have seen this: a quit
        # right now repeats it on the terminal after the reader has gone.
        self.reader.unseen_failure = str(exc)

    def writable(self) -> bool:
        if self.reader.damaged:
            self.reader.notify(
                f"this document is damaged, so nothing is written: {self.reader.damaged}",
                severity="error",
            )
            return False
        return True

    def target_range(self) -> tuple[int, int] | None:
        """The selection without surrounding whitespace, or the word under the cursor."""
        sel = self.view.selection
        text = self.view.text
        if sel is not None:
            start, end = sel
            while start < end and text[start] in _WHITESPACE:
                start += 1
            while end > start and text[end - 1] in _WHITESPACE:
                end -= 1
            return (start, end) if start < end else None
        return self.view.segmenter.word_at(self.view.cursor)

    def action_label(self, n: int) -> None:
        label = self.reader.scheme.nth(n)
        if label is None:
            self.reader.notify(
                f"no label on key {n}; the scheme has {len(self.reader.scheme.labels)}",
                severity="warning",
            )
            return
        if not self.writable():
            return
        target = self.target_range()
        if target is None:
            self.reader.notify(
                "nothing to label: select text or put the cursor on a word", severity="warning"
            )
            return
        view = self.view
        selected = self.selected_span()
        doc_id, who, name = self.reader.doc.id, self.reader.layer_owner, label.name
        call: Callable[[Store], Change | None]
        if selected is not None and (selected.start, selected.end) == target:
            if selected.label == name:
                self.reader.notify(f"already labelled {name}")
                return
            span_id = selected.id
            call = lambda st: st.relabel_span(doc_id, span_id, name, who)  # noqa: E731
        else:
            start, end = target
            me = self.reader.annotator  # recorded as the adjudicator of a gold span
            call = lambda st: st.add_span(doc_id, start, end, name, who, adjudicator=me)  # noqa: E731
            # Show what is being labelled: the (trimmed) selection or the word.
            view.selecting = False
            if view.selection != target:
                view.select(*target)
        view.selecting = False
        epoch = view.selection_epoch
        self.write(call, lambda outcome: self.acknowledged(outcome, epoch))

    def selected_span(self) -> Span | None:
        return self.view.span(self.view.selected_span_id)

    def select_span(self, span: Span) -> None:
        view = self.view
        view.selecting = False
        view.select(span.start, span.end)
        view.selected_span_id = span.id
        self.reader.annotation_list.follow(view.cursor, span.id)

    def action_select_annotation(self, row: int) -> None:
        span = self.reader.annotation_list.span_at_row(row)
        if span is not None:
            self.select_span(span)
            self.reader.set_mode(self.reader.article_mode)

    def action_next_span(self) -> None:
        if not self.spans:
            self.reader.notify("no annotations in this document yet")
            return
        current = self.selected_span()
        if current is not None:
            i = self.spans.index(current) + 1
        else:
            i = bisect.bisect_right([s.start for s in self.spans], self.view.cursor)
        self.select_span(self.spans[i % len(self.spans)])

    def action_prev_span(self) -> None:
        if not self.spans:
            self.reader.notify("no annotations in this document yet")
            return
        current = self.selected_span()
        if current is not None:
            i = self.spans.index(current) - 1
        else:
            i = bisect.bisect_left([s.start for s in self.spans], self.view.cursor) - 1
        self.select_span(self.spans[i % len(self.spans)])

    def action_delete_span(self) -> None:
        span = self.selected_span()
        if span is None:
            under = sorted(self.view.spans_at(self.view.cursor), key=lambda s: s.end - s.start)
            span = under[0] if under else None
        if span is None:
            self.reader.notify(
                "no annotation to delete: press tab to select one", severity="warning"
            )
            return
        if not self.writable():
            return
        doc_id, who, span_id = self.reader.doc.id, self.reader.layer_owner, span.id
        # The key's own effect, at once: what it deleted is no longer selected.
        self.view.action_clear()
        epoch = self.view.selection_epoch
        self.write(
            lambda st: st.delete_span(doc_id, span_id, who),
            lambda outcome: self.acknowledged(outcome, epoch),
        )

    def history(self, undo: bool) -> None:
        if not self.writable():
            return
        doc_id, who = self.reader.doc.id, self.reader.layer_owner
        epoch = self.view.selection_epoch

        def step(st: Store) -> Change | None:
            return st.undo(doc_id, who) if undo else st.redo(doc_id, who)

        def done(outcome: Outcome) -> None:
            self.reader.settling -= 1
            if outcome.ok and outcome.change is None:
                self.say_idle("nothing to undo" if undo else "nothing to redo")
                return
            self.acknowledged(outcome, epoch, "undid: " if undo else "redid: ", follow=True)

        self.reader.settling += 1
        self.write(step, done)

    def action_undo(self) -> None:
        self.history(undo=True)

    def action_redo(self) -> None:
        self.history(undo=False)

    def action_toggle_done(self) -> None:
        if not self.writable():
            return
        doc_id, who = self.reader.doc.id, self.reader.layer_owner
        new = "todo" if self.reader.doc_status == "done" else "done"
        epoch = self.view.selection_epoch
        self.write(
            lambda st: st.set_status(doc_id, who, new),
            lambda outcome: self.acknowledged(outcome, epoch),
        )

    def colors(self) -> dict[str, str]:
        scheme = self.reader.scheme.with_extra(sorted(self._labels))
        return {lab.name: lab.color for lab in scheme.labels}

    def refresh_panel(self) -> None:
        panel = self.reader.annotation_list
        panel.set_spans(self.spans, self.colors())
        panel.follow(self.view.cursor, self.view.selected_span_id)


def _what(change: Change, verb: str) -> str:
    """The status line's account of a change; undo and redo say what came back or went."""
    text = change.describe()
    if verb:
        # An undone delete comes back as an add: "undid: restored …", not "labelled".
        if text.startswith("labelled "):
            text = "restored " + text.removeprefix("labelled ")
        elif text.startswith("deleted "):
            text = "removed " + text.removeprefix("deleted ")
    return verb + text
