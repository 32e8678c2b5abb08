"""Agreement measures against their published worked examples, nervaluate, and a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.agreement import GOLD as GOLD_NAME
from store.agreement import (
    SCHEMES,
    Counts,
    _pair_distance,
    _token_runs,
    agreement_report,
    cohen_kappa,
    confusion,
    fleiss_kappa,
    krippendorff_alpha,
    link_scores,
    links,
    rating_table,
    span_f1,
    span_scores,
    token_labels,
    tokens,
    unitizing_alpha,
)
from store.errors import InputError
from store.model import Span
from store.store import Store


def mark(start: int, end: int, label: str) -> Span:
    return Span(f"{start}-{end}-{label}", start, end, label, "", "x")


# SemEval-2013 task 9.1's six scenarios (Segura-Bedmar et al.; nervaluate's README):
# I same span and type, II spurious, III missed, IV same span other type,
# V overlapping same type, VI overlapping other type.
GOLD = [
    mark(0, 7, "BRAND"),  # I tikosyn
    mark(16, 24, "DRUG"),  # III warfarin
    mark(25, 36, "DRUG"),  # IV propranolol
    mark(37, 46, "DRUG"),  # V phenytoin
    mark(52, 66, "GROUP"),  # VI contraceptives
]
PRED = [
    mark(0, 7, "BRAND"),  # I
    mark(8, 15, "BRAND"),  # II healthy
    mark(25, 36, "BRAND"),  # IV
    mark(37, 43, "DRUG"),  # V "phenyt"
    mark(47, 66, "DRUG"),  # VI oral contraceptives
]


@pytest.mark.parametrize(
    ("scheme", "f1", "counts"),
    [
        ("strict", 0.2, Counts(1, 3, 0, 1, 1)),
        ("exact", 0.4, Counts(2, 2, 0, 1, 1)),
        ("partial", 0.6, Counts(2, 0, 2, 1, 1)),
        ("type", 0.4, Counts(2, 2, 0, 1, 1)),
    ],
)
def test_semeval_six_scenarios_give_the_published_f1(
    scheme: Any, f1: float, counts: Counts
) -> None:
    got = span_scores(GOLD, PRED, scheme)
    assert got == counts
    assert got.possible == got.actual == 5
    assert got.f1 == pytest.approx(f1, abs=0.001)
    assert got.precision == got.recall == pytest.approx(f1, abs=0.001)


def _nervaluate(gold: list[Span], pred: list[Span]) -> dict[str, Any]:
    from nervaluate import Evaluator

    def doc(spans: list[Span]) -> list[list[dict[str, Any]]]:
        # nervaluate's ends are inclusive; ours are exclusive.
        return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans]]

    tags = sorted({s.label for s in gold + pred})
    if not gold and not pred:
        return {"overall": {}, "entities": {}}
    return Evaluator(doc(gold), doc(pred), tags=tags, loader="dict").evaluate()


NERVALUATE_NAME = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}


def _assert_same_as_nervaluate(gold: list[Span], pred: list[Span]) -> None:
    ours = span_f1(gold, pred)
    theirs = _nervaluate(gold, pred)
    for scheme in SCHEMES:
        pairs = [(ours[scheme].overall, theirs["overall"].get(NERVALUATE_NAME[scheme]))]
        for label, counts in ours[scheme].per_label.items():
            pairs.append((counts, theirs["entities"][label][NERVALUATE_NAME[scheme]]))
        for mine, ref in pairs:
            if ref is None:
                continue
            assert (mine.correct, mine.incorrect, mine.partial, mine.missed, mine.spurious) == (
                ref.correct,
                ref.incorrect,
                ref.partial,
                ref.missed,
                ref.spurious,
            ), scheme
            assert (mine.f1 or 0.0) == pytest.approx(ref.f1)


def test_six_scenarios_agree_with_nervaluate_overall_and_per_label() -> None:
    _assert_same_as_nervaluate(GOLD, PRED)


# nervaluate drops overlaps under 1% of the reference span, so spans stay short.
spans_strategy = st.lists(
    st.builds(
        lambda s, n, lab: mark(s, s + n, lab),
        st.integers(0, 40),
        st.integers(1, 12),
        st.sampled_from(["actor", "place", "quote"]),
    ),
    max_size=7,
    unique_by=lambda s: (s.start, s.end, s.label),
).map(lambda xs: sorted(xs, key=Span.sort_key))


@settings(max_examples=300, deadline=None)
@given(spans_strategy, spans_strategy)
def test_random_overlapping_layers_agree_with_nervaluate(
    gold: list[Span], pred: list[Span]
) -> None:
    _assert_same_as_nervaluate(gold, pred)


@settings(max_examples=200, deadline=None)
@given(spans_strategy.flatmap(st.permutations), spans_strategy.flatmap(st.permutations))
def test_layers_in_any_order_agree_with_nervaluate(gold: list[Span], pred: list[Span]) -> None:
    """The store hands layers sorted; a script may not, and list order is what counts."""
    _assert_same_as_nervaluate(list(gold), list(pred))


def test_identical_layers_score_one_and_empty_layers_score_nothing() -> None:
    for scores in span_f1(GOLD, GOLD).values():
        assert scores.overall.f1 == 1.0
        assert all(c.f1 == 1.0 for c in scores.per_label.values())
    nothing = span_scores([], [], "strict")
    assert (nothing.precision, nothing.recall, nothing.f1) == (None, None, None)
    one_sided = span_scores(GOLD, [], "exact")
    assert one_sided.missed == 5 and one_sided.f1 == 0.0


def test_confusion_pairs_overlapping_labels_and_lone_spans() -> None:
    table = confusion(GOLD, PRED)
    assert table == {
        ("BRAND", "BRAND"): 1,
        ("DRUG", None): 1,  # III warfarin, missed
        ("DRUG", "BRAND"): 1,  # IV
        ("DRUG", "DRUG"): 1,  # V
        ("GROUP", "DRUG"): 1,  # VI
        (None, "BRAND"): 1,  # II healthy, spurious
    }


def test_cohen_kappa_wikipedia_example() -> None:
    """Wikipedia, "Cohen's kappa", simple example: 20 yes/yes, 5 yes/no, 10 no/yes,
    15 no/no; p_o = 0.7, p_e = 0.5, κ = 0.4."""
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=0.001)
    assert cohen_kappa(a, a) == 1.0
    assert cohen_kappa(["O"] * 4, ["O"] * 4) == 1.0
    assert cohen_kappa([], []) is None


def test_fleiss_kappa_wikipedia_worked_example() -> None:
    """Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters,
    5 categories; P̄ = 0.378, P̄e = 0.213, κ = 0.210."""
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=0.001)


# Fleiss (1971), 30 patients × 6 psychiatrists, 5 diagnoses, as R's irr package
# ships it (`diagnoses`); each row is one patient's six diagnoses.
DIAGNOSES = """444444 222555 233335 555555 222444 113333 333355 113334 114444 555555
144444 124444 222333 144444 224445 333335 111455 111112 224444 133555
555555 244444 224555 114444 144445 222224 111155 224444 133333 555555"""


def test_fleiss_kappa_fleiss_1971_psychiatric_diagnoses() -> None:
    """Fleiss (1971) psychiatric-diagnosis data: published κ = 0.430 (irr: 0.4302445)."""
    ratings = [[int(c) for c in row] for row in DIAGNOSES.split()]
    table = rating_table(ratings)
    assert [sum(col) for col in zip(*table, strict=True)] == [26, 26, 30, 55, 43]
    assert fleiss_kappa(table) == pytest.approx(0.430, abs=0.001)
    assert fleiss_kappa([[3, 0], [0, 3]]) == 1.0


def _kripp_2011() -> list[list[int | None]]:
    coders = [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ]
    rows = [[None if v == "." else int(v) for v in c.split()] for c in coders]
    return [list(unit) for unit in zip(*rows, strict=True)]


def test_krippendorff_alpha_2011_example_nominal_and_interval() -> None:
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 coders ×
    12 units with missing values: nominal α = 0.743, interval α = 0.849."""
    units = _kripp_2011()
    assert krippendorff_alpha(units, "nominal") == pytest.approx(0.743, abs=0.001)
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.849, abs=0.001)


