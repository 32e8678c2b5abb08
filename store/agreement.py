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

if TYPE_CHECKING:
    from store.store import Store

__all__ = [
    "OUTSIDE",
    "SCHEMES",
    "AgreementReport",
    "Counts",
    "DocumentDisagreement",
    "PairReport",
    "SchemeScores",
    "agreement_report",
    "cohen_kappa",
    "confusion",
    "fleiss_kappa",
    "krippendorff_alpha",
    "rank_documents",
    "rating_table",
    "span_f1",
    "span_scores",
    "token_labels",
    "tokens",
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


def _overlap(a: Marked, b: Marked) -> bool:
    return a.start < b.end and b.start < a.end


def _same_bounds(a: Marked, b: Marked) -> bool:
    return a.start == b.start and a.end == b.end


def span_scores(reference: Sequence[Marked], candidate: Sequence[Marked], scheme: Scheme) -> Counts:
    """SemEval-2013 counts of ``candidate`` against ``reference`` in one scheme.

    strict: same boundaries and label; exact: same boundaries; partial: same
    boundaries correct, any overlap partial; type: overlap with the same label.
    Each reference span is matched at most once; candidate spans are taken in order.
    """
    cor = inc = par = spu = 0
    matched: set[int] = set()
    # Only reference spans that can overlap are looked at (a document has hundreds):
    # by start, within the longest reference span, then in reference order as before.
    by_start = sorted(range(len(reference)), key=lambda i: reference[i].start)
    starts = [reference[i].start for i in by_start]
    longest = max((s.end - s.start for s in reference), default=0)
    for pred in candidate:
        hit: int | None = None  # the reference span this one is correct against
        near: int | None = None  # else the first overlapping one (incorrect / partial)
        best = -1
        lo = bisect.bisect_left(starts, pred.start - longest)
        hi = bisect.bisect_left(starts, pred.end)
        for i in sorted(by_start[lo:hi]):
            true = reference[i]
            if i in matched or not _overlap(pred, true):
                continue
            if scheme == "type":
                if pred.label == true.label:
                    # Closest boundaries win among same-label overlaps, as in nervaluate.
                    dist = abs(pred.start - true.start) + abs(pred.end - true.end)
                    if hit is None or dist < best:
                        hit, best = i, dist
                elif near is None:
                    near = i
                continue
            exact = _same_bounds(pred, true)
            if exact and (scheme != "strict" or pred.label == true.label):
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
    return Counts(cor, inc, par, len(reference) - len(matched), spu)


def span_f1(
    reference: Sequence[Marked], candidate: Sequence[Marked]
) -> dict[Scheme, SchemeScores]:
    """Counts in every scheme, overall and per label (that label's spans only)."""
    labels = sorted({s.label for s in reference} | {s.label for s in candidate})
    out: dict[Scheme, SchemeScores] = {}
    for scheme in SCHEMES:
        per_label = {
            lab: span_scores(
                [s for s in reference if s.label == lab],
                [s for s in candidate if s.label == lab],
                scheme,
            )
            for lab in labels
        }
        out[scheme] = SchemeScores(span_scores(reference, candidate, scheme), per_label)
    return out


def confusion(
    reference: Sequence[Marked], candidate: Sequence[Marked]
) -> Counter[tuple[str | None, str | None]]:
    """Label pairs (reference label, candidate label) of overlapping spans.

    Each reference span pairs with the candidate span it overlaps most (same label
    first on a tie); a span that overlaps nothing on the other side pairs with None.
    """
    table: Counter[tuple[str | None, str | None]] = Counter()
    used: set[int] = set()
    for ref in reference:
        best_j: int | None = None
        best_key = (0, False)  # (overlap length, same label); the earliest wins a tie
        for j, cand in enumerate(candidate):
            if not _overlap(ref, cand):
                continue
            key = (min(ref.end, cand.end) - max(ref.start, cand.start), cand.label == ref.label)
            if best_j is None or key > best_key:
                best_j, best_key = j, key
        if best_j is None:
            table[ref.label, None] += 1
        else:
            used.add(best_j)
            table[ref.label, candidate[best_j].label] += 1
    for j, cand in enumerate(candidate):
        if j not in used and not any(_overlap(cand, ref) for ref in reference):
            table[None, cand.label] += 1
    return table


# ------------------------------------------------------------------ tokens


def tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token: a run of word characters or one other non-space."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def token_labels(toks: Sequence[tuple[int, int]], spans: Iterable[Marked]) -> list[str]:
    """Each token's label: the innermost (shortest) span overlapping it, or "O"."""
    labels = [OUTSIDE] * len(toks)
    ends = [e for _, e in toks]
    # Longest first, so a shorter (inner) span painted later wins.
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start, s.label)):
        i = bisect.bisect_right(ends, span.start)
        while i < len(toks) and toks[i][0] < span.end:
            labels[i] = span.label
            i += 1
    return labels


