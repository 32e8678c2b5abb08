"""The reader's adjudication: every annotator's spans on show, gold edited by keys.

``A`` turns it on for the reader (and off again). The layer the keys edit becomes
``gold``; the other annotators' spans are shown underlined, one colour each. Gold
starts with what the annotators agree on (one write, undone by one ``u``), and
the first open disagreement is offered: its versions, one per annotator, are in
the status line, and the version on offer is selected in the text. ``y`` takes it,
``r`` rejects them all, each one write, and the next disagreement is offered;
``c`` offers the next annotator's version (so ``c y`` takes the second of two),
``n``/``N`` move between disagreements, and ``take_1`` … ``take_9`` (no default
key; a keymap can bind them) take annotator k's at once. The ordinary keys edit
gold as they edit any layer: a digit labels the version on offer as it stands.

What is open is worked out from the store's layers and what gold holds or
rejected (``store.adjudication``), again after every acknowledged write, so undo
reopens what it takes back and another adjudicator's work is never redone.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from store.adjudication import Candidate, Disagreement, Seed, disagreements
from store.changes import clip
from store.errors import NewsmarkError
from store.model import Span
from store.store import Change, Store
from tui.writer import Outcome

if TYPE_CHECKING:
    from tui.screens.reader import ReaderScreen


class Adjudication:
    """The open document's disagreements, and the one on offer."""

    def __init__(self, reader: ReaderScreen, seed: Seed = "all") -> None:
        self.reader = reader
        self.seed: Seed = seed
        self.layers: dict[str, list[Span]] = {}
        self.names: list[str] = []
        self.rejected: set[Candidate] = set()
        self.open: list[Disagreement] = []
        #: The disagreement on offer and which of its versions (index into versions).
        self.current: Disagreement | None = None
        self.offered = 0
        self.settled_here = 0

    # ----------------------------------------------------------- lifecycle

    def load(self) -> None:
        """The reader opened a document while adjudicating: start gold if needed, offer."""
        reader = self.reader
        self.current = None
        self.settled_here = 0
        doc_id = reader.doc.id
        try:
            self.layers = reader.store.adjudicated_layers(doc_id)
            self.rejected = reader.store.rejected(doc_id)
            seeded = reader.store.gold_seeded(doc_id)
        except NewsmarkError:
            self.layers, self.rejected, seeded = {}, set(), True
        self.names = sorted(self.layers)
        self.recompute()
        if reader.damaged:
            return
        epoch = reader.view.selection_epoch
        if seeded:
            self.offer_from(reader.view.cursor, epoch, intro=True)
            return
        who, seed = reader.annotator, self.seed

        def start(st: Store) -> Change | None:
            return st.seed_gold(doc_id, who, seed)

        def done(outcome: Outcome) -> None:
            reader.editor.acknowledged(outcome, epoch)
            if outcome.ok:
                self.offer_from(0, epoch, intro=True)

        reader.editor.write(start, done)

    def recompute(self) -> None:
        """What is still open, from the layers and what gold holds or rejected."""
        gold = {(s.start, s.end, s.label) for s in self.reader.editor.spans}
        self.open = disagreements(self.layers, gold | self.rejected, self.seed, gold)

    def changed(self) -> None:
        """A write to gold was acknowledged (or undone): re-read what gold rejected."""
        try:
            self.rejected = self.reader.store.rejected(self.reader.doc.id)
        except NewsmarkError:
            return
        self.recompute()
        if self.current is not None and self.current not in self.open:
            self.current = None

    # ------------------------------------------------------------- offering

    def describe(self, d: Disagreement) -> str:
        """The status line's account of a disagreement: each annotator's version, numbered."""
        text = self.reader.view.text
        parts = []
        # Short enough for 80 columns: every version must show, the offered one marked.
        # Offsets first: versions that differ by a comma at the end read alike otherwise.
        room = max(8, 40 // max(1, len(d.versions)) - 8)
        for i, v in enumerate(d.versions):
            mark = "▶" if self.current == d and i == self.offered else ""
            if v.spans:
                shown = "; ".join(
                    f"{lab} {s}–{e} “{clip(text[s:e], room)}”" for s, e, lab in v.spans
                )
            else:
                shown = "nothing"
            parts.append(f"{mark}{i + 1} {v.annotator}: {shown}")
        n = self.open.index(d) + 1 if d in self.open else 0
        return f"{n}/{len(self.open)} open · " + " · ".join(parts)

    def offer(self, d: Disagreement, version: int | None = None, lead: str = "") -> None:
        """Show ``d``: select the version on offer and list every version."""
        self.current = d
        self.offered = d.first_choice() if version is None else version
        view = self.reader.view
        spans = d.versions[self.offered].spans
        view.selecting = False
        if spans:
            view.select(min(s for s, _, _ in spans), max(e for _, e, _ in spans))
        else:
            view.select(d.start, d.end)
        view.selected_span_id = None
        self.reader.status.say(self.reader.status.save_state, lead + self.describe(d))

    def offer_from(self, offset: int, epoch: int, intro: bool = False) -> None:
        """Offer the first open disagreement at or after ``offset`` (wrapping), if the
        user has not moved since ``epoch``; say so when none is left."""
        reader = self.reader
        if reader.view.selection_epoch != epoch:
            return  # the user moved on since the key: their place wins
        if not self.open:
            self.current = None
            if intro or self.settled_here:
                total = len(self.names)
                if total < 2:
                    msg = f"gold: {total} annotator{'s' * (total != 1)} here, nothing to compare"
                else:
                    msg = "gold: no disagreement left in this document; d marks gold done"
                reader.status.say(reader.status.save_state, msg)
            return
        starts = [d.start for d in self.open]
        i = bisect.bisect_left(starts, offset) % len(self.open)
        self.offer(self.open[i])

    def offer_at(self, change: Change, verb: str) -> None:
        """Offer the open disagreement an undone (or redone) decision touched, if any."""
        touched = [(s.start, s.end, s.label) for s in (*change.spans, *change.removed)]
        touched += list(change.rejected)
        for d in self.open:
            if any(c in d.candidates for c in touched):
                self.offer(d, lead=f"{verb}reopened · ")
                return

    def _here(self) -> Disagreement | None:
        """The disagreement on offer, else the open one under the cursor."""
        if self.current is not None and self.current in self.open:
            return self.current
        cursor = self.reader.view.cursor
        return next((d for d in self.open if d.start <= cursor < d.end), None)

    # -------------------------------------------------------------- actions

    def action_next_disagreement(self) -> None:
        self._step(+1)

    def action_prev_disagreement(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        if not self.open:
            self.reader.notify("no disagreement left in this document")
            return
        keys = [(d.start, d.end) for d in self.open]
        here = self._here()
        if here is not None:
            i = self.open.index(here) + direction
        elif direction > 0:
            i = bisect.bisect_right([k[0] for k in keys], self.reader.view.cursor)
        else:
            i = bisect.bisect_left([k[0] for k in keys], self.reader.view.cursor) - 1
        self.offer(self.open[i % len(self.open)])

    def action_offer_next(self) -> None:
        d = self._here()
        if d is None:
            self.reader.notify("no disagreement on offer: n goes to the next one")
            return
        start = self.offered if d == self.current else -1
        self.offer(d, (start + 1) % len(d.versions))

    def action_take(self, k: int) -> None:
        """Take version ``k`` (1-based annotator order; 0: the one on offer) into gold."""
        d = self._here()
        if d is None:
            self.reader.notify("no disagreement on offer: n goes to the next one")
            return
        if k == 0:
            index = self.offered if d == self.current else d.first_choice()
        elif k > len(d.versions):
            self.reader.notify(
                f"no annotator {k} here: {len(d.versions)} annotators compared",
                severity="warning",
            )
            return
        else:
            index = k - 1
        version = d.versions[index]
        who = version.annotator
        self._settle(d, version.spans, f"gold: took {who}'s version", source=who)

    def action_reject(self) -> None:
        d = self._here()
        if d is None:
            self.reader.notify("no disagreement on offer: n goes to the next one")
            return
        n = len(d.candidates)
        self._settle(d, (), f"gold: rejected {n} span{'s' * (n != 1)}")

    def _settle(
        self, d: Disagreement, take: tuple[Candidate, ...], note: str, source: str = ""
    ) -> None:
        reader = self.reader
        if not reader.editor.writable():
            return
        doc_id, who = reader.doc.id, reader.annotator
        epoch = reader.view.selection_epoch
        after = d.start  # a disagreement nested in this one comes next

        def call(st: Store) -> Change | None:
            return st.adjudicate(doc_id, who, take, d.candidates, note=note, source=source)

        def done(outcome: Outcome) -> None:
            reader.editor.acknowledged(outcome, epoch)
            if outcome.ok and outcome.change is not None and outcome.change.doc_id == doc_id:
                self.settled_here += 1
                self.offer_from(after, epoch)

        reader.editor.write(call, done)

