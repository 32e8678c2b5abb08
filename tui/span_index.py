"""The spans of the open layer, indexed for the article pane: by id and by position.

A label or a delete changes one span, so the index is updated in place (``add``,
``remove``) rather than rebuilt: at 5,000 spans a rebuild cost ~2 ms per label,
more than the rest of the repaint together.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

from store.model import Span

__all__ = ["SpanIndex", "insort_span", "remove_span"]

SpanKey = tuple[int, int, str, str]
KeyFn = Callable[[Span], SpanKey]


def _start(span: Span) -> int:
    return span.start


class SpanIndex:
    """Spans sorted by (start, -end, label, id), for finding those overlapping a range.

    Short spans are bucketed by start (``BUCKET`` code points a bucket), each bucket
    sorted and carrying the largest end in it.  A short span cannot reach further
    than ``LONG_SPAN`` past its start, so a query looks at the few buckets from
    ``LONG_SPAN`` before the range to its end and skips those whose largest end
    stops before the range.  Inserting or removing a span touches one bucket.
    The few long spans (e.g. a whole paragraph) are kept aside and checked
    directly, so one huge span cannot make every query scan a long way back.

    Span ids are unique within the index (they are the store's uuids): adding a
    span whose id is present replaces the old one.
    """

    LONG_SPAN = 2048
    BUCKET = 256

    @staticmethod
    def key(span: Span) -> SpanKey:
        return (span.start, -span.end, span.label, span.id)

    def __init__(self, spans: Iterable[Span] = ()) -> None:
        key = self.key
        by_id: dict[str, Span] = {}
        for span in spans:
            by_id[span.id] = span  # the last of a repeated id wins, as add() would
        self.by_id = by_id
        self._spans: list[Span] = sorted(by_id.values(), key=key)
        self._buckets: dict[int, list[Span]] = {}
        self._bucket_ends: dict[int, int] = {}
        self._long: list[Span] = []
        size, long_span = self.BUCKET, self.LONG_SPAN
        buckets, ends = self._buckets, self._bucket_ends
        for span in self._spans:  # in key order, so every bucket comes out sorted
            if span.end - span.start > long_span:
                self._long.append(span)
                continue
            b = span.start // size
            bucket = buckets.get(b)
            if bucket is None:
                buckets[b] = [span]
                ends[b] = span.end
            else:
                bucket.append(span)
                if span.end > ends[b]:
                    ends[b] = span.end

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, span: object) -> bool:
        return isinstance(span, Span) and self.by_id.get(span.id) == span

    @property
    def spans(self) -> list[Span]:
        """Every span, sorted by ``key`` (the index's own list: do not modify it)."""
        return self._spans

    def get(self, span_id: str | None) -> Span | None:
        return self.by_id.get(span_id) if span_id else None

    def add(self, span: Span) -> None:
        """Insert ``span`` (replacing a span with the same id)."""
        if span.id in self.by_id:
            self.remove(span.id)
        self.by_id[span.id] = span
        key = self.key
        bisect.insort(self._spans, span, key=key)
        if span.end - span.start > self.LONG_SPAN:
            bisect.insort(self._long, span, key=key)
            return
        b = span.start // self.BUCKET
        bucket = self._buckets.get(b)
        if bucket is None:
            self._buckets[b] = [span]
            self._bucket_ends[b] = span.end
        else:
            bisect.insort(bucket, span, key=key)
            if span.end > self._bucket_ends[b]:
                self._bucket_ends[b] = span.end

    def remove(self, span_id: str) -> Span | None:
        """Take out the span with this id; returns it (None if there was none)."""
        span = self.by_id.pop(span_id, None)
        if span is None:
            return None
        remove_span(self._spans, span, self.key)
        if span.end - span.start > self.LONG_SPAN:
            remove_span(self._long, span, self.key)
            return span
        b = span.start // self.BUCKET
        bucket = self._buckets[b]
        remove_span(bucket, span, self.key)
        if not bucket:
            del self._buckets[b]
            del self._bucket_ends[b]
        elif span.end >= self._bucket_ends[b]:
            self._bucket_ends[b] = max(s.end for s in bucket)
        return span

    def overlapping(self, start: int, end: int) -> list[Span]:
        """Spans with span.start < end and span.end > start, in sorted order."""
        if start >= end:
            return []
        size = self.BUCKET
        buckets, ends = self._buckets, self._bucket_ends
        found: list[Span] = []
        last = (end - 1) // size
        # Buckets further back hold short spans that end at or before `start`.
        for b in range(max(0, (start - self.LONG_SPAN) // size), last + 1):
            reach = ends.get(b)
            if reach is None or reach <= start:
                continue
            bucket = buckets[b]
            if b == last:
                # The range ends inside this bucket: only spans starting before it count.
                bucket = bucket[: bisect.bisect_left(bucket, end, key=_start)]
            found.extend(s for s in bucket if s.end > start)
        if self._long:
            long = [s for s in self._long if s.start < end and s.end > start]
            if long:
                found = sorted(found + long, key=self.key)
        return found


def insort_span(spans: list[Span], span: Span, key: KeyFn = Span.sort_key) -> None:
    """Insert ``span`` into ``spans``, which is sorted by ``key``."""
    bisect.insort(spans, span, key=key)


def remove_span(spans: list[Span], span: Span, key: KeyFn = Span.sort_key) -> bool:
    """Delete ``span`` from ``spans`` (sorted by ``key``), found by bisection, not a scan.

    Returns False if it is not there.
    """
    i = bisect.bisect_left(spans, key(span), key=key)
    if i < len(spans) and spans[i] == span:
        del spans[i]
        return True
    return False
