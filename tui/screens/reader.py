"""The reader: article pane, annotation panel, document list, find bar, status.

Data flows one way: a key runs an action here, the action makes one store
call, and the view repaints from what the store returned. The screen never
holds a change the store has not acknowledged.
"""

from __future__ import annotations

import bisect
import gc
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.color import Color, ColorParseError
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from store.errors import NewsmarkError
from store.model import DocumentInfo, Span
from store.store import Change, Store
from tui.actions import bindings
from tui.widgets.annotation_list import AnnotationList
from tui.widgets.article_view import ArticleView, _readable
from tui.widgets.document_list import DocRow, DocumentList
from tui.widgets.input_bar import InputBar
from tui.widgets.key_bar import KeyBar
from tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from store.find import Finder
    from store.segment import Segmenter

_WHITESPACE = " \t\n\r\u00a0\u2028\u2029"
POLL_SECONDS = 2.0


class ReaderScreen(Screen[None]):
    BINDINGS = bindings()
    # The article starts focused. Textual's default ("*") would focus the document
    # list first and on_mount would move focus on: two rounds of focus styling.
    AUTO_FOCUS = "#article"

    def __init__(self, store: Store, annotator: str, open_doc: str | None) -> None:
        super().__init__()
        self.store = store
        self.annotator = annotator
        self.docs: list[DocumentInfo] = store.documents()
        start = open_doc or store.last_opened(annotator) or self.docs[0].id
        self.doc_index = next((i for i, d in enumerate(self.docs) if d.id == start), 0)
        self.spans: list[Span] = []
        self._segmenter: Segmenter | None = None
        self._finder: Finder | None = None
        self.last_query = ""
        self.damaged: str | None = None
        self.saved_text = Text("✓ all changes saved", style="green")
        self._revision = b""
        self._executor: ThreadPoolExecutor | None = None
        self._writer: Store | None = None
        self.pending_writes = 0
        self._shown_colors: dict[str, str] = {}
        self.doc_status = "todo"

    @property
    def scheme(self) -> Any:
        return self.app.scheme  # type: ignore[attr-defined]

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            from store.segment import Segmenter

            self._segmenter = Segmenter(self.view.text)
        return self._segmenter

    @property
    def finder(self) -> Finder:
        if self._finder is None:
            from store.find import Finder

            self._finder = Finder(self.view.text)
        return self._finder

    @property
    def doc(self) -> DocumentInfo:
        return self.docs[self.doc_index]

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(id="title")
            yield Static(id="legend")
        with Horizontal(id="body"):
            with Vertical(id="doc-panel"):
                yield Static(id="docs-header")
                yield DocumentList(id="docs")
                yield InputBar("title contains…", id="docs-filter")
            yield ArticleView(id="article")
            yield AnnotationList(id="annotations")
        yield InputBar("find (enter selects, esc closes)", id="find")
        yield Static(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.saved_text = Text("✓ all changes saved", style=self._ok_style())
        self._fill_doc_list()
        self._refresh_legend()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._refresh_legend())
        self.open_document(self.doc_index)
        self.view.focus()
        # Another newsmark process may import documents or label this one.
        self.set_interval(POLL_SECONDS, self._poll)
        # `newsmark open` pauses the cyclic GC through start-up (see tui.cli); resume
        # it once the first frame is out. A no-op when it is already running.
        self.call_after_refresh(gc.enable)

    def on_resize(self) -> None:
        # Below 110 columns the document list would squeeze the article; hide it.
        panel = self.query_one("#doc-panel")
        if not getattr(self, "_docs_forced", False):
            panel.display = self.size.width >= 110

    # ------------------------------------------------------------- documents

    def _row(self, info: DocumentInfo) -> DocRow:
        try:
            summary = self.store.summary(info.id, self.annotator)
            return DocRow(info.id, info.title, summary.status, summary.spans)
        except NewsmarkError:
            return DocRow(info.id, "⚠ " + info.title, "damaged", 0)

    def _fill_doc_list(self) -> None:
        self.query_one(DocumentList).set_docs(self.docs, self._row, self.doc.id)

    @on(DocumentList.Changed)
    def _doc_list_changed(self) -> None:
        docs = self.query_one(DocumentList)
        self.query_one("#docs-header", Static).update(Text(docs.describe(), style="bold"))

    @on(DocumentList.FilterRequested)
    def _doc_filter_requested(self) -> None:
        bar = self.query_one("#docs-filter", InputBar)
        bar.open(self.query_one(DocumentList).text_filter)

    @on(Input.Submitted, "#docs-filter Input")
    def _doc_filter_submitted(self, event: Input.Submitted) -> None:
        docs = self.query_one(DocumentList)
        docs.set_text_filter(event.value)
        self.query_one("#docs-filter", InputBar).close()
        docs.focus()

    def _poll(self) -> None:
        """Pick up other processes' work: new documents, and changes to this one."""
        if self.pending_writes:
            return  # our own change is on its way; its acknowledgement repaints
        try:
            docs = self.store.documents()
            if len(docs) != len(self.docs):
                current = self.doc.id
                self.docs = docs
                self.doc_index = next(
                    (i for i, d in enumerate(docs) if d.id == current), self.doc_index
                )
                self._fill_doc_list()
                self._refresh_title()
            if self.damaged or self.store.revision(self.doc.id) == self._revision:
                return
            self._revision = self.store.revision(self.doc.id)
            spans = self.store.spans(self.doc.id, self.annotator)
        except NewsmarkError:
            return
        if spans != self.spans:
            self.spans = spans
            self.view.set_spans(spans)
            self._refresh_panel()
            self.query_one(DocumentList).update_row(
                DocRow(self.doc.id, self.doc.title, self.doc_status, len(spans))
            )
            self._say(
                Text(
                    "↻ updated: another newsmark process changed this document",
                    style=self._ok_style(),
                )
            )

    def _remember_position(self) -> None:
        if self.view.text:
            self.store.set_last_opened(self.annotator, self.doc.id, self.view.cursor)

    def open_document(self, index: int) -> None:
        if self.is_mounted and self.view.text:
            self._remember_position()
        self.doc_index = index
        info = self.doc
        self.damaged = None
        try:
            text = self.store.text(info.id)
        except NewsmarkError as exc:
            text, self.damaged = "", str(exc)
        try:
            spans = self.store.spans(info.id, self.annotator) if not self.damaged else []
        except NewsmarkError as exc:
            spans, self.damaged = [], str(exc)
        self.spans = spans
        self._revision = self.store.revision(info.id)
        try:
            self.doc_status = self.store.status(info.id, self.annotator)
        except NewsmarkError:
            self.doc_status = "damaged"
        # Built on first use: word and sentence boundaries cost nothing until a motion.
        self._segmenter = None
        self._finder = None
        self._shown_colors = self._colors()
        cursor = min(self.store.last_position(self.annotator, info.id), len(text))
        self.view.load(text, spans, self._shown_colors, cursor=cursor)
        self._refresh_panel()
        self.query_one(DocumentList).highlight_id(info.id)
        self.store.set_last_opened(self.annotator, info.id)
        self._refresh_title()
        if self.damaged:
            self._say(Text(f"✗ {self.damaged}", style="bold red"))
            self.notify(self.damaged, severity="error", timeout=10)
        else:
            self._refresh_status()

    def _colors(self) -> dict[str, str]:
        scheme = self.scheme.with_extra(sorted({s.label for s in self.spans}))
        return {lab.name: lab.color for lab in scheme.labels}

    def _refresh_title(self) -> None:
        info = self.doc
        status = self.doc_status
        mark = "✓ done" if status == "done" else "todo"
        title = Text.assemble(
            Text(f" {self.doc_index + 1}/{len(self.docs)} ", style="bold reverse"),
            " ",
            Text(info.title, style="bold"),
            Text(f"   {mark}", style=self._ok_style() if status == "done" else "dim"),
        )
        self.query_one("#title", Static).update(title)

    def _refresh_panel(self) -> None:
        panel = self.query_one(AnnotationList)
        panel.set_spans(self.spans, self._colors())
        panel.follow(self.view.cursor, self.view.selected_span_id)

    def _refresh_status(self) -> None:
        view = self.view
        sel = view.selection
        where = f"{sel[0]}–{sel[1]} ({sel[1] - sel[0]} chars)" if sel else f"@{view.cursor}"
        mode = " VISUAL" if view.selecting else ""
        # The save state comes first so that a narrow terminal never cuts it off.
        status = Text.assemble(
            " ",
            self.saved_text,
            Text(f"  │ {self.annotator} │ {len(self.spans)} spans │ {where}{mode}", style="dim"),
            no_wrap=True,
            overflow="ellipsis",
        )
        self.query_one("#status", Static).update(status)

    def _refresh_legend(self) -> None:
        legend = self.query_one("#legend", Static)
        parts: list[Text | str] = []
        for lab in self.scheme.labels:
            if lab.key:
                try:
                    color = _readable(Color.parse(lab.color), legend.background_colors[1]).hex
                except ColorParseError:
                    color = ""
                parts += [Text(f" {lab.key}", style="bold"), Text(f" {lab.name}", style=color)]
        legend.update(Text.assemble(*parts, " "))

    def _ok_style(self) -> str:
        # Plain green is too faint on a light background.
        return "green" if self.app.current_theme.dark else "bold dark_green"

    def _say(self, message: Text) -> None:
        self.saved_text = message
        self._refresh_status()

    def _after_change(self, change: Change | None, verb: str = "") -> None:
        """Repaint from the store after a write returned (the write is durable now)."""
        if change is not None and change.doc_id != self.doc.id:
            # Acknowledged after the user moved to another document: update its row only.
            with suppress(NewsmarkError):
                self.query_one(DocumentList).update_row(
                    self._row(self.store.document(change.doc_id))
                )
            stamp = time.strftime("%H:%M:%S")
            self._say(Text(f"✓ saved {stamp}: {verb}{change.describe()}", style=self._ok_style()))
            return
        if change is not None and change.span is not None:
            # Apply the acknowledged change locally rather than re-reading every span.
            span = change.span
            removed = [s for s in self.spans if s.id == span.id]
            added = [span] if change.kind != "delete" else []
            if removed:
                self.spans.remove(removed[0])
            for new_span in added:
                bisect.insort(self.spans, new_span, key=Span.sort_key)
            colors = self._colors()
            if colors != self._shown_colors:
                self._shown_colors = colors
                self.view.set_colors(colors)
            self.view.update_spans(added, removed)
        self._revision = self.store.revision(self.doc.id)
        if change is not None and change.span is not None and change.kind != "delete":
            self.view.select(change.span.start, change.span.end)
            self.view.selected_span_id = change.span.id
        elif change is not None and change.kind == "delete":
            self.view.selected_span_id = None
            self.view.clear_selection()
        self._refresh_panel()
        if change is not None and change.kind == "status" and change.status:
            self.doc_status = change.status
        self.query_one(DocumentList).update_row(
            DocRow(self.doc.id, self.doc.title, self.doc_status, len(self.spans))
        )
        self._refresh_title()
        if change is not None and change.kind == "status":
            self._revision = self.store.revision(self.doc.id)
        stamp = time.strftime("%H:%M:%S")
        what = (verb + change.describe()) if change is not None else verb
        self._say(Text(f"✓ saved {stamp}: {what}", style=self._ok_style()))

    def _write(
        self, call: Callable[[Store], Change | None], done: Callable[[Change | None], None]
    ) -> None:
        """Make one store change, then repaint from what the store acknowledged.

        With the app's ``write_in_thread`` (the command line turns it on), the change
        runs on one writer thread, in order, so keys never wait on fsync; the status
        line says "saving…" until the write has returned, and only then "saved".
        """
        if not getattr(self.app, "write_in_thread", False):
            try:
                result = call(self.store)
            except NewsmarkError as exc:
                self._fail(exc)
                return
            done(result)
            return
        if self._executor is None or self._writer is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmark-w")
            # Its own Store: no cache or batch state is shared between the threads.
            self._writer = Store(self.store.root)
        writer = self._writer
        executor = self._executor
        app = self.app
        self.pending_writes += 1
        self._say(Text("… saving", style="bold yellow"))

        def work() -> None:
            try:
                outcome: tuple[bool, Any] = (True, call(writer))
            except NewsmarkError as exc:
                outcome = (False, exc)
            except Exception as exc:  # never lose the error on the writer thread
                outcome = (False, NewsmarkError(f"could not save ({type(exc).__name__}: {exc})"))
            with suppress(RuntimeError):  # the app is shutting down
                app.call_from_thread(self._write_done, outcome, done)

        executor.submit(work)

    def _write_done(self, outcome: tuple[bool, Any], done: Callable[[Change | None], None]) -> None:
        self.pending_writes -= 1
        ok, value = outcome
        if ok:
            done(value)
        else:
            self._fail(value)

    def _fail(self, exc: NewsmarkError) -> None:
        self._say(Text(f"✗ not saved: {exc}", style="bold red"))
        self.notify(str(exc), severity="error", timeout=8)

    def _writable(self) -> bool:
        if self.damaged:
            self.notify(
                f"this document is damaged, so nothing is written: {self.damaged}", severity="error"
            )
            return False
        return True

    # --------------------------------------------------------------- events

    @on(ArticleView.CursorMoved)
    def _cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        view = self.view
        sid = view.selected_span_id
        if sid is not None:
            span = next((s for s in self.spans if s.id == sid), None)
            if span is None or view.selection != (span.start, span.end):
                view.selected_span_id = None
        self.query_one(AnnotationList).follow(view.cursor, view.selected_span_id)
        self._refresh_status()

    @on(VirtualList.Chosen, "#annotations")
    def _annotation_chosen(self, event: VirtualList.Chosen) -> None:
        span = self.query_one(AnnotationList).span_at_row(event.index)
        if span is not None:
            self._select_span(span)
            self.view.focus()

    @on(VirtualList.Chosen, "#docs")
    def _doc_chosen(self, event: VirtualList.Chosen) -> None:
        info = self.query_one(DocumentList).doc_at(event.index)
        if info is not None:
            self.open_document(self._index_of(info.id))
        self.view.focus()

    def _index_of(self, doc_id: str) -> int:
        return next((i for i, d in enumerate(self.docs) if d.id == doc_id), self.doc_index)

    @on(Input.Submitted, "#find Input")
    def _find_submitted(self, event: Input.Submitted) -> None:
        self.last_query = event.value
        self._close_find()
        self._find(forward=True, start=self.view.cursor)

    def _close_find(self) -> None:
        self.query_one("#find", InputBar).close()
        self.view.focus()

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and self.query_one("#find", InputBar).input_has_focus:
            event.stop()
            self._close_find()
        elif event.key == "escape" and self.query_one("#docs-filter", InputBar).input_has_focus:
            event.stop()
            self.query_one("#docs-filter", InputBar).close()
            self.query_one(DocumentList).focus()

    # -------------------------------------------------------------- motions

    def _move(self, offset: int) -> None:
        self.view.move_cursor(offset)

    def action_cursor_left(self) -> None:
        self.view.cursor_left()

    def action_cursor_right(self) -> None:
        self.view.cursor_right()

    def action_cursor_up(self) -> None:
        self.view.cursor_up()

    def action_cursor_down(self) -> None:
        self.view.cursor_down()

    def action_select_left(self) -> None:
        self.view.cursor_left(extend=True)

    def action_select_right(self) -> None:
        self.view.cursor_right(extend=True)

    def action_select_up(self) -> None:
        self.view.cursor_up(extend=True)

    def action_select_down(self) -> None:
        self.view.cursor_down(extend=True)

    def action_page_down(self) -> None:
        self.view.page_down()

    def action_page_up(self) -> None:
        self.view.page_up()

    def action_next_word(self) -> None:
        self._move(self.segmenter.next_word(self.view.cursor))

    def action_prev_word(self) -> None:
        self._move(self.segmenter.prev_word(self.view.cursor))

    def action_next_sentence(self) -> None:
        self._move(self.segmenter.next_sentence(self.view.cursor))

    def action_prev_sentence(self) -> None:
        self._move(self.segmenter.prev_sentence(self.view.cursor))

    def action_next_paragraph(self) -> None:
        self._move(self.segmenter.next_paragraph(self.view.cursor))

    def action_prev_paragraph(self) -> None:
        self._move(self.segmenter.prev_paragraph(self.view.cursor))

    def action_doc_start(self) -> None:
        self._move(0)

    def action_doc_end(self) -> None:
        self._move(len(self.view.text))

    # ------------------------------------------------------------ selection

    def action_visual(self) -> None:
        view = self.view
        if view.selecting:
            view.clear_selection()
        else:
            view.clear_selection()
            view.selecting = True
            view.select(view.cursor, view.cursor)
        self._refresh_status()

    def action_clear(self) -> None:
        self.view.selected_span_id = None
        self.view.clear_selection()
        self._refresh_status()

    def action_expand(self) -> None:
        view = self.view
        start, end = view.selection or (view.cursor, view.cursor)
        new = self.segmenter.expand(start, end)
        if new != (start, end):
            view.select(*new)

    def action_quotation(self) -> None:
        found = self.segmenter.quotation_at(self.view.cursor)
        if found is None:
            self.notify("no quotation around the cursor", severity="warning")
            return
        self.view.select(*found)

    def action_find(self) -> None:
        self.query_one("#find", InputBar).open()

    def _find(self, forward: bool, start: int) -> None:
        query = self.last_query
        if not query.strip():
            self.notify("nothing to find: press / and type some text", severity="warning")
            return
        found = self.finder.find(query, start) if forward else self.finder.find_prev(query, start)
        if found is None:
            self.notify(f"“{query}” is not in this document", severity="warning")
            return
        self.view.selecting = False
        self.view.select(*found)

    def action_find_next(self) -> None:
        sel = self.view.selection
        self._find(True, sel[0] + 1 if sel else self.view.cursor)

    def action_find_prev(self) -> None:
        sel = self.view.selection
        self._find(False, sel[0] if sel else self.view.cursor)

    # --------------------------------------------------------------- labels

    def _target_range(self) -> tuple[int, int] | None:
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
        return self.segmenter.word_at(self.view.cursor)

    def action_label(self, n: int) -> None:
        label = self.scheme.nth(n)
        if label is None:
            self.notify(
                f"no label on key {n}; the scheme has {len(self.scheme.labels)}", severity="warning"
            )
            return
        if not self._writable():
            return
        target = self._target_range()
        if target is None:
            self.notify(
                "nothing to label: select text or put the cursor on a word", severity="warning"
            )
            return
        selected = self._selected_span()
        doc_id, who, name = self.doc.id, self.annotator, label.name
        call: Callable[[Store], Change | None]
        if selected is not None and (selected.start, selected.end) == target:
            if selected.label == name:
                self.notify(f"already labelled {name}")
                return
            span_id = selected.id
            call = lambda st: st.relabel_span(doc_id, span_id, name, who)  # noqa: E731
        else:
            start, end = target
            call = lambda st: st.add_span(doc_id, start, end, name, who)  # noqa: E731
        self.view.selecting = False
        self._write(call, self._after_change)

    def _selected_span(self) -> Span | None:
        sid = self.view.selected_span_id
        return next((s for s in self.spans if s.id == sid), None) if sid else None

    def _select_span(self, span: Span) -> None:
        self.view.selecting = False
        self.view.select(span.start, span.end)
        self.view.selected_span_id = span.id
        self.query_one(AnnotationList).follow(self.view.cursor, span.id)
        self._refresh_status()

    def action_next_span(self) -> None:
        if not self.spans:
            self.notify("no annotations in this document yet")
            return
        current = self._selected_span()
        if current is not None:
            i = self.spans.index(current) + 1
        else:
            i = bisect.bisect_right([s.start for s in self.spans], self.view.cursor)
        self._select_span(self.spans[i % len(self.spans)])

    def action_prev_span(self) -> None:
        if not self.spans:
            self.notify("no annotations in this document yet")
            return
        current = self._selected_span()
        if current is not None:
            i = self.spans.index(current) - 1
        else:
            i = bisect.bisect_left([s.start for s in self.spans], self.view.cursor) - 1
        self._select_span(self.spans[i % len(self.spans)])

    def action_delete_span(self) -> None:
        span = self._selected_span()
        if span is None:
            under = sorted(self.view.spans_at(self.view.cursor), key=lambda s: s.end - s.start)
            span = under[0] if under else None
        if span is None:
            self.notify("no annotation to delete: press tab to select one", severity="warning")
            return
        if not self._writable():
            return
        doc_id, who, span_id = self.doc.id, self.annotator, span.id
        self._write(lambda st: st.delete_span(doc_id, span_id, who), self._after_change)

    def _history(self, undo: bool) -> None:
        if not self._writable():
            return
        doc_id, who = self.doc.id, self.annotator

        def step(st: Store) -> Change | None:
            return st.undo(doc_id, who) if undo else st.redo(doc_id, who)

        def done(change: Change | None) -> None:
            if change is None:
                self.notify("nothing to undo" if undo else "nothing to redo")
                self._refresh_status()
                return
            self._after_change(change, verb="undid: " if undo else "redid: ")

        self._write(step, done)

    def action_undo(self) -> None:
        self._history(undo=True)

    def action_redo(self) -> None:
        self._history(undo=False)

    # ------------------------------------------------------------ documents

    def action_next_doc(self) -> None:
        # Follows the document list's order, so a filtered list (t: todo) steps through it.
        info = self.query_one(DocumentList).neighbour(self.doc.id, 1)
        if info is None:
            self.notify("this is the last document")
            return
        self.open_document(self._index_of(info.id))

    def action_prev_doc(self) -> None:
        info = self.query_one(DocumentList).neighbour(self.doc.id, -1)
        if info is None:
            self.notify("this is the first document")
            return
        self.open_document(self._index_of(info.id))

    def action_toggle_done(self) -> None:
        if not self._writable():
            return
        doc_id, who = self.doc.id, self.annotator
        new = "todo" if self.doc_status == "done" else "done"
        self._write(lambda st: st.set_status(doc_id, who, new), self._after_change)

    def action_toggle_docs(self) -> None:
        panel = self.query_one("#doc-panel")
        self._docs_forced = True
        panel.display = not panel.display
        if panel.display:
            self.query_one(DocumentList).focus()
        else:
            self.view.focus()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.scheme))

    def action_quit(self) -> None:
        if self._executor is not None:
            # Changes already queued are seen through before leaving.
            self._executor.shutdown(wait=True)
        self._remember_position()
        self.store.save_index()
        self.app.exit()
