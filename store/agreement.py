"""Agreement between annotators: span F1, Cohen's and Fleiss' κ, Krippendorff's α.

Plain Python on purpose (no numpy): the tables here are small and the store stays
importable from a bare interpreter.

Decisions (the parts that are a choice rather than a rule):

* Span F1 follows SemEval-2013 task 9.1 as ``nervaluate`` (≥ 1.0) computes it: four
  schemes, one-to-one matching in list order, outcomes correct / incorrect / partial /
  missed / spurious. One annotator is the *reference* (its unmatched spans are
  missed), the other the *candidate* (its unmatched spans are spurious). Per label,
  the scheme is run on the spans of that label only, as nervaluate does.
* Tokens are the matches of ``\\w+|[^\\w\\s]`` (Unicode words and single punctuation
  marks): simple, documented and independent of the reader's word motion, so a
  change to motion never changes a published agreement figure. A token's label is
  that of the innermost (shortest) span overlapping it, or ``"O"``.
* An annotator who has not finished a document is *missing* there, never "O":
  Krippendorff's α takes the missing values as they are; Cohen's κ and F1 use the
  documents both annotators of a pair finished; Fleiss' κ the documents all did.
* A measure with nothing to measure is ``None`` (shown "—"); perfect observed
  agreement is 1.0 even when chance agreement is also perfect (all one label),
  because identical layers should read as agreeing.
* Unitizing α_u works on character offsets, each document text one continuum,
  pooled over documents as Krippendorff defines for several continua; one
  annotator's overlapping spans of a label count as their union (α_u assumes a
  coder's units of a category do not overlap). See :func:`unitizing_alpha`.
* The ``gold`` layer (adjudication's) is a reference, never an annotator: each
  annotator is scored against it where both take part, gold the reference.
* Links are compared as (head span, tail span, relation label), ends matched
  exactly or by same-label overlap; see :func:`link_scores`.
* Speed: a report over 1,000 documents × 3 annotators is mostly many small
  comparisons, so layers are indexed once as tuples, token tables are counted
  by runs of alike tokens, and shortcuts are taken only where they provably give
  what the full scan gives (``bench/agree.py`` checks every number against the
  earlier code).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from store.errors import InputError
from store.storage import gc_paused

if TYPE_CHECKING:
    from store.store import Store

__all__ = [
    "GOLD",
    "OUTSIDE",
    "SCHEMES",
    "AgreementReport",
    "Continuum",
    "Counts",
    "DocumentDisagreement",
    "GoldReport",
    "LinkReport",
    "PairReport",
    "SchemeScores",
    "UnitizingAlpha",
    "agreement_report",
    "cohen_kappa",
    "confusion",
    "fleiss_kappa",
    "krippendorff_alpha",
    "link_scores",
    "links",
    "rank_documents",
    "rating_table",
    "span_f1",
    "span_scores",
    "token_labels",
    "tokens",
    "unitizing_alpha",
]

Scheme = Literal["strict", "exact", "partial", "type"]
SCHEMES: tuple[Scheme, ...] = ("strict", "exact", "partial", "type")
OUTSIDE = "O"  # the label of a token no span covers
TOKEN_RE = re.compile(r"\w+|[^\w\s]")


class Marked(Protocol):
    """Anything with half-open offsets and a label (a :class:`store.model.Span`)."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...

    @property
    def label(self) -> str: ...


# ----------------------------------------------------------------- span F1


@dataclass(frozen=True, slots=True)
class Counts:
    """SemEval outcome counts of one scheme, with the measures derived from them."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.correct + other.correct,
            self.incorrect + other.incorrect,
            self.partial + other.partial,
            self.missed + other.missed,
            self.spurious + other.spurious,
        )

    @property
    def possible(self) -> int:
        """Spans of the reference: cor + inc + par + mis."""
        return self.correct + self.incorrect + self.partial + self.missed

    @property
    def actual(self) -> int:
        """Spans of the candidate: cor + inc + par + spu."""
        return self.correct + self.incorrect + self.partial + self.spurious

    @property
    def tp(self) -> float:
        """True positives: cor + ½·par (the credit precision and recall give)."""
        return self.correct + self.partial / 2 if self.partial else self.correct

    @property
    def fp(self) -> float:
        """False positives: the candidate's spans not credited, actual − tp."""
        return self.actual - self.tp

    @property
    def fn(self) -> float:
        """False negatives: the reference's spans not credited, possible − tp."""
        return self.possible - self.tp

    # One formula serves all four schemes: only the partial scheme ever counts
    # partials, so the half credit is zero elsewhere (nervaluate's two formulas agree).
    @property
    def precision(self) -> float | None:
        """(cor + ½·par) / actual; 0 when the candidate has no span, None when neither has."""
        if self.actual == 0:
            return None if self.possible == 0 else 0.0
        return (self.correct + 0.5 * self.partial) / self.actual

    @property
    def recall(self) -> float | None:
        """(cor + ½·par) / possible; 0 when the reference has no span, None when neither has."""
        if self.possible == 0:
            return None if self.actual == 0 else 0.0
        return (self.correct + 0.5 * self.partial) / self.possible

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall; None when neither side has a span."""
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Counts and measures, for JSON."""
        return {
            **asdict(self),
            "possible": self.possible,
            "actual": self.actual,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True, slots=True)
class SchemeScores:
    """One scheme's counts overall and per label."""

    overall: Counts
    per_label: dict[str, Counts]

    def __add__(self, other: SchemeScores) -> SchemeScores:
        labels = sorted(set(self.per_label) | set(other.per_label))
        return SchemeScores(
            self.overall + other.overall,
            {
                lab: self.per_label.get(lab, Counts()) + other.per_label.get(lab, Counts())
                for lab in labels
            },
        )


