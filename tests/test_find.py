"""Behaviour of store.find.Finder: casefolded search with exact original offsets."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from store.find import Finder, fold

SAMPLE = (Path(__file__).parent.parent / "samples" / "turkey-us-defense-call.txt").read_text(
    encoding="utf-8"
)


def test_fold_rules() -> None:
    assert fold("Straße") == "strasse"
    assert fold("İbrahim Kalın") == "ibrahim kalin"
    assert fold("ΣΊΣΥΦΟΣ") == "σίσυφοσ"
    assert fold("ﬁne") == "fine"


def test_sample_search() -> None:
    f = Finder(SAMPLE)
    assert f.find("hulusi akar") == (180, 191)
    assert f.find("HULUSI AKAR", 100) == (180, 191)
    # Dotless ı in the text and plain i in the query meet at plain i.
    kalin = f.find_all("kalin")
    assert [SAMPLE[s:e] for s, e in kalin] == ["Kalın", "Kalın"]
    assert f.find_all("ibrahim kalın") == [(1992, 2005)]


def test_find_wraps_and_find_prev_wraps() -> None:
    text = "alpha beta ALPHA gamma Alpha"
    f = Finder(text)
    assert f.find_all("alpha") == [(0, 5), (11, 16), (23, 28)]
    assert f.find("alpha") == (0, 5)
    assert f.find("alpha", 0) == (0, 5)
    assert f.find("alpha", 1) == (11, 16)
    assert f.find("alpha", 11) == (11, 16)
    assert f.find("alpha", 24) == (0, 5)  # wraps to the beginning
    assert f.find("alpha", 10_000) == (0, 5)
    assert f.find_prev("alpha", 23) == (11, 16)
    assert f.find_prev("alpha", 24) == (23, 28)
    assert f.find_prev("alpha", 0) == (23, 28)  # wraps to the end
    assert f.find_prev("alpha", 1) == (0, 5)
    assert f.find("delta") is None
    assert f.find_prev("delta", 5) is None
    assert f.find_all("delta") == []


@pytest.mark.parametrize("query", ["", " ", "\t\n", "\u3000"])
def test_blank_query_finds_nothing(query: str) -> None:
    f = Finder("some text  with\tspaces")
    assert f.find(query) is None
    assert f.find_prev(query, 10) is None
    assert f.find_all(query) == []


def test_sharp_s_offsets_are_original() -> None:
    text = "Die Straße und die STRASSE: straßenweise groß."
    f = Finder(text)
    found = [text[s:e] for s, e in f.find_all("strasse")]
    assert found == ["Straße", "STRASSE", "straße"]
    assert [text[s:e] for s, e in f.find_all("ß")] == ["ß", "SS", "ß", "ß"]
    assert [text[s:e] for s, e in f.find_all("gross")] == ["groß"]
    # A match may not cover only half of ß's folded "ss".
    assert [text[s:e] for s, e in f.find_all("sen")] == []
    assert [text[s:e] for s, e in f.find_all("s")] == ["S", "S", "S", "S", "s", "s"]
    # ...but may start where ß starts: "ße" folds to "sse".
    assert f.find("sse", 0) == (text.index("ße"), text.index("ße") + 2)


def test_turkish_dotted_capital_i() -> None:
    text = "Cumhurbaşkanlığı Sözcüsü İbrahim Kalın, İSTANBUL'da konuştu. Istanbul."
    f = Finder(text)
    assert [text[s:e] for s, e in f.find_all("ibrahim kalın")] == ["İbrahim Kalın"]
    assert [text[s:e] for s, e in f.find_all("İBRAHİM KALIN")] == ["İbrahim Kalın"]
    assert [text[s:e] for s, e in f.find_all("istanbul")] == ["İSTANBUL", "Istanbul"]
    s, e = f.find("kalın") or (0, 0)
    assert text[s:e] == "Kalın"
    # Offsets after İ are not shifted even though casefold("İ") has two chars.
    later = f.find("konuştu")
    assert later is not None and text[later[0] : later[1]] == "konuştu"


def test_offsets_after_many_expansions() -> None:
    text = "ßß ﬁﬁ ŉ İİ target ß target"
    f = Finder(text)
    hits = f.find_all("TARGET")
    assert [text[s:e] for s, e in hits] == ["target", "target"]
    assert f.find_prev("target", len(text)) == hits[1]
    assert f.find("target", hits[0][0] + 1) == hits[1]


def test_large_ascii_document_is_fast_path() -> None:
    text = "lorem ipsum dolor " * 60_000 + "Needle"
    f = Finder(text)
    assert f.find("NEEDLE") == (len(text) - 6, len(text))
    assert f.find_prev("needle", 0) == (len(text) - 6, len(text))


# ------------------------------------------------------------------- property

ALPHABET = st.sampled_from(
    ["a", "B", "s", "S", "ß", "ẞ", "i", "I", "İ", "ı", "ﬁ", "σ", "Σ", "ς", "é", "e\u0301", " ", "ŉ"]
)
texts = st.lists(ALPHABET, min_size=1, max_size=30).map("".join)
CASES = [str.upper, str.lower, str.swapcase, str.casefold, str.title]


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_every_result_matches_the_folded_query(text: str, data: st.DataObject) -> None:
    changed = data.draw(st.sampled_from(CASES))(text)
    i = data.draw(st.integers(0, len(changed) - 1))
    j = data.draw(st.integers(i + 1, len(changed)))
    query = changed[i:j]
    assume(query.strip())
    f = Finder(text)
    results = [*f.find_all(query), f.find(query, i), f.find_prev(query, i)]
    for r in results:
        if r is not None:
            s, e = r
            assert 0 <= s < e <= len(text)
            assert fold(text[s:e]) == fold(query)


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_case_changed_substring_is_found_at_its_offsets(text: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    query = "".join(data.draw(st.sampled_from(CASES))(c) for c in text[i:j])
    assume(query.strip() and fold(query) == fold(text[i:j]))
    f = Finder(text)
    assert f.find(query, i) == (i, j)
    assert f.find_prev(query, i + 1) == (i, j)
    hits = f.find_all(query)
    assert hits and all(a[1] <= b[0] for a, b in pairwise(hits))
