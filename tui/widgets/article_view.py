"""The article pane: a soft-wrapped, annotatable, cursor-driven text view.

A Line API widget (modelled on Textualize/toolong's ``LogLines``): it never renders
more than the visible rows, and caches rendered strips in an LRU keyed on everything
a row's look depends on, so moving the cursor re-renders only the rows it left and
entered.  All positions are code-point offsets into the document text; terminal
cells only exist inside ``tui.geometry.Layout``.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from itertools import pairwise
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.cache import LRUCache
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.model import Span
from tui.geometry import Layout, next_grapheme, prev_grapheme, snap_to_grapheme
from tui.span_index import SpanIndex

if TYPE_CHECKING:
    from store.find import Finder
    from store.segment import Segmenter

__all__ = ["OTHER", "ArticleView"]

#: Label prefix of other annotators' spans on show (never a label in the store).
OTHER = "\x00other:"

# Documents at least this long are re-wrapped in a thread on resize, so dragging a
# terminal edge never blocks the UI on a big article.
ASYNC_LAYOUT_THRESHOLD = 200_000
# A newly opened large article is wrapped around the cursor at once and as a whole in a
# thread this much later: started at once, the thread's ~10 ms a megabyte of Python
# competes for the GIL with painting the first frame and delays it by about as much.
FULL_WRAP_DELAY = 0.15
STRIP_CACHE_ROWS = 320  # rows of rendered article kept (eight screens of 40 rows)

# Labels with no configured colour still need distinct, stable colours.
_FALLBACK_PALETTE = (
    "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231",
    "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4",
)  # fmt: skip

_WHITE = Color(255, 255, 255)
_BLACK = Color(0, 0, 0)

# Minimum WCAG contrast ratio for text drawn over a tint (AA for normal text).
_MIN_CONTRAST = 4.5

# Per-cell style inputs: (cover, span_start, in_selection, in_selected_span, cursor,
# placeholder) where cover is (inner label, outer label or None) or None.
_Cover = tuple[str, str | None]
# cover, span start, in selection, in selected span, cursor, placeholder, in linked span
_StyleKey = tuple[_Cover | None, bool, bool, bool, bool, bool, bool]
_Ranges = tuple[tuple[int, int], ...]


def _luminance(color: Color) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def _contrast(a: Color, b: Color) -> float:
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _readable(preferred: Color, background: Color) -> Color:
    """``preferred`` nudged towards black/white until it is readable on ``background``."""
    target = _WHITE if _contrast(_WHITE, background) >= _contrast(_BLACK, background) else _BLACK
    color = preferred.with_alpha(1.0)
    for step in (0.0, 0.3, 0.55, 0.8):
        candidate = color.blend(target, step) if step else color
        if _contrast(candidate, background) >= _MIN_CONTRAST:
            return candidate
    return target


def _one_line_paragraphs(text: str) -> bool:
    """True when paragraphs are single lines with no blank line between them."""
    # No text.strip(): a copy of a 50 MB article holds the GIL for ~50 ms.
    first = _NON_SPACE.search(text)
    if first is None:
        return False
    last = len(text)
    while text[last - 1].isspace():
        last -= 1
    return text.find("\n", first.start(), last) >= 0 and _BLANK_LINE.search(text) is None


# While a thread lays a large article out, the UI thread gets the GIL back within
# this long, not Python's default 5 ms: a key waits for the GIL at each of its
# event-loop turns, which made one `w` on a 50 MB article take ~230 ms.
_SHARED_SWITCH_INTERVAL = 0.0005
_sharing = 0
_sharing_lock = threading.Lock()
_switch_interval = sys.getswitchinterval()


@contextmanager
def _sharing_the_gil() -> Iterator[None]:
    global _sharing, _switch_interval
    with _sharing_lock:
        if not _sharing:
            _switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_interval, _SHARED_SWITCH_INTERVAL))
        _sharing += 1
    try:
        yield
    finally:
        with _sharing_lock:
            _sharing -= 1
            if not _sharing:
                sys.setswitchinterval(_switch_interval)


_BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
_NON_SPACE = re.compile(r"\S")


class ArticleView(ScrollView, can_focus=True, inherit_bindings=False):
    """Soft-wrapped article text with span highlights, a cursor and a selection.

    The widget has no key bindings on purpose: the reader's key stream
    (``tui.keys``) runs its ``action_*`` methods from the one action table, in the
    order keys were typed.  Inheriting ScrollView's bindings would add plain
    scrolling keys that no table lists.
    """

    # Textual's own screen-level text selection would fight our mouse selection.
    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-view--cursor",
        "article-view--selection",
        "article-view--selected-span",
        "article-view--linked-span",
    }

    DEFAULT_CSS = """
    ArticleView {
        scrollbar-gutter: stable;
        overflow-x: hidden;
        overflow-y: auto;
    }
    ArticleView > .article-view--cursor {
        text-style: reverse;
    }
    ArticleView > .article-view--selection {
        background: $accent 45%;
    }
    ArticleView > .article-view--selected-span {
        text-style: bold reverse;
    }
    ArticleView > .article-view--linked-span {
        text-style: bold underline;
    }
    """

    class CursorMoved(Message):
        """Posted after every change of the cursor or the selection."""

        def __init__(
            self,
            cursor: int,
            selection: tuple[int, int] | None,
            article_view: ArticleView | None = None,
        ) -> None:
            super().__init__()
            self.cursor = cursor
            self.selection = selection
            self.article_view = article_view

        @property
        def control(self) -> ArticleView | None:
            return self.article_view

    def __init__(
        self,
        *,
        tab_size: int = 4,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.tab_size = tab_size
        #: Set by the app while the user is in visual-selection mode (``v``): plain
        #: cursor moves then keep the anchor.
        self.selecting = False
        self._text = ""
        self._span_index = SpanIndex()
        # Other annotators' spans, shown (not edited) when the reader asks: labels are
        # OTHER + annotator, drawn as an underline in the annotator's colour.
        self._others = SpanIndex()
        self._colors: dict[str, Color] = {}
        self._cursor = 0
        self._sel_anchor: int | None = None
        self._selected_span_id: str | None = None
        #: Spans linked to the selected one (its speaker, its quotes), drawn bold.
        self._linked: _Ranges = ()
        self._text_layout: Layout | None = None
        self._doc_generation = 0  # bumped by load(); stale thread layouts are dropped
        # Strip cache version: bumped whenever every row may look different (text,
        # colours, theme, layout).  Finer changes bump _row_versions for some rows.
        self._generation = 0
        self._row_versions: dict[int, int] = {}
        # Eight screens of rows: moving back and forth repaints from here. Each strip
        # holds ~1.5 KB (its segments and Textual's seven caches), so 1,024 of them,
        # filled by paging through a long article, held ~1.5 MiB for rows long gone.
        self._strip_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(STRIP_CACHE_ROWS)
        self._style_cache: dict[_StyleKey, Style] = {}
        # self.rich_style walks every ancestor's styles (~30 µs); rows need it several
        # times each.  Cached strips bake it in, so it is dropped with them.
        self._base_style: Style | None = None
        # scrollable_content_region (~10 µs) for the widget's region it was computed at:
        # it only changes with the region or the styles.
        self._content_region: tuple[Region, Region] | None = None
        # The width rows are painted at, until the next Resize or style change (even
        # the region costs ~3 µs, and render_line needs the width for every row).
        # Painted between a resize and its Resize event, rows are still those of the
        # old layout, which Textual crops or pads to the pane, as it does while a
        # large text is re-wrapped.
        self._paint_width: int | None = None
        # (layout, cursor offset, its row): the row of the cursor, for render_line.
        self._cursor_row: tuple[Layout, int, int] | None = None
        self._preferred_x: int | None = None
        self._drag_origin: int | None = None
        #: Rows built (cache misses) since start; handy for tests and profiling.
        self.rows_rendered = 0
        #: Bumped on every change of the cursor or the selection (and on load). A write
        #: acknowledged later selects its span only if this is what it was when the key
        #: was pressed: an acknowledgement never moves what the user has moved since.
        self.selection_epoch = 0
        self._segmenter: Segmenter | None = None
        self._finder: Finder | None = None

    # ------------------------------------------------------------------ public API

    @property
    def text(self) -> str:
        return self._text

    @property
    def segmenter(self) -> Segmenter:
        """Word, sentence and paragraph boundaries, built on the first motion that needs them."""
        if self._segmenter is None:
            from store.segment import Segmenter

            self._segmenter = Segmenter(self._text)
        return self._segmenter

    @property
    def finder(self) -> Finder:
        """Case-insensitive find over the text, built on the first find."""
        if self._finder is None:
            from store.find import Finder

            self._finder = Finder(self._text)
        return self._finder

    @property
    def cursor(self) -> int:
        return self._cursor

    @cursor.setter
    def cursor(self, offset: int) -> None:
        self.move_cursor(offset)

    @property
    def anchor(self) -> int | None:  # type: ignore[override]
        """Selection anchor (the fixed end), or None.

        Note: this shadows ``Widget.anchor()`` (scroll anchoring), which this widget
        does not use.
        """
        return self._sel_anchor

    @property
    def selection(self) -> tuple[int, int] | None:
        anchor = self._sel_anchor
        if anchor is None or anchor == self._cursor:
            return None
        return (min(anchor, self._cursor), max(anchor, self._cursor))

    def set_linked(self, ranges: _Ranges) -> None:
        """Draw these ranges as linked to the selected span (``()``: none)."""
        if ranges == self._linked:
            return
        for a, b in (*self._linked, *ranges):
            self._refresh_offsets(a, b)
        self._linked = ranges

    @property
    def linked(self) -> _Ranges:
        return self._linked

    @property
    def selected_span_id(self) -> str | None:
        return self._selected_span_id

    @selected_span_id.setter
    def selected_span_id(self, span_id: str | None) -> None:
        old = self._span_index.get(self._selected_span_id)
        self._selected_span_id = span_id
        new = self._span_index.get(span_id)
        # The selected span is part of each row's cache key, so refreshing its rows
        # is enough; nothing else needs invalidating.
        for span in (old, new):
            if span is not None:
                self._refresh_offsets(span.start, span.end)
        if new is not None:
            self._scroll_range_into_view(new.start, new.end)

    def load(
        self,
        text: str,
        spans: Sequence[Span],
        colors: Mapping[str, str],
        cursor: int = 0,
    ) -> None:
        """Show a new document."""
        self._text = text
        self._segmenter = None
        self._finder = None
        self.selection_epoch += 1
        self._doc_generation += 1
        self._span_index = SpanIndex(spans)
        self._others = SpanIndex()  # the reader shows the new document's others, if asked
        self._colors = self._parse_colors(colors)
        self._sel_anchor = None
        self.selecting = False
        self._selected_span_id = None
        self._preferred_x = None
        self._drag_origin = None
        self._cursor = snap_to_grapheme(text, cursor)
        self._text_layout = None
        self._style_cache.clear()
        self._invalidate_all()
        width = self._content_width()
        if width > 0:
            self._first_layout(width)
        if self.is_mounted:
            self.scroll_to(y=0, animate=False)
            self._scroll_cursor_into_view()
            self.refresh()
        # Before mount the first Resize builds the layout and scrolls to the cursor.
        self._post_cursor_moved()

    def set_spans(self, spans: Sequence[Span]) -> None:
        """Replace the spans; only rows whose spans changed are re-rendered."""
        old = set(self._span_index.spans)
        self._span_index = SpanIndex(spans)
        changed = old.symmetric_difference(self._span_index.spans)
        if len(changed) > 200:
            self._invalidate_all()
            self.refresh()
            return
        for span in changed:
            self._invalidate_offsets(span.start, span.end)

    def update_spans(self, added: Sequence[Span], removed: Sequence[Span]) -> None:
        """Apply one change (spans added/removed, by id) to the index in place."""
        index = self._span_index
        for span in removed:
            index.remove(span.id)
        for span in added:
            index.add(span)
        for span in (*added, *removed):
            self._invalidate_offsets(span.start, span.end)

    @property
    def spans(self) -> list[Span]:
        """The spans shown, sorted by (start, -end, label, id)."""
        return self._span_index.spans

    def span(self, span_id: str | None) -> Span | None:
        """The span shown with this id, if any."""
        return self._span_index.get(span_id)

    def set_others(self, spans: Sequence[Span]) -> None:
        """Show other annotators' spans (empty: hide them); they are never edited here."""
        self._others = SpanIndex(
            Span(s.id, s.start, s.end, OTHER + s.annotator, s.text, s.annotator) for s in spans
        )
        self._invalidate_all()
        self.refresh()

    @property
    def others(self) -> list[Span]:
        """Other annotators' spans on show (labels are ``OTHER`` + annotator)."""
        return list(self._others.spans)

    def set_colors(self, colors: Mapping[str, str]) -> None:
        """Set label name -> colour (hex or any Textual colour string)."""
        self._colors = self._parse_colors(colors)
        self._style_cache.clear()
        self._invalidate_all()
        self.refresh()

    def spans_at(self, offset: int) -> list[Span]:
        """Spans covering the code point at ``offset``, outermost first."""
        return self._span_index.overlapping(offset, offset + 1)

    def move_cursor(self, offset: int, extend: bool = False) -> None:
        """Move the cursor (snapped to a grapheme boundary) and scroll it into view.

        ``extend=True`` (or ``selecting`` mode) keeps the anchor, starting one at the
        old cursor if there is none; otherwise the anchor is dropped.
        """
        self._move(snap_to_grapheme(self._text, offset), extend)

    def select(self, start: int, end: int) -> None:
        """Select ``start``..``end``: the anchor at start, the cursor at end."""
        text = self._text
        self._preferred_x = None
        self._set_cursor(snap_to_grapheme(text, end), snap_to_grapheme(text, start))

    def clear_selection(self) -> None:
        self.selecting = False
        self._set_cursor(self._cursor, None, scroll=False)

    def cursor_left(self, extend: bool = False) -> None:
        self._move(prev_grapheme(self._text, self._cursor), extend)

    def cursor_right(self, extend: bool = False) -> None:
        self._move(next_grapheme(self._text, self._cursor), extend)

    def cursor_up(self, extend: bool = False) -> None:
        self._move_rows(-1, extend)

    def cursor_down(self, extend: bool = False) -> None:
        self._move_rows(+1, extend)

    def page_up(self, extend: bool = False) -> None:
        self._move_page(-1, extend)

    def page_down(self, extend: bool = False) -> None:
        self._move_page(+1, extend)

    # ------------------------------------------------------- actions (tui.actions)
    # One action per motion, with ``extend`` for its selection-extending twin.

    def action_cursor_left(self, extend: bool = False) -> None:
        self.cursor_left(extend)

    def action_cursor_right(self, extend: bool = False) -> None:
        self.cursor_right(extend)

    def action_cursor_up(self, extend: bool = False) -> None:
        self.cursor_up(extend)

    def action_cursor_down(self, extend: bool = False) -> None:
        self.cursor_down(extend)

    def action_page_down(self, extend: bool = False) -> None:
        self.page_down(extend)

    def action_page_up(self, extend: bool = False) -> None:
        self.page_up(extend)

    def action_next_word(self, extend: bool = False) -> None:
        self.move_cursor(self.segmenter.next_word(self._cursor), extend)

    def action_prev_word(self, extend: bool = False) -> None:
        self.move_cursor(self.segmenter.prev_word(self._cursor), extend)

    def action_next_sentence(self, extend: bool = False) -> None:
        self.move_cursor(self.segmenter.next_sentence(self._cursor), extend)

    def action_prev_sentence(self, extend: bool = False) -> None:
        self.move_cursor(self.segmenter.prev_sentence(self._cursor), extend)

    def action_next_paragraph(self, extend: bool = False) -> None:
        self.move_cursor(self.segmenter.next_paragraph(self._cursor), extend)

    def action_prev_paragraph(self, extend: bool = False) -> None:
        self.move_cursor(self.segmenter.prev_paragraph(self._cursor), extend)

    def action_doc_start(self, extend: bool = False) -> None:
        self.move_cursor(0, extend)

    def action_doc_end(self, extend: bool = False) -> None:
        self.move_cursor(len(self._text), extend)

    def action_visual(self) -> None:
        """Start a selection at the cursor (``v``); pressed again, drop it."""
        if self.selecting:
            self.clear_selection()
            return
        self.clear_selection()
        self.selecting = True
        self.select(self._cursor, self._cursor)
        self._post_cursor_moved()  # the status line shows VISUAL

    def action_clear(self) -> None:
        self.selected_span_id = None
        self.clear_selection()

    def action_expand(self) -> None:
        start, end = self.selection or (self._cursor, self._cursor)
        new = self.segmenter.expand(start, end)
        if new != (start, end):
            self.select(*new)

    def action_quotation(self) -> None:
        found = self.segmenter.quotation_at(self._cursor)
        if found is None:
            self.notify("no quotation around the cursor", severity="warning")
            return
        self.select(*found)

    # -------------------------------------------------------------- cursor helpers

    def _move(self, offset: int, extend: bool, keep_preferred: bool = False) -> None:
        anchor = self._sel_anchor
        if extend or self.selecting:
            # In selecting (visual) mode every move extends, like shift+move does.
            if anchor is None:
                anchor = self._cursor
        else:
            anchor = None
        if not keep_preferred:
            self._preferred_x = None
        self._set_cursor(offset, anchor)

    def _make_layout(
        self, text: str, width: int, window: tuple[int, int] | None = None
    ) -> Layout:
        return Layout(
            text, width, self.tab_size, paragraph_gap=_one_line_paragraphs(text), window=window
        )

    def _move_rows(self, delta: int, extend: bool) -> None:
        layout = self._text_layout
        if layout is None:
            return
        row = layout.row_of(self._cursor)
        if self._preferred_x is None:
            self._preferred_x = layout.column_of(self._cursor)
        target = row + delta
        while 0 <= target < layout.rows and layout.is_spacer(target):
            target += 1 if delta > 0 else -1
        if target < 0:
            offset = 0
        elif target >= layout.rows:
            offset = len(self._text)
        else:
            offset = layout.offset_at(target, self._preferred_x)
        self._move(offset, extend, keep_preferred=True)

    def _move_page(self, direction: int, extend: bool) -> None:
        layout = self._text_layout
        if layout is None:
            return
        page = max(1, self.scrollable_content_region.height)
        # Scroll first, by the same amount, so the cursor keeps its screen row.
        self.scroll_to(y=self.scroll_offset.y + direction * page, animate=False)
        row = min(max(layout.row_of(self._cursor) + direction * page, 0), layout.rows - 1)
        if self._preferred_x is None:
            self._preferred_x = layout.column_of(self._cursor)
        self._move(layout.offset_at(row, self._preferred_x), extend, keep_preferred=True)

    def _set_cursor(self, cursor: int, anchor: int | None, *, scroll: bool = True) -> None:
        old_cursor, old_selection = self._cursor, self.selection
        self._cursor, self._sel_anchor = cursor, anchor
        selection = self.selection
        if scroll:
            self._scroll_cursor_into_view()
        if cursor == old_cursor and selection == old_selection:
            return
        self.selection_epoch += 1
        selected = self._span_index.get(self._selected_span_id)
        if selected is not None and selection != self._snapped(selected):
            # Moving off a selected annotation deselects it now, not when a message
            # arrives later: the next digit must label what the screen shows.
            self._selected_span_id = None
            self._refresh_offsets(selected.start, selected.end)
        # Row cache keys include the cursor/selection clipped to the row, so only the
        # rows where those changed need repainting: the old and new cursor rows and
        # the part of the text whose selection state flipped.
        self._refresh_offsets(old_cursor, old_cursor)
        self._refresh_offsets(cursor, cursor)
        for start, end in _symmetric_difference(old_selection, selection):
            self._refresh_offsets(start, end)
        self._post_cursor_moved()

    def _snapped(self, span: Span) -> tuple[int, int]:
        text = self._text
        return (snap_to_grapheme(text, span.start), snap_to_grapheme(text, span.end))

    def _post_cursor_moved(self) -> None:
        self.post_message(self.CursorMoved(self._cursor, self.selection, self))

    # -------------------------------------------------------------------- scrolling

    def _scroll_cursor_into_view(self) -> None:
        self._scroll_range_into_view(self._cursor, self._cursor)

    def _scroll_range_into_view(self, start: int, end: int) -> None:
        layout = self._text_layout
        height = self.scrollable_content_region.height
        if layout is None or height <= 0:
            return
        first = layout.row_of(start)
        last = max(first, layout.row_of(max(start, end - 1)))
        top = self.scroll_offset.y
        if first >= top and last < top + height:
            return
        if first < top - height or first >= top + 2 * height:
            # A long jump: centre the target rather than leave it on an edge.
            y = first - max(0, (height - (last - first + 1)) // 2)
        elif first < top:
            y = first
        else:
            y = min(first, last - height + 1)
        self.scroll_to(y=max(0, y), animate=False)

    # --------------------------------------------------------------------- layout

    @property
    def layout_ready(self) -> bool:
        """The rows on screen are wrapped, all of them, for the pane's current width."""
        layout = self._text_layout
        width = self._content_width()
        return layout is not None and layout.window is None and layout.width == width

    @property
    def rows_ready(self) -> bool:
        """The rows around the cursor are wrapped for the pane's current width.

        A large article's first layout covers screens either side of the cursor, and
        the rest follows on a thread; keys need not wait for that rest.
        """
        layout = self._text_layout
        return layout is not None and layout.width == self._content_width()

    def _content_width(self) -> int:
        return self._scrollable_region().width

    def _scrollable_region(self) -> Region:
        """``scrollable_content_region``, recomputed only when the region or styles change."""
        region = self.region
        cached = self._content_region
        if cached is None or cached[0] != region:
            cached = self._content_region = (region, self.scrollable_content_region)
        return cached[1]

    def on_resize(self, event: events.Resize) -> None:
        self._paint_width = None
        width = self._content_width()
        layout = self._text_layout
        if width <= 0 or (layout is not None and layout.width == width):
            return
        if layout is None:
            self._first_layout(width)
        elif len(self._text) < ASYNC_LAYOUT_THRESHOLD:
            self._apply_layout(self._make_layout(self._text, width))
        else:
            # Keep drawing the old layout (cropped) until the new one is ready.
            self._relayout_in_thread(self._text, width, self.tab_size, self._doc_generation)

    def _first_layout(self, width: int) -> None:
        """Wrap a newly loaded text for ``width`` and show the cursor.

        A large article is wrapped around the cursor first (~0.1 ms instead of ~10 ms
        a megabyte, before the first frame) and as a whole in a thread, installed
        keeping the same text at the top; ``layout_ready`` says when.
        """
        text = self._text
        if len(text) < ASYNC_LAYOUT_THRESHOLD:
            self._apply_layout(self._make_layout(text, width), keep_scroll=False)
            return
        reach = max(1, self._scrollable_region().height) * width * 3  # screens either side
        window = (self._cursor - reach, self._cursor + reach)
        self._apply_layout(self._make_layout(text, width, window), keep_scroll=False)
        self._relayout_in_thread(text, width, self.tab_size, self._doc_generation, FULL_WRAP_DELAY)

    @work(thread=True, exclusive=True, group="article-view-layout")
    def _relayout_in_thread(
        self, text: str, width: int, tab_size: int, generation: int, delay: float = 0.0
    ) -> None:
        if delay:
            time.sleep(delay)
            if generation != self._doc_generation:
                return  # another document was opened meanwhile
        with _sharing_the_gil():
            layout = Layout(text, width, tab_size, paragraph_gap=_one_line_paragraphs(text))
            with suppress(RuntimeError):  # the app may be shutting down
                self.app.call_from_thread(self._finish_relayout, layout, generation)
            current = self._segmenter
            if (current is None or not current.laid_out) and generation == self._doc_generation:
                # Words, sentences and paragraphs of a large article take ~30 ms a
                # megabyte to find: found here too, no key has to pay for it.
                from store.segment import Segmenter

                segmenter = Segmenter(text)
                segmenter.paragraphs()
                with suppress(RuntimeError):
                    self.app.call_from_thread(self._install_segmenter, segmenter, generation)

    def _install_segmenter(self, segmenter: Segmenter, generation: int) -> None:
        # Also over one made on the UI thread for the first motions: until laid out, it
        # would lay the whole text out itself at the first key that needs it all.
        current = self._segmenter
        if generation == self._doc_generation and (current is None or not current.laid_out):
            self._segmenter = segmenter

    def _finish_relayout(self, layout: Layout, generation: int) -> None:
        if generation == self._doc_generation and layout.width == self._content_width():
            self._apply_layout(layout)

    def _apply_layout(self, layout: Layout, keep_scroll: bool = True) -> None:
        """Install a layout, keeping the top visible text and a visible cursor in view."""
        old = self._text_layout
        top_offset: int | None = None
        cursor_was_visible = False
        if old is not None and keep_scroll:
            height = self.scrollable_content_region.height
            top = min(self.scroll_offset.y, old.rows - 1)
            top_offset = old.row_range(top)[0]
            cursor_row = old.row_of(self._cursor)
            cursor_was_visible = top <= cursor_row < top + max(1, height)
        self._text_layout = layout
        self._invalidate_all()
        self.virtual_size = Size(layout.width, layout.rows)
        # Scrollbar visibility is normally recomputed on the next layout pass, and until
        # then scroll_to() is refused; recompute it now so we can scroll immediately.
        self._refresh_scrollbars()
        if top_offset is not None:
            self.scroll_to(y=layout.row_of(top_offset), animate=False)
        if cursor_was_visible or old is None:
            self._scroll_cursor_into_view()
        self.refresh()

    # ----------------------------------------------------------------- invalidation

    def _invalidate_all(self) -> None:
        self._generation += 1
        self._base_style = None
        self._row_versions.clear()
        self._strip_cache.clear()

    def _invalidate_offsets(self, start: int, end: int) -> None:
        """Bump the cache version of the rows showing start..end and repaint them."""
        layout = self._text_layout
        if layout is None:
            return
        first, last = layout.row_of(start), layout.row_of(end)
        if last - first > 512:
            self._invalidate_all()
            self.refresh()
            return
        versions = self._row_versions
        for row in range(first, last + 1):
            versions[row] = versions.get(row, 0) + 1
        self._refresh_rows(first, last)

    def _refresh_offsets(self, start: int, end: int) -> None:
        layout = self._text_layout
        if layout is not None:
            self._refresh_rows(layout.row_of(start), layout.row_of(end))

    def _refresh_rows(self, first: int, last: int) -> None:
        # Only the visible part matters: rows off screen are rebuilt when scrolled to.
        top = self.scroll_offset.y
        first = max(first, top)
        last = min(last, top + self._scrollable_region().height - 1)
        if first <= last:
            self.refresh_lines(first, last - first + 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Padding or scrollbar sizes may have changed.
        self._content_region = self._paint_width = None
        self._style_cache.clear()
        self._invalidate_all()

    def on_mount(self) -> None:
        # No super() call: Textual already dispatches ScrollView.on_mount itself.
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)

    def _on_theme_changed(self, _theme: object) -> None:
        # Tints depend on dark/light; styles are usually refreshed by the CSS update
        # as well, but a theme with identical CSS variables would not trigger it.
        self._style_cache.clear()
        self._invalidate_all()
        self.refresh()

    # -------------------------------------------------------------------- rendering

    def _base(self) -> Style:
        """``self.rich_style``, cached until the next ``_invalidate_all``."""
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        return base

    def render_line(self, y: int) -> Strip:
        width = self._paint_width
        if width is None:
            width = self._paint_width = self._scrollable_region().width
        base = self._base()
        layout = self._text_layout
        if layout is None and width > 0 and self._text:
            # The first frame is drawn before the Resize that would wrap the article
            # arrives (a frame, ~17 ms, later): wrapped here, the first frame shows it.
            self._first_layout(width)
            layout = self._text_layout
        row = y + round(self.scroll_y)  # scroll_offset.y without building an Offset
        if layout is None or row >= layout.rows or width <= 0:
            return Strip.blank(max(0, width), base)
        start, end = layout.row_range(row)
        cursor_row = self._cursor_row
        if cursor_row is None or cursor_row[0] is not layout or cursor_row[1] != self._cursor:
            cursor_row = self._cursor_row = (layout, self._cursor, layout.row_of(self._cursor))
        cursor = self._cursor if cursor_row[2] == row else -1
        selection = _clip(self.selection, start, end)
        selected = self._span_index.get(self._selected_span_id)
        selected_range = _clip(
            None if selected is None else (selected.start, selected.end), start, end
        )
        linked = tuple(
            (max(a, start), min(b, end)) for a, b in self._linked if a < end and b > start
        )
        key = (
            row,
            layout.width,
            width,
            self._generation,
            self._row_versions.get(row, 0),
            cursor,
            selection,
            selected_range,
            linked,
        )
        strip = self._strip_cache.get(key)
        if strip is None:
            strip = self._render_row(
                layout, row, cursor, selection, selected_range, width, linked
            )
            self._strip_cache.set(key, strip)
        return strip

    def _render_row(
        self,
        layout: Layout,
        row: int,
        cursor: int,
        selection: tuple[int, int] | None,
        selected_range: tuple[int, int] | None,
        width: int,
        linked: _Ranges = (),
    ) -> Strip:
        """Build one row's strip: group equally styled cells into segments."""
        self.rows_rendered += 1
        start, end = layout.row_range(row)
        text = self._text
        spans = [s for s in self._span_index.overlapping(start, end) if s.end > s.start]
        if len(self._others):
            spans += [s for s in self._others.overlapping(start, end) if s.end > s.start]
        if layout.is_simple_row(row):
            segments = self._simple_segments(
                start, end, spans, cursor, selection, selected_range, linked
            )
            total = end - start
        else:
            segments, total = self._cell_segments(
                layout, row, spans, cursor, selection, selected_range, linked
            )
        if cursor == end and cursor >= 0 and text:
            # Cursor at a line end (or the text end): draw it on the free column after
            # the text, which the layout keeps available.
            cursor_cell = (None, False, False, False, True, False, False)
            segments.append(Segment(" ", self._style_for(cursor_cell)))
            total += 1
        elif (
            selection is not None
            and selection[0] <= end < selection[1]
            and end < len(text)
            and not layout.is_soft_wrapped(row)
        ):
            # A selected line break has no glyph; show it as one selected cell.
            selected_cell = (None, False, True, False, False, False, False)
            segments.append(Segment(" ", self._style_for(selected_cell)))
            total += 1
        if total < width:
            # Pad here rather than with adjust_cell_length: a Strip costs ~5 µs (it
            # makes seven caches), and every painted row would make two.
            segments.append(Segment(" " * (width - total), self._base()))
            return Strip(segments, width)
        return Strip(segments, total).adjust_cell_length(width, self._base())

    def _cell_segments(
        self,
        layout: Layout,
        row: int,
        spans: list[Span],
        cursor: int,
        selection: tuple[int, int] | None,
        selected_range: tuple[int, int] | None,
        linked: _Ranges = (),
    ) -> tuple[list[Segment], int]:
        """A row's segments and cell width, cell by cell (wide, tab, control characters)."""
        start, end = layout.row_range(row)
        cells = layout.cells(row)
        text = self._text
        # Coverage is constant between consecutive span boundaries, so compute it once
        # per interval instead of once per cell.
        points: list[int] = []
        covers: list[_Cover | None] = []
        span_starts: set[int] = set()
        if spans:
            points = sorted(
                {start, end}
                | {s.start for s in spans if start < s.start < end}
                | {s.end for s in spans if start < s.end < end}
            )
            for low, high in pairwise(points):
                covering = [s for s in spans if s.start <= low and s.end >= high]
                covers.append(_cover(covering))
            span_starts = {s.start for s in spans}

        style_cache = self._style_cache
        segments: list[Segment] = []
        run: list[str] = []
        run_style: Style | None = None
        total = 0
        interval = 0
        for cell_start, cell_end, display, cell_width in cells:
            cover: _Cover | None = None
            if spans:
                while points[interval + 1] <= cell_start:
                    interval += 1
                cover = covers[interval]
            source = text[cell_start:cell_end]
            # Control pictures and dots stand in for invisible characters: dim them so
            # they read as markers, not text (tabs and stripped ZWJs are not markers).
            placeholder = display != source and source[0] != "\t" and not source.startswith(display)
            style_key: _StyleKey = (
                cover,
                cover is not None and cell_start in span_starts,
                selection is not None and selection[0] <= cell_start < selection[1],
                selected_range is not None and selected_range[0] <= cell_start < selected_range[1],
                cell_start == cursor and bool(text),
                placeholder,
                bool(linked) and any(a <= cell_start < b for a, b in linked),
            )
            style = style_cache.get(style_key)
            if style is None:
                style = style_cache[style_key] = self._compute_style(style_key)
            if style is not run_style:
                if run:
                    segments.append(Segment("".join(run), run_style))
                run, run_style = [], style
            run.append(display)
            total += cell_width
        if run:
            segments.append(Segment("".join(run), run_style))
        return segments, total

    def _simple_segments(
        self,
        start: int,
        end: int,
        spans: list[Span],
        cursor: int,
        selection: tuple[int, int] | None,
        selected_range: tuple[int, int] | None,
        linked: _Ranges = (),
    ) -> list[Segment]:
        """The segments ``_cell_segments`` makes for a simple row, by slicing the text.

        Every cell is one code point drawn as itself, so the style only changes where a
        span, the selection, the selected span or the cursor begins or ends (and after
        a span's first cell, which is tinted stronger): one style per interval between
        those points instead of one per cell (~4x faster on a 120-column row).
        """
        text = self._text
        cuts = {start, end}
        span_starts: set[int] = set()
        for s in spans:
            span_starts.add(s.start)
            if start <= s.start < end:
                cuts.add(s.start)
                cuts.add(min(s.start + 1, end))
            if start < s.end < end:
                cuts.add(s.end)
        for range_ in (selection, selected_range, *linked):
            if range_ is not None:
                cuts.update(p for p in range_ if start < p < end)
        if start <= cursor < end:
            cuts.add(cursor)
            cuts.add(cursor + 1)
        points = sorted(cuts)
        style_cache = self._style_cache
        segments: list[Segment] = []
        run_style: Style | None = None
        run_start = start
        has_text = bool(text)
        for low, high in pairwise(points):
            cover = None
            if spans:
                cover = _cover([s for s in spans if s.start <= low and s.end >= high])
            style_key: _StyleKey = (
                cover,
                cover is not None and low in span_starts,
                selection is not None and selection[0] <= low < selection[1],
                selected_range is not None and selected_range[0] <= low < selected_range[1],
                low == cursor and has_text,
                False,
                bool(linked) and any(a <= low < b for a, b in linked),
            )
            style = style_cache.get(style_key)
            if style is None:
                style = style_cache[style_key] = self._compute_style(style_key)
            if style is not run_style:
                if run_style is not None:
                    segments.append(Segment(text[run_start:low], run_style))
                run_start, run_style = low, style
        if run_style is not None:
            segments.append(Segment(text[run_start:end], run_style))
        return segments

    def _style_for(self, key: _StyleKey) -> Style:
        style = self._style_cache.get(key)
        if style is None:
            style = self._style_cache[key] = self._compute_style(key)
        return style

    def _compute_style(self, key: _StyleKey) -> Style:
        cover, span_start, in_selection, in_selected_span, is_cursor, placeholder, linked = key
        style = self._base()
        _, _, background, foreground = self.colors
        if cover is not None and cover[0].startswith(OTHER):
            # Only other annotators here: no tint (nothing of yours), their underline.
            other = _readable(self._label_color(cover[0]), background)
            style += Style(underline=True, color=other.rich_color)
        elif cover is not None:
            inner_label, outer_label = cover
            tint = self._tint(inner_label, background, strong=span_start)
            style += Style(bgcolor=tint.rich_color, color=_readable(foreground, tint).rich_color)
            if outer_label is not None:
                # Two or more spans here: underline, and colour the text with the
                # outer label so both annotations stay visible.
                outer = _readable(self._label_color(outer_label), tint)
                style += Style(underline=True, color=outer.rich_color)
        if in_selection:
            selection_bg = self._selection_background(background)
            style += Style(
                bgcolor=selection_bg.rich_color,
                color=_readable(foreground, selection_bg).rich_color,
            )
        if placeholder:
            style += Style(dim=True)
        if linked:
            style += self.get_component_rich_style("article-view--linked-span", partial=True)
        if in_selected_span:
            style += self.get_component_rich_style("article-view--selected-span", partial=True)
        if is_cursor:
            cursor_style = self.get_component_rich_style("article-view--cursor", partial=True)
            already_reversed = bool(style.reverse)
            style += cursor_style
            if already_reversed and cursor_style.reverse:
                # Reverse on reverse would hide the cursor inside a selected span.
                style += Style(reverse=False)
        return style

    def _is_dark(self, background: Color) -> bool:
        try:
            return bool(self.app.current_theme.dark)
        except Exception:  # no app/theme yet: judge by the background itself
            return _luminance(background) < 0.5

    def _tint(self, label: str, background: Color, strong: bool) -> Color:
        # Blend the label colour into the actual background so the highlight reads on
        # both dark and light themes; a span's first cell is a little stronger so
        # adjacent spans with the same label still show where one ends.
        dark = self._is_dark(background)
        factor = (0.55 if strong else 0.40) if dark else (0.45 if strong else 0.30)
        return background.with_alpha(1.0).blend(self._label_color(label), factor)

    def _selection_background(self, background: Color) -> Color:
        component = self.get_component_styles("article-view--selection")
        color = component.background
        if color.a == 0:
            return background.blend(Color.parse("#3a6ea5"), 0.6)
        return background.with_alpha(1.0) + color

    def _label_color(self, label: str) -> Color:
        color = self._colors.get(label)
        if color is None:
            hex_color = _FALLBACK_PALETTE[zlib.crc32(label.encode()) % len(_FALLBACK_PALETTE)]
            color = self._colors[label] = Color.parse(hex_color)
        return color

    @staticmethod
    def _parse_colors(colors: Mapping[str, str]) -> dict[str, Color]:
        parsed: dict[str, Color] = {}
        for label, value in colors.items():
            try:
                parsed[label] = Color.parse(value).with_alpha(1.0)
            except ColorParseError:
                continue  # falls back to the palette colour for this label
        return parsed

    # ------------------------------------------------------------------------ mouse

    def _offset_at_point(self, x: int, y: int) -> int:
        layout = self._text_layout
        if layout is None:
            return self._cursor
        row = y + self.scroll_offset.y
        if row < 0:
            return 0
        if row >= layout.rows:
            return len(self._text)
        return layout.offset_at(row, x + self.scroll_offset.x)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or self._text_layout is None:
            return
        point = event.get_content_offset(self)
        if point is None:
            return
        offset = self._offset_at_point(point.x, point.y)
        self._drag_origin = (
            (self._sel_anchor if self._sel_anchor is not None else self._cursor)
            if event.shift
            else offset
        )
        self.capture_mouse()
        self._move(offset, extend=event.shift)
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_origin is None:
            return
        point = event.get_content_offset_capture(self)
        offset = self._offset_at_point(point.x, point.y)
        self._preferred_x = None
        # The anchor stays where the button went down; the cursor follows the mouse.
        self._set_cursor(offset, self._drag_origin)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self._end_drag()

    def on_hide(self, event: events.Hide) -> None:
        # A hidden widget gets no mouse-up; do not leave the mouse captured.
        self._end_drag()

    def _end_drag(self) -> None:
        if self._drag_origin is not None:
            self._drag_origin = None
            self.release_mouse()


def _clip(range_: tuple[int, int] | None, start: int, end: int) -> tuple[int, int] | None:
    """``range_`` clipped to a row's start..end (inclusive end, for the line-end cell)."""
    if range_ is None or range_[1] <= start or range_[0] > end:
        return None
    return (max(range_[0], start), min(range_[1], end + 1))


def _cover(covering: list[Span]) -> _Cover | None:
    """(innermost label, outermost label if nested/overlapping) for the given spans."""
    if not covering:
        return None
    # Your own spans come first: the tint is always yours, others only underline.
    ordered = sorted(
        covering, key=lambda s: (s.label.startswith(OTHER), s.end - s.start, s.label, s.id)
    )
    inner = ordered[0]
    return (inner.label, ordered[-1].label if len(ordered) > 1 else None)


def _symmetric_difference(
    a: tuple[int, int] | None, b: tuple[int, int] | None
) -> list[tuple[int, int]]:
    """Offset ranges whose membership differs between two selections."""
    if a is None and b is None:
        return []
    if a is None or b is None:
        return [a or b]  # type: ignore[list-item]
    parts = [(min(a[0], b[0]), max(a[0], b[0])), (min(a[1], b[1]), max(a[1], b[1]))]
    return [(start, end) for start, end in parts if start != end]