class _Reference:
    """A reference layer indexed for :func:`span_scores`: built once, scored in every scheme."""

    __slots__ = ("by_start", "longest", "members", "spans", "starts")

    def __init__(self, spans: list[tuple[int, int, str]]) -> None:
        self.spans = spans  # (start, end, label)
        self.members = set(spans)
        # Only reference spans that can overlap are looked at (a document has hundreds):
        # by start, within the longest reference span, then in reference order.
        starts = [s[0] for s in spans]
        self.by_start: list[int] | None
        if starts == sorted(starts):
            self.by_start, self.starts = None, starts  # the store's order: index is rank
        else:
            self.by_start = sorted(range(len(starts)), key=starts.__getitem__)
            self.starts = [starts[i] for i in self.by_start]
        self.longest = max([e - s for s, e, _ in spans], default=0)


def _tuples(spans: Iterable[Marked]) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in spans]


def _group(spans: Iterable[tuple[int, int, str]]) -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for t in spans:
        out[t[2]].append(t)
    return out


def _score(ref: _Reference, candidate: Sequence[tuple[int, int, str]], scheme: Scheme) -> Counts:
    if ref.spans == candidate:
        # The same spans (as sorted layers of one label often are): each finds its twin.
        return Counts(correct=len(candidate))
    distinct = set(candidate)
    if len(distinct) == len(candidate) and distinct <= ref.members:
        # Every candidate has a twin in the reference and none is without one, so none
        # takes another's twin as a mere overlap: all correct, the rest of the reference
        # missed (in every scheme; a candidate only missing spans is common).
        return Counts(correct=len(candidate), missed=len(ref.spans) - len(candidate))
    cor = inc = par = spu = 0
    matched: set[int] = set()
    spans, by_start, starts, longest = ref.spans, ref.by_start, ref.starts, ref.longest
    typed, strict = scheme == "type", scheme == "strict"
    any_label = scheme in ("exact", "partial")
    n = len(starts)
    for ps, pe, pl in candidate:
        hit: int | None = None  # the reference span this one is correct against
        near: int | None = None  # else the first overlapping one (incorrect / partial)
        # Most spans of a team agree to the character. The first free reference with
        # these bounds (and label, where it counts) is the one the scan below would pick
        # (in type, its distance 0 is the least there is); equal starts keep list order.
        k = bisect.bisect_left(starts, ps)
        while k < n and starts[k] == ps:
            i = k if by_start is None else by_start[k]
            ts, te, tl = spans[i]
            if te == pe and i not in matched and (any_label or tl == pl):
                hit = i
                break
            k += 1
        if hit is not None:
            cor += 1
            matched.add(hit)
            continue
        best = -1
        lo = bisect.bisect_left(starts, ps - longest)
        hi = bisect.bisect_left(starts, pe)
        if by_start is None:
            window: Iterable[int] = range(lo, hi)
        else:
            window = sorted(by_start[lo:hi])
        for i in window:
            ts, te, tl = spans[i]
            if te <= ps or i in matched:
                continue  # ends before this one starts (starts are all < pe), or taken
            if typed:
                if pl == tl:
                    # Closest boundaries win among same-label overlaps, as in nervaluate.
                    dist = abs(ps - ts) + abs(pe - te)
                    if hit is None or dist < best:
                        hit, best = i, dist
                elif near is None:
                    near = i
                continue
            if ts == ps and te == pe and (not strict or pl == tl):
                hit = i
                break
            if near is None:
                near = i
        if hit is not None:
            cor += 1
            matched.add(hit)
        elif near is not None:
            matched.add(near)
            if scheme == "partial":
                par += 1
            else:
                inc += 1
        else:
            spu += 1
    return Counts(cor, inc, par, len(spans) - len(matched), spu)


def span_scores(reference: Sequence[Marked], candidate: Sequence[Marked], scheme: Scheme) -> Counts:
    """SemEval-2013 counts of ``candidate`` against ``reference`` in one scheme.

    strict: same boundaries and label; exact: same boundaries; partial: same
    boundaries correct, any overlap partial; type: overlap with the same label.
    Each reference span is matched at most once; candidate spans are taken in order.
    """
    return _score(_Reference(_tuples(reference)), _tuples(candidate), scheme)


class _Layer:
    """One layer's spans indexed once for every comparison it takes part in."""

    __slots__ = ("by_label", "parts", "tuples", "whole")

    def __init__(self, spans: Sequence[Marked]) -> None:
        self.tuples = _tuples(spans)
        self.whole = _Reference(self.tuples)
        self.by_label = _group(self.tuples)
        self.parts = {lab: _Reference(ts) for lab, ts in self.by_label.items()}


_NOBODY = _Reference([])


def _as_partial(exact: Counts) -> Counts:
    # Exact and partial match the same pairs (same bounds first, else the first overlap);
    # only what an overlap counts as differs: incorrect there, partial here.
    return Counts(exact.correct, 0, exact.incorrect, exact.missed, exact.spurious)


def _span_f1(ref: _Layer, cand: _Layer) -> dict[Scheme, SchemeScores]:
    labels = sorted(set(ref.by_label) | set(cand.by_label))
    parts = [
        (lab, ref.parts.get(lab, _NOBODY), cand.parts.get(lab, _NOBODY).spans) for lab in labels
    ]
    exact = {lab: _score(r, c, "exact") for lab, r, c in parts}
    overall_exact = _score(ref.whole, cand.tuples, "exact")
    return {
        # Within one label's spans every label matches, so strict is exact there.
        "strict": SchemeScores(_score(ref.whole, cand.tuples, "strict"), dict(exact)),
        "exact": SchemeScores(overall_exact, exact),
        "partial": SchemeScores(
            _as_partial(overall_exact), {lab: _as_partial(c) for lab, c in exact.items()}
        ),
        "type": SchemeScores(
            _score(ref.whole, cand.tuples, "type"),
            {
                # With no overlap short of exact, type pairs what exact pairs (one label).
                lab: exact[lab] if exact[lab].incorrect == 0 else _score(r, c, "type")
                for lab, r, c in parts
            },
        ),
    }


