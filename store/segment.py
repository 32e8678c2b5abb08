"""Text units of one document: words, name chains, quotations, sentences, paragraphs.

All offsets are Python ``str`` indices (code points) into the document text and all
ranges are ``(start, end)`` with ``end`` exclusive.  Everything is computed lazily and
cached, so constructing a :class:`Segmenter` costs nothing and every later call is a
bisect over cached boundaries of the paragraph or line it touches.

Decisions (the parts of the behaviour that are a choice rather than a rule):

* A word is a run of grapheme clusters whose first code point is a letter, digit, mark
  or connector punctuation, joined by single internal apostrophes (``'`` ``’``), hyphens
  (``-`` U+2010 U+2011), periods or middle dots: ``S-400``, ``F-35s``, ``Turkey’s``,
  ``don't``, ``3.5``.  A run ending in ``.X.`` keeps its final period, so ``U.S.``,
  ``a.m.`` and ``Turkey-U.S.`` are whole words; ``Mr.`` is the word ``Mr``.
* A slash separates words: ``YPG/PKK`` is two words, so each side can be annotated.
* Han, Hiragana and Katakana have no spaces between words and we carry no dictionary,
  so each such grapheme is a word of its own (predictable motion, fine-grained spans).
* An emoji grapheme (ZWJ sequence, flag, keycap-less pictograph) is a word of its own,
  so ``w`` can stop on it and it can be annotated.  Text-style symbols (©, ™) are not.
* Sentences come from nupunkt per paragraph, then two repairs: fragments split after an
  abbreviation are re-joined (``U.S. Secretary``, ``Dec. 14``, ``a.m. that``), and
  sentences are also split after CJK full stops (。！？) which nupunkt ignores.
* Line breaks are those of :mod:`store.textmodel` (LF, CR, CR LF, VT, FF, NEL, U+2028,
  U+2029), the same the article pane draws: each ends a line, none is a paragraph
  break by itself. A text with a blank line between two non-blank lines has paragraphs
  separated by blank lines; any other text has one paragraph per line. So a form feed
  is one line break here as on screen, and U+2029 separates paragraphs exactly when a
  newline in its place would.
* Unit edges land on grapheme cluster boundaries, as :mod:`store.textmodel` defines them.
* Paragraph and sentence ranges exclude leading and trailing whitespace.
* ``paragraph_at`` / ``sentence_at`` / ``word_at`` accept a position equal to the end
  of the unit (a cursor just past it) and return ``None`` in the gaps between units.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import lru_cache

import regex

from store.textmodel import LINE_BREAK_RE as _BREAK
from store.textmodel import grapheme_bounds

Span = tuple[int, int]

_NONSPACE = regex.compile(r"\S")
# A whitespace char that is not followed by an extender is a safe grapheme boundary
# (lines hold no CR, the one whitespace char that joins the next: CR LF).
_SAFE_SPLIT = regex.compile(r"\s(?![\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}])")

_CJK = r"[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]"
_EMOJI = r"(?:\p{Emoji_Presentation}|\p{Regional_Indicator}|\p{Extended_Pictographic}\uFE0F)"
_WORDISH = r"[\p{L}\p{N}\p{M}\p{Pc}]"
# Every alternative consumes whole graphemes (\X), so matches never start mid-cluster.
_CJK_WORD = rf"(?=[\p{{L}}\p{{N}}])(?={_CJK})\X"
_EMOJI_WORD = rf"(?={_EMOJI})\X"
_G = rf"(?:(?={_WORDISH})(?!{_CJK}|{_EMOJI})\X)"
# Apostrophes, hyphens and dots join words (O'Brien, U.S.); a comma joins digits only,
# so "1,900 dockworkers" is one word to `w` and a digit, as Unicode's word rules say.
_JOIN = r"(?:(?=['’\-\u2010\u2011.\u00b7])\X|(?<=\p{N})(?=,\p{N})\X)"
# Keep the final period of initialisms: the run ends ".X" and a "." follows.
_PLAIN_WORD = rf"{_G}+(?:{_JOIN}{_G}+)*(?:(?<=\.\p{{L}}\p{{M}}*)(?=\.)\X)?"
_TOKEN = regex.compile(
    rf"(?P<w>{_CJK_WORD}|{_EMOJI_WORD}|{_PLAIN_WORD})"
    rf"|(?:(?!{_WORDISH}|{_EMOJI})\X)+"
    r"|\X"
)

# Long lines are cut into blocks of about this size so word tokenising stays local.
_BLOCK = 8192
# Texts at least this long answer `w` and `b` from the words around the cursor until
# the whole text's layout exists (~30 ms a megabyte, built on a thread by the reader).
LOCAL_WORDS_FROM = 500_000


def _wordset(words: str) -> frozenset[str]:
    """A set from a space-separated word list (keeps the long lists readable)."""
    return frozenset(words.split())


# Abbreviations that (nearly) never end a sentence when a name or number follows.
_TITLES = _wordset(
    "mr mrs ms mx dr gen sen rep gov lt col sgt capt cmdr cdr adm maj prof rev hon st mt "
    "ft dept pres supt amb atty insp det cpl pvt brig fr"
)
# Abbreviations that end a sentence only when a capitalised sentence follows.
_ABBREVS = _TITLES | _wordset(
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos vs etc approx est inc corp "
    "co ltd jr sr bros ave blvd rd univ vol fig p pp op cf al"
)
# Capitalised words that usually start a sentence rather than continue a name.
_STARTERS = _wordset(
    "the a an he she it they we i you this that these those there here but and or so yet "
    "in on at for with as if when while after before however meanwhile then his her its "
    "their our my what who why how where no yes some many most all both each one to from "
    "by since because although though still also now today yesterday last next earlier "
    "later according officials"
)
_INITIALISM_END = regex.compile(r"(?<![\p{L}\p{N}])(?:\p{L}\.){2,}\Z")
_LAST_TOKEN = regex.compile(r"\S+\Z")
_OPEN_PUNCT = "([{\"'“‘«„‚‹「『"
# Possessive closers: a closing bracket stays with its sentence, never starts the next.
_CJK_STOP = regex.compile(r"[。！？]+[」』）”’\"']*+(?=\s*\S)")

# Lowercase words allowed between capitalised words of a name chain (never at its ends).
_CONNECTORS = _wordset(
    "of the de del della der den des di da do dos das du la le van von al el bin ibn bint "
    "ben y zu ter ten"
)
_CAP_CONNECTORS = frozenset({"The"})
_PARTICLE_NAME = regex.compile(r"(?:al|el|ad|as|ash|at|ar|az|bin|ibn|d|l|da|de|di|du)['’-]\p{Lu}")
_CAPITAL = regex.compile(r"[\p{Lu}\p{Lt}]")

_QUOTE_CHARS = regex.compile("[\"'“”‘’«»‹›„‚「」『』]")
_LETTER = regex.compile(r"[\p{L}\p{M}]")
_ALNUM = regex.compile(r"[\p{L}\p{M}\p{N}]")
# Pairs that only ever open / close one kind (the ambiguous ones are handled in code).
_SIMPLE_CLOSERS = {"»": "«", "›": "‹", "」": "「", "』": "『"}
_SIMPLE_OPENERS = frozenset("«‹「『„‚")


@lru_cache(maxsize=1)
def _sent_tokenize() -> Callable[[str], list[str]]:
    """Import nupunkt on first use: it costs ~20 ms that a document may never need."""
    import nupunkt

    def split(text: str) -> list[str]:
        return [s if isinstance(s, str) else s[0] for s in nupunkt.sent_tokenize(text)]

    return split


class Segmenter:
    """Lazy, cached navigation units over one immutable document text."""

    def __init__(self, text: str) -> None:
        """Store the text only; all analysis happens on first use."""
        self._text = text
        self._n = len(text)
        self._para_starts: list[int] | None = None
        self._para_ends: list[int] = []
        self._block_starts: list[int] = []
        self._block_ends: list[int] = []
        self._block_words: dict[int, tuple[list[int], list[int]]] = {}
        self._sentences: dict[Span, tuple[list[Span], list[int]]] = {}
        self._quotes: dict[int, tuple[list[Span], dict[int, Span]]] = {}

    # ------------------------------------------------------------------ layout
    def _layout(self) -> list[int]:
        """Compute paragraphs and word blocks in one pass over the lines (first call only)."""
        if self._para_starts is not None:
            return self._para_starts
        text = self._text
        lines: list[Span] = []
        pos = 0
        for m in _BREAK.finditer(text):
            lines.append((pos, m.start()))
            pos = m.end()
        lines.append((pos, self._n))
        blank = [not text[s:e].strip() for s, e in lines]
        # Blank-line mode only if a blank line actually separates two non-blank lines.
        first = next((i for i, b in enumerate(blank) if not b), None)
        last = next((i for i in range(len(lines) - 1, -1, -1) if not blank[i]), None)
        by_blank = first is not None and last is not None and any(blank[first:last])

        starts: list[int] = []
        ends: list[int] = []
        run: list[int] = []

        def close_run() -> None:
            if not run:
                return
            s = lines[run[0]][0]
            floor = lines[run[0]][0]
            s = self._boundary(_NONSPACE.search(text, floor).start(), floor, forward=False)
            e = lines[run[-1]][1]
            e = self._boundary(s + len(text[s:e].rstrip()), floor, forward=True)
            starts.append(s)
            ends.append(e)
            run.clear()

        for i, (s, e) in enumerate(lines):
            if blank[i]:
                close_run()
                continue
            run.append(i)
            if not by_blank:
                close_run()
            self._add_blocks(s, e)
        close_run()
        self._para_ends = ends
        self._para_starts = starts
        return starts

    def _add_blocks(self, s: int, e: int) -> None:
        """Register a line as word blocks, cutting long lines at safe whitespace."""
        while e - s > _BLOCK:
            m = _SAFE_SPLIT.search(self._text, s + _BLOCK, e)
            if m is None:
                break
            self._block_starts.append(s)
            self._block_ends.append(m.end())
            s = m.end()
        self._block_starts.append(s)
        self._block_ends.append(e)

    def _boundary(self, pos: int, floor: int, *, forward: bool) -> int:
        """Nearest grapheme boundary at/after (forward) or at/before pos; floor is one."""
        if pos <= floor or pos >= self._n:
            return pos
        start, end = grapheme_bounds(self._text, pos)
        if start == pos:
            return pos
        return end if forward else start

    def _clamp(self, pos: int) -> int:
        return min(max(pos, 0), self._n)

    # ------------------------------------------------------------------- words
    def _words(self, bi: int) -> tuple[list[int], list[int]]:
        """Word starts and ends of block bi, tokenised on first use."""
        cached = self._block_words.get(bi)
        if cached is None:
            starts: list[int] = []
            ends: list[int] = []
            for m in _TOKEN.finditer(self._text, self._block_starts[bi], self._block_ends[bi]):
                if m.start("w") >= 0:
                    starts.append(m.start())
                    ends.append(m.end())
            cached = self._block_words[bi] = (starts, ends)
        return cached

    def _block_of(self, pos: int) -> int:
        self._layout()
        return bisect_right(self._block_starts, pos) - 1

    def _local_words(self, pos: int) -> list[int] | None:
        """Word starts around pos (``_local_tokens``)."""
        tokens = self._local_tokens(pos)
        return None if tokens is None else tokens[0]

    def _local_tokens(self, pos: int) -> tuple[list[int], list[int]] | None:
        """Word starts and ends in the line around pos, without the whole text's layout.

        The window starts at a line start or just after whitespace and ends at a line
        end or at whitespace, where blocks are cut too; words hold no whitespace, so
        these are exactly the words the layout's blocks would give. None: no such
        window (one unbroken token over 8,000 characters).
        """
        text, n = self._text, self._n
        lo, hi = max(0, pos - _BLOCK), min(n, pos + _BLOCK)
        if lo > 0:
            breaks = list(_BREAK.finditer(text, lo, pos))
            if breaks:
                lo = breaks[-1].end()
            else:
                m = _SAFE_SPLIT.search(text, lo, pos)
                if m is None:
                    return None
                lo = m.end()
        if hi < n:
            brk = _BREAK.search(text, pos, hi)
            if brk is not None:
                hi = brk.start()
            else:
                spaces = list(_SAFE_SPLIT.finditer(text, pos, hi))
                if not spaces:
                    return None
                hi = spaces[-1].start()
        starts: list[int] = []
        ends: list[int] = []
        for m in _TOKEN.finditer(text, lo, hi):
            if m.start("w") >= 0:
                starts.append(m.start())
                ends.append(m.end())
        return starts, ends

    @property
    def laid_out(self) -> bool:
        """Whether the whole text's paragraphs and word blocks are found yet."""
        return self._para_starts is not None

    def _early(self) -> bool:
        return self._para_starts is None and self._n >= LOCAL_WORDS_FROM

    def next_word(self, pos: int) -> int:
        """Start of the first word after pos (vim ``w``), or len(text)."""
        pos = self._clamp(pos)
        if self._early():
            local = self._local_words(pos)
            j = bisect_right(local, pos) if local is not None else 0
            if local is not None and j < len(local):
                return local[j]
        bi = max(self._block_of(pos), 0)
        while bi < len(self._block_starts):
            starts, _ = self._words(bi)
            j = bisect_right(starts, pos)
            if j < len(starts):
                return starts[j]
            bi += 1
        return self._n

    def prev_word(self, pos: int) -> int:
        """Start of the last word starting before pos (vim ``b``), or 0."""
        pos = self._clamp(pos)
        if self._early():
            local = self._local_words(pos)
            j = bisect_left(local, pos) - 1 if local is not None else -1
            if local is not None and j >= 0:
                return local[j]
        bi = self._block_of(pos)
        while bi >= 0:
            starts, _ = self._words(bi)
            j = bisect_left(starts, pos) - 1
            if j >= 0:
                return starts[j]
            bi -= 1
        return 0

    def word_at(self, pos: int) -> Span | None:
        """The word containing the character at pos, else the word ending at pos, else None."""
        pos = self._clamp(pos)
        local = self._local_tokens(pos) if self._early() else None
        if local is not None:
            # A label before a large article's layout is ready: the words around pos
            # are these (it took ~1 s to lay out 50 MB for one word, on the UI thread).
            starts, ends = local
        else:
            bi = self._block_of(pos)
            if bi < 0:
                return None
            starts, ends = self._words(bi)
        j = bisect_right(starts, pos) - 1
        if j >= 0 and pos <= ends[j]:
            return (starts[j], ends[j])
        return None

    def _words_in(self, s: int, e: int) -> list[Span]:
        """All words lying wholly inside [s, e)."""
        out: list[Span] = []
        bi = max(self._block_of(s), 0)
        while bi < len(self._block_starts) and self._block_starts[bi] < e:
            starts, ends = self._words(bi)
            j = bisect_left(starts, s)
            while j < len(starts) and ends[j] <= e:
                out.append((starts[j], ends[j]))
                j += 1
            bi += 1
        return out

    # -------------------------------------------------------------- paragraphs
    def paragraphs(self) -> list[Span]:
        """All paragraph ranges, in order, without surrounding whitespace."""
        return list(zip(self._layout(), self._para_ends, strict=True))

    def _para_index(self, pos: int) -> int | None:
        starts = self._layout()
        i = bisect_right(starts, pos) - 1
        if i >= 0 and pos <= self._para_ends[i]:
            return i
        return None

    def paragraph_at(self, pos: int) -> Span | None:
        """The paragraph containing pos (or ending at pos); None between paragraphs."""
        i = self._para_index(self._clamp(pos))
        return None if i is None else (self._layout()[i], self._para_ends[i])

    def next_paragraph(self, pos: int) -> int:
        """Start of the first paragraph starting after pos (vim ``}``), or len(text)."""
        starts = self._layout()
        j = bisect_right(starts, self._clamp(pos))
        return starts[j] if j < len(starts) else self._n

    def prev_paragraph(self, pos: int) -> int:
        """Start of the last paragraph starting before pos (vim ``{``), or 0."""
        starts = self._layout()
        j = bisect_left(starts, self._clamp(pos)) - 1
        return starts[j] if j >= 0 else 0

    # --------------------------------------------------------------- sentences
    def sentences_in(self, paragraph_range: Span) -> list[Span]:
        """Sentence ranges (without surrounding whitespace) inside a paragraph range."""
        return list(self._sentence_cache(paragraph_range)[0])

    def _sentence_cache(self, span: Span) -> tuple[list[Span], list[int]]:
        cached = self._sentences.get(span)
        if cached is None:
            spans = self._split_sentences(*span)
            cached = self._sentences[span] = (spans, [s for s, _ in spans])
        return cached

    def _split_sentences(self, start: int, end: int) -> list[Span]:
        """Run nupunkt on one paragraph and map its sentences back to exact offsets."""
        text = self._text
        para = text[start:end]
        if not para.strip():
            return []
        # Same-length normalisation: wrapped lines inside a paragraph are just spaces.
        pieces = _sent_tokenize()(_BREAK.sub(lambda m: " " * len(m.group()), para))
        cuts = _align(para, pieces)
        spans: list[Span] = []
        prev = 0
        for cut in [*cuts, len(para)]:
            m = _NONSPACE.search(para, prev, cut)
            if m is not None:
                stop = cut
                while para[stop - 1].isspace():
                    stop -= 1
                spans.append((m.start(), stop))
            prev = max(prev, cut)
        spans = _split_cjk(para, _merge_abbreviations(para, spans))
        # nupunkt knows nothing of grapheme clusters: move every cut onto a boundary.
        out: list[Span] = []
        for s, e in spans:
            e = self._boundary(start + e, start, forward=True)
            s = max(self._boundary(start + s, start, forward=False), out[-1][1] if out else start)
            if s < e:
                out.append((s, e))
            elif out:
                out[-1] = (out[-1][0], max(e, out[-1][1]))
        return out

    def _para_sentences(self, i: int) -> tuple[list[Span], list[int]]:
        return self._sentence_cache((self._layout()[i], self._para_ends[i]))

    def sentence_at(self, pos: int) -> Span | None:
        """The sentence containing pos (or ending at pos); None in whitespace between them."""
        pos = self._clamp(pos)
        i = self._para_index(pos)
        if i is None:
            return None
        spans, starts = self._para_sentences(i)
        j = bisect_right(starts, pos) - 1
        if j >= 0 and pos <= spans[j][1]:
            return spans[j]
        return None

    def next_sentence(self, pos: int) -> int:
        """Start of the first sentence starting after pos (vim ``)``), or len(text)."""
        pos = self._clamp(pos)
        i = self._para_index(pos)
        if i is not None:
            _, starts = self._para_sentences(i)
            j = bisect_right(starts, pos)
            if j < len(starts):
                return starts[j]
        return self.next_paragraph(pos)

    def prev_sentence(self, pos: int) -> int:
        """Start of the current sentence if pos is past it, else of the previous (vim ``(``)."""
        pos = self._clamp(pos)
        i = bisect_left(self._layout(), pos) - 1
        if i < 0:
            return 0
        _, starts = self._para_sentences(i)
        j = bisect_left(starts, pos) - 1
        return starts[j] if j >= 0 else self._layout()[i]

    # ------------------------------------------------------------- name chains
    def _kind(self, w: Span) -> str:
        """Classify a word for name chains: 'cap', 'conn' or 'other'."""
        word = self._text[w[0] : w[1]]
        if word in _CONNECTORS or word in _CAP_CONNECTORS:
            return "conn"
        if _CAPITAL.match(word) or _PARTICLE_NAME.match(word):
            return "cap"
        return "other"

    def _linked(self, a: Span, b: Span) -> bool:
        """Whether words a and b (same sentence) are adjacent enough to chain."""
        gap = self._text[a[1] : b[0]]
        if gap and gap.isspace():
            return True
        # "Mr. Smith", "Dept. of": a period after an abbreviation inside one sentence.
        if gap[:1] == "." and gap[1:] and gap[1:].isspace():
            word = self._text[a[0] : a[1]]
            return len(word) == 1 or word.casefold() in _ABBREVS
        return False

    def name_chain_at(self, pos: int) -> Span | None:
        """Adjacent capitalised words around pos, with lowercase connectors only inside."""
        w = self.word_at(pos)
        if w is None or self._kind(w) == "other":
            return None
        scope = self.sentence_at(w[0])
        if scope is None or scope[1] < w[1]:
            scope = self.paragraph_at(w[0]) or w
        words = self._words_in(*scope)
        idx = words.index(w)
        kinds = {idx: self._kind(w)}

        def kind(k: int) -> str:
            if k not in kinds:
                kinds[k] = self._kind(words[k])
            return kinds[k]

        a = idx
        while a > 0 and kind(a - 1) != "other" and self._linked(words[a - 1], words[a]):
            a -= 1
        b = idx
        last = len(words) - 1
        while b < last and kind(b + 1) != "other" and self._linked(words[b], words[b + 1]):
            b += 1
        while a <= b and kind(a) == "conn":
            a += 1
        while b >= a and kind(b) == "conn":
            b -= 1
        if not a <= idx <= b:
            return None
        return (words[a][0], words[b][1])

    # -------------------------------------------------------------- quotations
    def _quote_pairs(self, i: int) -> tuple[list[Span], dict[int, Span]]:
        """Matched quote-mark pairs (open, close) in paragraph i, plus mark -> pair."""
        cached = self._quotes.get(i)
        if cached is not None:
            return cached
        text = self._text
        start, end = self._layout()[i], self._para_ends[i]
        stack: list[tuple[str, int]] = []
        pairs: list[Span] = []

        def close(openers: str, pos: int) -> bool:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] in openers:
                    pairs.append((stack[k][1], pos))
                    del stack[k:]  # inner quotes left open are abandoned
                    return True
            return False

        for m in _QUOTE_CHARS.finditer(text, start, end):
            q, p = m.group(), m.start()
            before = text[p - 1] if p > start else " "
            after = text[p + 1] if p + 1 < end else " "
            if q == '"':
                if not close('"', p):
                    stack.append((q, p))
            elif q in _SIMPLE_OPENERS:
                stack.append((q, p))
            elif q in _SIMPLE_CLOSERS:
                close(_SIMPLE_CLOSERS[q], p)
            elif q == "“":
                # German „…“ closes with the mark English uses to open.
                if not (stack and stack[-1][0] == "„" and close("„", p)):
                    stack.append((q, p))
            elif q == "”":
                close("“„", p)
            elif q == "‘":
                closes = bool(stack) and stack[-1][0] == "‚" and close("‚", p)
                if not closes and not after.isspace():
                    stack.append((q, p))
            elif q == "’":
                # Between letters it is an apostrophe (Turkey’s), never a closing mark.
                if not (_LETTER.match(before) and _LETTER.match(after)):
                    close("‘‚", p)
            elif q == "'":
                if _ALNUM.match(before) and _LETTER.match(after):
                    continue  # don't, rock'n'roll
                if not before.isspace() and close("'", p):
                    continue
                opens_here = before.isspace() or before in _OPEN_PUNCT or before in "—–-"
                if opens_here and not after.isspace() and not after.isdigit():
                    stack.append((q, p))
        pairs.sort()
        marks = {o: pair for pair in pairs for o in pair}
        cached = self._quotes[i] = (pairs, marks)
        return cached

    def quotation_at(self, pos: int) -> Span | None:
        """Innermost quotation around pos, without its marks; a mark at pos picks its pair."""
        pos = self._clamp(pos)
        i = self._para_index(pos)
        if i is None:
            return None
        pairs, marks = self._quote_pairs(i)
        pair = marks.get(pos)
        if pair is None:
            inside = [p for p in pairs if p[0] < pos < p[1]]
            if not inside:
                return None
            pair = max(inside)  # latest opener that still encloses pos is the innermost
        return (pair[0] + 1, pair[1])

    # ------------------------------------------------------------------ expand
    def expand(self, start: int, end: int) -> Span:
        """Smallest of word, name chain, sentence, paragraph, document strictly containing."""
        start, end = sorted((self._clamp(start), self._clamp(end)))
        candidates: list[Callable[[int], Span | None]] = [
            self.word_at,
            self.name_chain_at,
            self.sentence_at,
            self.paragraph_at,
        ]
        for unit in candidates:
            c = unit(start)
            if c is not None and c[0] <= start and end <= c[1] and c[1] - c[0] > end - start:
                return c
        return (0, self._n)