def test_krippendorff_alpha_all_present_values_agree_is_one() -> None:
    """NLTK issue #2865: agreement everywhere with some coders missing; NLTK says 0.333."""
    units: list[list[str | None]] = [["a", "a", None], ["b", None, "b"], [None, "a", "a"]]
    assert krippendorff_alpha(units) == 1.0
    assert krippendorff_alpha([["a", None], [None, "b"]]) is None  # nothing pairable


def test_tokens_take_the_innermost_overlapping_span() -> None:
    text = "Mr. Hulusi Akar said."
    toks = tokens(text)
    assert [text[s:e] for s, e in toks] == ["Mr", ".", "Hulusi", "Akar", "said", "."]
    spans = [mark(0, 15, "actor"), mark(4, 10, "name"), mark(17, 19, "cue")]
    assert token_labels(toks, spans) == ["actor", "actor", "name", "actor", "cue", "O"]
    assert token_labels(toks, []) == ["O"] * 6


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="ab ,.", min_size=0, max_size=40),
    st.lists(spans_strategy, min_size=1, max_size=3),
)
def test_token_runs_expand_to_every_tokens_label(text: str, layers: list[list[Span]]) -> None:
    """The report counts runs of alike tokens; expanded, they are the token labels."""
    toks = tokens(text)
    by_name = {f"coder{i}": layer for i, layer in enumerate(layers)}
    lengths, labels = _token_runs(toks, by_name)
    assert sum(lengths) == len(toks) and all(n > 0 for n in lengths)
    for name, spans in by_name.items():
        expanded = [lab for lab, n in zip(labels[name], lengths, strict=True) for _ in range(n)]
        assert expanded == token_labels(toks, spans)