def span_f1(reference: Sequence[Marked], candidate: Sequence[Marked]) -> dict[Scheme, SchemeScores]:
    """Counts in every scheme, overall and per label (that label's spans only)."""
    return _span_f1(_Layer(reference), _Layer(candidate))


def confusion(
    reference: Sequence[Marked], candidate: Sequence[Marked]
) -> Counter[tuple[str | None, str | None]]:
    """Label pairs (reference label, candidate label) of overlapping spans.

    Each reference span pairs with the candidate span it overlaps most (same label
    first on a tie); a span that overlaps nothing on the other side pairs with None.
    """
    return _confusion(_Reference(_tuples(reference)), _Reference(_tuples(candidate)))


def _confusion(refs: _Reference, cands: _Reference) -> Counter[tuple[str | None, str | None]]:
    table: Counter[tuple[str | None, str | None]] = Counter()
    used: set[int] = set()
    for rs, re_, rl in refs.spans:
        best_j: int | None = None
        best_key = (0, False)  # (overlap length, same label); the earliest wins a tie
        lo = bisect.bisect_left(cands.starts, rs - cands.longest)
        hi = bisect.bisect_left(cands.starts, re_)
        for j in range(lo, hi) if cands.by_start is None else sorted(cands.by_start[lo:hi]):
            cs, ce, cl = cands.spans[j]
            if ce <= rs:
                continue
            key = (min(re_, ce) - max(rs, cs), cl == rl)
            if best_j is None or key > best_key:
                best_j, best_key = j, key
        if best_j is None:
            table[rl, None] += 1
        else:
            used.add(best_j)
            table[rl, cands.spans[best_j][2]] += 1
    for j, (cs, ce, cl) in enumerate(cands.spans):
        if j in used:
            continue
        lo = bisect.bisect_left(refs.starts, cs - refs.longest)
        hi = bisect.bisect_left(refs.starts, ce)
        near = range(lo, hi) if refs.by_start is None else refs.by_start[lo:hi]
        if not any(refs.spans[i][1] > cs for i in near):
            table[None, cl] += 1
    return table


# ------------------------------------------------------------------ tokens


def tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token: a run of word characters or one other non-space."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def token_labels(toks: Sequence[tuple[int, int]], spans: Iterable[Marked]) -> list[str]:
    """Each token's label: the innermost (shortest) span overlapping it, or "O"."""
    return _paint([s for s, _ in toks], [e for _, e in toks], spans)


def _paint(starts: Sequence[int], ends: Sequence[int], spans: Iterable[Marked]) -> list[str]:
    labels = [OUTSIDE] * len(starts)
    # Longest first, so a shorter (inner) span painted later wins.
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start, s.label)):
        lo = bisect.bisect_right(ends, span.start)
        hi = bisect.bisect_left(starts, span.end, lo)  # the first token starting at its end
        labels[lo:hi] = [span.label] * (hi - lo) if hi > lo else []
    return labels


def _token_runs(
    toks: Sequence[tuple[int, int]], layers: Mapping[str, Sequence[Marked]]
) -> tuple[list[int], dict[str, list[str]]]:
    """Runs of tokens over which no layer's label changes: each run's length, and each
    layer's label per run. Counting runs instead of tokens gives the same tables, in
    the same order of first appearance, from tens of runs instead of hundreds of tokens.
    """
    n = len(toks)
    if n == 0:
        return [], {name: [] for name in layers}
    starts = [s for s, _ in toks]
    ends = [e for _, e in toks]
    bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
    painted: dict[str, list[tuple[int, int, Marked]]] = {}
    cuts = {0, n}
    for name, spans in layers.items():
        # The tokens a span paints in token_labels: from the first it overlaps up to
        # the first that starts at or after its end.
        ranges = []
        for span in spans:
            lo = bisect_right(ends, span.start)
            hi = bisect_left(starts, span.end, lo)
            if lo < hi:
                ranges.append((lo, hi, span))
                cuts.add(lo)
                cuts.add(hi)
        painted[name] = ranges
    bounds = sorted(cuts)
    lengths = [b - a for a, b in itertools.pairwise(bounds)]
    run_of = {c: k for k, c in enumerate(bounds)}
    labels: dict[str, list[str]] = {}
    for name, ranges in painted.items():
        # token_labels on runs instead of tokens: longest first, so inner spans win.
        per_run = [OUTSIDE] * len(lengths)
        ranges.sort(key=lambda r: (r[2].start - r[2].end, r[2].start, r[2].label))
        for lo, hi, span in ranges:
            a, b = run_of[lo], run_of[hi]
            per_run[a:b] = [span.label] * (b - a)
        labels[name] = per_run
    return lengths, labels


# ------------------------------------------------------------------ kappas


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's κ of two coders' categories for the same items; None without items."""
    if len(a) != len(b):
        raise ValueError("both coders must rate the same items")
    return _kappa_of_table(Counter(zip(a, b, strict=True)))


def _kappa_of_table(table: Mapping[tuple[Any, Any], int]) -> float | None:
    """Cohen's κ from the counts of each (first coder's, second coder's) category pair."""
    n = sum(table.values())
    if n == 0:
        return None
    observed = sum(k for (x, y), k in table.items() if x == y) / n
    ca: Counter[Hashable] = Counter()
    cb: Counter[Hashable] = Counter()
    for (x, y), k in table.items():
        ca[x] += k
        cb[y] += k
    chance = sum(ca[c] * cb[c] for c in ca) / (n * n)
    if chance == 1:
        return 1.0  # both used one and the same category throughout
    return (observed - chance) / (1 - chance)


