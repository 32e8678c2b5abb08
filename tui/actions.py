"""The one table of reader actions: ids, default keys, descriptions, groups.

The footer, the help screen, the command palette and the README's key table
are all produced from ``ACTIONS``; nothing else lists keys by hand.
Run ``python -m tui.actions`` to print the README table.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class Action:
    id: str  # stable id, for keymaps: "newsmark.<name>"
    keys: str  # Textual key names, comma separated
    action: str  # Textual action string run on the app
    description: str  # short, for the footer and palette
    group: str
    show: bool = False  # shown in the footer
    display: str = ""  # how the README/help writes the keys, if not the key names
    palette: bool = True
    short: str = ""  # footer text, where the description is too long


def _a(
    name: str,
    keys: str,
    description: str,
    group: str,
    *,
    action: str = "",
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
        show,
        display,
        palette,
        short,
    )


MOVE, SELECT, LABEL, EDIT, DOCS, APP = "Move", "Select", "Label", "Edit", "Documents", "App"

ACTIONS: tuple[Action, ...] = (
    _a("cursor_left", "left,h", "Left one character", MOVE, display="← h"),
    _a("cursor_right", "right,l", "Right one character", MOVE, display="→ l"),
    _a("cursor_up", "up,k", "Up one visual line", MOVE, display="↑ k"),
    _a("cursor_down", "down,j", "Down one visual line", MOVE, display="↓ j"),
    _a("next_word", "w", "Next word", MOVE, display="w"),
    _a("prev_word", "b", "Previous word", MOVE, display="b"),
    _a("next_sentence", "right_parenthesis", "Next sentence", MOVE, display=")"),
    _a("prev_sentence", "left_parenthesis", "Previous sentence", MOVE, display="("),
    _a("next_paragraph", "right_curly_bracket", "Next paragraph", MOVE, display="}"),
    _a("prev_paragraph", "left_curly_bracket", "Previous paragraph", MOVE, display="{"),
    _a("doc_start", "g,home", "Start of the document", MOVE, display="g"),
    _a("doc_end", "G,end", "End of the document", MOVE, display="G"),
    _a("page_down", "pagedown,space", "Page down", MOVE, display="PgDn space"),
    _a("page_up", "pageup", "Page up", MOVE, display="PgUp"),
    _a("select_left", "shift+left", "Extend selection left", SELECT, display="shift+←"),
    _a("select_right", "shift+right", "Extend selection right", SELECT, display="shift+→"),
    _a("select_up", "shift+up", "Extend selection up", SELECT, display="shift+↑"),
    _a("select_down", "shift+down", "Extend selection down", SELECT, display="shift+↓"),
    _a(
        "visual",
        "v",
        "Start a selection at the cursor",
        SELECT,
        display="v",
        short="select",
    ),
    _a("clear", "escape", "Clear the selection", SELECT, display="esc"),
    _a(
        "expand",
        "e",
        "Expand: word → name → sentence → paragraph",
        SELECT,
        display="e",
        short="expand",
    ),
    _a(
        "quotation", "quotation_mark", "Select the quotation around the cursor", SELECT, display='"'
    ),
    _a(
        "find",
        "slash",
        "Find (enter selects the match)",
        SELECT,
        show=True,
        display="/",
        short="find",
    ),
    _a("find_next", "n", "Next match", SELECT, display="n"),
    _a("find_prev", "N", "Previous match", SELECT, display="N"),
    _a(
        "label_1", "1", "Label with the 1st label", LABEL, action="label(1)", show=True, display="1"
    ),
    _a("label_2", "2", "Label with the 2nd label", LABEL, action="label(2)", display="2"),
    _a("label_3", "3", "Label with the 3rd label", LABEL, action="label(3)", display="3"),
    _a("label_4", "4", "Label with the 4th label", LABEL, action="label(4)", display="4"),
    _a(
        "label_5",
        "5",
        "Label with the 5th label",
        LABEL,
        action="label(5)",
        display="5",
        palette=False,
    ),
    _a(
        "label_6",
        "6",
        "Label with the 6th label",
        LABEL,
        action="label(6)",
        display="6",
        palette=False,
    ),
    _a(
        "label_7",
        "7",
        "Label with the 7th label",
        LABEL,
        action="label(7)",
        display="7",
        palette=False,
    ),
    _a(
        "label_8",
        "8",
        "Label with the 8th label",
        LABEL,
        action="label(8)",
        display="8",
        palette=False,
    ),
    _a(
        "label_9",
        "9",
        "Label with the 9th label",
        LABEL,
        action="label(9)",
        display="9",
        palette=False,
    ),
    _a(
        "next_span",
        "tab",
        "Select the next annotation",
        EDIT,
        display="tab",
        short="next span",
    ),
    _a("prev_span", "shift+tab", "Select the previous annotation", EDIT, display="shift+tab"),
    _a(
        "delete_span",
        "x,delete",
        "Delete the selected annotation",
        EDIT,
        display="x del",
        short="delete",
    ),
    _a("undo", "u,ctrl+z", "Undo", EDIT, show=True, display="u ctrl+z", short="undo"),
    _a("redo", "U,ctrl+y", "Redo", EDIT, display="U ctrl+y"),
    _a(
        "next_doc",
        "right_square_bracket",
        "Next document",
        DOCS,
        show=True,
        display="]",
        short="next doc",
    ),
    _a("prev_doc", "left_square_bracket", "Previous document", DOCS, display="["),
    _a(
        "toggle_done",
        "d",
        "Mark the document done / not done",
        DOCS,
        show=True,
        display="d",
        short="done",
    ),
    _a("toggle_docs", "o", "Show / hide the document list", DOCS, display="o"),
    _a("help", "question_mark,f1", "Help: every key", APP, show=True, display="? F1", short="help"),
    _a("command_palette", "ctrl+p", "Command palette", APP, display="ctrl+p", palette=False),
    _a(
        "quit",
        "q,ctrl+q",
        "Quit (everything is already saved)",
        APP,
        show=True,
        display="q ctrl+q",
        palette=False,
        short="quit",
    ),
)

GROUPS = (MOVE, SELECT, LABEL, EDIT, DOCS, APP)


def bindings() -> list[BindingType]:
    out: list[BindingType] = []
    for a in ACTIONS:
        if a.id == "newsmark.label_1":
            # The footer has room for one label entry; the status bar names them all.
            out.append(Binding(a.keys, a.action, "label", show=True, id=a.id, key_display="1–9"))
        else:
            out.append(
                Binding(
                    a.keys,
                    a.action,
                    a.short or a.description,
                    show=a.show,
                    id=a.id,
                    tooltip=a.description,
                )
            )
    return out


def markdown_table() -> str:
    """The README's key table."""
    lines = ["| keys | action |", "| --- | --- |"]
    for group in GROUPS:
        for a in ACTIONS:
            if a.group == group:
                keys = " · ".join(f"`{k}`" for k in (a.display or a.keys).split())
                lines.append(f"| {keys} | {a.description} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