# ------------------------------------------------------------- a real store


def _store_with(store: Store, texts: list[str]) -> list[str]:
    rows = store.add_documents([{"text": t, "title": t[:10], "source": ""} for t in texts])
    return [info.id for info, _ in rows]


def test_report_counts_only_finished_layers_and_treats_others_as_missing(store: Store) -> None:
    d1, d2 = _store_with(store, ["Ankara and Washington talked.", "Akar called Austin today."])
    for who in ("alice", "bob"):
        store.add_span(d1, 0, 6, "place", who)
        store.set_status(d1, who, "done")
    store.add_span(d1, 11, 21, "place", "alice")
    store.add_span(d1, 11, 21, "actor", "bob")
    # d2: alice and carol finished; bob started but did not.
    store.add_span(d2, 0, 4, "actor", "alice")
    store.add_span(d2, 0, 4, "actor", "carol")
    store.add_span(d2, 12, 18, "actor", "bob")
    for who in ("alice", "carol"):
        store.set_status(d2, who, "done")
    store.set_status(d1, "carol", "todo")  # a layer, but not finished

    rep = agreement_report(store)
    assert rep.annotators == ["alice", "bob", "carol"]
    assert sorted(rep.documents) == sorted([d1, d2])
    pairs = {(p.a, p.b): p for p in rep.pairs}
    ab = pairs["alice", "bob"]
    assert ab.documents == [d1]
    assert ab.spans["exact"].overall.f1 == 1.0
    assert ab.spans["strict"].overall.f1 == pytest.approx(0.5)
    assert ab.confusion == {("place", "place"): 1, ("place", "actor"): 1}
    assert pairs["alice", "carol"].documents == [d2]
    assert pairs["alice", "carol"].cohen_kappa == 1.0
    assert ("bob", "carol") not in pairs  # no document both finished
    assert rep.fleiss_documents == [] and rep.fleiss_kappa is None
    # alice and carol agree on d2, alice and bob differ on one token of d1.
    assert rep.alpha is not None and 0 < rep.alpha < 1
    assert rep.alpha_per_label["actor"] is not None and rep.alpha_per_label["actor"] < 1
    assert rep.ranking[0].doc_id == d1 and rep.ranking[-1].disagreement == 0.0

    everyone = agreement_report(store, status=None)
    assert any(p.b == "carol" and d1 in p.documents for p in everyone.pairs)


