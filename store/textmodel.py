"""Line breaks and grapheme clusters: the two text units below words, defined once.

The article pane draws (``tui/geometry.py``) and the reader navigates
(``store/segment.py``) with these definitions, so what is one line on screen
is one line to paragraph and sentence motions, and the cursor lands on the
same cluster boundaries everywhere. Offsets are code points, end exclusive.

Line breaks (decision). A line break is one of the mandatory breaks of
UAX #14: LF, CR, CR LF (one break of two code points), VT (U+000B), FF
(U+000C), NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR
(U+2029). Every one of them ends a line and nothing else: none is a
paragraph break by itself, and none is part of a line. Paragraphs are made
of lines the same way whichever break separates them (see ``store.segment``),
so a form feed is one line break in drawing (the next row starts after it)
and in segmentation (the next paragraph or line starts after it). The file,
group and record separators (U+001C–U+001E), which ``str.splitlines`` also
breaks at, are not line breaks here: they are control characters, drawn
visibly inside their line.

Grapheme clusters are UAX #29 extended grapheme clusters, as the ``regex``
module's ``\\X`` finds them. ``regex`` costs ~8 ms to import, so it is
imported on first need: text made of letters, digits, punctuation and spaces
that are each a cluster of their own (most news copy) never needs it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any, Final, NamedTuple

__all__ = [
    "LINE_BREAKS",
    "LINE_BREAK_RE",
    "RARE_LINE_BREAKS",
    "SOLO_CHARS",
    "Segmentation",
    "grapheme_bounds",
    "lines",
    "next_grapheme",
    "prev_grapheme",
    "segmentation",
    "snap_to_grapheme",
]

#: The line-break code points ("\r\n" is one break made of two of them).
LINE_BREAKS: Final = "\n\r\x0b\x0c\x85\u2028\u2029"

#: One line break.  "\r\n" comes first so it is consumed as one break.
LINE_BREAK_RE: Final = re.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")

#: Line breaks other than "\n": a text without any can be split with ``str.split``.
RARE_LINE_BREAKS: Final = "\r\x0b\x0c\x85\u2028\u2029"


def lines(text: str) -> list[str]:
    """The logical lines of ``text``, without their breaks (one more than there are breaks)."""
    if any(char in text for char in RARE_LINE_BREAKS):
        return LINE_BREAK_RE.split(text)
    return text.split("\n")


# --------------------------------------------------------------------------- graphemes


class Segmentation(NamedTuple):
    """The ``regex`` patterns for real grapheme segmentation (see ``segmentation``)."""

    #: One extended grapheme cluster.
    grapheme: Any
    #: Searched backwards: a certain cluster boundary.  A boundary between two code
    #: points is *certain*, whatever precedes them, when the left one is
    #: Other/Control/LF and the right one is Other/Control/CR/LF: none of the UAX #29
    #: "do not break" rules (CR×LF, Hangul, Extend/ZWJ/SpacingMark, Prepend, InCB
    #: conjuncts, emoji ZWJ, regional-indicator pairs) can apply to such a pair.  It
    #: gives a safe place to restart forward segmentation without scanning from the
    #: start of the text.
    safe_boundary_rev: Any
    #: Any code point that is not GCB=Other may join with a neighbour into one
    #: cluster; a run without any is one cluster per code point (pairs of Other
    #: always break).
    needs_segmentation: Any


@cache
def segmentation() -> Segmentation:
    """The compiled patterns, importing ``regex`` on first call."""
    import regex

    return Segmentation(
        grapheme=regex.compile(r"\X"),
        safe_boundary_rev=regex.compile(
            r"(?r)(?<=[\p{GCB=Other}\p{GCB=Control}\p{GCB=LF}])"
            r"[\p{GCB=Other}\p{GCB=Control}\p{GCB=CR}\p{GCB=LF}]"
        ),
        needs_segmentation=regex.compile(r"[^\p{GCB=Other}]"),
    )


def _own_cluster_chars(ranges: tuple[tuple[int, int], ...]) -> frozenset[str]:
    """Code points of ``ranges`` that are always a grapheme cluster among their kind.

    A letter, number, punctuation mark, symbol, space or unassigned code point is
    Grapheme_Cluster_Break=Other, and two Others never join, except for UAX #29's few
    exceptions (Prepend letters such as U+0D4E, spacing-mark letters such as U+0E33,
    the half-width kana marks, emoji skin tones, unassigned default-ignorables): none
    lies in the ranges used here (a unit test checks every one against ``regex``).
    Marks, controls and format characters are left out.
    """
    chars: set[str] = set()
    for lo, hi in ranges:
        for code in range(lo, hi + 1):
            char = chr(code)
            category = unicodedata.category(char)
            if category[0] in "LNPS" or category in ("Zs", "Cn"):
                chars.add(char)
    return frozenset(chars)


# Latin with its accents, Greek, Cyrillic, Latin Extended Additional (Vietnamese),
# dashes, curly quotes, ellipsis, currency and letterlike symbols: news copy.
# LF and tab are controls, which break on both sides (CR is left out: CR LF is one
# cluster).
SOLO_CHARS: Final = _own_cluster_chars(
    (
        (0x20, 0x7E),
        (0xA0, 0xAC),
        (0xAE, 0x2FF),
        (0x370, 0x482),
        (0x1E00, 0x1EFF),
        (0x2010, 0x2027),
        (0x2030, 0x205E),
        (0x20A0, 0x20C0),
        (0x2100, 0x214F),
    )
) | {"\n", "\t"}


def _certain_boundary_at_or_before(text: str, pos: int) -> int:
    """The greatest offset <= pos that is certainly a grapheme boundary."""
    if pos <= 0:
        return 0
    if pos >= len(text):
        return len(text)
    match = segmentation().safe_boundary_rev.search(text, 0, pos + 1)
    return match.start() if match is not None else 0


def grapheme_bounds(text: str, pos: int) -> tuple[int, int]:
    """The (start, end) of the grapheme cluster containing code point ``pos``.

    ``pos`` is clamped to the text; at the very end an empty range is returned.
    """
    length = len(text)
    if pos >= length:
        return (length, length)
    pos = max(pos, 0)
    # A character of its own cluster between such neighbours needs no segmentation,
    # nor the regex import it costs.
    if (
        text[pos] in SOLO_CHARS
        and (pos == 0 or text[pos - 1] in SOLO_CHARS)
        and (pos + 1 == length or text[pos + 1] in SOLO_CHARS)
    ):
        return (pos, pos + 1)
    start = _certain_boundary_at_or_before(text, pos)
    for match in segmentation().grapheme.finditer(text, start):
        if match.end() > pos:
            return match.span()
    return (length, length)  # pragma: no cover - \X always consumes the rest


def next_grapheme(text: str, pos: int) -> int:
    """Offset of the grapheme boundary after ``pos`` (``len(text)`` at the end)."""
    if pos >= len(text):
        return len(text)
    return grapheme_bounds(text, pos)[1]


def prev_grapheme(text: str, pos: int) -> int:
    """Offset of the grapheme boundary before ``pos`` (0 at the start)."""
    if pos <= 0:
        return 0
    return grapheme_bounds(text, min(pos, len(text)) - 1)[0]


def snap_to_grapheme(text: str, pos: int) -> int:
    """Clamp ``pos`` to the text and move it back to the start of its grapheme."""
    if pos <= 0:
        return 0
    if pos >= len(text):
        return len(text)
    return grapheme_bounds(text, pos)[0]
