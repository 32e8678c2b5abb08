"""Unit and property tests for tui.geometry (graphemes, widths, soft wrap)."""

from __future__ import annotations

from itertools import pairwise

import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from tui.geometry import (
    LINE_BREAK_RE,
    Layout,
    display_cluster,
    grapheme_width,
    next_grapheme,
    prev_grapheme,
    snap_to_grapheme,
)

FAMILY = "👩\u200d👩\u200d👧"
FLAG = "🇹🇷"
E_ACUTE = "e\u0301"


def rows_text(layout: Layout) -> list[str]:
    return [layout.text[slice(*layout.row_range(r))] for r in range(layout.rows)]


def boundaries(text: str) -> list[int]:
    ends = [m.end() for m in regex.finditer(r"\X", text)]
    return [0, *ends]


# ----------------------------------------------------------------------- graphemes


def test_clusters_move_as_one() -> None:
    text = f"a{FAMILY}b{FLAG}{E_ACUTE}\r\nz"
    stops = [0]
    while stops[-1] < len(text):
        stops.append(next_grapheme(text, stops[-1]))
    assert [text[a:b] for a, b in pairwise(stops)] == [
        "a",
        FAMILY,
        "b",
        FLAG,
        E_ACUTE,
        "\r\n",
        "z",
    ]
    back = [len(text)]
    while back[-1] > 0:
        back.append(prev_grapheme(text, back[-1]))
    assert back[::-1] == stops


def test_snap_moves_into_cluster_start() -> None:
    text = f"x{FAMILY}y"
    assert snap_to_grapheme(text, 3) == 1
    assert snap_to_grapheme(text, 99) == len(text)
    assert snap_to_grapheme(text, -5) == 0


def test_widths_match_rich() -> None:
    assert grapheme_width("a") == 1
    assert grapheme_width("中") == 2
    assert grapheme_width(FAMILY) == cell_len(FAMILY) == 2
    assert grapheme_width(E_ACUTE) == 1
    # Invisible things still take one visible cell.
    assert display_cluster("\x01") == ("\u2401", 1)
    assert display_cluster("\u200b")[1] == 1
    assert display_cluster("\u0301")[1] == 1


TRICKY = ["a", "b", " ", "  ", "word", FAMILY, FLAG, E_ACUTE, "中", "文", "\t"]
TRICKY += ["\r\n", "\n", "\r", "\u2028", "\u0301", "\u200d", "\x01", "\u200b", "🇹", "\ufe0f"]
tricky_text = st.lists(st.sampled_from(TRICKY), max_size=40).map("".join)
any_text = st.one_of(tricky_text, st.text(max_size=60))


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_prev_next_agree_with_forward_segmentation(text: str) -> None:
    bounds = boundaries(text)
    for a, b in pairwise(bounds):
        assert next_grapheme(text, a) == b
        assert prev_grapheme(text, b) == a


# -------------------------------------------------------------------------- wrap


def test_wrap_width_10_breaks_after_spaces() -> None:
    layout = Layout("hello world this is a test", 10)
    assert rows_text(layout) == ["hello ", "world ", "this is a ", "test"]


def test_wrap_width_1() -> None:
    layout = Layout("ab c", 1)
    assert rows_text(layout) == ["a", "b", " ", "c"]


def test_wrap_width_80_paragraph() -> None:
    text = " ".join(["newsworthy"] * 50)
    layout = Layout(text, 80)
    rows = rows_text(layout)
    assert "".join(rows) == text
    assert all(len(row) <= 80 for row in rows)
    assert all(row.endswith(" ") for row in rows[:-1])
    assert len(rows[-1]) < 80  # the end-of-line cursor column stays free


def test_long_word_is_broken_at_grapheme_boundaries() -> None:
    layout = Layout("x " + "abcdefghijklmnop", 5)
    assert rows_text(layout) == ["x ", "abcde", "fghij", "klmno", "p"]
    emoji = Layout(FAMILY * 5, 4)
    assert all(row == FAMILY * 2 or row == FAMILY for row in rows_text(emoji))