def test_report_identical_layers_agree_fully(store: Store) -> None:
    [d] = _store_with(store, ["Ankara and Washington talked."])
    for who in ("alice", "bob", "carol"):
        store.add_span(d, 0, 6, "place", who)
        store.add_span(d, 11, 21, "place", who)
        store.set_status(d, who, "done")
    rep = agreement_report(store)
    assert rep.fleiss_documents == [d]
    assert rep.fleiss_kappa == 1.0 and rep.alpha == 1.0
    assert all(p.cohen_kappa == 1.0 for p in rep.pairs)
    assert all(p.spans[s].overall.f1 == 1.0 for p in rep.pairs for s in SCHEMES)
    assert rep.ranking[0].disagreement == 0.0


def test_report_needs_two_annotators_with_finished_documents(store: Store) -> None:
    [d] = _store_with(store, ["Ankara and Washington talked."])
    store.add_span(d, 0, 6, "place", "alice")
    store.set_status(d, "alice", "done")
    store.add_span(d, 0, 6, "place", "bob")
    with pytest.raises(InputError, match="found alice"):
        agreement_report(store)
    with pytest.raises(InputError, match="bob has no finished"):
        agreement_report(store, ["alice", "bob"])
    assert agreement_report(store, ["alice", "bob"], status=None).pairs[0].cohen_kappa == 1.0


# ------------------------------------------------------------ unitizing α_u


def units(spec: str) -> list[Span]:
    """Spans from Krippendorff's "category start+length" notation, comma-separated."""
    out = []
    for part in spec.split(","):
        label, where = part.split()
        start, length = map(int, where.split("+"))
        out.append(mark(start, start + length, label))
    return out


# Krippendorff (2004), Content Analysis 2nd ed., p. 254: continuum 150–450, two coders.
CODER_A = units("c 225+70, c 370+30, k 180+60, k 300+50")
CODER_B = units("c 220+80, c 355+20, c 400+20, k 180+60, k 300+50")


def test_unitizing_alpha_krippendorff_2004_example() -> None:
    """Published: α_u 0.859 overall, cα_u 0.729 for c and 1.000 for k."""
    got = unitizing_alpha([(150, 450, {"A": CODER_A, "B": CODER_B})])
    assert got.overall == pytest.approx(0.859, abs=0.001)
    assert got.per_label["c"] == pytest.approx(0.729, abs=0.001)
    assert got.per_label["k"] == pytest.approx(1.000, abs=0.001)


def test_unitizing_distances_of_the_worked_example() -> None:
    """Krippendorff's δ² for the example's c units: 50 and 850 for the overlapping
    pairs, 400 for B's 400+20 lying in A's gap 400–450; 1300 in all."""
    assert _pair_distance([(225, 295)], [(220, 300)]) == 50
    assert _pair_distance([(370, 400)], [(355, 375)]) == 850
    assert _pair_distance([], [(400, 420)]) == 400
    assert _pair_distance([(225, 295), (370, 400)], [(220, 300), (355, 375), (400, 420)]) == 1300


def test_unitizing_alpha_identical_and_empty_layers() -> None:
    same = unitizing_alpha([(150, 450, {"A": CODER_A, "B": list(CODER_A)})])
    assert same.overall == 1.0 and same.per_label == {"c": 1.0, "k": 1.0}
    nothing = unitizing_alpha([(0, 100, {"A": [], "B": []})])
    assert nothing.overall is None and nothing.per_label == {}


def test_unitizing_alpha_against_an_empty_layer_by_hand() -> None:
    """L = 10, A marks 0–5, B nothing. D_o = 2·5² / (2·1·10²) = 0.25; units N = 1,
    gaps 5 and 10: D_e = (2/10)·5²·(1 + 6) / (20·19 − 5·4) = 350/3600; α_u = −11/7."""
    got = unitizing_alpha([(0, 10, {"A": [mark(0, 5, "x")], "B": []})])
    assert got.overall == pytest.approx(-11 / 7)
    assert got.per_label == {"x": pytest.approx(-11 / 7)}


