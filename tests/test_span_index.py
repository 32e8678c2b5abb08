"""The article pane's span index, updated in place, against a brute-force model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from store.model import Span
from tui.span_index import SpanIndex, insort_span, remove_span


class TinyIndex(SpanIndex):
    """Small buckets and a short "long" limit, so few spans cross every boundary."""

    LONG_SPAN = 12
    BUCKET = 4


def brute_overlapping(spans: list[Span], start: int, end: int) -> list[Span]:
    if start >= end:
        return []
    return sorted((s for s in spans if s.start < end and s.end > start), key=SpanIndex.key)


def make(i: int, start: int, length: int, label: str) -> Span:
    return Span(f"s{i}", start, start + length, label, "")


span_args = st.tuples(
    st.integers(0, 60),  # start
    st.one_of(st.integers(0, 20), st.integers(20, 80)),  # length: short, empty or long
    st.sampled_from(["claim", "quote", "actor"]),
)
# (op, id number, span) steps: add (a new id or an existing one: a relabel), remove.
steps = st.lists(
    st.tuples(st.sampled_from(["add", "add", "remove"]), st.integers(0, 25), span_args),
    max_size=60,
)
queries = st.lists(st.tuples(st.integers(-5, 150), st.integers(0, 40)), min_size=1, max_size=8)


def check(index: SpanIndex, model: dict[str, Span], ranges: list[tuple[int, int]]) -> None:
    spans = list(model.values())
    assert index.spans == sorted(spans, key=SpanIndex.key)
    assert len(index) == len(spans)
    assert index.by_id == model
    for start, length in ranges:
        assert index.overlapping(start, start + length) == brute_overlapping(
            spans, start, start + length
        )
        # What spans_at asks: the spans covering one code point.
        assert index.overlapping(start, start + 1) == brute_overlapping(spans, start, start + 1)


@settings(max_examples=300, deadline=None)
@given(steps=steps, ranges=queries, tiny=st.booleans())
def test_incremental_index_matches_brute_force(
    steps: list[tuple[str, int, tuple[int, int, str]]], ranges: list[tuple[int, int]], tiny: bool
) -> None:
    cls = TinyIndex if tiny else SpanIndex
    index = cls()
    model: dict[str, Span] = {}
    for op, n, (start, length, label) in steps:
        if op == "add":
            # Long spans only exist for the default class at bigger offsets: scale up.
            scale = 1 if tiny else 100
            span = make(n, start * scale, length * scale, label)
            index.add(span)
            model[span.id] = span
        else:
            removed = index.remove(f"s{n}")
            assert removed == model.pop(f"s{n}", None)
        check(
            index, model, [(a * (1 if tiny else 100), b * (1 if tiny else 100)) for a, b in ranges]
        )
    # A fresh index built from the same spans is the same index.
    rebuilt = cls(model.values())
    assert rebuilt.spans == index.spans
    check(rebuilt, model, ranges)


@settings(max_examples=100, deadline=None)
@given(spans=st.lists(span_args, max_size=40), ranges=queries)
def test_built_index_matches_brute_force(
    spans: list[tuple[int, int, str]], ranges: list[tuple[int, int]]
) -> None:
    model = {f"s{i}": make(i, a, b, lab) for i, (a, b, lab) in enumerate(spans)}
    check(TinyIndex(model.values()), model, ranges)


def test_long_span_and_short_neighbours() -> None:
    spans = [Span(f"s{i}", i * 10, i * 10 + 5, "PER", "") for i in range(1000)]
    spans.append(Span("huge", 0, 20_000, "ORG", ""))
    index = SpanIndex(spans)
    assert [s.id for s in index.overlapping(503, 523)] == ["huge", "s50", "s51", "s52"]
    index.remove("s51")
    index.add(Span("s51", 510, 530, "LOC", ""))  # relabelled and widened
    assert [s.id for s in index.overlapping(525, 526)] == ["huge", "s51"]
    assert index.get("s51") == Span("s51", 510, 530, "LOC", "")
    assert index.remove("nope") is None


def test_adding_an_existing_id_replaces_it() -> None:
    index = SpanIndex([Span("a", 0, 5, "claim", "")])
    index.add(Span("a", 0, 5, "quote", ""))
    assert index.spans == [Span("a", 0, 5, "quote", "")]
    assert [s.label for s in index.overlapping(0, 1)] == ["quote"]


@given(st.lists(span_args, max_size=30), st.data())
def test_sorted_list_helpers_insert_and_remove_in_order(
    spans: list[tuple[int, int, str]], data: st.DataObject
) -> None:
    made = [make(i, a, b, lab) for i, (a, b, lab) in enumerate(spans)]
    ordered: list[Span] = []
    for span in made:
        insort_span(ordered, span)
    assert ordered == sorted(made, key=Span.sort_key)
    if made:
        gone = data.draw(st.sampled_from(made))
        assert remove_span(ordered, gone)
        assert gone not in ordered and len(ordered) == len(made) - 1
        assert not remove_span(ordered, gone)
