"""Adjudication: from several annotators' layers of a document to one gold layer.

Every span any annotator made is a *candidate* ``(start, end, label)``, with the
set of annotators who made exactly it. Candidates that enough annotators made
(all of them, or a majority: the *seed* strategy) start in gold with no key
pressed. The rest are *contested*, and are grouped into *disagreements*: two
contested candidates belong to one disagreement when they overlap and either
share a label (a boundary disagreement) or cover mostly the same text (a label
disagreement, intersection ≥ half the union). An actor nested in a contested
claim is therefore its own decision, not part of the claim's.

A disagreement offers one *version* per annotator: that annotator's spans in it,
possibly none. Taking a version puts its spans in gold and rejects the other
candidates of the disagreement; rejecting rejects them all. A candidate is
*settled* once gold holds it or it was rejected, and a disagreement is open while
any of its candidates is unsettled and gold holds none of them, so an adjudication
can stop and go on later (and a gold layer imported without its rejections counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal, NamedTuple

from store.model import Span

#: Which candidates start in gold: made by every annotator, or by more than half.
SEEDS: Final = ("all", "majority")
Seed = Literal["all", "majority"]

Candidate = tuple[int, int, str]


class Version(NamedTuple):
    """One annotator's reading of a disagreement: their spans in it (maybe none)."""

    annotator: str
    spans: tuple[Candidate, ...]


class Disagreement(NamedTuple):
    """Contested candidates that are one decision, and each annotator's version of it."""

    start: int
    end: int
    candidates: tuple[Candidate, ...]
    versions: tuple[Version, ...]

    def first_choice(self) -> int:
        """The version offered first: the first annotator's that has a span."""
        return next((i for i, v in enumerate(self.versions) if v.spans), 0)


def candidates(layers: Mapping[str, Iterable[Span]]) -> dict[Candidate, frozenset[str]]:
    """Every distinct ``(start, end, label)`` of the layers, with who made it."""
    made: dict[Candidate, set[str]] = {}
    for annotator, spans in layers.items():
        for s in spans:
            made.setdefault((s.start, s.end, s.label), set()).add(annotator)
    return {c: frozenset(who) for c, who in made.items()}


def is_agreed(who: frozenset[str], annotators: int, seed: Seed) -> bool:
    """Whether a candidate made by ``who`` starts in gold under ``seed``."""
    if seed == "majority":
        return len(who) * 2 > annotators
    return len(who) == annotators


def agreed(layers: Mapping[str, Iterable[Span]], seed: Seed = "all") -> list[Candidate]:
    """The candidates that start in gold, in text order."""
    n = len(layers)
    if n < 2:
        return []  # one annotator agrees with nobody: everything is theirs to settle
    return sorted(c for c, who in candidates(layers).items() if is_agreed(who, n, seed))


def _together(a: Candidate, b: Candidate) -> bool:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    if overlap <= 0:
        return False
    if a[2] == b[2]:
        return True
    union = max(a[1], b[1]) - min(a[0], b[0])
    return overlap * 2 >= union


def disagreements(
    layers: Mapping[str, Iterable[Span]],
    settled: Iterable[Candidate] = (),
    seed: Seed = "all",
    gold: Iterable[Candidate] = (),
) -> list[Disagreement]:
    """The open disagreements of a document, in text order.

    ``settled`` are the candidates gold holds or the adjudicator rejected; a
    disagreement is closed when all of its candidates are. One that holds a
    candidate of ``gold`` is closed too: a version was taken there, even by a gold
    layer imported from elsewhere, which carries no rejections.
    """
    by_layer = {name: list(spans) for name, spans in layers.items()}
    names = sorted(by_layer)
    made = candidates(by_layer)
    n = len(names)
    contested = sorted(
        c for c, who in made.items() if n < 2 or not is_agreed(who, n, seed)
    )
    # Union-find over contested candidates that belong together; sorted by start, a
    # candidate can only join one that starts before its end.
    parent = list(range(len(contested)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(contested):
        for j in range(i + 1, len(contested)):
            b = contested[j]
            if b[0] >= a[1]:
                break
            if _together(a, b):
                parent[root(j)] = root(i)
    groups: dict[int, list[Candidate]] = {}
    for i, c in enumerate(contested):
        groups.setdefault(root(i), []).append(c)
    done = set(settled)
    taken = set(gold)
    out: list[Disagreement] = []
    for group in groups.values():
        if all(c in done for c in group) or any(c in taken for c in group):
            continue
        members = set(group)
        versions = tuple(
            Version(
                name,
                tuple(sorted(c for c in members if name in made[c])),
            )
            for name in names
        )
        out.append(
            Disagreement(
                min(c[0] for c in group), max(c[1] for c in group), tuple(sorted(group)), versions
            )
        )
    out.sort(key=lambda d: (d.start, d.end))
    return out


def agreed_by(gold: Candidate, layers: Mapping[str, Iterable[Span]]) -> list[str]:
    """The annotators whose layer holds exactly this gold span."""
    return sorted(
        name
        for name, spans in layers.items()
        if any((s.start, s.end, s.label) == gold for s in spans)
    )