# ------------------------------------------------------------------ kappas


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's κ of two coders' categories for the same items; None without items."""
    if len(a) != len(b):
        raise ValueError("both coders must rate the same items")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
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
    coincidence: defaultdict[tuple[Hashable, Hashable], float] = defaultdict(float)
    # Token tables repeat a few patterns ("O" from everyone) hundreds of thousands of
    # times: count each distinct unit once, weighted by how often it occurs.
    for unit, times in Counter(tuple(unit) for unit in units).items():
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


# ------------------------------------------------------------------ report


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
                    "spans": {
                        scheme: {
                            "overall": s.overall.to_dict(),
                            "per_label": {k: v.to_dict() for k, v in s.per_label.items()},
                        }
                        for scheme, s in p.spans.items()
                    },
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
        }


def _confusion_key(item: tuple[tuple[str | None, str | None], int]) -> tuple[str, str]:
    (la, lb), _ = item
    return (la or "\uffff", lb or "\uffff")  # "none" rows last


def _empty_scores() -> dict[Scheme, SchemeScores]:
    return {scheme: SchemeScores(Counts(), {}) for scheme in SCHEMES}


def rank_documents(
    layers: Mapping[str, Mapping[str, Sequence[Marked]]], titles: Mapping[str, str]
) -> list[DocumentDisagreement]:
    """Documents worst first by 1 − mean pairwise exact F1 of their layers (doc → name → spans).

    Documents with fewer than two layers are left out.
    """
    out: list[DocumentDisagreement] = []
    for doc_id, by_name in layers.items():
        names = sorted(by_name)
        if len(names) < 2:
            continue
        f1s = []
        for a, b in itertools.combinations(names, 2):
            f1 = span_scores(by_name[a], by_name[b], "exact").f1
            f1s.append(1.0 if f1 is None else f1)
        out.append(
            DocumentDisagreement(doc_id, titles.get(doc_id, ""), names, 1 - sum(f1s) / len(f1s))
        )
    out.sort(key=lambda d: (-d.disagreement, d.doc_id))
    return out


def agreement_report(
    store: Store,
    annotators: Sequence[str] | None = None,
    docs: Iterable[str] | None = None,
    status: str | None = "done",
) -> AgreementReport:
    """Agreement of ``annotators`` (default: everyone) over ``docs`` (default: all).

    An annotator takes part in a document when their layer has ``status`` there
    (``None``: when they have a layer at all). InputError when fewer than two
    annotators take part anywhere, or when no document has two of them.
    """
    wanted = None if docs is None else set(docs)
    infos = [d for d in store.documents() if wanted is None or d.id in wanted]
    explicit = annotators is not None
    finished: dict[str, list[str]] = {}  # doc → annotators taking part, sorted
    for info in infos:
        present = store.annotators(info.id)
        chosen = present if annotators is None else [a for a in annotators if a in present]
        names = [a for a in chosen if status is None or store.status(info.id, a) == status]
        if names:
            finished[info.id] = sorted(set(names))
    active = sorted({a for names in finished.values() for a in names})
    what = "finished (done) documents" if status == "done" else "layers"
    hint = "mark documents done in the reader, or pass --all-status to count unfinished ones"
    if explicit:
        absent = [a for a in dict.fromkeys(annotators or []) if a not in active]
        if absent:
            raise InputError(f"{', '.join(absent)} has no {what}; {hint}")
        active = sorted(dict.fromkeys(annotators or []))
    if len(active) < 2:
        found = ", ".join(active) or "nobody"
        raise InputError(f"agreement needs two annotators with {what}, found {found}; {hint}")
    shared = {d: names for d, names in finished.items() if len(names) >= 2}
    if not shared:
        raise InputError(
            f"no document has {what} from two of {', '.join(active)}; "
            "have a second annotator finish a document someone else finished"
        )
    report = AgreementReport(active, status, list(shared))
    texts = {d: store.text(d) for d in shared}
    toks = {d: tokens(t) for d, t in texts.items()}
    layers = {d: {a: store.spans(d, a) for a in names} for d, names in shared.items()}
    labels_of = {
        d: {a: token_labels(toks[d], sp) for a, sp in by.items()} for d, by in layers.items()
    }

    for a, b in itertools.combinations(active, 2):
        both = [d for d, names in shared.items() if a in names and b in names]
        if not both:
            continue
        scores = _empty_scores()
        table: Counter[tuple[str | None, str | None]] = Counter()
        ta: list[str] = []
        tb: list[str] = []
        for d in both:
            doc_scores = span_f1(layers[d][a], layers[d][b])
            scores = {s: scores[s] + doc_scores[s] for s in SCHEMES}
            table.update(confusion(layers[d][a], layers[d][b]))
            ta += labels_of[d][a]
            tb += labels_of[d][b]
        report.pairs.append(PairReport(a, b, both, scores, len(ta), cohen_kappa(ta, tb), table))

    report.fleiss_documents = [d for d, names in shared.items() if len(names) == len(active)]
    subjects = [
        [labels_of[d][a][i] for a in active]
        for d in report.fleiss_documents
        for i in range(len(toks[d]))
    ]
    report.fleiss_kappa = fleiss_kappa(rating_table(subjects)) if subjects else None

    units: list[list[str | None]] = [
        [labels_of[d][a][i] if a in labels_of[d] else None for a in active]
        for d in shared
        for i in range(len(toks[d]))
    ]
    report.alpha = krippendorff_alpha(units)
    labels = sorted({s.label for by in layers.values() for sp in by.values() for s in sp})
    for lab in labels:
        binary = [[None if v is None else v == lab for v in unit] for unit in units]
        report.alpha_per_label[lab] = krippendorff_alpha(binary)

    titles = {info.id: info.title for info in infos}
    report.ranking = rank_documents(layers, titles)
    return report
