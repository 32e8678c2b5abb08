"""Attribution links by keys: who said this quote, who makes this claim.

With a quote or claim selected, ``L`` opens the LINK picker: the document's spans
that can be its source (actors, by the scheme's ``[[relations]]``), nearest first.
Typing filters them, ``↑``/``↓`` move, ``tab`` switches the link type when the
scheme has several for this label, ``enter`` links the highlighted one (or, if it
is already linked, unlinks it), ``escape`` closes. ``f`` jumps along a link of the
selected span and back; ``C`` makes the word under the cursor (or the selection)
the cue of the last link made or followed ("said", "urged"), the PARC triple of
source, cue and content. Every change is one undoable write, like a label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text

from store.changes import clip
from store.labels import RelationType
from store.model import Relation, Span
from store.store import Change, Store
from tui.safe import safe_text
from tui.writer import Outcome

if TYPE_CHECKING:
    from tui.screens.reader import ReaderScreen

#: Rows the picker shows at most.
PICKER_ROWS = 6
#: The label of the spans that are cues of links.
CUE_LABEL = "cue"


class Candidate(NamedTuple):
    span: Span
    distance: int  # characters between it and the head (0: they overlap)
    linked: Relation | None  # the head's link to it of the chosen type, if any


class Linker:
    """The open layer's links and the LINK picker."""

    def __init__(self, reader: ReaderScreen) -> None:
        self.reader = reader
        self.relations: list[Relation] = []
        self.head: Span | None = None
        self.types: tuple[RelationType, ...] = ()
        self.type_index = 0
        self.candidates: list[Candidate] = []
        self.highlighted = 0
        #: The link ``C`` gives a cue to: the last one made or followed.
        self.current: str | None = None
        self._shown_for: tuple[str | None, int] = (None, -1)
        self._version = 0

    # ------------------------------------------------------------- the layer

    def load(self, relations: list[Relation]) -> None:
        self.relations = list(relations)
        self.current = None
        self._version += 1

    def links_of(self, span_id: str) -> list[tuple[Relation, str]]:
        """Each link of the span, with the id of the span at its other end."""
        out = []
        for r in self.relations:
            if r.head == span_id:
                out.append((r, r.tail))
            elif r.tail == span_id:
                out.append((r, r.head))
        return out

    def summaries(self) -> dict[str, str]:
        """For the annotation panel: span id -> "→ Austin" for each span with links."""
        view = self.reader.view
        out: dict[str, list[str]] = {}
        for r in self.relations:
            tail, head = view.span(r.tail), view.span(r.head)
            if tail is not None and head is not None:
                out.setdefault(r.head, []).append(f"→{clip(tail.text, 12)}")
                out.setdefault(r.tail, []).append(f"←{r.label}")
        return {k: " ".join(v) for k, v in out.items()}

    def applied(self, change: Change) -> None:
        """An acknowledged change of the open layer: keep the links equal to the store's."""
        rel = change.relation
        if change.kind == "link" and rel is not None:
            self.relations = [r for r in self.relations if r.id != rel.id] + [rel]
            self.current = rel.id
        elif change.kind == "unlink" and rel is not None:
            self.relations = [r for r in self.relations if r.id != rel.id]
            if self.current == rel.id:
                self.current = None
        elif change.kind == "cue" and rel is not None:
            self.relations = [rel if r.id == rel.id else r for r in self.relations]
        elif change.kind == "delete" and change.span is not None:
            gone = change.span.id
            self.relations = [
                Relation(r.id, r.head, r.tail, r.label, r.annotator)
                if r.cue == gone else r
                for r in self.relations
                if gone not in (r.head, r.tail)
            ]  # fmt: skip
        elif change.kind == "adjudicate" and (change.relations or change.removed):
            # Gold gained spans with their links, or an undo took them back.
            dropped = {s.id for s in change.removed}
            kept = [r for r in self.relations if not {r.head, r.tail} & dropped]
            new = {r.id: r for r in change.relations}
            self.relations = sorted([*(r for r in kept if r.id not in new), *new.values()],
                                    key=lambda r: r.id)  # fmt: skip
        elif change.kind == "add" and change.relations:
            # An undone delete brought its links back, as they were; a plain label
            # brings none (re-reading them parsed the whole document file each time).
            back = {r.id: r for r in change.relations}
            kept = [r for r in self.relations if r.id not in back]
            self.relations = sorted([*kept, *back.values()], key=lambda r: r.id)
        else:
            return
        self._version += 1
        self.show_linked()
        self.reader.annotation_list.set_links(self.summaries())

    def show_linked(self) -> None:
        """Draw the spans linked to the selected one (and its cues) bold in the article."""
        view = self.reader.view
        selected = view.selected_span_id
        if (selected, self._version) == self._shown_for:
            return
        self._shown_for = (selected, self._version)
        ranges: list[tuple[int, int]] = []
        if selected is not None:
            for rel, other in self.links_of(selected):
                for span_id in (other, rel.cue):
                    span = view.span(span_id) if span_id else None
                    if span is not None:
                        ranges.append((span.start, span.end))
        view.set_linked(tuple(sorted(set(ranges))))

    # ------------------------------------------------------------ the picker

    def _head_here(self) -> Span | None:
        view = self.reader.view
        span = view.span(view.selected_span_id)
        if span is not None:
            return span
        scheme = self.reader.scheme
        under = sorted(view.spans_at(view.cursor), key=lambda s: s.end - s.start)
        return next((s for s in under if scheme.links_from(s.label)), None)

    def action_link(self) -> None:
        """``L``: open the picker for the selected quote or claim."""
        reader = self.reader
        head = self._head_here()
        if head is None:
            reader.notify("select a quote or claim (tab) to link it to its source",
                          severity="warning")  # fmt: skip
            return
        types = reader.scheme.links_from(head.label)
        if not types:
            names = sorted({n for r in reader.scheme.relations for n in r.heads})
            reader.notify(
                f"a {head.label} cannot be linked in this scheme; links start at "
                + (", ".join(names) or "no label"),
                severity="warning", markup=False,
            )  # fmt: skip
            return
        if not reader.editor.writable():
            return
        self.head, self.types, self.type_index = head, types, 0
        reader.editor.select_span(head)
        reader.set_mode("link")

    def opened(self) -> None:
        self.highlighted = 0
        self.refilter()

    def refilter(self) -> None:
        """The candidates for what is typed, nearest first; the highlight kept in range."""
        head = self.head
        if head is None:
            return
        rtype = self.types[self.type_index]
        query = self.reader.link_bar.value.casefold().strip()
        linked = {r.tail: r for r in self.relations if r.head == head.id and r.label == rtype.name}
        out = []
        for s in self.reader.editor.spans:
            if s.id == head.id or s.label not in rtype.tails:
                continue
            if query and query not in s.text.casefold():
                continue
            gap = max(s.start - head.end, head.start - s.end, 0)
            out.append(Candidate(s, gap, linked.get(s.id)))
        out.sort(key=lambda c: (c.distance, c.span.start))
        self.candidates = out
        self.highlighted = min(self.highlighted, max(0, len(out) - 1))
        self.render()

    def render(self) -> None:
        head = self.head
        picker = self.reader.link_picker
        if head is None:
            return
        rtype = self.types[self.type_index]
        kinds = "/".join(t.name for t in self.types)
        title = Text.assemble(
            safe_text(f" {rtype.name}", style="bold"),
            safe_text(f" of {head.label} “{clip(head.text, 40)}”", style="dim"),
            Text(f"  (tab: {kinds})" if len(self.types) > 1 else "", style="dim"),
        )
        lines = [title]
        if not self.candidates:
            wanted = "/".join(rtype.tails)
            lines.append(Text(f"  no {wanted} matches: label the source first, or type less",
                              style="dim"))  # fmt: skip
        first = max(0, self.highlighted - PICKER_ROWS + 1)
        for i, c in enumerate(self.candidates[first : first + PICKER_ROWS], first):
            where = "overlaps" if c.distance == 0 else f"{c.distance} chars away"
            mark = "✓ " if c.linked else "  "
            line = Text.assemble(
                Text("▶" if i == self.highlighted else " ", style="bold"),
                mark,
                safe_text(clip(c.span.text, 40)),
                safe_text(f"  {c.span.label}, {where}", style="dim"),
            )
            if i == self.highlighted:
                line.stylize("reverse")
            lines.append(line)
        picker.update(Text("\n").join(lines))
        picker.display = True

    def closed(self) -> None:
        self.reader.link_picker.display = False
        self.head = None
        self.candidates = []

    def action_pick_move(self, step: int) -> None:
        if self.candidates:
            self.highlighted = (self.highlighted + step) % len(self.candidates)
            self.render()

    def action_next_type(self) -> None:
        if len(self.types) > 1:
            self.type_index = (self.type_index + 1) % len(self.types)
            self.refilter()

    def action_submit_link(self) -> None:
        """``enter``: link the highlighted candidate (unlink it if it is linked)."""
        reader = self.reader
        head = self.head
        if head is None or not self.candidates:
            reader.notify("nothing to link to here", severity="warning")
            return
        chosen = self.candidates[self.highlighted]
        rtype = self.types[self.type_index].name
        reader.set_mode(reader.article_mode)
        doc_id, who = reader.doc.id, reader.layer_owner
        epoch = reader.view.selection_epoch
        call: Callable[[Store], Change | None]
        if chosen.linked is not None:
            rel_id = chosen.linked.id
            call = lambda st: st.delete_relation(doc_id, rel_id, who)  # noqa: E731
        else:
            head_id, tail_id = head.id, chosen.span.id
            call = lambda st: st.add_relation(doc_id, head_id, tail_id, rtype, who)  # noqa: E731
        reader.editor.write(call, lambda outcome: reader.editor.acknowledged(outcome, epoch))

    # ----------------------------------------------------------- jump, cue

    def action_follow_link(self) -> None:
        """``f``: select the span at the other end of the selected span's link."""
        reader = self.reader
        view = reader.view
        here = view.span(view.selected_span_id) or self._head_here()
        links = self.links_of(here.id) if here is not None else []
        if here is None or not links:
            reader.notify("no link here: select a linked span (tab), or L to link one")
            return
        # Along the link followed last if it is one of these, else the first.
        ids = [r.id for r, _ in links]
        i = ids.index(self.current) if self.current in ids else 0
        rel, other = links[i]
        target = view.span(other)
        if target is None:
            return
        self.current = rel.id
        reader.editor.select_span(target)
        ends = f"“{clip(here.text, 30)}” ↔ “{clip(target.text, 30)}”"
        reader.status.say(reader.status.save_state, f"{rel.label}: {ends}")

    def action_set_cue(self) -> None:
        """``C``: the selection (or the word under the cursor) is the cue of the current link."""
        reader = self.reader
        rel = next((r for r in self.relations if r.id == self.current), None)
        if rel is None:
            reader.notify("no link to give a cue: link (L) or follow (f) one first",
                          severity="warning")  # fmt: skip
            return
        target = reader.editor.target_range()
        if target is None:
            reader.notify("put the cursor on the cue word (said, urged) or select it",
                          severity="warning")  # fmt: skip
            return
        if not reader.editor.writable():
            return
        start, end = target
        doc_id, who, rel_id = reader.doc.id, reader.layer_owner, rel.id
        epoch = reader.view.selection_epoch

        def call(st: Store) -> Change | None:
            return st.set_cue(doc_id, rel_id, start, end, who, CUE_LABEL)

        def done(outcome: Outcome) -> None:
            reader.editor.acknowledged(outcome, epoch)

        reader.editor.write(call, done)
