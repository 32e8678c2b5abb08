"""The help screen: every key, produced from the actions table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from store.labels import LabelScheme
from tui.actions import DEFAULT_KEYS, GROUPS, KeyTable
from tui.safe import safe_text


def help_rows(
    scheme: LabelScheme, table: KeyTable = DEFAULT_KEYS
) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group, [(keys, what it does)]) for every action, label keys named by the scheme."""
    out = []
    for group in GROUPS:
        rows = []
        for a in table.actions:
            if a.group != group:
                continue
            desc = a.description
            if a.action.startswith("label("):
                lab = scheme.nth(int(a.action[6:-1]))
                if lab is None:
                    continue
                desc = f"Label as {lab.name}" + (f" — {lab.description}" if lab.description else "")
            rows.append(("  ".join((a.display or a.keys).split()), desc))
        out.append((group, rows))
    return out


NOTES = """\
- Labelling with no selection labels the word under the cursor; a selection is trimmed
  of surrounding whitespace. A digit on a selected annotation (tab) relabels it.
- Every change is saved to the store before the status line says *saved*.
- Mouse: click places the cursor, drag selects.
- The key bar names the mode that has the keys (FIND, DOCUMENTS, FILTER) and shows its
  keys; `escape` always returns to the article. Keys act in the order typed, however
  fast: a burst does what the same keys typed slowly do.
- `]` and `[` follow the document list's current order (filter with `t`, sort with `s`).
- `L` links the selected quote or claim to its source (nearest first; type to filter);
  `f` jumps along a link, `C` gives the last link its cue (the word under the cursor).
- `t` sets the document's labels (the scheme's [[doc_labels]] sets): a digit per choice.
- `A` adjudicates: the keys edit gold, with every annotator's spans on show; `y` takes the
  version on offer, `c` offers another, `r` rejects, `n` goes to the next disagreement.

Press `escape`, `q` or `?` to close."""


def _group_table(group: str, rows: list[tuple[str, str]]) -> Table:
    # One line per key, no rules between rows: the whole list fits a laptop screen.
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=False)
    table.add_column(style="bold", no_wrap=True, min_width=14)
    table.add_column()
    for keys, desc in rows:
        # Label names and descriptions come from the scheme file: Text, never markup.
        table.add_row(safe_text(keys), safe_text(desc))
    table.title = group
    table.title_justify = "left"
    table.title_style = "bold underline"
    return table


class HelpScreen(ModalScreen[None]):
    """Every key. Opened by the reader's help mode, whose keys (``tui.actions``) scroll
    and close it in the order typed; the bindings below serve any other opener."""

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    HelpScreen .help-title { padding: 1 0 0 0; }
    HelpScreen .help-group { padding: 1 0 0 0; }
    """

    def __init__(self, scheme: LabelScheme) -> None:
        super().__init__()
        self.scheme = scheme

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("newsmark keys", style="bold"), classes="help-title")
            table = getattr(self.app, "key_table", DEFAULT_KEYS)
            for group, rows in help_rows(self.scheme, table):
                yield Static(_group_table(group, rows), classes="help-group")
            yield Markdown(NOTES)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def action_scroll(self, rows: int) -> None:
        """Scroll by ``rows`` (a page is 0 ± 1: the visible height)."""
        view = self.query_one(VerticalScroll)
        if rows in (-1000, 1000):
            view.scroll_to(y=0 if rows < 0 else view.max_scroll_y, animate=False)
        elif abs(rows) == 999:
            page = max(1, view.size.height - 1)
            view.scroll_relative(y=page if rows > 0 else -page, animate=False)
        else:
            view.scroll_relative(y=rows, animate=False)
