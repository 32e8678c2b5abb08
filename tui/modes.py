"""The reader's modes: which pane has the keys, and what those keys do.

The reader is always in exactly one mode. Its keys come from the action table
(``tui.actions``, each action names its mode), the key bar shows them, and the
pane that has them is drawn as focused. ``escape`` returns to the article from
every mode. A new mode (a link picker, adjudication …) is one more class here
and its rows in the table; the other modes do not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from tui.screens.help import HelpScreen
    from tui.screens.reader import ReaderScreen
    from tui.widgets.prompt_bar import PromptBar


class Mode:
    """One mode of the reader."""

    name: ClassVar[str] = ""
    #: Shown in the key bar and the status line ("" for the article).
    label: ClassVar[str] = ""
    #: Printable keys are typed into the mode's prompt instead of looked up.
    text_entry: ClassVar[bool] = False
    #: The mode shows its own screen over the reader (keys still come to the reader).
    modal: ClassVar[bool] = False

    def enter(self, reader: ReaderScreen) -> None:
        """Make this mode's pane visible and drawn as focused."""

    def leave(self, reader: ReaderScreen) -> None:
        """Undo what ``enter`` showed."""

    def prompt(self, reader: ReaderScreen) -> PromptBar | None:
        """The bar typed into, for text-entry modes."""
        return None

    def typed(self, reader: ReaderScreen) -> None:
        """The prompt's text changed (a key typed, pasted or deleted)."""


class NormalMode(Mode):
    """The article has the keys: motions, selections, labels."""

    name = "normal"

    def enter(self, reader: ReaderScreen) -> None:
        reader.view.focus(scroll_visible=False)


class AdjudicateMode(NormalMode):
    """The article has the keys, and they edit gold (``tui.adjudicating``)."""

    name = "adjudicate"
    label = "ADJUDICATE"


class PromptMode(Mode):
    """A mode that types into a one-line prompt: opened on entry, closed on leaving."""

    text_entry = True

    def initial(self, reader: ReaderScreen) -> str:
        """The text the prompt opens with."""
        return ""

    def enter(self, reader: ReaderScreen) -> None:
        bar = self.prompt(reader)
        bar.open(self.initial(reader))
        bar.focus(scroll_visible=False)

    def leave(self, reader: ReaderScreen) -> None:
        self.prompt(reader).close()

    def prompt(self, reader: ReaderScreen) -> PromptBar:
        raise NotImplementedError


class FindMode(PromptMode):
    """Typing a find query; enter selects the first match at or after the cursor."""

    name = "find"
    label = "FIND"

    def prompt(self, reader: ReaderScreen) -> PromptBar:
        return reader.find_bar


class LinkMode(PromptMode):
    """Picking the source of the selected quote or claim (``tui.linking``)."""

    name = "link"
    label = "LINK"

    def prompt(self, reader: ReaderScreen) -> PromptBar:
        return reader.link_bar

    def enter(self, reader: ReaderScreen) -> None:
        super().enter(reader)
        reader.linker.opened()

    def leave(self, reader: ReaderScreen) -> None:
        super().leave(reader)
        reader.linker.closed()

    def typed(self, reader: ReaderScreen) -> None:
        reader.linker.refilter()


class TagMode(Mode):
    """The TAG picker has the keys: digits set the open document's labels."""

    name = "tag"
    label = "TAG"

    def enter(self, reader: ReaderScreen) -> None:
        reader.tagger.opened()

    def leave(self, reader: ReaderScreen) -> None:
        reader.tagger.closed()


class DocsMode(Mode):
    """The document list has the keys: move, filter, sort, open."""

    name = "doclist"
    label = "DOCUMENTS"

    def __init__(self) -> None:
        self.shown_for_visit = False

    def enter(self, reader: ReaderScreen) -> None:
        panel = reader.doc_panel
        if not panel.display:
            # Shown only for this visit: a narrow terminal gets its article back after.
            self.shown_for_visit = True
            panel.display = True
        panel.add_class("-active")
        reader.doc_list.focus(scroll_visible=False)

    def leave(self, reader: ReaderScreen) -> None:
        panel = reader.doc_panel
        panel.remove_class("-active")
        if self.shown_for_visit and reader.next_mode != "filter":
            panel.display = False
            self.shown_for_visit = False


class FilterMode(PromptMode):
    """Typing a title filter for the document list."""

    name = "filter"
    label = "FILTER"

    def initial(self, reader: ReaderScreen) -> str:
        return reader.doc_list.text_filter

    def enter(self, reader: ReaderScreen) -> None:
        reader.doc_panel.add_class("-active")
        super().enter(reader)

    def leave(self, reader: ReaderScreen) -> None:
        super().leave(reader)
        reader.doc_panel.remove_class("-active")
        docs = reader.modes["doclist"]
        assert isinstance(docs, DocsMode)
        if docs.shown_for_visit and reader.next_mode != "doclist":
            reader.doc_panel.display = False
            docs.shown_for_visit = False

    def prompt(self, reader: ReaderScreen) -> PromptBar:
        return reader.filter_bar


class HelpMode(Mode):
    """The help screen is up; its keys scroll it and close it, back to where it opened."""

    name = "help"
    label = "HELP"
    modal = True

    def __init__(self) -> None:
        self.back_to = "normal"  # the mode help returns to
        self.screen: HelpScreen | None = None

    def make_screen(self, reader: ReaderScreen) -> HelpScreen:
        from tui.screens.help import HelpScreen

        return HelpScreen(reader.scheme)

    def enter(self, reader: ReaderScreen) -> None:
        self.back_to = reader.previous_mode
        self.screen = self.make_screen(reader)
        reader.app.push_screen(self.screen, callback=lambda _: reader.help_closed())

    def leave(self, reader: ReaderScreen) -> None:
        screen, self.screen = self.screen, None
        if screen is not None and reader.app.screen is screen:
            reader.app.pop_screen()


class TeamMode(HelpMode):
    """The team view is up (progress, agreement); scrolled and closed like the help."""

    name = "team"
    label = "TEAM"

    def make_screen(self, reader: ReaderScreen) -> HelpScreen:
        from tui.screens.team import TeamScreen

        return TeamScreen(reader.scheme, reader.store.root)


def all_modes() -> dict[str, Mode]:
    modes: list[Mode] = [
        NormalMode(), AdjudicateMode(), FindMode(), LinkMode(), TagMode(), DocsMode(),
        FilterMode(), HelpMode(), TeamMode(),
    ]  # fmt: skip
    return {m.name: m for m in modes}