def _align(para: str, pieces: list[str]) -> list[int]:
    """End offset in para of each nupunkt piece, matching non-space chars in order."""
    cuts: list[int] = []
    pos = 0
    for piece in pieces:
        core = piece.strip()
        if not core:
            continue
        m = _NONSPACE.search(para, pos)
        if m is None:
            break
        if para.startswith(core, m.start()):
            pos = m.start() + len(core)
        else:
            found = _walk(para, m.start(), core)
            if found is None:
                idx = para.find(core, pos)
                if idx < 0:
                    break  # nupunkt rewrote the text; the rest stays one sentence
                found = idx + len(core)
            pos = found
        cuts.append(pos)
    return cuts


def _walk(para: str, pos: int, core: str) -> int | None:
    """Match core against para from pos ignoring whitespace differences; end or None."""
    k = 0
    while k < len(core):
        if core[k].isspace():
            k += 1
            continue
        while pos < len(para) and para[pos].isspace():
            pos += 1
        if pos >= len(para) or para[pos] != core[k]:
            return None
        pos += 1
        k += 1
    return pos


def _merge_abbreviations(para: str, spans: list[Span]) -> list[Span]:
    """Re-join sentences nupunkt split right after an abbreviation (U.S. Secretary)."""
    out: list[Span] = []
    for span in spans:
        if out and _continues(para[out[-1][0] : out[-1][1]], para[span[0] : span[1]]):
            out[-1] = (out[-1][0], span[1])
        else:
            out.append(span)
    return out


