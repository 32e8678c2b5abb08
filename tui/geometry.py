"""Text geometry for the article pane: grapheme clusters, cell widths and soft wrapping.

Everything here is pure (no Textual import) so it can be unit tested and run in a
worker thread.  Offsets are always Unicode code points into the document text, end
exclusive; terminal cells are a display concern that never leaks into offsets.

Widths are measured with ``rich.cells.cell_len`` because that is what Rich and
Textual use to measure the segments we hand them; if we measured differently the
cursor, highlights and mouse mapping would drift away from what is on screen.

What a line break and a grapheme cluster are is defined once, in
``store.textmodel``, which ``store.segment`` uses too: a row never spans a line
break the reader's paragraph and sentence motions do not see, and the cursor
moves over the same clusters everywhere.  The grapheme helpers are re-exported
here for the widgets.
"""

from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Final

from rich.cells import cell_len

from store.textmodel import (
    LINE_BREAK_RE,
    RARE_LINE_BREAKS,
    grapheme_bounds,
    next_grapheme,
    prev_grapheme,
    snap_to_grapheme,
)
from store.textmodel import segmentation as _segmentation

__all__ = [
    "LINE_BREAK_RE",
    "Cell",
    "Layout",
    "display_cluster",
    "grapheme_bounds",
    "grapheme_width",
    "next_grapheme",
    "prev_grapheme",
    "snap_to_grapheme",
]

#: One grapheme per cell of a row: (start, end, display text, cell width).
Cell = tuple[int, int, str, int]

# Whitespace after which a row may be soft wrapped.  No-break spaces (U+00A0,
# U+2007, U+202F) are deliberately absent.  U+200B is a break opportunity by design.
_BREAK_SPACES: Final = frozenset(
    " \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u200b\u205f\u3000"
)

_SPLIT_CHUNK: Final = 1 << 20  # characters split into lines at once
_PLACEHOLDER: Final = "\u00b7"  # middle dot, for invisible format characters
_DOTTED_CIRCLE: Final = "\u25cc"  # base for combining marks with nothing to sit on
_ZERO_WIDTH_MODIFIERS: Final = frozenset("\u200d\ufe0e\ufe0f")


def _build_simple_chars(ranges: tuple[tuple[int, int], ...]) -> frozenset[str]:
    """Code points of ``ranges`` that are one cell wide and always a cluster of their own.

    A line made only of these can be wrapped with plain string searches (one code
    point == one grapheme == one cell), which is what makes layout of a large
    article fast.  Each candidate is verified against Rich and its Unicode category
    at import, so a future Unicode or Rich change cannot silently break the fast path.

    A letter, number, punctuation mark, symbol, space or unassigned code point is
    Grapheme_Cluster_Break=Other, and two Others never join, except for UAX #29's few
    exceptions (Prepend letters such as U+0D4E, spacing-mark letters such as U+0E33,
    the half-width kana marks, emoji skin tones, unassigned default-ignorables): none
    lies in the ranges used here.  Marks, controls and format characters are left out.
    """
    chars: set[str] = set()
    for lo, hi in ranges:
        for code in range(lo, hi + 1):
            char = chr(code)
            category = unicodedata.category(char)
            if category[0] not in "LNPS" and category not in ("Zs", "Cn"):
                continue
            if cell_len(char) == 1 and (char == " " or char not in _BREAK_SPACES):
                chars.add(char)
    return frozenset(chars)


# Latin with its accents, Greek and Cyrillic (the ranges mirror Rich's own
# single-cell table).
_LATIN_CHARS: Final = _build_simple_chars(
    ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482))
)
# ... and the other one-cell characters of news copy: Latin Extended Additional
# (Vietnamese), dashes, curly quotes, ellipsis, currency and letterlike symbols.
_SIMPLE_CHARS: Final = _LATIN_CHARS | _build_simple_chars(
    ((0x1E00, 0x1EFF), (0x2010, 0x2027), (0x2030, 0x205E), (0x20A0, 0x20C0), (0x2100, 0x214F))
)
_is_latin: Final = _LATIN_CHARS.issuperset
_is_simple: Final = _SIMPLE_CHARS.issuperset


