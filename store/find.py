"""Case-insensitive, Unicode-correct search that reports exact original offsets.

The document is case-folded once (lazily) into a parallel string.  Folding can change
lengths (``ß`` -> ``ss``), so non-ASCII text also keeps a map between folded and
original indices; matches are searched in the folded string and mapped back.  A match
must begin and end on whole original characters, so ``text[s:e]`` is always exactly the
matched original characters and ``fold(text[s:e]) == fold(query)``.

Decisions: both Turkish ``İ`` (U+0130) and dotless ``ı`` (U+0131) fold to plain ``i``,
so ``ibrahim kalin``, ``ibrahim kalın`` and ``IBRAHIM KALIN`` all find ``İbrahim Kalın``.
No Unicode normalisation is applied (``é`` and ``e`` + U+0301 differ).  ``find_all``
returns non-overlapping matches, scanning left to right.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

Span = tuple[int, int]


def _prefold(text: str) -> str:
    """Turkish İ and ı become plain i (same length), before the general casefold."""
    return text.replace("\u0130", "i").replace("\u0131", "i")


def fold(text: str) -> str:
    """The folded form used for matching: casefold, with İ and ı folded to plain i."""
    if text.isascii():
        return text.lower()  # same as casefold for ASCII, and C-fast
    # casefold is per code point with no context, so folding whole strings is exact.
    return _prefold(text).casefold()


@lru_cache(maxsize=1)
def _expanding() -> re.Pattern[str]:
    """Chars whose fold is longer than one char (ß, ŉ, ﬁ, …); all are in the BMP."""
    chars = [c for c in map(chr, range(0x10000)) if len(fold(c)) > 1]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


class Finder:
    """Search one immutable document text; build the folded index on first search."""

    def __init__(self, text: str) -> None:
        """Store the text only; folding happens on the first query."""
        self._text = text
        self._folded: str | None = None
        # Chars whose fold is longer than one char, in order: original index, folded
        # start, folded length, and the cumulative extra length through that char.
        # Every other char maps 1:1, so offsets between them shift by a constant.
        self._sp_orig: list[int] = []
        self._sp_fold: list[int] = []
        self._sp_len: list[int] = []
        self._sp_cum: list[int] = []

    def _index(self) -> str:
        """Fold the text once; record where folding changed lengths."""
        if self._folded is not None:
            return self._folded
        text = self._text
        folded = fold(text)
        if len(folded) != len(text):
            pre = _prefold(text)
            positions = [m.start() for m in _expanding().finditer(pre)]
            lengths = [len(pre[p].casefold()) for p in positions]
            if len(text) + sum(lengths) - len(lengths) != len(folded):
                # A Unicode version with folds outside our table: find them the slow way.
                positions = [i for i, c in enumerate(pre) if len(c.casefold()) != 1]
                lengths = [len(pre[p].casefold()) for p in positions]
            extra = 0
            for p, size in zip(positions, lengths, strict=True):
                self._sp_orig.append(p)
                self._sp_fold.append(p + extra)
                self._sp_len.append(size)
                extra += size - 1
                self._sp_cum.append(extra)
        self._folded = folded
        return folded

    def _to_folded(self, pos: int) -> int:
        """Folded index where original char pos starts (pos clamped to the text)."""
        pos = min(max(pos, 0), len(self._text))
        k = bisect_left(self._sp_orig, pos)
        return pos + (self._sp_cum[k - 1] if k else 0)

    def _to_original(self, j: int) -> int | None:
        """Original index starting exactly at folded index j, or None if j is mid-char."""
        k = bisect_right(self._sp_fold, j) - 1
        if k < 0:
            return j
        if j < self._sp_fold[k] + self._sp_len[k]:
            return self._sp_orig[k] if j == self._sp_fold[k] else None
        return j - self._sp_cum[k]

    def _span(self, j: int, size: int) -> Span | None:
        """Original range of the folded match [j, j+size), or None if it splits a char."""
        s = self._to_original(j)
        e = self._to_original(j + size)
        if s is None or e is None:
            return None
        return (s, e)

    def _query(self, query: str) -> str | None:
        return fold(query) if query.strip() else None

    def find(self, query: str, start: int = 0) -> Span | None:
        """First match starting at or after start, wrapping to the beginning; None if none."""
        q = self._query(query)
        if q is None:
            return None
        folded = self._index()
        origin = self._to_folded(start)
        return self._scan(folded, q, origin, len(folded)) or self._scan(folded, q, 0, origin)

    def _scan(self, folded: str, q: str, lo: int, hi: int) -> Span | None:
        """First whole-char match starting in folded [lo, hi)."""
        j = folded.find(q, lo)
        while 0 <= j < hi:
            span = self._span(j, len(q))
            if span is not None:
                return span
            j = folded.find(q, j + 1)
        return None

    def find_prev(self, query: str, before: int) -> Span | None:
        """Last match starting before `before`, wrapping to the end; None if none."""
        q = self._query(query)
        if q is None:
            return None
        folded = self._index()
        origin = self._to_folded(before)
        return self._scan_back(folded, q, 0, origin) or self._scan_back(
            folded, q, origin, len(folded)
        )

    def _scan_back(self, folded: str, q: str, lo: int, hi: int) -> Span | None:
        """Last whole-char match starting in folded [lo, hi)."""
        # rfind's end bound limits where the match ends, so allow a start at hi - 1.
        j = folded.rfind(q, lo, hi - 1 + len(q))
        while j >= lo:
            span = self._span(j, len(q))
            if span is not None:
                return span
            j = folded.rfind(q, lo, j - 1 + len(q))
        return None

    def find_all(self, query: str) -> list[Span]:
        """All non-overlapping matches, left to right."""
        q = self._query(query)
        if q is None:
            return []
        folded = self._index()
        out: list[Span] = []
        j = folded.find(q)
        while j >= 0:
            span = self._span(j, len(q))
            if span is None:
                j = folded.find(q, j + 1)
            else:
                out.append(span)
                j = folded.find(q, j + len(q))
        return out
