"""The annotation panel and the virtual list under it: in-place changes, what repaints."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from store.model import Span
from tui.widgets.annotation_list import AnnotationList
from tui.widgets.document_list import DocRow, DocumentList

COLORS = {"claim": "#4f8fe6", "quote": "#3fb950"}
SIZE = (40, 20)  # the list is 20 rows high


def spans(n: int) -> list[Span]:
    return [Span(f"s{i:03d}", i * 10, i * 10 + 4, "claim", f"w{i:03d}") for i in range(n)]


class CountingList(AnnotationList):
    """Records which rows Textual asked for and which had to be rendered afresh."""

    def __init__(self) -> None:
        super().__init__(id="annotations")
        self.painted: list[int] = []
        self.rendered: list[int] = []

    def render_line(self, y: int):  # type: ignore[no-untyped-def]
        self.painted.append(int(self.scroll_offset.y) + y)
        return super().render_line(y)

    def render_row(self, index: int, width: int) -> Text:
        self.rendered.append(index)
        return super().render_row(index, width)


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingList()

    def on_mount(self) -> None:
        self.query_one(CountingList).set_spans(spans(200), COLORS)


def row_text(panel: AnnotationList, index: int) -> str:
    """The row's text as shown (the list is scrolled so that ``index`` is visible)."""
    strip = panel.render_line(index - int(panel.scroll_offset.y))
    return "".join(segment.text for segment in strip)


async def test_adding_a_span_renders_only_its_row_and_keeps_the_others_in_order() -> None:
    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(CountingList)
        panel.scroll_to(y=100, animate=False)
        await pilot.pause()
        top_before = row_text(panel, 100)
        panel.rendered.clear()
        new = Span("new", 1051, 1055, "quote", "wNEW")  # sorts after s105
        panel.apply([new], [], COLORS)
        await pilot.pause()
        assert panel.spans[106] == new and len(panel.spans) == 201
        assert panel.rendered == [106]  # the rows below it moved, from the cache
        assert "wNEW" in row_text(panel, 106) and "w106" in row_text(panel, 107)
        assert row_text(panel, 100) == top_before
        # The scroll range grew with the list: its last row can still be reached.
        assert panel.max_scroll_y == 201 - panel.size.height
        assert panel.vertical_scrollbar.window_virtual_size == 201
        panel.scroll_end(animate=False)
        await pilot.pause()
        assert "w199" in row_text(panel, 200)


async def test_relabel_and_delete_update_the_rows_in_place() -> None:
    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(CountingList)
        await pilot.pause()
        old = panel.spans[3]
        relabelled = Span(old.id, old.start, old.end, "quote", old.text)
        panel.apply([relabelled], [old], COLORS)
        await pilot.pause()
        assert panel.spans[3] == relabelled and len(panel.spans) == 200
        assert row_text(panel, 3).startswith("quote")
        panel.apply([], [panel.spans[0]], COLORS)
        await pilot.pause()
        assert [s.id for s in panel.spans[:2]] == ["s001", "s002"] and len(panel.spans) == 199
        assert "w001" in row_text(panel, 0)
        panel.follow(cursor=0, selected="s003")
        assert panel.highlighted == 2


async def test_follow_picks_the_selected_span_else_the_last_one_before_the_cursor() -> None:
    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(CountingList)
        await pilot.pause()
        panel.follow(cursor=55, selected=None)
        assert panel.highlighted == 5
        panel.follow(cursor=55, selected="s150")
        assert panel.highlighted == 150
        panel.follow(cursor=3, selected="gone")
        assert panel.highlighted == 0


async def test_moving_the_highlight_in_a_scrolled_list_repaints_its_rows() -> None:
    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(CountingList)
        panel.scroll_to(y=100, animate=False)
        panel.highlight(103, scroll=False)
        await pilot.pause()
        panel.painted.clear()
        panel.highlight(105, scroll=False)
        await pilot.pause()
        assert int(panel.scroll_offset.y) == 100
        assert {103, 105} <= set(panel.painted)


class DocsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DocumentList(id="docs")


async def test_document_row_update_repaints_that_row_with_its_new_count() -> None:
    from store.model import DocumentInfo

    infos = [DocumentInfo(f"d{i}", f"Doc {i}", "", "", "", 10, 0.0) for i in range(5)]
    app = DocsApp()
    async with app.run_test(size=SIZE) as pilot:
        docs = app.query_one(DocumentList)
        docs.set_docs(infos, lambda i: DocRow(i.id, i.title, "todo", 0), "d0")
        await pilot.pause()
        docs.update_row(DocRow("d2", "Doc 2", "todo", 7))
        await pilot.pause()
        line = "".join(segment.text for segment in docs.render_line(2))
        assert "7" in line and "Doc 2" in line
        assert docs.row(2).spans == 7


async def test_rows_are_the_strips_textual_would_build() -> None:
    """One Strip per row, padded and styled as crop_extend + apply_style would."""
    from rich.segment import Segment
    from textual.strip import Strip

    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(CountingList)
        panel.highlight(2, scroll=False)
        await pilot.pause()
        width = panel.scrollable_content_region.width
        base = panel.rich_style
        lit_style = panel.get_component_rich_style("virtual-list--highlight")
        for row in range(5):
            text = panel.render_row(row, width)
            text.truncate(width, overflow="ellipsis")
            segments = [s for s in text.render(app.console) if s.text != "\n"]
            expected = Strip(segments).crop_extend(0, width, None)
            if row == 2:
                expected = expected.apply_style(lit_style)
            expected = expected.apply_style(base)
            got = panel.render_line(row)
            assert list(got) == list(expected) and got.cell_length == width
            assert all(isinstance(s, Segment) for s in got)


async def test_a_short_list_changes_without_a_layout_and_blanks_a_removed_last_row() -> None:
    """A list that fits its pane before and after repaints its rows, not the screen."""
    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(CountingList)
        few = spans(5)
        panel.set_spans(few, COLORS)
        await pilot.pause()
        layouts: list[int] = []
        original = app.screen._refresh_layout

        def counting(*args: object, **kwargs: object) -> None:
            layouts.append(1)
            original(*args, **kwargs)  # type: ignore[arg-type]

        app.screen._refresh_layout = counting  # type: ignore[method-assign]
        added = Span("new", 11, 15, "quote", "wNEW")  # sorts third
        panel.apply([added], [], COLORS)
        await pilot.pause()
        assert [row_text(panel, i).split()[1] for i in range(6)] == [
            "w000", "w001", "wNEW", "w002", "w003", "w004"
        ]  # fmt: skip
        panel.painted.clear()
        panel.apply([], [added, few[4]], COLORS)
        await pilot.pause()
        assert layouts == []
        # The rows the two annotations left are painted again, blank now.
        assert {4, 5} <= set(panel.painted)
        assert [row_text(panel, i).strip() for i in (4, 5)] == ["", ""]
        assert panel.count == 4