def test_unitizing_alpha_missing_annotator_is_missing_not_empty() -> None:
    published = unitizing_alpha([(150, 450, {"A": CODER_A, "B": CODER_B})]).overall
    # A second document only A finished adds nothing pairable.
    alone = unitizing_alpha([(150, 450, {"A": CODER_A, "B": CODER_B}), (0, 300, {"A": CODER_A})])
    assert alone.overall == published
    # Three coders where C missed the first document; C agreeing with A on the second.
    three = unitizing_alpha(
        [
            (150, 450, {"A": CODER_A, "B": CODER_B}),
            (150, 450, {"A": CODER_A, "B": CODER_B, "C": CODER_A}),
        ]
    )
    as_empty = unitizing_alpha(
        [
            (150, 450, {"A": CODER_A, "B": CODER_B, "C": []}),
            (150, 450, {"A": CODER_A, "B": CODER_B, "C": CODER_A}),
        ]
    )
    assert three.overall is not None and as_empty.overall is not None
    assert three.overall > published  # C's agreement with A counts, nothing else
    assert as_empty.overall < 0.5 < three.overall  # an empty C would be far worse


def test_unitizing_alpha_joins_one_coders_overlapping_units() -> None:
    """α_u needs a coder's units of a label not to overlap: a nested span or two
    overlapping ones count as the stretch they cover together."""
    published = unitizing_alpha([(150, 450, {"A": CODER_A, "B": CODER_B})])
    nested = [*CODER_A, mark(230, 250, "c")]
    split = [mark(225, 260, "c"), mark(250, 295, "c"), *CODER_A[1:]]
    for layer in (nested, split):
        got = unitizing_alpha([(150, 450, {"A": layer, "B": CODER_B})])
        assert got == published
    # Touching units stay two: 225–260 + 260–295 is not the one unit 225–295.
    touching = [mark(225, 260, "c"), mark(260, 295, "c"), *CODER_A[1:]]
    got = unitizing_alpha([(150, 450, {"A": touching, "B": CODER_B})])
    assert got.per_label["c"] is not None and got.per_label["c"] < published.per_label["c"]


# ------------------------------------------------------------------ links

Q1, S1, Q2, S2 = (
    mark(0, 10, "quote"),
    mark(12, 16, "actor"),
    mark(20, 30, "quote"),
    mark(32, 36, "actor"),
)


class Rel:
    def __init__(self, head: Span, tail: Span, label: str = "speaker") -> None:
        self.head, self.tail, self.label = head.id, tail.id, label


def test_link_scores_by_hand_exact_and_overlapping_ends() -> None:
    reference = links([Q1, S1, Q2, S2], [Rel(Q1, S1), Rel(Q2, S2)])
    q2_short = mark(20, 28, "quote")
    cand_spans = [Q1, S1, q2_short, S2]
    candidate = links(
        cand_spans,
        [
            Rel(Q1, S1),  # the same link
            Rel(q2_short, S2),  # a quote cut short: overlap only
            Rel(q2_short, S2, "claimant"),  # other relation: never a match
            Rel(Q1, S2),  # a link the reference does not have
        ],
    )
    got = link_scores(reference, candidate)
    exact, overlap = got["exact"], got["overlap"]
    assert (exact.correct, exact.spurious, exact.missed) == (1, 3, 1)
    assert exact.precision == pytest.approx(1 / 4) and exact.recall == pytest.approx(1 / 2)
    assert exact.f1 == pytest.approx(1 / 3)
    assert (overlap.correct, overlap.spurious, overlap.missed) == (2, 2, 0)
    assert overlap.f1 == pytest.approx(2 / 3)
    # Direction matters: speaker → quote is not quote → speaker.
    backwards = links([Q1, S1], [Rel(S1, Q1)])
    assert link_scores(links([Q1, S1], [Rel(Q1, S1)]), backwards)["overlap"].correct == 0
    # A span of another label never stands in for an end, however it overlaps.
    other = mark(0, 10, "claim")
    relabelled = links([other, S1], [Rel(other, S1)])
    assert link_scores(links([Q1, S1], [Rel(Q1, S1)]), relabelled)["overlap"].correct == 0


def _layer(
    store: Store, doc: str, who: str, spans: list[tuple[int, int, str]], status: str = "done"
) -> list[str]:
    ids = [store.add_span(doc, s, e, lab, who).span.id for s, e, lab in spans]
    store.set_status(doc, who, status)
    return ids