def _is_latin_run(segment: str) -> bool:
    # isascii/isprintable are C loops over the buffer and cover the common case;
    # the set check catches accented Latin, Greek and Cyrillic.
    return (segment.isascii() and segment.isprintable()) or _is_latin(segment)


def _is_simple_run(segment: str) -> bool:
    """True if every code point of ``segment`` is a one-cell grapheme of its own."""
    return (segment.isascii() and segment.isprintable()) or _is_simple(segment)


# --------------------------------------------------------------------------- clusters


@lru_cache(maxsize=8192)
def display_cluster(cluster: str) -> tuple[str, int]:
    """What to draw for one grapheme cluster, and how many cells it takes.

    Every cluster gets at least one cell so the cursor can always sit on it and the
    annotator can see exactly what a span covers:

    * C0/C1 controls become control pictures (U+2400 block) or a middle dot;
    * invisible clusters (format characters, lone joiners, stray combining marks)
      become a middle dot or a dotted circle carrying the marks;
    * a trailing ZWJ is dropped from the display, because Rich's ``cell_len`` lets a
      ZWJ swallow the *next* code point, which would make a row's width depend on
      how its segments are split.

    Tabs are not handled here: their width depends on the column (see ``Layout``).
    """
    if len(cluster) == 1:
        code = ord(cluster)
        if code < 0x20:
            return (chr(0x2400 + code), 1)
        if code == 0x7F:
            return ("\u2421", 1)
        if 0x80 <= code < 0xA0:
            return (_PLACEHOLDER, 1)
    display = cluster
    if len(display) > 1 and display.endswith("\u200d"):
        display = display.rstrip("\u200d")
    width = cell_len(display) if display else 0
    if width > 0:
        return (display, width)
    marks = "".join(
        char
        for char in cluster
        if unicodedata.category(char) in ("Mn", "Mc", "Me") and char not in _ZERO_WIDTH_MODIFIERS
    )
    if marks and cell_len(_DOTTED_CIRCLE + marks) == 1:
        return (_DOTTED_CIRCLE + marks, 1)
    return (_PLACEHOLDER, 1)


@lru_cache(maxsize=8192)
def _cluster_width(cluster: str) -> int:
    return display_cluster(cluster)[1]


def grapheme_width(cluster: str) -> int:
    """Cells taken by a grapheme cluster as drawn (always >= 1 for a non-empty cluster).

    This equals ``rich.cells.cell_len`` of the drawn text, so a Strip built from the
    drawn texts measures exactly the sum of these widths.  Tabs report 1; their real
    width depends on the column and is computed by ``Layout``.
    """
    if not cluster:
        return 0
    if cluster == "\t":
        return 1
    return display_cluster(cluster)[1]


# ------------------------------------------------------------------------------ layout


