"""The reader: composes the panes and routes each key to the mode that has it.

Data flows one way: a key (in the order typed, ``tui.keys``) runs an action of
the current mode (``tui.modes``), an action that changes the layer makes one
store call through the writer (``tui.writer``), and the view repaints from
what the store acknowledged. The screen never holds a change the store has not
acknowledged, and an acknowledgement never moves the cursor or the selection.
"""

from __future__ import annotations

import gc
from contextlib import AbstractContextManager, suppress
from functools import cached_property
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.color import Color, ColorParseError
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from store.errors import NewsmarkError
from store.model import DocumentInfo, Span
from store.records import GOLD
from store.store import Store
from tui.actions import EDIT, Action
from tui.adjudicating import Adjudication
from tui.editing import LayerEditor
from tui.keys import Item, KeyStream, Perform
from tui.linking import Linker
from tui.modes import HelpMode, Mode, all_modes
from tui.safe import safe_text
from tui.tagging import Tagger
from tui.watcher import StoreWatcher
from tui.widgets.annotation_list import AnnotationList
from tui.widgets.article_view import ArticleView, _readable
from tui.widgets.document_list import DocRow, DocumentList
from tui.widgets.key_bar import KeyBar
from tui.widgets.prompt_bar import PromptBar
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_list import VirtualList
from tui.writer import SyncWriter, ThreadWriter, WriteDone

if TYPE_CHECKING:
    from store.labels import LabelScheme
    from tui.app import NewsmarkApp

POLL_SECONDS = 2.0
# How long a write's key holds the screen's next frame: a write usually returns
# sooner, and the span and "saved" then arrive in the same frame as the key's own
# change, instead of "saving…" first and "saved" a frame or two (17–33 ms) later.
# A slower write shows "saving…" after this and "saved" when it returns. A label on
# a 1 MB article with 5,000 spans writes in 20–40 ms on a busy 2-core machine.
SAVE_HOLD_SECONDS = 0.05
# How long a signal waits for writes in flight before the reader leaves anyway
# (a document lock held by another process times out after 5 s).
SHUTDOWN_GRACE_SECONDS = 8.0

# Clicking an annotation in the panel: queued like a key, so it acts in order.
_SELECT_ANNOTATION = Action(
    "newsmark.select_annotation", "", "select_annotation", "Select an annotation", EDIT,
    target="layer", waits=True, palette=False,
)  # fmt: skip