def test_report_scores_each_annotator_against_gold_and_never_counts_gold(store: Store) -> None:
    text = "Akar said the Pentagon agreed. Austin called Ankara."
    d1, d2 = _store_with(store, [text, text + " Later."])
    gold = [(0, 4, "actor"), (14, 22, "actor"), (45, 51, "actor")]  # Akar, Pentagon, Ankara
    _layer(store, d1, GOLD_NAME, gold)
    _layer(store, d1, "alice", gold)  # alice agrees with gold throughout
    _layer(store, d1, "bob", [(0, 4, "actor"), (10, 22, "actor")])  # one wider, one missed
    _layer(store, d2, "alice", [(0, 4, "actor")])
    _layer(store, d2, "bob", [(0, 4, "actor")])  # no gold for d2

    rep = agreement_report(store)
    assert rep.annotators == ["alice", "bob"]  # gold is not an annotator
    assert [(p.a, p.b) for p in rep.pairs] == [("alice", "bob")]
    assert rep.pairs[0].documents == [d1, d2]
    by = {g.annotator: g for g in rep.against_gold}
    assert by["alice"].documents == [d1] and by["bob"].documents == [d1]
    for scheme in SCHEMES:
        assert by["alice"].spans[scheme].overall.f1 == 1.0
    assert by["alice"].cohen_kappa == 1.0
    # bob against gold (the reference): Akar correct; "the Pentagon" against "Pentagon"
    # overlaps (same label); Ankara missed.
    strict = by["bob"].spans["strict"].overall
    assert (strict.correct, strict.incorrect, strict.missed, strict.spurious) == (1, 1, 1, 0)
    assert (strict.tp, strict.fp, strict.fn) == (1, 1, 2)
    assert strict.precision == pytest.approx(1 / 2) and strict.recall == pytest.approx(1 / 3)
    partial = by["bob"].spans["partial"].overall
    assert (partial.tp, partial.fp, partial.fn) == (1.5, 0.5, 1.5)
    assert by["bob"].spans["type"].overall.f1 == pytest.approx(0.8)
    assert by["bob"].cohen_kappa is not None and by["bob"].cohen_kappa < 1
    assert by["bob"].links is None  # nobody linked anything
    assert rep.links == []

    with pytest.raises(InputError, match="gold is the adjudicated layer"):
        agreement_report(store, ["alice", GOLD_NAME])


def test_report_has_no_gold_section_without_a_finished_gold_layer(store: Store) -> None:
    [d] = _store_with(store, ["Akar said the Pentagon agreed."])
    for who in ("alice", "bob"):
        _layer(store, d, who, [(0, 4, "actor")])
    _layer(store, d, GOLD_NAME, [(0, 4, "actor")], status="todo")  # adjudication unfinished
    assert agreement_report(store).against_gold == []
    assert [g.annotator for g in agreement_report(store, status=None).against_gold] == [
        "alice",
        "bob",
    ]


def test_report_unitizing_alpha_over_documents_with_missing_annotators(store: Store) -> None:
    d1, d2 = _store_with(store, ["Ankara and Washington talked.", "Akar called Austin today."])
    _layer(store, d1, "alice", [(0, 6, "place"), (11, 21, "place")])
    _layer(store, d1, "bob", [(0, 6, "place"), (11, 21, "place")])
    _layer(store, d2, "alice", [(0, 4, "actor")])
    _layer(store, d2, "carol", [(0, 4, "actor"), (12, 18, "actor")])
    rep = agreement_report(store)
    # The report's α_u is that of the documents' texts as continua, each with the
    # annotators who finished it (bob missing on d2, carol on d1).
    spans = {(d, a): store.spans(d, a) for d in (d1, d2) for a in ("alice", "bob", "carol")}
    expected = unitizing_alpha(
        [
            (0, len(store.text(d1)), {"alice": spans[d1, "alice"], "bob": spans[d1, "bob"]}),
            (0, len(store.text(d2)), {"alice": spans[d2, "alice"], "carol": spans[d2, "carol"]}),
        ]
    )
    assert rep.unitizing_alpha == expected.overall
    assert rep.unitizing_alpha_per_label == expected.per_label
    assert rep.unitizing_alpha_per_label["place"] == 1.0  # alice and bob agree on places
    actor = rep.unitizing_alpha_per_label["actor"]
    assert actor is not None and actor < 1  # carol's Austin is hers alone


