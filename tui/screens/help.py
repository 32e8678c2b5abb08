"""The help screen: every key, produced from the actions table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from store.labels import LabelScheme
from tui.actions import ACTIONS, GROUPS


def help_markdown(scheme: LabelScheme) -> str:
    lines = ["# newsmark keys", ""]
    for group in GROUPS:
        lines += [f"## {group}", "", "| keys | action |", "| --- | --- |"]
        for a in ACTIONS:
            if a.group != group:
                continue
            desc = a.description
            if a.action.startswith("label("):
                lab = scheme.nth(int(a.action[6:-1]))
                if lab is None:
                    continue
                desc = f"Label as **{lab.name}**" + (f" — {lab.description}" if lab.description
                                                     else "")
            keys = " · ".join(f"`{k}`" for k in (a.display or a.keys).split())
            lines.append(f"| {keys} | {desc} |")
        lines.append("")
    lines += [
        "## Notes",
        "",
        "- Labelling with no selection labels the word under the cursor.",
        "- Every change is saved to the store before the status bar says *saved*.",
        "- Mouse: click places the cursor, drag selects.",
        "- In the document list (`o`): `t` filters by status (all/todo/done), `s` sorts",
        "  (import order, title, spans, status), `f` or `/` filters by title, `enter` opens.",
        "  `]` and `[` follow the list's current order.",
        "",
        "Press `escape`, `q` or `?` to close.",
    ]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, scheme: LabelScheme) -> None:
        super().__init__()
        self.scheme = scheme

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(help_markdown(self.scheme))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