def rating_table(ratings: Sequence[Sequence[Hashable]]) -> list[list[int]]:
    """Subjects × categories counts from each subject's list of ratings."""
    cats = sorted({c for row in ratings for c in row}, key=repr)
    # Tokens repeat a few rating patterns: count each distinct one once.
    counted: dict[tuple[Hashable, ...], list[int]] = {}
    out = []
    for row in ratings:
        key = tuple(row)
        counts = counted.get(key)
        if counts is None:
            tally = Counter(key)
            counts = counted[key] = [tally[c] for c in cats]
        out.append(counts)
    return out


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' κ of a subjects × categories table of rating counts (equal raters per subject)."""
    if not table:
        return None
    raters = sum(table[0])
    if raters < 2 or any(sum(row) != raters for row in table):
        raise ValueError("every subject needs the same number (≥ 2) of ratings")
    n_subj = len(table)
    total = n_subj * raters
    p_cat = [sum(row[j] for row in table) / total for j in range(len(table[0]))]
    p_subj = [(sum(x * x for x in row) - raters) / (raters * (raters - 1)) for row in table]
    p_bar = sum(p_subj) / n_subj
    p_e = sum(p * p for p in p_cat)
    if p_e == 1:
        return 1.0
    return (p_bar - p_e) / (1 - p_e)


def krippendorff_alpha(
    units: Sequence[Sequence[Hashable | None]],
    level: Literal["nominal", "interval"] = "nominal",
) -> float | None:
    """Krippendorff's α of a units × coders table; None marks a missing value.

    Units with fewer than two values are not pairable and drop out. None when no
    unit is pairable; 1.0 when every pairable unit agrees (even if all values are
    one category, where α is formally 0/0).
    """
    # Token tables repeat a few patterns ("O" from everyone) hundreds of thousands of
    # times: count each distinct unit once, weighted by how often it occurs.
    return _alpha_of_patterns(Counter(tuple(unit) for unit in units), level)


def _alpha_of_patterns(
    patterns: Mapping[tuple[Any, ...], int],
    level: Literal["nominal", "interval"] = "nominal",
) -> float | None:
    """Krippendorff's α from how often each distinct unit (a row of values) occurs."""
    coincidence: defaultdict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit, times in patterns.items():
        values = Counter(v for v in unit if v is not None)
        m = sum(values.values())
        if m < 2:
            continue
        for c, nc in values.items():
            for k, nk in values.items():
                coincidence[c, k] += times * nc * (nk - (c == k)) / (m - 1)
    if not coincidence:
        return None
    marg: defaultdict[Hashable, float] = defaultdict(float)
    for (c, _), o in coincidence.items():
        marg[c] += o
    n = sum(marg.values())

    def delta(c: Hashable, k: Hashable) -> float:
        if level == "nominal":
            return float(c != k)
        if not isinstance(c, int | float) or not isinstance(k, int | float):
            raise ValueError("interval α needs numeric values")
        return float(c - k) ** 2

    observed = sum(o * delta(c, k) for (c, k), o in coincidence.items())
    if observed == 0:
        return 1.0
    expected = sum(marg[c] * marg[k] * delta(c, k) for c in marg for k in marg) / (n - 1)
    return 1 - observed / expected


def _fleiss_of_patterns(patterns: Mapping[tuple[Any, ...], int]) -> float | None:
    """Fleiss' κ from how often each distinct row of ratings (one per subject) occurs."""
    if not patterns:
        return None
    raters = len(next(iter(patterns)))
    cats = sorted({c for row in patterns for c in row}, key=repr)
    n_subj = sum(patterns.values())
    totals = Counter[Hashable]()
    agreeing = 0  # Σ over subjects of Σ_j n_ij², in integers so no rounding builds up
    for row, times in patterns.items():
        tally = Counter(row)
        for c, k in tally.items():
            totals[c] += k * times
        agreeing += times * sum(k * k for k in tally.values())
    p_bar = (agreeing - n_subj * raters) / (raters * (raters - 1)) / n_subj
    p_e = sum((totals[c] / (n_subj * raters)) ** 2 for c in cats)
    if p_e == 1:
        return 1.0
    return (p_bar - p_e) / (1 - p_e)


# -------------------------------------------------------------- unitizing α


#: One continuum of :func:`unitizing_alpha`: (begin, end, coder → that coder's spans).
#: Only the coders who took part are keys; a coder who did not is missing, not empty.
Continuum = tuple[int, int, Mapping[str, Sequence[Marked]]]


@dataclass(frozen=True, slots=True)
class UnitizingAlpha:
    """Krippendorff's α_u overall and per category (label), None where nothing to measure."""

    overall: float | None
    per_label: dict[str, float | None]