def _continues(prev: str, nxt: str) -> bool:
    """Whether nxt continues prev because prev ends in a non-final abbreviation."""
    m = _LAST_TOKEN.search(prev)
    if m is None or not prev.endswith("."):
        return False
    token = m.group().lstrip(_OPEN_PUNCT)
    core = token[:-1].casefold()
    initialism = _INITIALISM_END.search(token) is not None
    abbrev = initialism or core in _ABBREVS or (len(core) == 1 and core.isalpha())
    first = nxt.lstrip(_OPEN_PUNCT)[:1]
    if not abbrev or not first:
        return False
    if first.islower() or first.isdigit():
        return True  # "Dec. 14", "a.m. that", "Turkey-U.S. relations"
    if not first.isupper():
        return False
    if core in _TITLES:
        return True  # "Mr. Smith", "Gen. Akar"
    word = nxt.lstrip(_OPEN_PUNCT).split(maxsplit=1)[0].strip(".,;:!?").casefold()
    # "U.S. Secretary" / "J. Smith" continue; "the U.S. They said" is a new sentence.
    upper_initial = token[:-1].replace(".", "").isupper() and (initialism or len(core) == 1)
    return upper_initial and word not in _STARTERS


def _split_cjk(para: str, spans: list[Span]) -> list[Span]:
    """Split sentences after CJK full stops, which nupunkt does not treat as boundaries."""
    out: list[Span] = []
    for s, e in spans:
        for m in _CJK_STOP.finditer(para, s, e):
            out.append((s, m.end()))
            nxt = _NONSPACE.search(para, m.end(), e)
            s = nxt.start() if nxt is not None else e
        if s < e:
            out.append((s, e))
    return out
