"""Line breaks and grapheme clusters: one definition, shared by segmentation and drawing."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from store import segment, textmodel
from store.segment import Segmenter
from store.textmodel import (
    LINE_BREAK_RE,
    LINE_BREAKS,
    SOLO_CHARS,
    grapheme_bounds,
    lines,
    next_grapheme,
)
from tui import geometry
from tui.geometry import Layout

BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]


def drawn_lines(text: str) -> list[str]:
    """The text of each row the article pane draws, at a width nothing wraps at."""
    layout = Layout(text, 200)
    return [text[slice(*layout.row_range(r))] for r in range(layout.rows)]


def test_segmentation_and_drawing_use_the_same_definitions() -> None:
    assert segment._BREAK is textmodel.LINE_BREAK_RE
    assert geometry.LINE_BREAK_RE is textmodel.LINE_BREAK_RE
    assert geometry.grapheme_bounds is textmodel.grapheme_bounds
    assert geometry.next_grapheme is textmodel.next_grapheme
    assert set(LINE_BREAKS) == {b for brk in BREAKS for b in brk}


@pytest.mark.parametrize("brk", BREAKS)
def test_each_break_is_one_line_break_in_segmentation_and_drawing(brk: str) -> None:
    text = f"One.{brk}Two two.{brk}Three."
    want = ["One.", "Two two.", "Three."]
    assert lines(text) == want
    assert drawn_lines(text) == want
    sg = Segmenter(text)
    assert [text[s:e] for s, e in sg.paragraphs()] == want


def test_a_form_feed_is_one_line_break_not_two_rows_in_one_paragraph() -> None:
    text = "Page one ends here.\x0cPage two starts."
    assert drawn_lines(text) == ["Page one ends here.", "Page two starts."]
    sg = Segmenter(text)
    assert [text[s:e] for s, e in sg.paragraphs()] == drawn_lines(text)
    assert sg.next_paragraph(0) == text.index("Page two")
    # Inside a blank-line paragraph it is a line of that paragraph, like a newline.
    grouped = "First line\x0csecond line.\n\nNext paragraph."
    assert [grouped[s:e] for s, e in Segmenter(grouped).paragraphs()] == [
        "First line\x0csecond line.",
        "Next paragraph.",
    ]
    assert drawn_lines(grouped) == ["First line", "second line.", "", "Next paragraph."]


def test_separators_that_splitlines_breaks_at_are_not_line_breaks() -> None:
    for sep in "\x1c\x1d\x1e":
        text = f"left{sep}right"
        assert lines(text) == [text]
        assert drawn_lines(text) == [text]
        assert len(Segmenter(text).paragraphs()) == 1


def test_crlf_is_one_break_and_one_cluster() -> None:
    assert LINE_BREAK_RE.findall("a\r\nb\n\rc") == ["\r\n", "\n", "\r"]
    assert grapheme_bounds("a\r\nb", 1) == (1, 3)
    assert grapheme_bounds("a\r\nb", 2) == (1, 3)


def test_every_solo_character_is_a_cluster_of_its_own() -> None:
    # The fast path skips segmentation between these; each must be GCB=Other (or a
    # control that breaks on both sides) for that to equal UAX #29.
    other = regex.compile(r"[\p{GCB=Other}\p{GCB=Control}\p{GCB=LF}]")
    assert all(other.fullmatch(ch) for ch in SOLO_CHARS)
    assert "\r" not in SOLO_CHARS


ATOMS = [
    "a", " ", "\n", "\r", "\r\n", "\x0c", "e\u0301", "\u0301", "👩\u200d👩", "🇹🇷", "中", ".", "\t",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(ATOMS), max_size=30).map("".join))
def test_grapheme_steps_match_the_uax29_clusters(text: str) -> None:
    want = [m.end() for m in regex.finditer(r"\X", text)]
    got, pos = [], 0
    while pos < len(text):
        pos = next_grapheme(text, pos)
        got.append(pos)
    assert got == want
    # Segmentation's unit edges are boundaries of the same clusters.
    bounds = {0, *want}
    for s, e in Segmenter(text).paragraphs():
        assert s in bounds and e in bounds
