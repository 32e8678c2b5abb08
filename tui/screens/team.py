"""The team view (``T``): each annotator's progress, and how far the annotators agree.

Progress is per annotator: documents done of those in the store, spans, and spans
per label. Agreement is ``newsmark agree`` in short, over the documents the
annotators finished: span F1 per pair in the four SemEval schemes, Cohen's κ,
Fleiss' κ and Krippendorff's α over everyone, and the documents that disagree
most, worst first, where adjudication should start (``A``). Both are computed
on a thread from a store of its own, so the reader never waits on a large corpus.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from store.errors import NewsmarkError
from store.labels import LabelScheme
from store.records import GOLD
from store.store import Store
from tui.safe import safe_text
from tui.screens.help import HelpScreen

#: Documents shown in the "disagree most" list.
WORST = 5


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def progress(store: Store) -> RenderableType:
    """Per annotator: documents done, spans, spans per label."""
    docs = store.documents()
    done: Counter[str] = Counter()
    per: dict[str, Counter[str]] = {}
    labels: Counter[str] = Counter()
    for info in docs:
        for span in store.spans(info.id):
            per.setdefault(span.annotator, Counter())[span.label] += 1
            labels[span.label] += 1
        for name in store.annotators(info.id):
            per.setdefault(name, Counter())
            done[name] += store.status(info.id, name) == "done"
    names = [n for n, _ in labels.most_common()]
    table = Table(title="progress", title_justify="left", title_style="bold underline")
    for col in ("annotator", "done", "spans", *names):
        table.add_column(safe_text(col), justify="left" if col == "annotator" else "right")
    for who in sorted(per, key=lambda n: (n == GOLD, n)):
        counts = per[who]
        table.add_row(
            safe_text(who), f"{done[who]}/{len(docs)}", str(sum(counts.values())),
            *(str(counts[n]) for n in names),
        )  # fmt: skip
    if not per:
        return Text("progress: nobody has labelled anything yet", style="dim")
    return table


def agreement(store: Store) -> RenderableType:
    """Agreement over the finished documents, or why there is none to show."""
    from store.agreement import agreement_report

    people = sorted(
        {a for info in store.documents() for a in store.annotators(info.id)} - {GOLD}
    )
    try:
        report = agreement_report(store, people or None)
    except NewsmarkError as exc:
        return safe_text(f"agreement: {exc}", style="dim")
    spans = Table(title="agreement (finished documents; the first of a pair is the reference)",
                  title_justify="left", title_style="bold underline")  # fmt: skip
    for col in ("pair", "documents", "strict", "exact", "partial", "type", "Cohen κ"):
        spans.add_column(col, justify="left" if col == "pair" else "right")
    for p in report.pairs:
        spans.add_row(
            safe_text(f"{p.a} / {p.b}"), str(len(p.documents)),
            *(_num(p.spans[s].overall.f1) for s in ("strict", "exact", "partial", "type")),
            _num(p.cohen_kappa),
        )  # fmt: skip
    overall = Text(
        f"Fleiss' κ {_num(report.fleiss_kappa)} · Krippendorff's α {_num(report.alpha)} "
        f"over {len(report.documents)} document(s)"
    )
    worst = Table(title="disagree most (adjudicate these first: A)", title_justify="left",
                  title_style="bold underline")  # fmt: skip
    worst.add_column("disagreement", justify="right")
    worst.add_column("document")
    worst.add_column("annotators")
    for d in report.ranking[:WORST]:
        worst.add_row(f"{d.disagreement:.3f}", safe_text(d.title[:50]),
                      safe_text(", ".join(d.annotators)))  # fmt: skip
    return Group(spans, overall, Text(""), worst)


def team_report(root: Path) -> list[RenderableType]:
    """Everything the team view shows, read from its own store (safe on a thread)."""
    store = Store.open(root)
    try:
        return [progress(store), Text(""), agreement(store)]
    finally:
        store.close()


class TeamScreen(HelpScreen):
    """Progress and agreement; scrolled and closed like the help (the reader's team mode)."""

    def __init__(self, scheme: LabelScheme, root: Path) -> None:
        super().__init__(scheme)
        self.root = root

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("newsmark team", style="bold"), classes="help-title")
            yield Static(Text("counting…", style="dim"), id="team-body", classes="help-group")

    def on_mount(self) -> None:
        self.run_worker(self._count, thread=True, exclusive=True, group="team")

    def _count(self) -> None:
        try:
            parts = team_report(self.root)
        except NewsmarkError as exc:
            parts = [safe_text(f"cannot read the store: {exc}")]
        self.app.call_from_thread(self._show, parts)

    def _show(self, parts: list[RenderableType]) -> None:
        if self.is_mounted:
            self.query_one("#team-body", Static).update(Group(*parts))
