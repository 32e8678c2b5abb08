"""What one store call did: the event the store hands its listeners (the TUI repaints)."""

from __future__ import annotations

from typing import NamedTuple

from store.model import Relation, Span


class Change(NamedTuple):
    """What one store call did, for the TUI's message line and repaint."""

    kind: str  # "add" | "delete" | "relabel" | "status" | "adjudicate" | "link" | "unlink" | "cue"
    doc_id: str
    annotator: str
    span: Span | None = None
    old_label: str | None = None
    status: str | None = None
    #: An adjudication: the gold spans it added and removed, and what it did.
    spans: tuple[Span, ...] = ()
    removed: tuple[Span, ...] = ()
    #: Candidates ``(start, end, label)`` it rejected (or, undone, took back).
    rejected: tuple[tuple[int, int, str], ...] = ()
    note: str = ""
    #: A link made, removed or given a cue.
    relation: Relation | None = None
    #: The links an undone delete brought back with its span (as they were).
    relations: tuple[Relation, ...] = ()

    def describe(self) -> str:
        """One line for the message bar: what was labelled, deleted, relabelled or marked."""
        if self.kind in ("adjudicate", "doc_label") or (
            self.note and self.kind in ("link", "unlink", "cue")
        ):
            return self.note
        if self.kind in ("link", "unlink", "cue"):
            assert self.relation is not None
            verb = {"link": "linked", "unlink": "unlinked", "cue": "cue set on"}[self.kind]
            return f"{verb} {self.relation.label}"
        if self.kind == "status":
            return f"marked {self.status}"
        assert self.span is not None
        what = f"{self.span.label} “{clip(self.span.text)}”"
        if self.kind == "relabel":
            return f"relabelled {self.old_label} → {what}"
        return {"add": "labelled", "delete": "deleted"}[self.kind] + " " + what


def clip(text: str, n: int = 30) -> str:
    """``text`` on one line, cut to ``n`` characters with an ellipsis, for messages."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
