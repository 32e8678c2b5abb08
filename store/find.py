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

from array import array

Span = tuple[int, int]

# Chars whose fold we override; both keep the folded length at one char.
_SPECIAL = {"\u0130": "i", "\u0131": "i"}
_SPECIAL_TABLE = str.maketrans(_SPECIAL)
# Non-ASCII text is folded in chunks; a chunk whose fold keeps its length needs no map.
_CHUNK = 4096


def fold(text: str) -> str:
    """The folded form used for matching: casefold, with İ and ı folded to plain i."""
    if text.isascii():
        return text.lower()
    return "".join(_SPECIAL.get(ch) or ch.casefold() for ch in text)


class Finder:
    """Search one immutable document text; build the folded index on first search."""

    def __init__(self, text: str) -> None:
        """Store the text only; folding happens on the first query."""
        self._text = text
        self._folded: str | None = None
        # Folded index -> original index, and original index -> folded index (length n+1);
        # both None while the fold preserved every char's length (identity map).
        self._orig_of: array[int] | None = None
        self._fold_of: array[int] | None = None

    def _index(self) -> str:
        """Build (once) the folded text and, when lengths changed, the index maps."""
        if self._folded is not None:
            return self._folded
        text = self._text
        if text.isascii():
            self._folded = text.lower()  # fast path: C-speed, identity map
            return self._folded
        whole = text.casefold()
        if len(whole) == len(text):
            # No char changed length (İ would have), so the map is the identity.
            self._folded = whole.translate(_SPECIAL_TABLE)
            return self._folded
        parts: list[str] = []
        orig_of: array[int] = array("q")
        fold_of: array[int] = array("q")
        size = 0
        for base in range(0, len(text), _CHUNK):
            chunk = text[base : base + _CHUNK]
            folded = chunk.casefold()
            if len(folded) == len(chunk):
                # Casefold never yields an empty string, so equal length means 1:1.
                parts.append(folded.translate(_SPECIAL_TABLE))
                orig_of.extend(range(base, base + len(chunk)))
                fold_of.extend(range(size, size + len(chunk)))
                size += len(chunk)
                continue
            for offset, ch in enumerate(chunk):
                f = _SPECIAL.get(ch) or ch.casefold()
                parts.append(f)
                fold_of.append(size)
                orig_of.extend([base + offset] * len(f))
                size += len(f)
        fold_of.append(size)
        self._orig_of = orig_of
        self._fold_of = fold_of
        self._folded = "".join(parts)
        return self._folded

    def _to_folded(self, pos: int) -> int:
        """Folded index where original char pos starts (pos clamped to the text)."""
        pos = min(max(pos, 0), len(self._text))
        return pos if self._fold_of is None else self._fold_of[pos]

    def _to_original(self, j: int) -> int | None:
        """Original index starting exactly at folded index j, or None if j is mid-char."""
        if self._orig_of is None or self._fold_of is None:
            return j
        if j >= len(self._orig_of):
            return len(self._text)
        i = self._orig_of[j]
        return i if self._fold_of[i] == j else None

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