def test_wide_chars_never_split() -> None:
    layout = Layout("中中中", 3)
    assert rows_text(layout) == ["中", "中", "中"]
    assert Layout("中", 1).cells(0) == [(0, 1, "中", 2)]  # a lone too-wide glyph


def test_line_breaks_and_tabs() -> None:
    text = "a\r\nb\rc\u2028d\x0be\x0cf\x85g\n"
    layout = Layout(text, 10)
    assert rows_text(layout) == ["a", "b", "c", "d", "e", "f", "g", ""]
    assert layout.row_of(1) == 0 and layout.row_of(2) == 0  # inside CRLF: row end
    tabs = Layout("a\tb\tc", 20, tab_size=4)
    assert [(c[2], c[3]) for c in tabs.cells(0)] == [
        ("a", 1),
        ("   ", 3),
        ("b", 1),
        ("   ", 3),
        ("c", 1),
    ]
    assert tabs.column_of(4) == 8


def test_control_chars_keep_offsets() -> None:
    layout = Layout("a\x01b", 10)
    assert layout.cells(0) == [(0, 1, "a", 1), (1, 2, "\u2401", 1), (2, 3, "b", 1)]
    assert layout.offset_at(0, 2) == 2


def test_empty_text() -> None:
    layout = Layout("", 10)
    assert layout.rows == 1
    assert layout.row_range(0) == (0, 0)
    assert layout.cells(0) == []
    assert layout.offset_at(0, 5) == 0
    assert layout.column_of(0) == 0


def test_offset_at_past_soft_wrapped_row_end_stays_on_row() -> None:
    layout = Layout("hello world", 8)
    assert rows_text(layout) == ["hello ", "world"]
    assert layout.offset_at(0, 7) == 5  # the trailing space, not the next row
    assert layout.offset_at(1, 7) == 11  # line end


@settings(max_examples=400, deadline=None)
@given(any_text, st.integers(min_value=1, max_value=24))
def test_layout_properties(text: str, width: int) -> None:
    layout = Layout(text, width)
    bounds = set(boundaries(text))

    # Rows + breaks reproduce every offset exactly once.
    pieces: list[str] = []
    position = 0
    for row in range(layout.rows):
        start, end = layout.row_range(row)
        gap = text[position:start]
        assert start >= position
        if row:
            assert gap == "" or LINE_BREAK_RE.fullmatch(gap)
        else:
            assert start == 0
        pieces += [gap, text[start:end]]
        position = end
        assert start in bounds and end in bounds
    assert position == len(text)
    assert "".join(pieces) == text

    for row in range(layout.rows):
        start, end = layout.row_range(row)
        cells = layout.cells(row)
        # Cells tile the row and measure, for Rich, exactly what we claim.
        assert [c[0] for c in cells[1:]] == [c[1] for c in cells[:-1]]
        if cells:
            assert cells[0][0] == start and cells[-1][1] == end
        total = sum(c[3] for c in cells)
        assert cell_len("".join(c[2] for c in cells)) == total
        assert total <= width or len(cells) == 1

    # Round trip on grapheme boundaries (the middle of "\r\n" is not one).
    for offset in sorted(bounds):
        row = layout.row_of(offset)
        start, end = layout.row_range(row)
        assert start <= offset <= end
        assert layout.offset_at(row, layout.column_of(offset)) == offset