def _units(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """One coder's units of one label, sorted, overlapping ones joined into their union.

    α_u needs a coder's units of one category not to overlap; where an annotator's
    same-label spans do (a span nested in a longer one), the stretch they cover
    together counts once, as one unit. Spans that only touch stay two units.
    """
    out: list[tuple[int, int]] = []
    for start, end, _ in sorted(spans):
        if out and start < out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _pair_distance(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """Σ δ² between two coders' units of one category (each unordered pair of segments once).

    Overlapping units differ by (Δ begin)² + (Δ end)²; a unit inside the other coder's
    gap (overlapping none of their units) by its length squared; gaps agree with gaps.
    """
    if a == b:
        return 0  # the same units: every segment meets its twin
    total = 0
    hit_a = [False] * len(a)
    hit_b = [False] * len(b)
    j0 = 0
    for i, (sa, ea) in enumerate(a):
        while j0 < len(b) and b[j0][1] <= sa:
            j0 += 1  # b's units are sorted and disjoint: ends rise with starts
        j = j0
        while j < len(b) and b[j][0] < ea:
            sb, eb = b[j]
            total += (sa - sb) ** 2 + (ea - eb) ** 2
            hit_a[i] = hit_b[j] = True
            j += 1
    total += sum((e - s) ** 2 for (s, e), hit in zip(a, hit_a, strict=True) if not hit)
    total += sum((e - s) ** 2 for (s, e), hit in zip(b, hit_b, strict=True) if not hit)
    return total


def _gaps(units: Sequence[tuple[int, int]], begin: int, end: int) -> list[int]:
    """Lengths of the stretches of [begin, end) that none of ``units`` covers."""
    out: list[int] = []
    pos = begin
    for start, stop in units:
        if start > pos:
            out.append(start - pos)
        pos = max(pos, stop)
    if end > pos:
        out.append(end - pos)
    return out


def _unitizing_disagreements(
    continua: Iterable[tuple[int, int, list[list[tuple[int, int]]]]],
) -> tuple[float, float] | None:
    """(observed, expected) disagreement of one label; None when no coder marked it anywhere.

    ``continua`` holds (begin, end, each coder's units of the label) per continuum.

    Krippendorff (2004, ch. 12.4) for one continuum of length L and m coders:
    D_o = Σ_{i≠j} Σ_gh δ²_ighj / (m(m−1)L²) and
    D_e = (2/L) Σ_units [(N−1)(2l³−3l²+l)/3 + l² Σ_{gaps ≥ l}(l_gap − l + 1)]
          / (mL(mL−1) − Σ_units l(l−1)).
    Several continua pool their sums with L the total length and mL the number of
    coder-positions Σ m_d·L_d; a continuum's pairs are weighted by 1/(m_d − 1), as α
    weights a unit's pairs, so it reduces to the formula above when everyone coded
    everything. Continua with fewer than two coders are not pairable and drop out.
    """
    observed = 0.0
    positions = 0  # Σ m_d·L_d: the coder-positions that are pairable
    length = 0
    lengths: list[int] = []
    gaps: list[int] = []
    for begin, end, units in continua:
        m = len(units)
        if m < 2:
            continue
        pairs = sum(_pair_distance(a, b) for a, b in itertools.combinations(units, 2))
        observed += 2 * pairs / (m - 1)
        positions += m * (end - begin)
        length += end - begin
        for coder in units:
            lengths.extend(e - s for s, e in coder)
            gaps.extend(_gaps(coder, begin, end))
    if not lengths:
        return None
    n_units = len(lengths)
    gaps.sort()
    tail = [*itertools.accumulate(reversed(gaps))][::-1]
    tail.append(0)  # tail[k] = Σ gaps[k:]
    chance = 0
    for ln in lengths:
        k = bisect.bisect_left(gaps, ln)  # the gaps a unit of this length fits in
        fits = tail[k] - (len(gaps) - k) * (ln - 1)  # Σ (l_gap − l + 1)
        chance += (n_units - 1) * (ln * (ln - 1) * (2 * ln - 1) // 3) + ln * ln * fits
    pairs_of_values = positions * (positions - 1) - sum(ln * (ln - 1) for ln in lengths)
    if pairs_of_values <= 0:
        return None
    return observed / (positions * length), 2 * chance / (length * pairs_of_values)


def _alpha_from(observed: float, expected: float) -> float | None:
    if observed == 0:
        return 1.0  # every coder's units coincide (or no disagreement is possible)
    if expected == 0:
        return None
    return 1 - observed / expected


def unitizing_alpha(
    continua: Sequence[Continuum], labels: Iterable[str] | None = None
) -> UnitizingAlpha:
    """Krippendorff's unitizing α_u on character offsets, overall and per label.

    Per label it is Krippendorff's cα_u: that label's units against the gaps between
    them. Overall, α_u = 1 − Σ_c D_o(c) / Σ_c D_e(c) over the labels anyone used
    (as in Krippendorff's 2004 example and DKPro's implementation). A label nobody
    marked is None; observed agreement everywhere is 1.0.
    """
    grouped = [
        (begin, end, [_group(_tuples(spans)) for spans in layers.values()])
        for begin, end, layers in continua
    ]
    return _unitizing(grouped, labels)


def _unitizing(
    grouped: Sequence[tuple[int, int, Sequence[Mapping[str, list[tuple[int, int, str]]]]]],
    labels: Iterable[str] | None,
) -> UnitizingAlpha:
    """:func:`unitizing_alpha` of continua whose coders' spans are grouped by label."""
    if labels is None:
        labels = {lab for _, _, coders in grouped for by in coders for lab in by}
    per_label: dict[str, float | None] = {}
    d_o = d_e = 0.0
    for label in sorted(labels):
        parts = _unitizing_disagreements(
            (begin, end, [_units(by.get(label, ())) for by in coders])
            for begin, end, coders in grouped
        )
        if parts is None:
            per_label[label] = None
            continue
        per_label[label] = _alpha_from(*parts)
        d_o += parts[0]
        d_e += parts[1]
    measured = any(v is not None for v in per_label.values())
    return UnitizingAlpha(_alpha_from(d_o, d_e) if measured else None, per_label)


# ------------------------------------------------------------------- links


class Identified(Marked, Protocol):
    """A span with an id that relations name (a :class:`store.model.Span`)."""

    @property
    def id(self) -> str: ...


class Linked(Protocol):
    """A link of one layer: head and tail span ids, a label (a :class:`store.model.Relation`)."""

    @property
    def head(self) -> str: ...

    @property
    def tail(self) -> str: ...

    @property
    def label(self) -> str: ...


#: A link by what it joins: ((head start, end, label), (tail start, end, label), relation label).
Link = tuple[tuple[int, int, str], tuple[int, int, str], str]
LinkMatch = Literal["exact", "overlap"]


def links(spans: Iterable[Identified], relations: Iterable[Linked]) -> list[Link]:
    """A layer's relations as the spans they join, sorted; dangling ones are left out."""
    relations = list(relations)
    if not relations:
        return []
    by_id = {s.id: (s.start, s.end, s.label) for s in spans}
    return sorted(
        (by_id[r.head], by_id[r.tail], r.label)
        for r in relations
        if r.head in by_id and r.tail in by_id
    )


def _ends_overlap(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def link_scores(reference: Sequence[Link], candidate: Sequence[Link]) -> dict[LinkMatch, Counts]:
    """Link F1 counts of ``candidate`` against ``reference`` (correct, missed, spurious).

    exact: the same relation label between spans with the same offsets and labels.
    overlap: the same relation label, each end overlapping a same-label end of the
    other; exact matches are paired first, then the rest in sorted order, each
    reference link at most once (greedy, so a crowded tangle may pair suboptimally).
    """
    out: dict[LinkMatch, Counts] = {}
    left = Counter(reference)
    rest: list[Link] = []
    for link in candidate:
        if left[link] > 0:
            left[link] -= 1
        else:
            rest.append(link)
    exact = len(candidate) - len(rest)
    out["exact"] = Counts(correct=exact, missed=len(reference) - exact, spurious=len(rest))
    unmatched = sorted(left.elements())
    more = 0
    for head, tail, label in rest:
        for k, (h2, t2, l2) in enumerate(unmatched):
            if label == l2 and _ends_overlap(head, h2) and _ends_overlap(tail, t2):
                del unmatched[k]
                more += 1
                break
    hits = exact + more
    out["overlap"] = Counts(
        correct=hits, missed=len(reference) - hits, spurious=len(candidate) - hits
    )
    return out


# ------------------------------------------------------------------ report

#: The annotator whose layer is the adjudicated one: compared against, never with.
GOLD = "gold"


@dataclass(frozen=True, slots=True)
class DocumentDisagreement:
    """How much the annotators who finished a document disagree on it."""

    doc_id: str
    title: str
    annotators: list[str]
    disagreement: float  # 1 − mean pairwise exact-scheme F1 (two empty layers agree)


@dataclass(slots=True)
class PairReport:
    """Two annotators over the documents both finished; ``a`` is the reference."""

    a: str
    b: str
    documents: list[str]
    spans: dict[Scheme, SchemeScores]
    tokens: int
    cohen_kappa: float | None
    confusion: Counter[tuple[str | None, str | None]]


@dataclass(slots=True)
class GoldReport:
    """One annotator (the candidate) against the gold layer (the reference)."""

    annotator: str
    documents: list[str]  # where both the annotator and gold have the status asked for
    spans: dict[Scheme, SchemeScores]
    tokens: int
    cohen_kappa: float | None
    links: dict[LinkMatch, Counts] | None = None  # None when neither side has a link


@dataclass(slots=True)
class LinkReport:
    """Link F1 of two annotators over the documents both finished; ``a`` is the reference."""

    a: str
    b: str
    documents: list[str]
    links: dict[LinkMatch, Counts]


def _scores_dict(spans: Mapping[Scheme, SchemeScores]) -> dict[str, Any]:
    return {
        scheme: {
            "overall": s.overall.to_dict(),
            "per_label": {k: v.to_dict() for k, v in s.per_label.items()},
        }
        for scheme, s in spans.items()
    }


@dataclass(slots=True)
class DocLabelAgreement:
    """Cohen's κ of two annotators' document labels of one label set (``topic``).

    A document's value is its set of choices (``economy+politics``; ``—`` for none),
    one nominal category, over the documents both finished.
    """

    a: str
    b: str
    name: str
    documents: int
    cohen_kappa: float | None


@dataclass(slots=True)
class AgreementReport:
    """Every measure of :func:`agreement_report`; ``to_dict`` gives plain JSON data."""

    annotators: list[str]
    status: str | None
    documents: list[str]  # finished by at least two of the annotators
    pairs: list[PairReport] = field(default_factory=list)
    fleiss_documents: list[str] = field(default_factory=list)  # finished by all of them
    fleiss_kappa: float | None = None
    alpha: float | None = None  # nominal, on token labels, missing annotators missing
    alpha_per_label: dict[str, float | None] = field(default_factory=dict)
    ranking: list[DocumentDisagreement] = field(default_factory=list)
    unitizing_alpha: float | None = None  # α_u on character offsets, over ``documents``
    unitizing_alpha_per_label: dict[str, float | None] = field(default_factory=dict)
    against_gold: list[GoldReport] = field(default_factory=list)  # empty without gold
    links: list[LinkReport] = field(default_factory=list)  # empty when nobody linked
    doc_labels: list[DocLabelAgreement] = field(default_factory=list)  # empty when none set

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready dicts and lists."""
        return {
            "annotators": self.annotators,
            "status": self.status,
            "documents": self.documents,
            "pairs": [
                {
                    "a": p.a,
                    "b": p.b,
                    "documents": p.documents,
                    "spans": _scores_dict(p.spans),
                    "tokens": p.tokens,
                    "cohen_kappa": p.cohen_kappa,
                    "confusion": [
                        {"a": la, "b": lb, "count": n}
                        for (la, lb), n in sorted(p.confusion.items(), key=_confusion_key)
                    ],
                }
                for p in self.pairs
            ],
            "fleiss_documents": self.fleiss_documents,
            "fleiss_kappa": self.fleiss_kappa,
            "alpha": self.alpha,
            "alpha_per_label": self.alpha_per_label,
            "ranking": [asdict(d) for d in self.ranking],
            "unitizing_alpha": self.unitizing_alpha,
            "unitizing_alpha_per_label": self.unitizing_alpha_per_label,
            "against_gold": [
                {
                    "annotator": g.annotator,
                    "documents": g.documents,
                    "spans": _scores_dict(g.spans),
                    "tokens": g.tokens,
                    "cohen_kappa": g.cohen_kappa,
                    "links": None
                    if g.links is None
                    else {k: c.to_dict() for k, c in g.links.items()},
                }
                for g in self.against_gold
            ],
            "links": [
                {
                    "a": lr.a,
                    "b": lr.b,
                    "documents": lr.documents,
                    **{k: c.to_dict() for k, c in lr.links.items()},
                }
                for lr in self.links
            ],
            "doc_labels": [asdict(x) for x in self.doc_labels],
        }


def _confusion_key(item: tuple[tuple[str | None, str | None], int]) -> tuple[str, str]:
    (la, lb), _ = item
    return (la or "\uffff", lb or "\uffff")  # "none" rows last


def _empty_scores() -> dict[Scheme, SchemeScores]:
    return {scheme: SchemeScores(Counts(), {}) for scheme in SCHEMES}


def _sum_scores(parts: Sequence[Mapping[Scheme, SchemeScores]]) -> dict[Scheme, SchemeScores]:
    """Documents' scores added up (in one pass: adding pairwise re-sorts labels each time)."""
    out = _empty_scores()
    for scheme in SCHEMES:
        overall = [0] * 5
        per_label: dict[str, list[int]] = {}
        for part in parts:
            scores = part[scheme]
            for total, c in [(overall, scores.overall)] + [
                (per_label.setdefault(lab, [0] * 5), c) for lab, c in scores.per_label.items()
            ]:
                total[0] += c.correct
                total[1] += c.incorrect
                total[2] += c.partial
                total[3] += c.missed
                total[4] += c.spurious
        out[scheme] = SchemeScores(
            Counts(*overall), {lab: Counts(*per_label[lab]) for lab in sorted(per_label)}
        )
    return out


def _sum_links(parts: Iterable[Mapping[LinkMatch, Counts]]) -> dict[LinkMatch, Counts]:
    sums: dict[LinkMatch, list[int]] = {"exact": [0, 0, 0], "overlap": [0, 0, 0]}
    for part in parts:
        for k, c in part.items():
            total = sums[k]
            total[0] += c.correct
            total[1] += c.missed
            total[2] += c.spurious
    return {k: Counts(correct=v[0], missed=v[1], spurious=v[2]) for k, v in sums.items()}


def rank_documents(
    layers: Mapping[str, Mapping[str, Sequence[Marked]]],
    titles: Mapping[str, str],
    exact: Mapping[tuple[str, str, str], Counts] | None = None,
) -> list[DocumentDisagreement]:
    """Documents worst first by 1 − mean pairwise exact F1 of their layers (doc → name → spans).

    Documents with fewer than two layers are left out. ``exact`` may hold the
    exact-scheme counts already made, keyed (doc, first name, second name).
    """
    out: list[DocumentDisagreement] = []
    for doc_id, by_name in layers.items():
        names = sorted(by_name)
        if len(names) < 2:
            continue
        f1s = []
        for a, b in itertools.combinations(names, 2):
            done = None if exact is None else exact.get((doc_id, a, b))
            f1 = (done or span_scores(by_name[a], by_name[b], "exact")).f1
            f1s.append(1.0 if f1 is None else f1)
        out.append(
            DocumentDisagreement(doc_id, titles.get(doc_id, ""), names, 1 - sum(f1s) / len(f1s))
        )
    out.sort(key=lambda d: (-d.disagreement, d.doc_id))
    return out


def _taking_part(
    store: Store, doc_id: str, annotators: Sequence[str] | None, status: str | None
) -> list[str]:
    """Who takes part in a document: named (or anyone), with ``status`` unless None."""
    present = store.annotators(doc_id)
    chosen = present if annotators is None else [a for a in annotators if a in present]
    return sorted({a for a in chosen if status is None or store.status(doc_id, a) == status})


def _doc_value(choices: list[str] | None) -> str:
    """A document's value in one label set, as one nominal category."""
    return "+".join(sorted(choices)) if choices else "—"


def agreement_report(
    store: Store,
    annotators: Sequence[str] | None = None,
    docs: Iterable[str] | None = None,
    status: str | None = "done",
) -> AgreementReport:
    """Agreement of ``annotators`` (default: everyone) over ``docs`` (default: all).

    An annotator takes part in a document when their layer has ``status`` there
    (``None``: when they have a layer at all). The ``gold`` layer is never one of
    the annotators: where it takes part (by the same rule), each annotator is also
    scored against it. InputError when fewer than two annotators take part
    anywhere, when no document has two of them, or when ``gold`` is named.
    """
    # Hundreds of thousands of small tuples and lists live until the report is made;
    # the cyclic GC would rescan them again and again (none of them form cycles).
    with gc_paused():
        return _agreement_report(store, annotators, docs, status)


def _agreement_report(
    store: Store,
    annotators: Sequence[str] | None,
    docs: Iterable[str] | None,
    status: str | None,
) -> AgreementReport:
    if annotators is not None and GOLD in annotators:
        raise InputError(
            f"{GOLD} is the adjudicated layer, not an annotator: every annotator is "
            f"compared against it whenever it exists; leave it out of --annotator"
        )
    wanted = None if docs is None else set(docs)
    infos = [d for d in store.documents() if wanted is None or d.id in wanted]
    explicit = annotators is not None
    finished: dict[str, list[str]] = {}  # doc → annotators taking part, sorted
    has_gold: set[str] = set()
    layers: dict[str, dict[str, list[Any]]] = {}  # doc → name → spans (gold included)
    linked: dict[str, dict[str, list[Link]]] = {}  # doc → name → links
    runs: dict[str, list[int]] = {}  # doc → lengths of its runs of alike tokens
    labels_of: dict[str, dict[str, list[str]]] = {}  # doc → name → label per run
    lengths: dict[str, int] = {}
    tagged: dict[str, dict[str, dict[str, list[str]]]] = {}  # doc → name → document labels
    for info in infos:
        d = info.id
        names = _taking_part(store, d, None if annotators is None else [*annotators, GOLD], status)
        people = [a for a in names if a != GOLD]
        if people:
            finished[d] = people
        if GOLD in names:
            has_gold.add(d)
        if len(people) < 2 and not (people and GOLD in names):
            continue  # nothing to compare here
        # Everything a document gives is taken now, while its file is parsed: one read
        # for every layer (the store keeps only a few documents parsed at a time).
        by_name: dict[str, list[Any]] = {a: [] for a in names}
        for sp in store.spans(d):
            if sp.annotator in by_name:
                by_name[sp.annotator].append(sp)
        rels: dict[str, list[Any]] = {a: [] for a in names}
        for rel in store.relations(d):
            if rel.annotator in rels:
                rels[rel.annotator].append(rel)
        layers[d] = by_name
        linked[d] = {a: links(by_name[a], rels[a]) for a in names}
        tagged[d] = {a: store.doc_labels(d, a) for a in names}
        text = store.text(d)
        lengths[d] = len(text)
        runs[d], labels_of[d] = _token_runs(tokens(text), by_name)
    active = sorted({a for names in finished.values() for a in names})
    what = "finished (done) documents" if status == "done" else "layers"
    hint = "mark documents done in the reader, or pass --all-status to count unfinished ones"
    if explicit:
        absent = [a for a in dict.fromkeys(annotators or []) if a not in active]
        if absent:
            raise InputError(f"{', '.join(absent)} has no {what}; {hint}")
        active = sorted(dict.fromkeys(annotators or []))
    # One annotator and gold is a report too: that annotator against gold alone.
    against_gold_only = bool(active) and any(d in has_gold for d in finished)
    if len(active) < 2 and not against_gold_only:
        found = ", ".join(active) or "nobody"
        raise InputError(f"agreement needs two annotators with {what}, found {found}; {hint}")
    shared = {d: names for d, names in finished.items() if len(names) >= 2}
    if not shared and not against_gold_only:
        raise InputError(
            f"no document has {what} from two of {', '.join(active)}; "
            "have a second annotator finish a document someone else finished"
        )
    report = AgreementReport(active, status, list(shared))
    gold_docs = [d for d in finished if d in has_gold and d in layers]

    indexed = {d: {a: _Layer(sp) for a, sp in by.items()} for d, by in layers.items()}
    exact: dict[tuple[str, str, str], Counts] = {}  # for the ranking, made once here
    for a, b in itertools.combinations(active, 2):
        both = [d for d, names in shared.items() if a in names and b in names]
        if not both:
            continue
        doc_scores: list[dict[Scheme, SchemeScores]] = []
        table: Counter[tuple[str | None, str | None]] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        link_parts: list[dict[LinkMatch, Counts]] = []
        for d in both:
            ia, ib = indexed[d][a], indexed[d][b]
            doc_scores.append(_span_f1(ia, ib))
            exact[d, a, b] = doc_scores[-1]["exact"].overall
            table.update(_confusion(ia.whole, ib.whole))
            for la, lb, k in zip(labels_of[d][a], labels_of[d][b], runs[d], strict=True):
                pairs[la, lb] += k
            if linked[d][a] or linked[d][b]:
                link_parts.append(link_scores(linked[d][a], linked[d][b]))
        n_tokens = sum(pairs.values())
        scores = _sum_scores(doc_scores)
        report.pairs.append(PairReport(a, b, both, scores, n_tokens, _kappa_of_table(pairs), table))
        if link_parts:  # someone of the two linked something
            report.links.append(LinkReport(a, b, both, _sum_links(link_parts)))
        sets = sorted({k for d in both for who in (a, b) for k in tagged[d][who]})
        for name in sets:
            va = [_doc_value(tagged[d][a].get(name)) for d in both]
            vb = [_doc_value(tagged[d][b].get(name)) for d in both]
            report.doc_labels.append(
                DocLabelAgreement(a, b, name, len(both), cohen_kappa(va, vb))
            )

    report.fleiss_documents = [d for d, names in shared.items() if len(names) == len(active)]
    rows: Counter[tuple[str, ...]] = Counter()
    for d in report.fleiss_documents:
        table_rows = zip(*(labels_of[d][a] for a in active), strict=True)
        for row, k in zip(table_rows, runs[d], strict=True):
            rows[row] += k
    report.fleiss_kappa = _fleiss_of_patterns(rows) if rows else None

    # Token units (one value per annotator, None where missing) by distinct pattern, in
    # order of first appearance, so α sums exactly as over the full units × coders table.
    units: Counter[tuple[str | None, ...]] = Counter()
    for d in shared:
        n = len(runs[d])
        missing: list[str | None] = [None] * n
        columns = [labels_of[d][a] if a in layers[d] else missing for a in active]
        for unit, k in zip(zip(*columns, strict=True), runs[d], strict=True):
            units[unit] += k
    report.alpha = _alpha_of_patterns(units)
    labels = sorted({s.label for d in shared for a in shared[d] for s in layers[d][a]})
    for lab in labels:
        binary: Counter[tuple[bool | None, ...]] = Counter()
        for unit, times in units.items():
            binary[tuple(None if v is None else v == lab for v in unit)] += times
        report.alpha_per_label[lab] = _alpha_of_patterns(binary)

    unitized = _unitizing(
        [(0, lengths[d], [indexed[d][a].by_label for a in names]) for d, names in shared.items()],
        labels,
    )
    report.unitizing_alpha = unitized.overall
    report.unitizing_alpha_per_label = unitized.per_label

    for a in active:
        with_gold = [d for d in gold_docs if a in finished[d]]
        if not with_gold:
            continue
        doc_scores = []
        pairs = Counter()
        gold_links: list[dict[LinkMatch, Counts]] = []
        for d in with_gold:
            doc_scores.append(_span_f1(indexed[d][GOLD], indexed[d][a]))
            for la, lb, k in zip(labels_of[d][GOLD], labels_of[d][a], runs[d], strict=True):
                pairs[la, lb] += k
            if linked[d][GOLD] or linked[d][a]:
                gold_links.append(link_scores(linked[d][GOLD], linked[d][a]))
        scores = _sum_scores(doc_scores)
        report.against_gold.append(
            GoldReport(
                a,
                with_gold,
                scores,
                sum(pairs.values()),
                _kappa_of_table(pairs),
                _sum_links(gold_links) if gold_links else None,
            )
        )

    titles = {info.id: info.title for info in infos}
    report.ranking = rank_documents(
        {d: {a: layers[d][a] for a in names} for d, names in shared.items()}, titles, exact
    )
    return report
