"""The one table of reader actions: ids, modes, default keys, descriptions, groups.

The key bar, the help screen, the command palette, the README's key table and
the key stream's dispatch (``tui.keys``) are all produced from ``ACTIONS``;
nothing else lists keys by hand. Run ``python -m tui.actions`` to print the
README table, ``python -m tui.actions ids`` for the ids a keymap uses.

Each action belongs to one mode (``tui.modes``) and names the object that runs
it (``target``): the article pane for motions, the document list for its own
movement, the prompt for line editing, the reader for everything else. An action
that reads or changes the annotation layer ``waits``: the key stream holds it
(and every key typed after it) until the writes before it are acknowledged, so a
burst of keys does what the same keys typed slowly do. Undo and redo hold every
key after them as well (``tui.editing``): what they change is known only when
the store answers, and the reader selects what they restored.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from textual.actions import parse


class Action(NamedTuple):
    id: str  # stable id, for keymaps: "newsmark.<name>"
    keys: str  # Textual key names, comma separated
    action: str  # action string, run on ``target``: "cursor_left(True)"
    description: str  # short, for the help screen and palette
    group: str
    mode: str = "normal"  # the mode whose keys these are (tui.modes)
    # "reader" | "layer" | "article" | "doclist" | "prompt" | "help" | "app" | "adjudicate"
    # | "link" | "tag"
    target: str = "reader"
    waits: bool = False  # held until earlier writes are acknowledged
    show: bool = False  # shown in the key bar
    display: str = ""  # how the README/help writes the keys, if not the key names
    palette: bool = True
    short: str = ""  # key bar text, where the description is too long

    @property
    def name(self) -> str:
        """The method name without its arguments: ``label`` for ``label(3)``."""
        return parse(self.action)[1]

    @property
    def args(self) -> tuple[object, ...]:
        return tuple(parse(self.action)[2])


def _a(
    name: str,
    keys: str,
    description: str,
    group: str,
    *,
    action: str = "",
    mode: str = "normal",
    target: str = "reader",
    waits: bool = False,
    show: bool = False,
    display: str = "",
    palette: bool = True,
    short: str = "",
) -> Action:
    return Action(
        f"newsmark.{name}",
        keys,
        action or name,
        description,
        group,
        mode,
        target,
        waits,
        show,
        display,
        palette,
        short,
    )


MOVE, SELECT, LABEL, EDIT, DOCS, APP = "Move", "Select", "Label", "Edit", "Documents", "App"
TEAM = "Annotators"
LINKS, PICKER, TAGS = "Links", "Link picker", "Document labels"
ADJUDICATION = "Adjudication"
FIND, LIST, FILTER, HELPG = "Find bar", "Document list", "Title filter", "Help screen"
ART = "article"


def _label(n: int, *, show: bool = False, palette: bool = True) -> Action:
    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")
    return _a(
        f"label_{n}",
        str(n),
        f"Label with the {ordinal} label",
        LABEL,
        action=f"label({n})",
        target="layer",
        waits=True,
        show=show,
        display=str(n),
        palette=palette,
    )


def _prompt_keys(mode: str, group: str, submit: str, submit_text: str) -> tuple[Action, ...]:
    """Line editing, shared by the find bar and the title filter."""
    p = f"{mode}_"
    return (
        _a(f"{p}submit", "enter", submit_text, group, action=submit, mode=mode, show=True,
           display="enter", short="ok"),
        _a(f"{p}cancel", "escape", "Close, back to the article", group, action="to_article",
           mode=mode, show=True, display="esc", short="close", palette=False),
        _a(f"{p}backspace", "backspace", "Delete the character before the cursor", group,
           action="backspace", mode=mode, target="prompt", display="backspace", palette=False),
        _a(f"{p}delete", "delete", "Delete the character under the cursor", group,
           action="delete_right", mode=mode, target="prompt", display="del", palette=False),
        _a(f"{p}left", "left", "Cursor left", group, action="left", mode=mode, target="prompt",
           display="←", palette=False),
        _a(f"{p}right", "right", "Cursor right", group, action="right", mode=mode,
           target="prompt", display="→", palette=False),
        _a(f"{p}home", "home,ctrl+a", "Start of the line", group, action="home", mode=mode,
           target="prompt", display="home ctrl+a", palette=False),
        _a(f"{p}end", "end,ctrl+e", "End of the line", group, action="end", mode=mode,
           target="prompt", display="end ctrl+e", palette=False),
        _a(f"{p}clear", "ctrl+u", "Clear the line", group, action="clear", mode=mode,
           target="prompt", show=True, display="ctrl+u", short="clear", palette=False),
    )  # fmt: skip


ACTIONS: tuple[Action, ...] = (
    # ------------------------------------------------------------- the article
    _a("cursor_left", "left,h", "Left one character", MOVE, target=ART, display="← h"),
    _a("cursor_right", "right,l", "Right one character", MOVE, target=ART, display="→ l"),
    _a("cursor_up", "up,k", "Up one visual line", MOVE, target=ART, display="↑ k"),
    _a("cursor_down", "down,j", "Down one visual line", MOVE, target=ART, display="↓ j"),
    _a("next_word", "w", "Next word", MOVE, target=ART, display="w"),
    _a("prev_word", "b", "Previous word", MOVE, target=ART, display="b"),
    _a("next_sentence", "right_parenthesis", "Next sentence", MOVE, target=ART, display=")"),
    _a("prev_sentence", "left_parenthesis", "Previous sentence", MOVE, target=ART, display="("),
    _a("next_paragraph", "right_curly_bracket", "Next paragraph", MOVE, target=ART,
       display="}"),
    _a("prev_paragraph", "left_curly_bracket", "Previous paragraph", MOVE, target=ART,
       display="{"),
    _a("doc_start", "g,home", "Start of the document", MOVE, target=ART, display="g"),
    _a("doc_end", "G,end", "End of the document", MOVE, target=ART, display="G"),
    _a("page_down", "pagedown,space", "Page down", MOVE, target=ART, display="PgDn space"),
    _a("page_up", "pageup", "Page up", MOVE, target=ART, display="PgUp"),
    _a("select_left", "shift+left", "Extend selection left", SELECT, action="cursor_left(True)",
       target=ART, display="shift+←"),
    _a("select_right", "shift+right", "Extend selection right", SELECT,
       action="cursor_right(True)", target=ART, display="shift+→"),
    _a("select_up", "shift+up", "Extend selection up", SELECT, action="cursor_up(True)",
       target=ART, display="shift+↑"),
    _a("select_down", "shift+down", "Extend selection down", SELECT,
       action="cursor_down(True)", target=ART, display="shift+↓"),
    _a("visual", "v", "Start a selection at the cursor", SELECT, target=ART, display="v",
       short="select"),
    _a("clear", "escape", "Clear the selection", SELECT, target=ART, display="esc"),
    _a("expand", "e", "Expand: word → name → sentence → paragraph", SELECT, target=ART,
       display="e", short="expand"),
    _a("quotation", "quotation_mark", "Select the quotation around the cursor", SELECT,
       target=ART, display='"'),
    _a("find", "slash", "Find (enter selects the match)", SELECT, show=True, display="/",
       short="find"),
    _a("find_next", "n", "Next match", SELECT, display="n"),
    _a("find_prev", "N", "Previous match", SELECT, display="N"),
    _label(1, show=True),
    _label(2),
    _label(3),
    _label(4),
    *(_label(n, palette=False) for n in range(5, 10)),
    _a("next_span", "tab", "Select the next annotation", EDIT, target="layer", waits=True,
       display="tab", short="next span"),
    _a("prev_span", "shift+tab", "Select the previous annotation", EDIT, target="layer",
       waits=True, display="shift+tab"),
    _a("delete_span", "x,delete", "Delete the selected annotation", EDIT, target="layer",
       waits=True, display="x del", short="delete"),
    _a("undo", "u,ctrl+z", "Undo", EDIT, target="layer", waits=True, show=True,
       display="u ctrl+z", short="undo"),
    _a("redo", "U,ctrl+y", "Redo", EDIT, target="layer", waits=True,
       display="U ctrl+y"),
    _a("link", "L", "Link the selected quote or claim to its source", LINKS, target="link",
       waits=True, show=True, display="L", short="link"),
    _a("follow_link", "f", "Jump along a link of the selected span, and back", LINKS,
       target="link", waits=True, display="f"),
    _a("set_cue", "C", "The word under the cursor is the cue of the last link (said)", LINKS,
       target="link", waits=True, display="C"),
    _a("next_doc", "right_square_bracket", "Next document", DOCS, waits=True, show=True,
       display="]", short="next doc"),
    _a("prev_doc", "left_square_bracket", "Previous document", DOCS, waits=True, display="["),
    _a("tag", "t", "Document labels: topic, stance … (the scheme's sets)", DOCS,
       target="tag", waits=True, display="t", short="tags"),
    _a("toggle_done", "d", "Mark the document done / not done", DOCS, target="layer",
       waits=True, show=True, display="d", short="done"),
    _a("toggle_others", "a", "Show / hide the other annotators' spans (underlined)", TEAM,
       display="a", short="others"),
    _a("team", "T", "Team: each annotator's progress, and their agreement", TEAM,
       display="T", short="team"),
    _a("adjudicate", "A", "Adjudicate: edit gold, with every annotator's spans", TEAM,
       waits=True, display="A", short="adjudicate"),
    _a("toggle_docs", "o", "Document list: show it and move the keys there", DOCS,
       display="o", short="list"),
    _a("help", "question_mark,f1", "Help: every key", APP, show=True, display="? F1",
       short="help"),
    _a("command_palette", "ctrl+p", "Command palette", APP, target="app", display="ctrl+p",
       palette=False),
    _a("quit", "q,ctrl+q", "Quit (everything is already saved)", APP, waits=True, show=True,
       display="q ctrl+q", palette=False, short="quit"),
    # ------------------------------------------------------------ the find bar
    *_prompt_keys("find", FIND, "submit_find", "Select the first match at or after the cursor"),
    _a("find_quit", "ctrl+q", "Quit", FIND, action="quit", mode="find", waits=True,
       display="ctrl+q", palette=False),
    # ----------------------------------------------------------- the link picker
    *_prompt_keys("link", PICKER, "submit_link", "Link the highlighted span (unlink if linked)"),
    _a("link_down", "down,ctrl+n", "Next source in the list", PICKER, action="pick_move(1)",
       mode="link", target="link", display="↓ ctrl+n", palette=False),
    _a("link_up", "up,ctrl+p", "Previous source in the list", PICKER, action="pick_move(-1)",
       mode="link", target="link", display="↑ ctrl+p", palette=False),
    _a("link_type", "tab", "Next link type for this label", PICKER, action="next_type",
       mode="link", target="link", show=True, display="tab", short="type", palette=False),
    _a("link_quit", "ctrl+q", "Quit", PICKER, action="quit", mode="link", waits=True,
       display="ctrl+q", palette=False),
    # ------------------------------------------------------------- the tag picker
    *(_a(f"tag_{n}", str(n), f"Set or clear choice {n} of the set", TAGS,
         action=f"toggle({n})", mode="tag", target="tag", waits=True, show=n == 1,
         display=str(n), short="set", palette=False)
      for n in range(1, 10)),
    _a("tag_next", "tab", "Next label set", TAGS, action="next_set(1)", mode="tag",
       target="tag", show=True, display="tab", short="next set", palette=False),
    _a("tag_prev", "shift+tab", "Previous label set", TAGS, action="next_set(-1)", mode="tag",
       target="tag", display="shift+tab", palette=False),
    _a("tag_close", "escape,t,enter", "Close, back to the article", TAGS, action="to_article",
       mode="tag", show=True, display="esc t enter", short="close", palette=False),
    _a("tag_quit", "ctrl+q", "Quit", TAGS, action="quit", mode="tag", waits=True,
       display="ctrl+q", palette=False),
    # ------------------------------------------------------- the document list
    _a("docs_up", "up,k", "Previous document in the list", LIST, action="move(-1)",
       mode="doclist", target="doclist", display="↑ k", palette=False),
    _a("docs_down", "down,j", "Next document in the list", LIST, action="move(1)",
       mode="doclist", target="doclist", display="↓ j", palette=False),
    _a("docs_page_up", "pageup", "Page up the list", LIST, action="page(-1)", mode="doclist",
       target="doclist", display="PgUp", palette=False),
    _a("docs_page_down", "pagedown,space", "Page down the list", LIST, action="page(1)",
       mode="doclist", target="doclist", display="PgDn space", palette=False),
    _a("docs_first", "g,home", "First document in the list", LIST, action="jump(0)",
       mode="doclist", target="doclist", display="g", palette=False),
    _a("docs_last", "G,end", "Last document in the list", LIST, action="jump(-1)",
       mode="doclist", target="doclist", display="G", palette=False),
    _a("docs_open", "enter", "Open the highlighted document", LIST, action="open_highlighted",
       mode="doclist", waits=True, show=True, display="enter", short="open", palette=False),
    _a("docs_status", "t", "Filter by status: all, todo, done", LIST, action="cycle_status",
       mode="doclist", target="doclist", show=True, display="t", short="status"),
    _a("docs_sort", "s", "Sort: import order, title, spans, status", LIST, action="cycle_sort",
       mode="doclist", target="doclist", show=True, display="s", short="sort"),
    _a("docs_filter", "f,slash", "Filter by title", LIST, action="filter_docs", mode="doclist",
       show=True, display="f /", short="title"),
    _a("docs_back", "escape,o", "Back to the article", LIST, action="to_article", mode="doclist",
       show=True, display="esc o", short="article", palette=False),
    _a("docs_help", "question_mark,f1", "Help: every key", LIST, action="help", mode="doclist",
       display="? F1", short="help", palette=False),
    _a("docs_palette", "ctrl+p", "Command palette", LIST, action="command_palette",
       mode="doclist", target="app", display="ctrl+p", palette=False),
    _a("docs_quit", "q,ctrl+q", "Quit", LIST, action="quit", mode="doclist", waits=True,
       show=True, display="q ctrl+q", short="quit", palette=False),
    # --------------------------------------------------------- the help screen
    _a("help_close", "escape,q,question_mark,f1", "Close the help", HELPG, action="close_help",
       mode="help", show=True, display="esc q ?", short="close", palette=False),
    _a("help_down", "down,j", "Scroll down", HELPG, action="scroll(1)", mode="help",
       target="help", display="↓ j", palette=False),
    _a("help_up", "up,k", "Scroll up", HELPG, action="scroll(-1)", mode="help", target="help",
       display="↑ k", palette=False),
    _a("help_page_down", "pagedown,space", "Page down", HELPG, action="scroll(999)",
       mode="help", target="help", display="PgDn space", palette=False),
    _a("help_page_up", "pageup", "Page up", HELPG, action="scroll(-999)", mode="help",
       target="help", display="PgUp", palette=False),
    _a("help_top", "g,home", "Top", HELPG, action="scroll(-1000)", mode="help", target="help",
       display="g", palette=False),
    _a("help_bottom", "G,end", "Bottom", HELPG, action="scroll(1000)", mode="help",
       target="help", display="G", palette=False),
    _a("team_close", "T", "Close the team view (it scrolls like the help)", HELPG,
       action="close_help", mode="team", show=True, display="T", short="close", palette=False),
    _a("help_quit", "ctrl+q", "Quit", HELPG, action="quit", mode="help", waits=True,
       display="ctrl+q", palette=False),
    # ----------------------------------------------------- the title filter bar
    *_prompt_keys("filter", FILTER, "submit_filter", "Show the titles that contain the text"),
    _a("filter_quit", "ctrl+q", "Quit", FILTER, action="quit", mode="filter", waits=True,
       display="ctrl+q", palette=False),
)  # fmt: skip

_ADJ = "adjudicate"


def _take(n: int) -> Action:
    # No default key: terminals send alt+digit as other characters (™ for alt+2), and
    # digits label. `c` then `y` does it; a keymap can give these one key each.
    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")
    return _a(f"take_{n}", "", f"Take the {ordinal} annotator's version", ADJUDICATION,
              action=f"take({n})", mode=_ADJ, target=_ADJ, waits=True, display="—",
              palette=n <= 3)  # fmt: skip


#: Adjudication: the article's keys all work (they edit gold), and these come first.
ADJUDICATION_ACTIONS: tuple[Action, ...] = (
    _a("next_disagreement", "n", "Next disagreement", ADJUDICATION, mode=_ADJ, waits=True,
       target=_ADJ, show=True, display="n", short="next"),
    _a("prev_disagreement", "N", "Previous disagreement", ADJUDICATION, mode=_ADJ, waits=True,
       target=_ADJ, display="N"),
    _a("take_offered", "y", "Take the version on offer into gold, go to the next", ADJUDICATION,
       action="take(0)", mode=_ADJ, target=_ADJ, waits=True, show=True, display="y",
       short="take"),
    _a("offer_next", "c", "Offer the next annotator's version", ADJUDICATION, mode=_ADJ,
       target=_ADJ, waits=True, show=True, display="c", short="other version"),
    _a("reject", "r", "Reject every version, go to the next", ADJUDICATION, mode=_ADJ,
       target=_ADJ, waits=True, show=True, display="r", short="reject"),
    *(_take(n) for n in range(1, 10)),
    _a("leave_adjudication", "A", "Back to your own layer", ADJUDICATION, action="adjudicate",
       mode=_ADJ, waits=True, show=True, display="A", short="own layer"),
)  # fmt: skip

ACTIONS = ACTIONS + ADJUDICATION_ACTIONS

#: A mode whose keys are its own first, then another mode's: adjudication edits
#: gold with every key of the article.
INHERITS: dict[str, str] = {_ADJ: "normal", "team": "help"}

GROUPS = (
    MOVE, SELECT, LABEL, EDIT, LINKS, DOCS, TEAM, APP, ADJUDICATION, FIND, PICKER, TAGS, LIST,
    FILTER, HELPG,
)  # fmt: skip


class KeyTable:
    """The action table in use: the defaults, or the defaults with a user's keymap."""

    def __init__(self, actions: tuple[Action, ...] = ()) -> None:
        self.actions = actions or ACTIONS
        self._keymaps: dict[str, dict[str, Action]] = {}

    def keymap(self, mode: str) -> dict[str, Action]:
        """Key name -> action, for the keys of ``mode``."""
        table = self._keymaps.get(mode)
        if table is None:
            table = self._keymaps[mode] = {}
            for a in self.for_mode(mode):
                for key in filter(None, a.keys.split(",")):
                    table.setdefault(key, a)
            if mode in INHERITS:
                for key, a in self.keymap(INHERITS[mode]).items():
                    table.setdefault(key, a)
        return table

    def for_mode(self, mode: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.mode == mode)

    def by_id(self, action_id: str) -> Action:
        return next(a for a in self.actions if a.id == action_id)


DEFAULT_KEYS = KeyTable()


@cache
def keymap(mode: str) -> dict[str, Action]:
    """Key name -> action, for the default keys of ``mode``."""
    return DEFAULT_KEYS.keymap(mode)


def for_mode(mode: str) -> tuple[Action, ...]:
    return DEFAULT_KEYS.for_mode(mode)


def markdown_table() -> str:
    """The README's key table."""
    lines = ["| keys | action |", "| --- | --- |"]
    for group in GROUPS:
        rows = [a for a in ACTIONS if a.group == group]
        if rows and rows[0].mode != "normal":
            lines.append(f"| **{group}** | |")
        for a in rows:
            keys = " · ".join(f"`{k}`" for k in (a.display or a.keys).split())
            lines.append(f"| {keys} | {a.description} |")
    return "\n".join(lines)


def id_list() -> str:
    """Every action's id, mode, default keys and description: for writing a keymap."""
    return "\n".join(f"{a.id:<28} {a.mode:<8} {a.keys:<28} {a.description}" for a in ACTIONS)


if __name__ == "__main__":
    import sys

    print(id_list() if sys.argv[1:] == ["ids"] else markdown_table())