def test_one_megabyte_ascii_layout_covers_every_offset() -> None:
    # Speed is measured in `make bench`; here the fast ASCII path must stay exact.
    words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "reporter"]
    paragraph = " ".join(words * 25)
    text = "\n\n".join([paragraph] * (1_000_000 // len(paragraph)))
    layout = Layout(text, 80)
    assert layout.rows > 10_000
    previous_end = 0
    for row in range(layout.rows):
        start, end = layout.row_range(row)
        assert start >= previous_end and end - start <= 80
        previous_end = end
    assert previous_end == len(text)


def test_paragraph_gap_adds_spacer_rows_only_between_non_empty_lines() -> None:
    text = "Alpha beta.\nGamma.\n\nDelta."
    layout = Layout(text, 40, paragraph_gap=True)
    ranges = [layout.row_range(r) for r in range(layout.rows)]
    spacers = [r for r in range(layout.rows) if layout.is_spacer(r)]
    # One spacer between "Alpha beta." and "Gamma."; none around the blank line.
    assert len(spacers) == 1
    assert ranges[spacers[0]] == (text.index("Gamma"), text.index("Gamma"))
    # No offset ever maps to a spacer row, and every offset keeps its exact row range.
    for offset in range(len(text) + 1):
        row = layout.row_of(offset)
        assert not layout.is_spacer(row)
        start, end = layout.row_range(row)
        assert start <= offset <= end or text[offset - 1 : offset] == "\n"
    plain = Layout(text, 40)
    assert plain.rows == layout.rows - 1
    assert not any(plain.is_spacer(r) for r in range(plain.rows))


def test_is_simple_row_names_rows_drawn_one_code_point_per_cell() -> None:
    layout = Layout("plain words here\nwide 漢字 here\ntab\there\ncafe\u0301 done", 40)
    assert [layout.is_simple_row(r) for r in range(layout.rows)] == [True, False, False, False]
    for row in range(layout.rows):
        if layout.is_simple_row(row):
            start, end = layout.row_range(row)
            assert layout.cells(row) == [(i, i + 1, layout.text[i], 1) for i in range(start, end)]


_WINDOW_PIECES = st.sampled_from(
    ["word ", "longerword ", "\n", "\n\n", "漢字", "\t", "e\u0301 ", "x" * 30, "  "]
)


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(_WINDOW_PIECES, min_size=1, max_size=60),
    width=st.integers(4, 30),
    gap=st.booleans(),
    data=st.data(),
)
def test_window_layout_rows_are_those_of_the_whole_layout(
    pieces: list[str], width: int, gap: bool, data: st.DataObject
) -> None:
    text = "".join(pieces)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    full = Layout(text, width, paragraph_gap=gap)
    part = Layout(text, width, paragraph_gap=gap, window=(a, b))
    lo, hi = part.window or (0, len(text))
    # Whole lines, covering the range asked for.
    assert lo <= a and b <= hi
    assert lo == 0 or text[lo - 1] == "\n"
    assert hi == len(text) or text[hi] == "\n"
    # The whole layout's rows of those lines; the spacer drawn before the first of
    # them belongs to the line before the window.
    inside = [
        (full.row_range(r), full.is_spacer(r))
        for r in range(full.rows)
        if lo <= full.row_range(r)[0]
        and full.row_range(r)[1] <= hi
        and not (full.is_spacer(r) and full.row_range(r)[0] == lo and lo > 0)
    ]
    got = [(part.row_range(r), part.is_spacer(r)) for r in range(part.rows)]
    assert got == inside
    for offset in range(lo, hi + 1):
        start, end = part.row_range(part.row_of(offset))
        assert (start, end) == full.row_range(full.row_of(offset))
        assert part.column_of(offset) == full.column_of(offset)


def test_window_layout_is_ignored_for_other_line_breaks() -> None:
    text = "one\r\ntwo\nthree " * 20
    assert Layout(text, 10, window=(30, 40)).window is None
    assert Layout("a\nb\nc", 10, window=(0, 5)).window is None  # the whole text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["ab", " ", "\n", "\n\n", "x" * 9, "漢", "e\u0301"]), max_size=60).map(
        "".join
    ),
    st.integers(min_value=1, max_value=16),
    st.integers(min_value=1, max_value=12),
    st.booleans(),
)
def test_a_large_text_split_a_piece_at_a_time_wraps_as_in_one_piece(
    text: str, width: int, chunk: int, gap: bool
) -> None:
    """A 50 MB article is split into lines a megabyte at a time (the wrap thread then
    never holds the GIL long); the rows are exactly those of one split."""
    import tui.geometry as geometry

    whole = Layout(text, width, paragraph_gap=gap)
    saved = geometry._SPLIT_CHUNK
    geometry._SPLIT_CHUNK = chunk
    try:
        pieces = Layout(text, width, paragraph_gap=gap)
    finally:
        geometry._SPLIT_CHUNK = saved
    assert [pieces.row_range(r) for r in range(pieces.rows)] == [
        whole.row_range(r) for r in range(whole.rows)
    ]