def test_report_link_f1_between_annotators_and_against_gold(store: Store) -> None:
    text = "\u201cWe agreed,\u201d Akar said. \u201cWe did not,\u201d Austin said."
    [d] = _store_with(store, [text])
    quote1, akar = (0, 12, "quote"), (13, 17, "actor")
    quote2, austin = (24, 37, "quote"), (38, 44, "actor")
    assert text[13:17] == "Akar" and text[38:44] == "Austin"

    def linked(who: str, spans: list[tuple[int, int, str]], pairs: list[tuple[int, int]]) -> None:
        ids = _layer(store, d, who, spans)
        store.merge_layer(
            d,
            who,
            [],
            "done",
            [{"head": ids[h], "tail": ids[t], "label": "speaker"} for h, t in pairs],
        )

    linked(GOLD_NAME, [quote1, akar, quote2, austin], [(0, 1), (2, 3)])
    linked("alice", [quote1, akar, quote2, austin], [(0, 1), (2, 3)])
    # bob cuts the second quote short and attributes the first to Austin.
    linked("bob", [quote1, akar, (24, 35, "quote"), austin], [(0, 3), (2, 3)])

    rep = agreement_report(store)
    [pair] = rep.links
    assert (pair.a, pair.b, pair.documents) == ("alice", "bob", [d])
    exact, overlap = pair.links["exact"], pair.links["overlap"]
    assert (exact.correct, exact.missed, exact.spurious) == (0, 2, 2)
    assert (overlap.correct, overlap.missed, overlap.spurious) == (1, 1, 1)
    assert overlap.f1 == pytest.approx(0.5)
    by = {g.annotator: g for g in rep.against_gold}
    assert by["alice"].links is not None and by["alice"].links["exact"].f1 == 1.0
    assert by["bob"].links is not None and by["bob"].links["overlap"].f1 == pytest.approx(0.5)


def test_document_labels_agreement_is_cohens_kappa_per_label_set(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s", create=True)
    docs = []
    for i in range(4):
        ((info, _),) = store.add_documents([{"text": f"Document number {i} says little."}])
        docs.append(info.id)
    # alice and bob agree on the topic of 3 of 4 documents; stance only alice set.
    topics = {"alice": ["politics", "politics", "economy", "economy"],
              "bob": ["politics", "politics", "economy", "politics"]}  # fmt: skip
    for who, values in topics.items():
        for d, topic in zip(docs, values, strict=True):
            store.set_doc_labels(d, who, "topic", [topic])
            store.set_status(d, who, "done")
    store.set_doc_labels(docs[0], "alice", "stance", ["critical"])
    report = agreement_report(store)
    by_set = {x.name: x for x in report.doc_labels}
    # po = 3/4; alice 2/2, bob 3/1: pe = (2*3 + 2*1) / 16 = 0.5; κ = (0.75 - 0.5) / 0.5.
    assert by_set["topic"].cohen_kappa == pytest.approx(0.5)
    assert by_set["topic"].documents == 4
    # Only alice set a stance, on one document: po 3/4, and pe 3·4/16 = 3/4 too, so κ 0.
    assert by_set["stance"].cohen_kappa == pytest.approx(0.0)
    assert report.to_dict()["doc_labels"][0]["name"] in ("stance", "topic")


def test_one_annotator_and_gold_is_a_report_against_gold(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s", create=True)
    ((info, _),) = store.add_documents([{"text": "Akar met Austin in Ankara on Tuesday."}])
    store.add_span(info.id, 0, 4, "actor", "alice")
    store.add_span(info.id, 9, 15, "actor", "alice")
    store.add_span(info.id, 0, 4, "actor", GOLD_NAME)
    for who in ("alice", GOLD_NAME):
        store.set_status(info.id, who, "done")
    report = agreement_report(store)
    assert report.pairs == [] and report.annotators == ["alice"]
    (gold,) = report.against_gold
    strict = gold.spans["strict"].overall
    assert (strict.correct, strict.spurious, strict.missed) == (1, 1, 0)
    # Without gold, one annotator is still not enough.
    other = Store.open(tmp_path / "t", create=True)
    ((doc, _),) = other.add_documents([{"text": "Akar met Austin."}])
    other.add_span(doc.id, 0, 4, "actor", "alice")
    other.set_status(doc.id, "alice", "done")
    with pytest.raises(InputError, match="two annotators"):
        agreement_report(other)