class Layout:
    """Soft-wrapped visual rows of a text at a given cell width.

    Rows partition each logical line (line breaks belong to no row), so the row
    ranges plus the breaks cover every offset exactly once.  Rules:

    * wrap after whitespace when possible, otherwise break at a grapheme boundary;
      a grapheme (e.g. a wide CJK char) is never split across rows;
    * the row that ends a logical line keeps its last column free when it can, so the
      cursor at the end of the line is always drawn inside the pane;
    * tabs expand to the next tab stop (clipped to the row) but stay one code point.

    Rows are stored as two compact ``array('q')`` of start/end offsets and looked up
    with bisect.  Lines made only of one-cell, one-code-point graphemes (ASCII and
    most Latin/Greek/Cyrillic prose) are wrapped with ``str.rfind`` and no per-char
    Python loop.
    """

    __slots__ = (
        "_cells_cache",
        "_line_first_row",
        "_row_ends",
        "_row_starts",
        "_spacers",
        "tab_size",
        "text",
        "width",
        "window",
    )

    _CELLS_CACHE_SIZE: Final = 512

    def __init__(
        self,
        text: str,
        width: int,
        tab_size: int = 4,
        paragraph_gap: bool = False,
        window: tuple[int, int] | None = None,
    ) -> None:
        """``paragraph_gap``: draw an empty spacer row between two non-empty lines.

        For articles that put each paragraph on one line with no blank line between
        (wire copy often does), so paragraphs stay apart on screen. Spacer rows hold
        no offsets: ``row_of`` never returns one and ``is_spacer`` names them.

        ``window``: wrap only the logical lines that touch this offset range (a first
        screen of a large article). Those lines get exactly the rows the whole
        layout gives them, numbered from 0; ``window`` is then the (start, end)
        offsets of the lines wrapped. Ignored (None) for texts with line breaks
        other than "\n".
        """
        self.text = text
        self.width = max(1, width)
        self.tab_size = max(1, tab_size)
        self._row_starts: array[int] = array("q")
        self._row_ends: array[int] = array("q")
        self._line_first_row: array[int] = array("q")
        self._cells_cache: dict[int, list[Cell]] = {}
        self._spacers: set[int] = set()
        self.window: tuple[int, int] | None = None
        if any(char in text for char in RARE_LINE_BREAKS):
            self._wrap_lines(paragraph_gap)
            return
        start, end = 0, len(text)
        if window is not None:
            start = text.rfind("\n", 0, max(0, window[0])) + 1
            end = text.find("\n", min(len(text), window[1]))
            end = len(text) if end < 0 else end
            if (start, end) != (0, len(text)):
                self.window = (start, end)
        self._wrap_lf_lines(paragraph_gap, start, end)

    # -- building

    def _wrap_lines(self, paragraph_gap: bool) -> None:
        text = self.text
        position = 0
        for match in LINE_BREAK_RE.finditer(text):
            self._wrap_line(position, match.start(), text[position : match.start()])
            line_empty = position == match.start()
            position = match.end()
            next_line_empty = position >= len(text) or LINE_BREAK_RE.match(text, position)
            if paragraph_gap and not line_empty and not next_line_empty:
                self._add_spacer(position)
        self._wrap_line(position, len(text), text[position:])

    def _wrap_lf_lines(self, paragraph_gap: bool, start: int, end: int) -> None:
        """``_wrap_lines`` for a text whose only line break is "\\n" (nearly all texts).

        ``str.split`` finds the lines in C, several times faster than the break
        pattern, which matters for a 1 MB article at start-up. Wraps the lines of
        ``text[start:end]`` (whole lines).
        """
        text = self.text
        lines: list[str] = []
        # A megabyte at a time: one split of a 50 MB article held the GIL for ~60 ms
        # on the wrap thread, and a key typed meanwhile waited as long.
        pos = start
        while end - pos > _SPLIT_CHUNK:
            cut = text.find("\n", pos + _SPLIT_CHUNK, end)
            if cut < 0:
                break
            lines.extend(text[pos:cut].split("\n"))
            pos = cut + 1
        lines.extend(text[pos:end].split("\n"))
        last = len(lines) - 1
        position = start
        for i, line in enumerate(lines):
            end = position + len(line)
            self._wrap_line(position, end, line)
            if i == last:
                break
            position = end + 1
            if paragraph_gap and line and lines[i + 1]:
                self._add_spacer(position)

    def _add_spacer(self, position: int) -> None:
        # An empty row starting where the next line starts: bisect on row starts then
        # maps that offset to the line's own first row.
        self._spacers.add(len(self._row_starts))
        self._row_starts.append(position)
        self._row_ends.append(position)

    def _wrap_line(self, start: int, end: int, line: str) -> None:
        """Wrap the logical line ``line`` == ``text[start:end]``."""
        self._line_first_row.append(len(self._row_starts))
        if start == end:
            self._row_starts.append(start)
            self._row_ends.append(end)
        elif _is_simple_run(line):
            self._wrap_simple(start, end)
        else:
            self._wrap_complex(start, end)

    def _wrap_simple(self, start: int, end: int) -> None:
        """Wrap a line where every code point is a one-cell grapheme.

        When the rest of a line fills its last row exactly, a Latin/Greek/Cyrillic
        line splits off its last grapheme, while any other line cuts after its last
        earlier space, as ``_wrap_complex`` does.  The two rules differ only for such
        a row that ends in a space; other lines were always wrapped by
        ``_wrap_complex``, and this keeps their rows exactly as they were.
        """
        width = self.width
        rfind = self.text.rfind
        add_start = self._row_starts.append
        add_end = self._row_ends.append
        pos = start
        while end - pos >= width:
            space = rfind(" ", pos, pos + width)
            cut = space + 1 if space >= pos else pos + width
            if cut >= end:
                # The rest fills the row exactly: split off its last grapheme so the
                # end-of-line cursor column stays visible (unless it is all we have).
                cut = end - 1
                if not _is_latin_run(self.text[start:end]):
                    space = rfind(" ", pos, cut)
                    if space >= pos:
                        cut = space + 1
                if cut <= pos:
                    break
            add_start(pos)
            add_end(cut)
            pos = cut
        add_start(pos)
        add_end(end)

    def _tab_width(self, column: int) -> int:
        # Clipped to the row so a tab never forces a wrap on its own; at least one
        # cell so it stays visible and clickable.
        return max(1, min(self.tab_size - column % self.tab_size, self.width - column))

    def _wrap_complex(self, start: int, end: int) -> None:
        """Wrap a line grapheme by grapheme (wide chars, combining marks, emoji...)."""
        segment = self.text[start:end]
        clusters: list[str]
        patterns = _segmentation()
        if patterns.needs_segmentation.search(segment) is None:
            # Every code point is a cluster of its own (e.g. CJK prose): skip \X,
            # which is the slowest step for large non-Latin articles.
            clusters = list(segment)
        else:
            clusters = patterns.grapheme.findall(self.text, start, end)
        if "\t" in segment:
            self._wrap_with_tabs(start, end, clusters)
            return
        # Without tabs every cluster has a fixed width, so cut points can be found by
        # bisecting prefix sums instead of looping in Python over every cluster.
        width = self.width
        count = len(clusters)
        cum = list(accumulate(map(_cluster_width, clusters), initial=0))
        offsets = list(accumulate(map(len, clusters), initial=start))
        # Cluster indices just after a whitespace cluster: the soft-wrap opportunities.
        breaks = [i + 1 for i, cluster in enumerate(clusters) if cluster in _BREAK_SPACES]
        add_start = self._row_starts.append
        add_end = self._row_ends.append
        index = 0
        while True:
            # Widths are >= 1, so cum is strictly increasing and bisect finds how many
            # clusters fit on this row.
            j = bisect_right(cum, cum[index] + width, index) - 1
            if j == count:
                if cum[count] - cum[index] < width or count - index == 1:
                    break
                # Exactly full: keep the end-of-line column free (see _wrap_simple).
                k = bisect_left(breaks, count) - 1
                j = breaks[k] if k >= 0 and breaks[k] > index else count - 1
            else:
                k = bisect_right(breaks, j) - 1
                if k >= 0 and breaks[k] > index:
                    j = breaks[k]
                elif j == index:
                    # A single grapheme wider than the pane gets a row of its own.
                    j = index + 1
            add_start(offsets[index])
            add_end(offsets[j])
            index = j
        add_start(offsets[index])
        add_end(end)

    def _wrap_with_tabs(self, start: int, end: int, clusters: list[str]) -> None:
        """Wrap a line containing tabs, whose width depends on their column."""
        width = self.width
        widths: list[int] = [
            0 if cluster == "\t" else display_cluster(cluster)[1] for cluster in clusters
        ]
        count = len(clusters)
        add_start = self._row_starts.append
        add_end = self._row_ends.append
        index, offset = 0, start
        while index < count:
            column = 0
            j, pos = index, offset
            break_j, break_pos = -1, -1
            while j < count:
                cluster = clusters[j]
                cells = self._tab_width(column) if cluster == "\t" else widths[j]
                if column + cells > width:
                    break
                column += cells
                pos += len(cluster)
                j += 1
                if cluster in _BREAK_SPACES:
                    break_j, break_pos = j, pos
            if j == count:
                if column < width or j - index == 1:
                    break
                # Exactly full: keep the end-of-line column free (see _wrap_simple).
                if index < break_j < count:
                    j, pos = break_j, break_pos
                else:
                    j, pos = count - 1, end - len(clusters[-1])
            elif break_j > index:
                j, pos = break_j, break_pos
            elif j == index:
                j, pos = index + 1, offset + len(clusters[index])
            add_start(offset)
            add_end(pos)
            index, offset = j, pos
        add_start(offset)
        add_end(end)

    # -- queries

    @property
    def rows(self) -> int:
        """Number of visual rows (at least 1, even for an empty text)."""
        return len(self._row_starts)

    @property
    def lines(self) -> int:
        """Number of logical lines."""
        return len(self._line_first_row)

    def row_range(self, row: int) -> tuple[int, int]:
        """Code-point range of a row, excluding any line break."""
        return (self._row_starts[row], self._row_ends[row])

    def is_spacer(self, row: int) -> bool:
        """True for an empty row drawn only to separate paragraphs."""
        return row in self._spacers

    def line_of_row(self, row: int) -> int:
        """Index of the logical line a row belongs to."""
        return bisect_right(self._line_first_row, row) - 1

    def is_soft_wrapped(self, row: int) -> bool:
        """True if the row ends because of wrapping rather than a line break/text end."""
        return row + 1 < len(self._row_starts) and self._row_starts[row + 1] == self._row_ends[row]

    def row_of(self, offset: int) -> int:
        """Row containing ``offset``.

        An offset at (or inside) a line break belongs to the end of the row before
        it; an offset at a soft-wrap point belongs to the start of the next row.
        """
        offset = min(max(offset, 0), len(self.text))
        return max(0, bisect_right(self._row_starts, offset) - 1)

    def is_simple_row(self, row: int) -> bool:
        """True if each code point of the row is one grapheme, one cell, drawn as itself.

        Then ``cells(row)`` is one ``(i, i + 1, text[i], 1)`` per offset, and a painter
        may slice the text instead of walking the cells.
        """
        return _is_simple_run(self.text[self._row_starts[row] : self._row_ends[row]])

    def cells(self, row: int) -> list[Cell]:
        """(start, end, display text, cell width) for each grapheme of a row."""
        cached = self._cells_cache.get(row)
        if cached is not None:
            return cached
        start, end = self._row_starts[row], self._row_ends[row]
        segment = self.text[start:end]
        result: list[Cell]
        if _is_simple_run(segment):
            result = [(start + i, start + i + 1, char, 1) for i, char in enumerate(segment)]
        else:
            result = []
            append = result.append
            column = 0
            pos = start
            for cluster in _segmentation().grapheme.findall(self.text, start, end):
                if cluster == "\t":
                    cells = self._tab_width(column)
                    display = " " * cells
                else:
                    display, cells = display_cluster(cluster)
                append((pos, pos + len(cluster), display, cells))
                pos += len(cluster)
                column += cells
        if len(self._cells_cache) >= self._CELLS_CACHE_SIZE:
            self._cells_cache.clear()
        self._cells_cache[row] = result
        return result

    def row_width(self, row: int) -> int:
        """Cells used by a row's graphemes."""
        start, end = self._row_starts[row], self._row_ends[row]
        if _is_simple_run(self.text[start:end]):
            return end - start
        return sum(cell[3] for cell in self.cells(row))

    def column_of(self, offset: int) -> int:
        """Cell x of ``offset`` within its row (the cell of the grapheme containing it)."""
        offset = min(max(offset, 0), len(self.text))
        row = self.row_of(offset)
        start, end = self._row_starts[row], self._row_ends[row]
        if offset >= end:
            return self.row_width(row)
        if _is_simple_run(self.text[start:end]):
            return offset - start
        column = 0
        for _start, cell_end, _display, cells in self.cells(row):
            if offset < cell_end:
                return column
            column += cells
        return column  # pragma: no cover - offset < end implies a cell contains it

    def offset_at(self, row: int, x: int) -> int:
        """Offset of the grapheme drawn at cell ``x`` of ``row`` (clamped).

        Past the end of a row this is the line end, except on a soft-wrapped row where
        that offset would belong to the next row; there it is the last grapheme.
        Never returns an offset inside a grapheme or a wide character.
        """
        row = min(max(row, 0), len(self._row_starts) - 1)
        start, end = self._row_starts[row], self._row_ends[row]
        if x <= 0:
            return start
        cells = self.cells(row)
        column = 0
        for cell_start, _end, _display, width in cells:
            if x < column + width:
                return cell_start
            column += width
        if cells and self.is_soft_wrapped(row):
            return cells[-1][0]
        return end