def _resume_gc() -> None:
    """Resume the cyclic GC paused for start-up, leaving out what start-up built.

    Everything alive now (modules, the app, its widgets and styles) lives as long as
    the process: frozen first, the collection that resumes with the GC does not
    traverse it. Unfrozen, that collection (~25 ms) ran before the first frame was
    written to the terminal.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


class ReaderScreen(Screen[None]):
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
        self.editor = LayerEditor(self)
        self.last_query = ""
        self.damaged: str | None = None
        self.doc_status = "todo"
        self.modes: dict[str, Mode] = all_modes()
        self.mode: Mode = self.modes["normal"]
        #: The mode being switched to, while the old one leaves ("" otherwise).
        self.next_mode = ""
        #: The mode left by the last switch (help returns there).
        self.previous_mode = "normal"
        self.keys = KeyStream(self._held, self._handle)
        self.writer: SyncWriter | ThreadWriter = SyncWriter(store)
        self.watcher = StoreWatcher(store)
        self.quitting = False
        #: Other annotators' spans are on show (``a``), underlined, never edited.
        self.show_others = False
        self._quit_reason = "quit"
        #: A write that failed with no key handled since (said again on quitting).
        self.unseen_failure: str | None = None
        #: Undo/redo in flight, or a pane resizing: every key waits until it is 0.
        self.settling = 0
        self._docs_forced = False
        #: Adjudicating (``A``): the keys edit gold, every annotator's spans on show.
        self.adjudicating = False
        self.adjudication = Adjudication(self)
        self._others_before = False
        self.linker = Linker(self)
        self.tagger = Tagger(self)
        # The frame held for a write in flight (``hold_frame_for_write``), if any.
        self._frame_hold: AbstractContextManager[None] | None = None

    # --------------------------------------------------------- typed handles
    # The panes are composed once and never replaced, so each is looked up once: a
    # query walks the DOM (up to ~30 µs), and a label asks for several of them.

    @property
    def newsmark(self) -> NewsmarkApp:
        return cast("NewsmarkApp", self.app)

    @property
    def layer_owner(self) -> str:
        """Whose layer the keys edit: gold while adjudicating, else the annotator's own."""
        return GOLD if self.adjudicating else self.annotator

    @property
    def article_mode(self) -> str:
        """The mode of the article's keys: adjudication while it is on."""
        return "adjudicate" if self.adjudicating else "normal"

    @property
    def scheme(self) -> LabelScheme:
        return self.newsmark.scheme

    @property
    def doc(self) -> DocumentInfo:
        return self.docs[self.doc_index]

    @cached_property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @cached_property
    def doc_list(self) -> DocumentList:
        return self.query_one(DocumentList)

    @cached_property
    def doc_panel(self) -> Widget:
        return self.query_one("#doc-panel")

    @cached_property
    def annotation_list(self) -> AnnotationList:
        return self.query_one(AnnotationList)

    @cached_property
    def find_bar(self) -> PromptBar:
        return self.query_one("#find", PromptBar)

    @cached_property
    def filter_bar(self) -> PromptBar:
        return self.query_one("#docs-filter", PromptBar)

    @cached_property
    def link_bar(self) -> PromptBar:
        return self.query_one("#link-bar", PromptBar)

    @cached_property
    def link_picker(self) -> Static:
        return self.query_one("#link-picker", Static)

    @cached_property
    def tag_picker(self) -> Static:
        return self.query_one("#tag-picker", Static)

    @cached_property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def spans(self) -> list[Span]:
        """The open layer's spans, as the store acknowledged them."""
        return self.editor.spans

    @property
    def pending_writes(self) -> int:
        """Writes submitted and not yet acknowledged."""
        return self.writer.pending

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(id="title")
            yield Static(id="legend")
        with Horizontal(id="body"):
            with Vertical(id="doc-panel"):
                yield Static(id="docs-header")
                yield DocumentList(id="docs")
                yield PromptBar("title", "contains… (enter filters, esc closes)", id="docs-filter")
            yield ArticleView(id="article")
            yield AnnotationList(id="annotations")
        yield Static(id="link-picker")
        yield Static(id="tag-picker")
        yield PromptBar("link to", "type to filter (enter links, esc closes)", id="link-bar")
        yield PromptBar("find", "find (enter selects, esc closes)", id="find")
        yield StatusBar(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.newsmark.write_in_thread:
            self.writer = ThreadWriter(self.store.root, self)
        self.status.dark = self.app.current_theme.dark
        self._fill_doc_list()
        self._refresh_legend()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.adjudication.seed = self.newsmark.gold_seed
        if self.newsmark.start_adjudicating:
            self.adjudicating = self.show_others = True
            self.mode = self.modes["adjudicate"]
            self.query_one(KeyBar).set_mode(self.mode.name, self.mode.label)
        self.open_document(self.doc_index)
        self.view.focus()
        # Keys typed before the article is wrapped for its pane (a large one finishes
        # wrapping in a thread after the first frame) wait for it, as after a resize.
        self._await_layout()
        # Another newsmark process may import documents or label this one.
        self.set_interval(POLL_SECONDS, self._poll)
        # `newsmark open` pauses the cyclic GC through start-up (see tui/__main__.py);
        # resume it once the first frame is out. A no-op when it is already running.
        self.call_after_refresh(_resume_gc)

    def _theme_changed(self, _theme: object) -> None:
        self.status.dark = self.app.current_theme.dark
        self.status.refresh()
        self._refresh_legend()

    def on_resize(self) -> None:
        # Below 110 columns the document list would squeeze the article; hide it.
        if not self._docs_forced and self.mode.name not in ("doclist", "filter"):
            self.doc_panel.display = self.size.width >= 110

    # ------------------------------------------------------------ key stream

    def feed(self, item: Item) -> None:
        """A key or paste from the app, in the order typed."""
        self.keys.feed(item)

    def perform(self, action: Action, args: tuple[object, ...] | None = None) -> None:
        """Run an action from the palette, the mouse or the key bar, in key order."""
        self.keys.feed(Perform(action, args))

    def _resolve(self, item: Item) -> Action | None:
        if isinstance(item, Perform):
            return item.action
        if isinstance(item, events.Paste):
            return None
        table = self.newsmark.key_table.keymap(self.mode.name)
        for key in (item.key, *item.aliases):
            action = table.get(key)
            if action is not None:
                return action
        return None

    def _held(self, item: Item) -> bool:
        if self.settling:
            return True
        action = self._resolve(item)
        return action is not None and action.waits and self.writer.pending > 0

    def _handle(self, item: Item) -> None:
        action = self._resolve(item)
        if action is None or action.name != "quit":
            self.unseen_failure = None  # the user acted after seeing it
        if not isinstance(item, Perform) and self.app.screen is not self and not self.mode.modal:
            # An earlier key opened a modal screen (help, palette): it gets the rest.
            self.app.post_message(_copy(item))
            return
        mode = self.mode
        if isinstance(item, events.Paste):
            bar = mode.prompt(self)
            if bar is not None:
                bar.insert(item.text)
            else:
                self.notify("paste goes into find (/) or the title filter", severity="warning")
            return
        if isinstance(item, Perform):
            self._run(item.action, item.args)
        elif action is not None:
            self._run(action, None)
        elif mode.text_entry and item.is_printable and item.character:
            bar = mode.prompt(self)
            assert bar is not None
            bar.insert(item.character)
        elif mode.name == "doclist" and item.is_printable:
            self.notify("the document list has the keys: esc returns to the article")
        if mode is self.mode and mode.text_entry:
            mode.typed(self)  # the prompt's text may have changed: the picker follows it
        self._follow_cursor()

    def _follow_cursor(self) -> None:
        """The annotation panel and the status line follow the article's cursor.

        Done at once after each key, so they repaint in the same frame as the article:
        left to the view's ``CursorMoved`` message, which often arrives after that
        frame, they cost a second frame (~30 ms later) and its CPU. The message then
        finds nothing left to change.
        """
        view = self.view
        self.annotation_list.follow(view.cursor, view.selected_span_id)
        self.show_position()

    def _run(self, action: Action, args: tuple[object, ...] | None) -> None:
        targets: dict[str, object] = {
            "reader": self,
            "layer": self.editor,
            "adjudicate": self.adjudication,
            "link": self.linker,
            "tag": self.tagger,
            "article": self.view,
            "doclist": self.doc_list,
            "app": self.app,
        }
        if action.target == "prompt":
            target: object = self.mode.prompt(self)
        elif action.target == "help":
            from tui.screens.help import HelpScreen  # loaded with the help screen itself

            target = self.app.screen if isinstance(self.app.screen, HelpScreen) else None
        else:
            target = targets[action.target]
        if target is None:
            return
        method = getattr(target, f"action_{action.name}")
        method(*(action.args if args is None else args))

    def set_mode(self, name: str) -> None:
        """Switch the keys to mode ``name``: its pane shows focus, the key bar its keys."""
        if name == self.mode.name:
            return
        self.next_mode = name
        self.previous_mode = self.mode.name
        self.mode.leave(self)
        self.mode = self.modes[name]
        self.mode.enter(self)
        self.next_mode = ""
        self.query_one(KeyBar).set_mode(name, self.mode.label)
        self.show_position()
        self._await_layout()

    def _await_layout(self) -> None:
        """Hold the keys until the screen is laid out again after a pane was shown or hidden.

        A bar or the document list changes the article's size; the next motion (a
        line or a page down) must move on the rows the user then sees, as it does
        when typed slowly.
        """
        self.settling += 1
        waiting = {"started": False, "done": False}

        def check(tries: int) -> None:
            if waiting["done"] or (tries == 0 and waiting["started"]):
                return
            waiting["started"] = True
            if not self.view.rows_ready and tries < 100:
                self.set_timer(0.01, lambda: check(tries + 1))
                return
            waiting["done"] = True
            self.settling -= 1
            self.keys.pump()

        self.call_after_refresh(check, 0)
        # Should nothing need repainting, no refresh comes: start checking anyway.
        self.set_timer(0.1, lambda: check(0))

    def action_to_article(self) -> None:
        self.set_mode(self.article_mode)

    # ------------------------------------------------------------- documents

    def row_for(self, info: DocumentInfo) -> DocRow:
        """The document list's row for ``info``: its status and span count in this layer."""
        try:
            summary = self.store.summary(info.id, self.layer_owner)
            return DocRow(info.id, info.title, summary.status, summary.spans, summary.tags)
        except NewsmarkError:
            return DocRow(info.id, "⚠ " + info.title, "damaged", 0)

    def _fill_doc_list(self) -> None:
        self.doc_list.set_docs(self.docs, self.row_for, self.doc.id)

    @on(DocumentList.Changed)
    def _doc_list_changed(self) -> None:
        header = self.query_one("#docs-header", Static)
        header.update(safe_text(self.doc_list.describe(), style="bold"))

    def _poll(self) -> None:
        """Pick up other processes' work: new documents, and changes to this one."""
        if self.writer.pending or len(self.keys):
            return  # our own change is on its way; its acknowledgement repaints
        seen = self.watcher.poll(
            self.doc.id, len(self.docs), self.layer_owner, bool(self.damaged)
        )
        if seen.documents is not None:
            current = self.doc.id
            self.docs = seen.documents
            self.doc_index = self._index_of(current)
            self._fill_doc_list()
            self.refresh_title()
        if seen.spans is not None:
            self._release_parsed()
        if seen.spans is not None and seen.spans != self.spans:
            self.editor.replace(seen.spans)
            self.doc_list.update_row(
                DocRow(self.doc.id, self.doc.title, self.doc_status, len(seen.spans),
                       self.tagger.summary())
            )
            self.status.say("updated", "updated: another newsmark process changed this document")

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
            spans = self.store.spans(info.id, self.layer_owner) if not self.damaged else []
        except NewsmarkError as exc:
            spans, self.damaged = [], str(exc)
        colors = self.editor.load(spans)
        try:
            relations = self.store.relations(info.id, self.layer_owner) if not self.damaged else []
        except NewsmarkError:
            relations = []
        self.linker.load(relations)
        self.tagger.load()
        self.watcher.seen(info.id)
        try:
            self.doc_status = self.store.status(info.id, self.layer_owner)
        except NewsmarkError:
            self.doc_status = "damaged"
        cursor = min(self.store.last_position(self.annotator, info.id), len(text))
        self.view.load(text, spans, colors, cursor=cursor)
        if self.show_others:
            self._load_others()
        self.editor.refresh_panel()
        self.annotation_list.set_links(self.linker.summaries())
        self.doc_list.highlight_id(info.id)
        self.store.set_last_opened(self.annotator, info.id)
        self.refresh_title()
        if self.damaged:
            self.status.say("failed", self.damaged)
            self.notify(self.damaged, severity="error", timeout=10)
        else:
            # A new document starts clean: the last one's "saved: …" would be a lie here.
            self.status.say("clean", "all changes saved")
        if self.adjudicating:
            self.adjudication.load()
        self.show_position()
        if not self.damaged:
            self.writer.share_text(info.id, text)
            # Its row from what was just read: a summary would parse the file again.
            self.doc_list.update_row(
                DocRow(info.id, info.title, self.doc_status, len(spans), self.tagger.summary())
            )
        self._release_parsed()

    def _release_parsed(self) -> None:
        """Hand the open document's one parsed copy to the writer thread's Store.

        The reader has what it shows (spans, links, status); keeping the parsed file
        as well would hold it twice (~5 MB at 5,000 spans), and the writer would parse
        it again for the first label. Only a rare read (another process's change,
        others' spans) parses it here again, and hands that on too.
        """
        if isinstance(self.writer, ThreadWriter):
            parsed = self.store.take_parsed(self.doc.id)
            if parsed is not None:
                self.writer.share_parsed(self.doc.id, parsed)

    def _index_of(self, doc_id: str) -> int:
        return next((i for i, d in enumerate(self.docs) if d.id == doc_id), self.doc_index)

    def refresh_title(self) -> None:
        info = self.doc
        status = self.doc_status
        mark = "✓ done" if status == "done" else "todo"
        ok = "green" if self.app.current_theme.dark else "bold dark_green"
        tags = self.tagger.summary()
        title = Text.assemble(
            Text(f" {self.doc_index + 1}/{len(self.docs)} ", style="bold reverse"),
            " ",
            # Document labels first: a long title must not push them off the line.
            safe_text(f"[{tags}] " if tags else "", style="italic"),
            safe_text(info.title, style="bold"),  # a title from a file
            Text(f"   {mark}", style=ok if status == "done" else "dim"),
        )
        self.query_one("#title", Static).update(title)

    def show_position(self) -> None:
        """The dim part of the status line: who, how many spans, where, which mode."""
        view = self.view
        sel = view.selection
        where = f"{sel[0]}–{sel[1]} ({sel[1] - sel[0]} chars)" if sel else f"@{view.cursor}"
        mode = " VISUAL" if view.selecting else ""
        if self.mode.label:
            mode += f" {self.mode.label}"
        if self.show_others and not self.adjudicating:
            mode += " +others"
        self.linker.show_linked()
        who = f"gold (by {self.annotator})" if self.adjudicating else self.annotator
        self.status.where = f"{who} │ {len(self.spans)} spans │ {where}{mode}"

    def _refresh_legend(self) -> None:
        legend = self.query_one("#legend", Static)
        parts: list[Text | str] = []
        for lab in self.scheme.labels:
            if lab.key:
                try:
                    color = _readable(Color.parse(lab.color), legend.background_colors[1]).hex
                except ColorParseError:
                    color = ""
                parts += [
                    safe_text(f" {lab.key}", style="bold"),
                    safe_text(f" {lab.name}", style=color),
                ]
        legend.update(Text.assemble(*parts, " "))

    # ---------------------------------------------------------------- writes

    def hold_frame_for_write(self) -> None:
        """Hold the next frame until the write just submitted returns (or briefly).

        Only "saving…" is skipped, never "saved": that still waits for the write.
        """
        if self._frame_hold is not None or not isinstance(self.writer, ThreadWriter):
            return
        hold = self.app.batch_update()
        hold.__enter__()
        self._frame_hold = hold
        self.set_timer(SAVE_HOLD_SECONDS, lambda: self._release_frame(hold))

    def _release_frame(self, hold: AbstractContextManager[None] | None = None) -> None:
        """Let the held frame be drawn (``hold``: only if it is still that one)."""
        current = self._frame_hold
        if current is None or (hold is not None and hold is not current):
            return
        self._frame_hold = None
        current.__exit__(None, None, None)
        # Drawn on this screen's next idle, which the end of a batch does not prompt.
        self.check_idle()

    def on_write_done(self, message: WriteDone) -> None:
        writer = self.writer
        if isinstance(writer, ThreadWriter):
            writer.acknowledged()
        message.done(message.outcome)
        if self._frame_hold is not None:
            # Released from the app's queue, after the panes this repainted have told
            # the screen (each from its own queue): released here, the screen would
            # draw before hearing from them and draw them a frame later.
            self.app.call_later(self._release_frame)
        if self.quitting:
            self._report_unseen_failure(self._quit_reason)
            if not writer.pending:
                self._leave()
            return
        self.keys.pump()  # keys held for this acknowledgement go on

    # --------------------------------------------------------------- events

    @on(ArticleView.CursorMoved)
    def _cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        # Only the display follows here (a key's move has been followed already; the
        # mouse's has not); the view already updated its own state.
        self._follow_cursor()

    @on(VirtualList.Chosen, "#annotations")
    def _annotation_chosen(self, event: VirtualList.Chosen) -> None:
        self.perform(_SELECT_ANNOTATION, (event.index,))

    @on(VirtualList.Chosen, "#docs")
    def _doc_chosen(self, event: VirtualList.Chosen) -> None:
        self.perform(self.newsmark.key_table.by_id("newsmark.docs_open"), ())

    # ------------------------------------------------------------------ find

    def action_find(self) -> None:
        self.set_mode("find")

    def action_submit_link(self) -> None:
        self.linker.action_submit_link()

    def action_submit_find(self) -> None:
        self.last_query = self.find_bar.value
        self.set_mode(self.article_mode)
        self._find(forward=True, start=self.view.cursor)

    def _find(self, forward: bool, start: int) -> None:
        query = self.last_query
        if not query.strip():
            self.notify("nothing to find: press / and type some text", severity="warning")
            return
        finder = self.view.finder
        found = finder.find(query, start) if forward else finder.find_prev(query, start)
        if found is None:
            self.notify(f"“{query}” is not in this document", severity="warning", markup=False)
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

    # ------------------------------------------------------------ documents

    def action_next_doc(self) -> None:
        # Follows the document list's order, so a filtered list (t: todo) steps through it.
        info = self.doc_list.neighbour(self.doc.id, 1)
        if info is None:
            self.notify("this is the last document")
            return
        self.open_document(self._index_of(info.id))

    def action_prev_doc(self) -> None:
        info = self.doc_list.neighbour(self.doc.id, -1)
        if info is None:
            self.notify("this is the first document")
            return
        self.open_document(self._index_of(info.id))

    def action_toggle_docs(self) -> None:
        """Show the document list with the keys on it; hide it if it is shown."""
        panel = self.doc_panel
        self._docs_forced = True
        if self.mode.name == "doclist" or panel.display:
            self.set_mode(self.article_mode)
            panel.display = False
            self._await_layout()
        else:
            self.set_mode("doclist")

    def action_toggle_others(self) -> None:
        self.show_others = not self.show_others
        self._load_others()
        if self.show_others:
            names = sorted({s.annotator for s in self.view.others})
            shown = ", ".join(names) if names else "nobody else has labelled this document"
            self.notify(f"others' spans: {shown}", markup=False)

    def action_adjudicate(self) -> None:
        """Turn adjudication on (the keys edit gold) or off (back to your own layer)."""
        self.adjudicating = not self.adjudicating
        if self.adjudicating:
            self._others_before = self.show_others
            self.show_others = True
        else:
            self.show_others = self._others_before
            self.adjudication.current = None
        self.set_mode(self.article_mode)
        self._fill_doc_list()
        self.open_document(self.doc_index)
        if not self.adjudicating:
            self.notify(f"back to {self.annotator}'s own layer", markup=False)

    def _load_others(self) -> None:
        spans: list[Span] = []
        if self.show_others and not self.damaged:
            with suppress(NewsmarkError):
                owner = self.layer_owner
                spans = [s for s in self.store.spans(self.doc.id) if s.annotator != owner]
            self._release_parsed()
        self.view.set_others(spans)
        self.show_position()

    def action_open_highlighted(self) -> None:
        docs = self.doc_list
        info = docs.doc_at(docs.highlighted) if docs.highlighted is not None else None
        self.set_mode(self.article_mode)
        if info is not None and info.id != self.doc.id:
            self.open_document(self._index_of(info.id))

    def action_filter_docs(self) -> None:
        self.set_mode("filter")

    def action_submit_filter(self) -> None:
        self.doc_list.set_text_filter(self.filter_bar.value)
        self.set_mode("doclist")

    def action_help(self) -> None:
        self.set_mode("help")

    def action_team(self) -> None:
        self.set_mode("team")

    def action_close_help(self) -> None:
        mode = self.mode if isinstance(self.mode, HelpMode) else self.modes["help"]
        assert isinstance(mode, HelpMode)
        self.set_mode(mode.back_to)

    def help_closed(self) -> None:
        """The help (or team) screen was dismissed some other way (its own bindings)."""
        if isinstance(self.mode, HelpMode):
            self.action_close_help()

    # ------------------------------------------------------------------ quit

    def action_quit(self) -> None:
        # Held by the key stream until every earlier write was acknowledged.
        self._report_unseen_failure("quit")
        self.quitting = True
        self.keys.close()
        self._leave()

    def _report_unseen_failure(self, reason: str) -> None:
        failure, self.unseen_failure = self.unseen_failure, None
        if failure is not None:
            # Printed after the terminal is restored; `newsmark` then exits with 1.
            self.newsmark.fatal_error = f"{reason}: a change was not saved ({failure})"

    def shutdown(self, reason: str) -> None:
        """Leave on a signal: finish the writes in flight, say what was not saved."""
        if self.quitting:
            return
        self._report_unseen_failure(reason)
        self._quit_reason = reason
        self.quitting = True
        dropped = self.keys.close()
        if dropped:
            self.newsmark.exit_note = f"{reason}: {dropped} keys typed after it were not acted on"
        if not self.writer.pending:
            self._leave()
            return

        def give_up() -> None:
            if self.writer.pending:
                self.newsmark.fatal_error = (
                    f"{reason}: {self.writer.pending} changes were still waiting for the store "
                    "and were not saved; check them with `newsmark export`"
                )
                self._leave(force=True)

        self.set_timer(SHUTDOWN_GRACE_SECONDS, give_up)

    def _leave(self, force: bool = False) -> None:
        if self.writer.pending and not force:
            return
        self._release_frame()
        with suppress(NewsmarkError):
            self._remember_position()
            self.store.save_index()
        if not force:
            self.writer.close()
        self.app.exit(return_code=self.newsmark.exit_code)


def _copy(item: events.Key | events.Paste) -> events.Key | events.Paste:
    """A fresh event for the app's queue (a handled event object cannot be re-posted)."""
    if isinstance(item, events.Paste):
        return events.Paste(item.text)
    return events.Key(item.key, item.character)
