"""A list that renders only its visible rows, for thousands of annotations or documents.

Textual's OptionList measures every option when options change (≈ 0.2 ms each),
which made relabelling in a 5,000-span document take half a second. Here a row
is produced on demand by ``render_row`` and cached until ``invalidate``, keyed
by what it shows (``row_key``), so rows that only moved (a row inserted above
them) are not rendered again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from math import ceil
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

_CACHE_ROWS = 512


def _thumb(
    bar: ScrollBar, virtual: int, position: float | None = None
) -> tuple[int, int] | None:
    """Where ``bar`` draws its thumb (in eighths of a cell) for ``virtual`` rows.

    The arithmetic of Textual's ScrollBarRender.render_bar, which draws it.
    """
    size = bar.size.height
    window = bar.window_size if bar.window_size < virtual else 0
    window, virtual = ceil(window), ceil(virtual)
    if not (window and size and virtual and size != virtual):
        return None
    eighths = len(ScrollBarRender.VERTICAL_BARS)
    thumb = max(1, window / (virtual / size))
    where = bar.position if position is None else position
    start = int((size - thumb) * (where / (virtual - window)) * eighths)
    return start, start + ceil(thumb * eighths)


class VirtualList(ScrollView, can_focus=True):
    """Rows 0…count-1, one line each; a highlighted row; enter or click chooses it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]
    COMPONENT_CLASSES = {"virtual-list--highlight"}
    DEFAULT_CSS = """
    VirtualList { scrollbar-size-vertical: 1; overflow-x: hidden; }
    VirtualList > .virtual-list--highlight { background: $accent 30%; text-style: bold; }
    VirtualList:focus > .virtual-list--highlight { background: $accent 60%; }
    """

    class Chosen(Message):
        """The user chose a row (enter or click)."""

        def __init__(self, source: VirtualList, index: int) -> None:
            super().__init__()
            self.source = source
            self.index = index

        @property
        def control(self) -> VirtualList:
            return self.source

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._count = 0
        self._highlight: int | None = None
        self._cache: OrderedDict[tuple[Hashable, int, bool], Strip] = OrderedDict()
        # self.rich_style walks every ancestor's styles (~30 µs a call, once per row);
        # the cached rows already bake it in, so it is kept and dropped with them.
        self._base_style: Style | None = None
        # The width rows are painted at, until the next Resize or style change
        # (scrollable_content_region costs ~10 µs, once per row painted).
        self._paint_width: int | None = None

    # -- for subclasses

    def render_row(self, index: int, width: int) -> Text:
        raise NotImplementedError

    def empty_text(self) -> Text:
        return Text("")

    def row_key(self, index: int) -> Hashable:
        """What row ``index`` shows, as a cache key (default: the index itself).

        A subclass whose rows are items that can move (inserted, removed above them)
        returns the item, so a moved row reuses its cached strip.
        """
        return index

    # -- public

    @property
    def count(self) -> int:
        return self._count

    @property
    def highlighted(self) -> int | None:
        return self._highlight

    def set_count(self, count: int) -> None:
        """Show ``count`` rows, all rendered afresh."""
        self._cache.clear()
        self._resize(count)
        self.refresh()

    def rows_moved(self, count: int, first: int) -> None:
        """Rows were inserted or removed at ``first``: repaint the visible rows from there.

        Rows keep their cached strips (keyed by ``row_key``), so only rows showing
        something new are rendered.
        """
        old = self._count
        self._resize(count)
        top = int(self.scroll_offset.y)
        if self._shift_window(count - old, first, top):
            return
        first = max(first, top)
        # Through the old last row too: after a removal it is blank now.
        last = min(max(count, old, 1), top + self.size.height) - 1
        if first <= last:
            self.refresh_lines(first, last - first + 1)

    def _shift_window(self, delta: int, first: int, top: int) -> bool:
        """One row inserted or removed in the upper part of the window: scroll by one.

        The rows below the change then stay where they are, and only the rows above
        it move: at most half the window is drawn again, not everything below the
        change (each line drawn costs the whole screen line, ~0.2 ms, on a label).
        Labelling word after word thus keeps the newest row a quarter of the way down.
        """
        height = self.size.height
        rows = first - top  # rows of the window above the change
        if delta == 1:
            new_top = top + 1  # the new row shows one line above where it was put
            # A quarter of the window stays above it, so the rows labelled just before
            # stay in sight (as vim's scrolloff keeps lines around the cursor).
            ok = max(1, height // 4) <= rows < height // 2 and new_top <= self.max_scroll_y
        elif delta == -1:
            new_top = top - 1
            ok = top > 0 and 0 <= rows < height // 2
        else:
            return False
        if not ok or not self.show_vertical_scrollbar:
            return False
        # Scrolled without the full repaint a scroll makes: the lines that changed
        # are known here.
        self.set_reactive(VirtualList.scroll_y, float(new_top))
        self.set_reactive(VirtualList.scroll_target_y, float(new_top))
        bar = self.vertical_scrollbar
        rows_now = bar.window_virtual_size
        if _thumb(bar, rows_now, new_top) != _thumb(bar, rows_now):
            bar.position = new_top
        else:
            bar.set_reactive(ScrollBar.position, new_top)
        self.refresh_lines(new_top, rows + (1 if delta == -1 else 0))
        return True

    def _resize(self, count: int) -> None:
        self._count = count
        if self._highlight is not None and self._highlight >= count:
            self._highlight = count - 1 if count else None
        old = self.virtual_size
        # The width is on_resize's; only the number of rows changes here.
        size = Size(old.width or self.size.width, max(count, 1))
        if size == old:
            return
        height = self.container_size.height
        scrolls = min(size.height, old.height) > height
        if self.is_mounted and self.show_vertical_scrollbar and scrolls:
            # The list scrolls before and after: only its range and the scrollbar's thumb
            # change. Assigning virtual_size would run a layout pass and re-render the
            # whole screen (~13 ms per label at 5,000 annotations) for that.
            self.set_reactive(VirtualList.virtual_size, size)
            bar = self.vertical_scrollbar
            if _thumb(bar, size.height) == _thumb(bar, bar.window_virtual_size):
                # One row among thousands moves the thumb by less than a cell: the bar
                # drawn is the same, and drawing it again cost ~2 ms per label.
                bar.set_reactive(ScrollBar.window_virtual_size, size.height)
            else:
                bar.window_virtual_size = size.height
            if self.scroll_y > self.max_scroll_y:
                self.scroll_to(y=self.max_scroll_y, animate=False)
            return
        fits = 0 < old.height <= height and size.height <= height
        if self.is_mounted and not self.show_vertical_scrollbar and fits:
            # It fits before and after: no scrollbar comes or goes, nothing scrolls,
            # so the rows that changed are all there is to repaint (a layout pass
            # here repainted the whole screen, in two frames, on every label).
            self.set_reactive(VirtualList.virtual_size, size)
            return
        self.virtual_size = size

    def invalidate(self, index: int | None = None) -> None:
        """Forget cached rows (all, or one) so they are rendered again."""
        if index is None:
            self._cache.clear()
            self.refresh()
        else:
            row = self.row_key(index)
            for key in [k for k in self._cache if k[0] == row]:
                del self._cache[key]
            self._refresh_row(index)

    def highlight(self, index: int | None, scroll: bool = True) -> None:
        old = self._highlight
        if index is not None:
            index = max(0, min(index, self._count - 1)) if self._count else None
        if index == old:
            return
        self._highlight = index
        if old is not None:
            self._refresh_row(old)
        if index is not None:
            self._refresh_row(index)
            if scroll:
                self._scroll_to_row(index)

    # -- actions

    def action_move(self, delta: int) -> None:
        if self._count:
            self.highlight((self._highlight if self._highlight is not None else -1) + delta)

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        if self._count:
            self.highlight(index % self._count)

    def action_choose(self) -> None:
        if self._highlight is not None:
            self.post_message(self.Chosen(self, self._highlight))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self._count:
            self.highlight(index, scroll=False)
            self.post_message(self.Chosen(self, index))

    # -- rendering

    def _scroll_to_row(self, index: int) -> None:
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def _refresh_row(self, index: int) -> None:
        # refresh_line takes the row in the list (it subtracts the scroll offset).
        y = index - int(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh_line(index)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._base_style = self._paint_width = None
        self.virtual_size = Size(event.size.width, max(self._count, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._base_style = self._paint_width = None

    def render_line(self, y: int) -> Strip:
        width = self._paint_width
        if width is None:
            width = self._paint_width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y  # scroll_offset.y without building an Offset
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        if self._count == 0:
            if y == 0:
                segments = list(self.empty_text().render(self.app.console))
                return Strip(segments).crop_extend(0, width, base).apply_style(base)
            return Strip.blank(width, base)
        if index >= self._count:
            return Strip.blank(width, base)
        lit = index == self._highlight
        key = (self.row_key(index), width, lit)
        strip = self._cache.get(key)
        if strip is not None:
            self._cache.move_to_end(key)
            return strip
        text = self.render_row(index, width)
        text.truncate(width, overflow="ellipsis")
        segments = [
            Segment(seg.text, seg.style, seg.control)
            for seg in text.render(self.app.console)
            if seg.text != "\n"
        ]
        # One Strip per row, styled with Rich's segment functions: each Strip costs
        # ~5 µs (it makes seven caches), and crop_extend + apply_style made up to five.
        line: Iterable[Segment] = Segment.adjust_line_length(segments, width)
        if lit:
            # Under the row's own styles, but over the widget background.
            style: Style = self.get_component_rich_style("virtual-list--highlight")
            line = Segment.apply_style(line, style)
        strip = Strip(Segment.apply_style(line, base), width)
        self._cache[key] = strip
        if len(self._cache) > _CACHE_ROWS:
            self._cache.popitem(last=False)
        return strip
