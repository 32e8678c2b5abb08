"""Behaviour of store.segment.Segmenter: words, sentences, paragraphs, names, quotes."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import nupunkt
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from store.segment import Segmenter

SAMPLE = (Path(__file__).parent.parent / "samples" / "turkey-us-defense-call.txt").read_text(
    encoding="utf-8"
)

NEWS = (
    "Mr. Smith of the Dept. of Justice said on Dec. 14 at 9 a.m. that the case was closed. "
    "The U.S. Attorney agreed. Gen. Akar arrived at 5 p.m. Then he left."
)


def words(text: str) -> list[str]:
    """Every word reached by repeated next_word from 0, as text."""
    sg = Segmenter(text)
    out: list[str] = []
    first = sg.word_at(0)
    pos = 0 if first is not None and first[0] == 0 else sg.next_word(0)
    while pos < len(text):
        span = sg.word_at(pos)
        assert span is not None and span[0] == pos
        out.append(text[span[0] : span[1]])
        pos = sg.next_word(pos)
    return out


def sentences(text: str) -> list[str]:
    sg = Segmenter(text)
    return [text[s:e] for p in sg.paragraphs() for s, e in sg.sentences_in(p)]


def cut(text: str, span: tuple[int, int] | None) -> str | None:
    return None if span is None else text[span[0] : span[1]]


def graphemes(text: str) -> set[int]:
    return {m.start() for m in regex.finditer(r"\X", text)} | {len(text)}


# ----------------------------------------------------------------- sample


def test_sample_paragraphs_are_lines() -> None:
    sg = Segmenter(SAMPLE)
    lines = [ln for ln in SAMPLE.split("\n") if ln.strip()]
    assert [SAMPLE[s:e] for s, e in sg.paragraphs()] == lines


def test_sample_sentence_motion_skips_us_abbreviation() -> None:
    sg = Segmenter(SAMPLE)
    inside = SAMPLE.index("Secretary of Defense")
    assert SAMPLE[sg.next_sentence(inside) :].startswith("They emphasized")
    us = SAMPLE.index("U.S. Secretary")
    assert sg.next_sentence(us) == SAMPLE.index("They emphasized")
    assert cut(SAMPLE, sg.sentence_at(inside)) == SAMPLE.split("\n")[1]
    # Same inside a paragraph: "Turkey-U.S. relations." is not cut after "U.S.".
    strained = SAMPLE.index("strained Turkey-U.S.")
    assert sg.next_sentence(strained) == SAMPLE.index("Ankara has long")
    assert sg.prev_sentence(SAMPLE.index("Ankara has long")) == SAMPLE.index("On the other hand")


def test_sample_last_paragraph_sentences() -> None:
    sg = Segmenter(SAMPLE)
    last = sg.paragraphs()[-2]
    got = [SAMPLE[s:e] for s, e in sg.sentences_in(last)]
    assert [g[:20] for g in got] == [
        "The U.S. has primari",
        "On the other hand, T",
        "Ankara has long obje",
    ]
    assert got[1].endswith("strained Turkey-U.S. relations.")


def test_sample_name_chains() -> None:
    sg = Segmenter(SAMPLE)
    assert SAMPLE[180:191] == "Hulusi Akar"
    assert sg.name_chain_at(185) == (146, 191)
    assert cut(SAMPLE, sg.name_chain_at(185)) == "Turkish National Defense Minister Hulusi Akar"
    for probe in ("U.S. Secretary", "Secretary of", "of Defense Lloyd", "Austin exchanged"):
        got = sg.name_chain_at(SAMPLE.index(probe))
        assert cut(SAMPLE, got) == "U.S. Secretary of Defense Lloyd Austin"
    assert sg.name_chain_at(SAMPLE.index("and U.S. Secretary")) is None
    got = sg.name_chain_at(SAMPLE.index("Kalın and"))
    assert cut(SAMPLE, got) == "Presidential Spokesperson Ibrahim Kalın"
    assert cut(SAMPLE, sg.name_chain_at(SAMPLE.index("FETÖ"))) == "FETÖ"


def test_sample_quotation() -> None:
    sg = Segmenter(SAMPLE)
    pentagon = SAMPLE.index("significant role Turkey")
    got = cut(SAMPLE, sg.quotation_at(pentagon))
    assert got is not None
    assert got.startswith("for the significant role") and got.endswith("peace process there.")
    # Cursor on the opening or closing mark picks that quotation.
    assert sg.quotation_at(SAMPLE.index('"for the')) == sg.quotation_at(pentagon)
    assert sg.quotation_at(SAMPLE.index('there."') + 6) == sg.quotation_at(pentagon)
    said = SAMPLE.index("it said in a statement")
    assert sg.quotation_at(said) is None
    statement = cut(SAMPLE, sg.quotation_at(said - 5))
    assert statement is not None and statement.startswith("The two leaders")


def test_sample_expand_ladder() -> None:
    sg = Segmenter(SAMPLE)
    steps = [(185, 185)]
    while steps[-1] != (0, len(SAMPLE)):
        steps.append(sg.expand(*steps[-1]))
    para = sg.paragraphs()[1]
    assert steps[1:] == [(180, 186), (146, 191), para, (0, len(SAMPLE))]


# ------------------------------------------------------------------ sentences


def test_news_abbreviations_do_not_end_sentences() -> None:
    assert sentences(NEWS) == [
        "Mr. Smith of the Dept. of Justice said on Dec. 14 at 9 a.m. that the case was closed.",
        "The U.S. Attorney agreed.",
        "Gen. Akar arrived at 5 p.m.",
        "Then he left.",
    ]


def test_sentence_motions() -> None:
    sg = Segmenter(NEWS)
    starts = [s for s, _ in sg.sentences_in(sg.paragraphs()[0])]
    mid = NEWS.index("Dept.") + 2
    assert sg.next_sentence(mid) == starts[1]
    assert sg.next_sentence(NEWS.index("a.m.")) == starts[1]
    assert sg.next_sentence(starts[-1]) == len(NEWS)
    assert sg.prev_sentence(mid) == 0
    assert sg.prev_sentence(starts[2]) == starts[1]
    assert sg.prev_sentence(starts[2] + 3) == starts[2]
    assert sg.prev_sentence(0) == 0
    first = sg.sentences_in(sg.paragraphs()[0])[0]
    assert sg.sentence_at(starts[1] - 1) == first  # cursor just past the sentence
    assert sg.sentence_at(starts[1]) != first


def test_sentences_never_cross_paragraphs_and_exclude_whitespace() -> None:
    text = "  First para ends here\n\n\tSecond block. Has two.  \n\nThird\r\n"
    sg = Segmenter(text)
    assert [text[s:e] for s, e in sg.paragraphs()] == [
        "First para ends here",
        "Second block. Has two.",
        "Third",
    ]
    assert sentences(text) == ["First para ends here", "Second block.", "Has two.", "Third"]
    assert sg.next_sentence(3) == text.index("Second")
    assert sg.sentence_at(text.index("\n\n\t") + 1) is None  # between paragraphs
    assert sg.paragraph_at(text.index("\n\n\t") + 1) is None


def test_wrapped_lines_inside_a_paragraph() -> None:
    text = "The deal was signed by Mr.\r\nSmith on Dec.\r\n14. It held.\r\n\r\nNext one."
    assert sentences(text) == [
        "The deal was signed by Mr.\r\nSmith on Dec.\r\n14.",
        "It held.",
        "Next one.",
    ]


def test_cjk_full_stops_split_sentences() -> None:
    text = "日本語の文です。二番目の文です！「三番目？」"
    assert sentences(text) == ["日本語の文です。", "二番目の文です！", "「三番目？」"]


def test_sentence_without_final_punctuation_and_unicode() -> None:
    text = "İbrahim Kalın spoke on Dec. 14 👩‍👩‍👧. Café e\u0301te\u0301 ended"
    got = sentences(text)
    assert got == ["İbrahim Kalın spoke on Dec. 14 👩‍👩‍👧.", "Café e\u0301te\u0301 ended"]


def test_sentence_splitting_is_lazy(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = nupunkt.sent_tokenize

    def spy(text: str, *args: object, **kwargs: object) -> object:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(nupunkt, "sent_tokenize", spy)
    big = "\n".join([SAMPLE.strip()] * 300)  # ~1 MB, 4800 paragraphs
    assert len(big) > 1_000_000
    sg = Segmenter(big)
    pos = big.index("Secretary of Defense", 500_000)
    start = sg.next_sentence(pos)
    assert big[start:].startswith("They emphasized")
    assert sum(seen) < 2_000  # only the cursor's paragraph was split
    assert sg.prev_word(pos) < pos < sg.next_word(pos)


# ----------------------------------------------------------------- paragraphs


@pytest.mark.parametrize("brk", ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85"])
def test_each_line_break_kind_separates_paragraphs(brk: str) -> None:
    text = f"One.{brk}Two two.{brk}Three.  "
    sg = Segmenter(text)
    assert [text[s:e] for s, e in sg.paragraphs()] == ["One.", "Two two.", "Three."]


def test_blank_lines_group_lines_into_paragraphs() -> None:
    text = "A first\nline pair.\n \t\nSecond\nblock.\n\n\n"
    sg = Segmenter(text)
    assert [text[s:e] for s, e in sg.paragraphs()] == ["A first\nline pair.", "Second\nblock."]


def test_paragraph_motions() -> None:
    text = "Alpha one.\n\nBeta two.\n\nGamma three."
    sg = Segmenter(text)
    a, b, c = (s for s, _ in sg.paragraphs())
    assert a == 0
    assert sg.next_paragraph(0) == b
    assert sg.next_paragraph(b + 3) == c
    assert sg.next_paragraph(c) == len(text)
    assert sg.prev_paragraph(c + 3) == c
    assert sg.prev_paragraph(c) == b
    assert sg.prev_paragraph(0) == 0
    assert sg.paragraph_at(b + 2) == (b, b + len("Beta two."))
    assert sg.paragraph_at(b + len("Beta two.")) == (b, b + len("Beta two."))
    assert sg.paragraph_at(b - 1) is None


# ---------------------------------------------------------------------- words


def test_word_tokens_keep_internal_punctuation() -> None:
    text = "Turkey’s S-400 and F-35s, the U.S. and YPG/PKK don't; 3.5 percent rock'n'roll"
    assert words(text) == [
        "Turkey’s", "S-400", "and", "F-35s", "the", "U.S.", "and", "YPG", "PKK",
        "don't", "3.5", "percent", "rock'n'roll",
    ]  # fmt: skip


def test_abbreviation_word_and_trailing_apostrophe() -> None:
    text = "Mr. Smith saw the U.S.' support in Turkey-U.S. talks."
    assert words(text) == [
        "Mr",
        "Smith",
        "saw",
        "the",
        "U.S.",
        "support",
        "in",
        "Turkey-U.S.",
        "talks",
    ]


def test_words_unicode_graphemes() -> None:
    text = "Family 👩‍👩‍👧 and 🇹🇷 flag: café e\u0301te\u0301 日本語 İstanbul ılık 123"
    assert words(text) == [
        "Family", "👩‍👩‍👧", "and", "🇹🇷", "flag", "café", "e\u0301te\u0301",
        "日", "本", "語", "İstanbul", "ılık", "123",
    ]  # fmt: skip


def test_word_at_and_motions() -> None:
    text = "Hello,  wor\u0301ld 👩‍👩‍👧!"
    sg = Segmenter(text)
    assert sg.word_at(0) == (0, 5)
    assert sg.word_at(5) == (0, 5)  # ends exactly at pos
    assert sg.word_at(6) is None  # whitespace
    world = text.index("wor")
    assert sg.word_at(world + 3) == (world, world + 6)  # on the combining mark
    emoji = text.index("👩")
    assert sg.word_at(emoji + 2) == (emoji, emoji + 5)  # inside the ZWJ sequence
    assert sg.next_word(0) == world
    assert sg.next_word(world) == emoji
    assert sg.next_word(emoji) == len(text)
    assert sg.prev_word(len(text)) == emoji
    assert sg.prev_word(emoji + 1) == emoji  # from inside the cluster: its start
    assert sg.prev_word(world) == 0
    assert sg.prev_word(0) == 0
    assert sg.word_at(len(text)) is None


def test_motions_from_inside_a_cluster_never_land_inside() -> None:
    text = "🇹🇷🇹🇷 x\u0301\u0301y 👩‍👩‍👧"
    sg = Segmenter(text)
    bounds = graphemes(text)
    for pos in range(len(text) + 1):
        assert sg.next_word(pos) in bounds
        assert sg.prev_word(pos) in bounds
        w = sg.word_at(pos)
        assert w is None or (w[0] in bounds and w[1] in bounds)


def test_leading_combining_mark_after_space_stays_in_its_cluster() -> None:
    text = " \u0301abc def"
    sg = Segmenter(text)
    bounds = graphemes(text)
    assert all(s in bounds for s, _ in sg.paragraphs())
    assert sg.next_word(0) in bounds


# ---------------------------------------------------------------- name chains


def test_name_chains_news_and_unicode() -> None:
    text = (
        "İbrahim Kalın met Jake Sullivan and the Secretary of the Navy. "
        "Gen. Hulusi Akar. The ministry praised Mr. Bashar al-Assad and Ludwig van Beethoven."
    )
    sg = Segmenter(text)

    def chain(word: str) -> str | None:
        return cut(text, sg.name_chain_at(text.index(word)))

    assert chain("Kalın") == "İbrahim Kalın"
    assert chain("Sullivan") == "Jake Sullivan"
    assert chain("Navy") == "Secretary of the Navy"
    assert chain("of the Navy") == "Secretary of the Navy"
    assert chain("Akar") == "Gen. Hulusi Akar"  # does not run into "The ministry"
    assert chain("The ministry") is None  # leading "The" is a connector, never an end
    assert chain("al-Assad") == "Mr. Bashar al-Assad"
    assert chain("van Beethoven") == "Ludwig van Beethoven"
    assert chain("met") is None
    assert chain("the Secretary") is None  # lowercase connector outside a chain


def test_name_chain_stops_at_sentence_end() -> None:
    text = "The minister was Hulusi Akar. The Ministry of Defense confirmed it."
    sg = Segmenter(text)
    assert cut(text, sg.name_chain_at(text.index("Akar"))) == "Hulusi Akar"
    assert cut(text, sg.name_chain_at(text.index("Defense"))) == "Ministry of Defense"


# ----------------------------------------------------------------- quotations


def test_nested_curly_quotes_innermost() -> None:
    text = "She wrote: “He said ‘no’ twice to Turkey’s envoy.” Then left."
    sg = Segmenter(text)
    assert cut(text, sg.quotation_at(text.index("no"))) == "no"
    outer = "He said ‘no’ twice to Turkey’s envoy."
    assert cut(text, sg.quotation_at(text.index("twice"))) == outer
    assert cut(text, sg.quotation_at(text.index("envoy"))) == outer  # Turkey’s is no mark
    assert cut(text, sg.quotation_at(text.index("‘"))) == "no"  # on the mark
    assert cut(text, sg.quotation_at(text.index("“"))) == outer
    assert cut(text, sg.quotation_at(text.index("”"))) == outer
    assert sg.quotation_at(text.index("Then")) is None


@pytest.mark.parametrize(
    ("text", "probe", "expected"),
    [
        ("Il a dit « non merci » hier.", "merci", " non merci "),
        ("彼は「東京は『遠い』」と言った。", "東", "東京は『遠い』"),
        ("彼は「東京は『遠い』」と言った。", "遠", "遠い"),
        ("Er sagte „ja, gern“ und ging.", "gern", "ja, gern"),
        ('He said "yes" and "no" then.', "no", "no"),
        ('He said "yes" and "no" then.', "and", None),
        ("They don't say 'never' in the students' room.", "never", "never"),
    ],
)
def test_quotation_styles(text: str, probe: str, expected: str | None) -> None:
    sg = Segmenter(text)
    assert cut(text, sg.quotation_at(text.index(probe))) == expected


def test_apostrophes_are_not_quotes() -> None:
    text = "Turkey’s group’s plan. Don't ask, it's fine. The students’ books."
    sg = Segmenter(text)
    for probe in ("group", "plan", "ask", "fine", "books"):
        assert sg.quotation_at(text.index(probe)) is None


def test_straight_quotes_pair_left_to_right_per_paragraph() -> None:
    text = '"Open without close\n"Second para" here'
    sg = Segmenter(text)
    assert sg.quotation_at(text.index("without")) is None
    assert cut(text, sg.quotation_at(text.index("Second"))) == "Second para"


# --------------------------------------------------------------------- expand


def test_expand_from_partial_word_and_skips_equal_levels() -> None:
    text = "Short one.\n\nThe envoy Hulusi Akar met them. Then more."
    sg = Segmenter(text)
    hul = text.index("Hulusi")
    assert sg.expand(hul, hul + 3) == (hul, hul + 6)
    assert cut(text, sg.expand(hul, hul + 6)) == "Hulusi Akar"
    assert cut(text, sg.expand(hul, hul + 11)) == "The envoy Hulusi Akar met them."
    para = sg.paragraphs()[1]
    assert sg.expand(*sg.expand(hul, hul + 11)) == para
    assert sg.expand(*para) == (0, len(text))
    assert sg.expand(0, len(text)) == (0, len(text))
    # "Short" is also a one-word chain (skipped); "Short one." is sentence and paragraph.
    assert sg.expand(0, 5) == (0, 10)
    assert sg.expand(0, 10) == (0, len(text))
    # An empty selection just after a word starts from that word.
    after = text.index("them.") + 4
    assert cut(text, sg.expand(after, after)) == "them"


def test_expand_empty_selection_in_whitespace() -> None:
    text = "Alpha  beta gamma."
    sg = Segmenter(text)
    assert sg.word_at(6) is None
    assert sg.expand(6, 6) == (0, len(text))
    assert sg.expand(5, 5) == (0, 5)


# ------------------------------------------------------------------- property

ATOMS = [
    "a", "Z", "word", "İ", "ı", "ß", "é", "e\u0301", "\u0301", "👩‍👩‍👧", "🇹🇷", "🇹", "日", "本",
    " ", " ", "\n", "\r\n", "\r", "\t", "\u2028", ".", ",", "'", "’", "-", "“", "”", '"', "U.S.",
    "Mr.", "1", "\u200d", "\ufe0f",
]  # fmt: skip
texts = st.lists(st.sampled_from(ATOMS), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_word_motions_land_on_grapheme_boundaries(text: str) -> None:
    sg = Segmenter(text)
    bounds = graphemes(text)
    pos, seen = 0, 0
    while pos < len(text):
        nxt = sg.next_word(pos)
        assert nxt > pos and nxt in bounds
        if nxt < len(text):
            w = sg.word_at(nxt)
            assert w is not None and w[0] == nxt and w[1] in bounds
        pos, seen = nxt, seen + 1
        assert seen <= len(text) + 1
    pos = len(text)
    while pos > 0:
        prv = sg.prev_word(pos)
        assert prv < pos and prv in bounds
        pos = prv


@settings(max_examples=100, deadline=None)
@given(texts)
def test_units_are_nested_and_trimmed(text: str) -> None:
    sg = Segmenter(text)
    paras = sg.paragraphs()
    last = 0
    bounds = graphemes(text)
    for s, e in paras:
        assert last <= s < e and s in bounds and not text[e - 1].isspace()
        assert not text[s].isspace() or text[s + 1] in "\u0301\u200d\ufe0f"
        sents = sg.sentences_in((s, e))
        assert sents and sents[0][0] == s and sents[-1][1] == e
        for a, b in sents:
            assert s <= a < b <= e and a in bounds and not text[b - 1].isspace()
        assert all(x[1] <= y[0] for x, y in pairwise(sents))
        last = e
    for pos in range(0, len(text) + 1, 3):
        r = sg.expand(pos, pos)
        assert r == (0, len(text)) or (r[0] <= pos <= r[1] and r[1] > r[0])


def test_numbers_with_thousands_separators_are_one_word() -> None:
    text = "Around 1,900 dockworkers, paid $3.5m; 12,000,000 people, then, 4 items."
    seg = Segmenter(text)
    for word in ("1,900", "3.5m", "12,000,000"):
        start = text.index(word)
        assert seg.word_at(start) == (start, start + len(word))
    # A comma after a word or before a space still ends it.
    then = text.index("then")
    assert seg.word_at(then) == (then, then + 4)
    assert seg.next_word(text.index("1,900")) == text.index("dockworkers")


PIECES = [*"ab  \n\t.,'-1,9", "İ", "ı", "👨\u200d🚒", "漢", "e\u0301", "\r\n", "\u2028"]


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=200).map("".join), st.data())
@settings(max_examples=60, deadline=None)
def test_words_found_around_the_cursor_are_the_layouts_words(
    text: str, data: st.DataObject
) -> None:
    """A large text's first `w`/`b` and label (before its layout exists) find the words
    they would after."""
    import store.segment as segment

    saved = segment.LOCAL_WORDS_FROM, segment._BLOCK
    # Small blocks, so the window around the cursor is cut inside lines too.
    segment._BLOCK = data.draw(st.integers(4, 64))
    try:
        full = Segmenter(text)
        want = [
            (full.next_word(p), full.prev_word(p), full.word_at(p)) for p in range(len(text) + 1)
        ]
        segment.LOCAL_WORDS_FROM = 0
        got = [
            (Segmenter(text).next_word(p), Segmenter(text).prev_word(p), Segmenter(text).word_at(p))
            for p in range(len(text) + 1)
        ]
    finally:
        segment.LOCAL_WORDS_FROM, segment._BLOCK = saved
    assert got == want
