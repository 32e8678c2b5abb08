"""Pilot tests for the ArticleView widget."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType

from store.model import Span
from tui.widgets.article_view import ArticleView

FAMILY = "👩\u200d👩\u200d👧"
COLORS = {"PER": "#e6194b", "LOC": "#3cb44b", "ORG": "#4363d8"}
# Content is 58 cells wide at size (60, 20): the stable scrollbar gutter takes 2.
LONG = " ".join(f"word{i:02d}" for i in range(60))


def span(id_: str, text: str, start: int, end: int, label: str) -> Span:
    return Span(id_, start, end, label, text[start:end])


class ViewApp(App[None]):
    # Like the real app, keys live on the app and call the view's public methods;
    # the view must not shadow them with ScrollView's scrolling bindings.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "view('cursor_right')"),
        Binding("down", "view('cursor_down')"),
    ]

    def __init__(self, text: str, spans: list[Span] | None = None) -> None:
        super().__init__()
        self.doc = text
        self.spans = spans or []
        self.moves: list[tuple[int, tuple[int, int] | None]] = []

    def compose(self) -> ComposeResult:
        yield ArticleView()

    def on_mount(self) -> None:
        view = self.query_one(ArticleView)
        view.load(self.doc, self.spans, COLORS)
        view.focus()

    def action_view(self, method: str) -> None:
        getattr(self.query_one(ArticleView), method)()

    def on_article_view_cursor_moved(self, message: ArticleView.CursorMoved) -> None:
        self.moves.append((message.cursor, message.selection))


def cell_styles(view: ArticleView, y: int) -> list[Style]:
    """One style per cell of a rendered line."""
    styles: list[Style] = []
    for segment in view.render_line(y):
        styles += [segment.style or Style()] * len(segment.text)
    return styles


async def test_load_highlights_spans_and_overlaps() -> None:
    text = "Alice met Bob in Paris today."
    spans = [
        span("p1", text, 0, 5, "PER"),
        span("o1", text, 0, 13, "ORG"),  # overlaps/contains p1
        span("l1", text, 17, 22, "LOC"),
    ]
    app = ViewApp(text, spans)
    async with app.run_test(size=(60, 20)):
        view = app.query_one(ArticleView)
        view.clear_selection()
        view.move_cursor(len(text))  # keep the cursor off the cells we inspect
        styles = cell_styles(view, 0)
        plain, nested, org_only, loc = styles[14], styles[2], styles[10], styles[18]
        assert loc.bgcolor != plain.bgcolor
        assert org_only.bgcolor not in (plain.bgcolor, loc.bgcolor)
        assert nested.bgcolor != org_only.bgcolor  # innermost span (PER) tints
        assert nested.underline and not org_only.underline and not plain.underline
        assert [s.id for s in view.spans_at(2)] == ["o1", "p1"]
        assert view.spans_at(14) == []


async def test_cursor_right_jumps_whole_zwj_cluster() -> None:
    text = f"a{FAMILY}b"
    app = ViewApp(text)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.move_cursor(1)
        await pilot.press("right")
        assert view.cursor == 1 + len(FAMILY)
        view.cursor_left()
        assert view.cursor == 1
        view.move_cursor(3)  # inside the cluster: snapped to its start
        assert view.cursor == 1


async def test_cursor_down_moves_one_visual_row() -> None:
    app = ViewApp(LONG)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        layout = view._text_layout
        assert layout is not None and layout.rows > 3
        view.move_cursor(3)
        await pilot.press("down")
        assert layout.row_of(view.cursor) == 1
        assert layout.column_of(view.cursor) == 3
        view.cursor_up()
        assert view.cursor == 3


async def test_click_places_cursor() -> None:
    app = ViewApp(LONG)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        layout = view._text_layout
        assert layout is not None
        await pilot.click(ArticleView, offset=(4, 1))
        assert view.cursor == layout.row_range(1)[0] + 4
        assert view.selection is None
        assert app.moves[-1] == (view.cursor, None)


async def test_drag_selects_range() -> None:
    app = ViewApp(LONG)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        await pilot.mouse_down(ArticleView, offset=(2, 0))
        await pilot.hover(ArticleView, offset=(5, 1))
        await pilot.mouse_up(ArticleView, offset=(5, 1))
        layout = view._text_layout
        assert layout is not None
        assert view.selection == (2, layout.row_range(1)[0] + 5)
        assert view.anchor == 2
        assert app.moves[-1] == (view.cursor, view.selection)


async def test_set_spans_repaints_only_changed_rows() -> None:
    app = ViewApp(LONG)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.move_cursor(len(LONG))
        await pilot.pause()
        before = cell_styles(view, 1)
        rendered = view.rows_rendered
        layout = view._text_layout
        assert layout is not None
        start = layout.row_range(1)[0]
        view.set_spans([span("x", LONG, start, start + 6, "LOC")])
        await pilot.pause()
        assert cell_styles(view, 1)[:6] != before[:6]
        assert view.rows_rendered - rendered == 1


async def test_cursor_move_rerenders_only_cursor_rows() -> None:
    app = ViewApp(LONG)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        await pilot.pause()
        rendered = view.rows_rendered
        view.cursor_right()
        await pilot.pause()
        assert view.rows_rendered - rendered == 1
        rendered = view.rows_rendered
        view.cursor_down()
        await pilot.pause()
        assert view.rows_rendered - rendered == 2


async def test_selection_modes() -> None:
    app = ViewApp("abcdef ghijkl")
    async with app.run_test(size=(60, 20)):
        view = app.query_one(ArticleView)
        view.move_cursor(2)
        view.cursor_right(extend=True)
        view.cursor_right(extend=True)
        assert view.selection == (2, 4)
        view.cursor_right()  # a plain move drops the anchor...
        assert view.selection is None and view.anchor is None
        view.move_cursor(2)
        view.selecting = True
        view.move_cursor(6)  # ...unless the app is in selecting mode
        assert view.selection == (2, 6)
        view.clear_selection()
        assert view.selection is None and not view.selecting
        view.select(8, 3)
        assert (view.anchor, view.cursor, view.selection) == (8, 3, (3, 8))
        selected = cell_styles(view, 0)
        assert selected[4].bgcolor != selected[10].bgcolor


async def test_selected_span_is_emphasised_and_scrolled_into_view() -> None:
    text = "\n".join(f"line {i}" for i in range(200))
    target = text.index("line 150")
    spans = [span("far", text, target, target + 8, "PER")]
    app = ViewApp(text, spans)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.selected_span_id = "far"
        await pilot.pause()
        layout = view._text_layout
        assert layout is not None
        row = layout.row_of(target)  # one-line paragraphs get spacer rows between them
        assert view.scroll_offset.y <= row < view.scroll_offset.y + 20
        y = row - view.scroll_offset.y
        assert cell_styles(view, y)[1].reverse


async def test_empty_document_renders_blank() -> None:
    app = ViewApp("")
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.cursor_right()
        view.cursor_down()
        await pilot.pause()
        assert view.cursor == 0
        assert view.render_line(0).text.strip() == ""
        assert view.render_line(5).text.strip() == ""


async def test_resize_keeps_cursor_offset() -> None:
    app = ViewApp(LONG)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.move_cursor(200)
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        layout = view._text_layout
        assert layout is not None and layout.width == 38
        assert view.cursor == 200


async def test_far_cursor_and_page_down_scroll_into_view() -> None:
    text = "\n".join(f"line {i}" for i in range(200))
    app = ViewApp(text)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.load(text, [], COLORS, cursor=text.index("line 120"))
        await pilot.pause()
        layout = view._text_layout
        assert layout is not None
        row = layout.row_of(text.index("line 120"))
        assert view.scroll_offset.y <= row < view.scroll_offset.y + 20
        view.move_cursor(0)
        view.page_down()
        expected = next(r for r in range(20, layout.rows) if not layout.is_spacer(r))
        assert layout.row_of(view.cursor) == expected
        assert view.scroll_offset.y <= expected < view.scroll_offset.y + 20


async def test_one_line_paragraphs_get_a_spacer_row_that_the_cursor_skips() -> None:
    text = "First paragraph here.\nSecond one.\nThird."
    app = ViewApp(text)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        await pilot.pause()
        assert view.render_line(0).text.startswith("First paragraph")
        assert view.render_line(1).text.strip() == ""  # the gap between paragraphs
        assert view.render_line(2).text.startswith("Second one.")
        view.move_cursor(3)
        view.cursor_down()
        assert view.cursor == text.index("Second") + 3  # same column, gap skipped
        view.cursor_up()
        assert view.cursor == 3


async def test_large_text_relayout_in_thread_keeps_cursor_visible() -> None:
    text = " ".join(f"w{i}" for i in range(60_000))  # > ASYNC_LAYOUT_THRESHOLD
    app = ViewApp(text)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.move_cursor(150_000)
        await pilot.resize_terminal(40, 20)
        await app.workers.wait_for_complete()
        await pilot.pause()
        layout = view._text_layout
        assert layout is not None and layout.width == 38
        assert view.cursor == 150_000
        row = layout.row_of(view.cursor)
        assert view.scroll_offset.y <= row < view.scroll_offset.y + 20


async def test_theme_switch_recomputes_tints() -> None:
    text = "Alice spoke."
    app = ViewApp(text, [span("p", text, 0, 5, "PER")])
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        view.move_cursor(len(text))
        dark = cell_styles(view, 0)[1]
        app.theme = "textual-light"
        await pilot.pause()
        light = cell_styles(view, 0)[1]
        assert dark.bgcolor != light.bgcolor


async def test_simple_rows_are_painted_exactly_as_cell_by_cell() -> None:
    """The sliced fast path for plain rows gives the very segments of the general one."""
    import random

    rng = random.Random(7)
    text = " ".join(
        rng.choice(["Akar", "said", "U.S.", "talks", "a", "“quote”"]) for _ in range(400)
    )
    app = ViewApp(text)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(ArticleView)
        await pilot.pause()
        layout = view._text_layout
        assert layout is not None
        for trial in range(300):
            spans = []
            for i in range(rng.randint(0, 12)):
                start = rng.randrange(len(text) - 1)
                end = min(len(text), start + rng.choice([1, 2, 5, 30, 90]))
                spans.append(span(f"t{trial}-{i}", text, start, end, rng.choice(list(COLORS))))
            view.set_spans(spans)
            row = rng.randrange(layout.rows)
            start, end = layout.row_range(row)
            assert layout.is_simple_row(row)
            shown = [s for s in view._span_index.overlapping(start, end) if s.end > s.start]
            cursor = rng.choice([-1, start, end - 1, rng.randrange(start, end + 1)])
            sel_a, sel_b = sorted(rng.randrange(start - 5, end + 6) for _ in range(2))
            selection = None if sel_a == sel_b or rng.random() < 0.3 else (sel_a, sel_b)
            selected = rng.choice([None, *((s.start, s.end) for s in shown)])
            fast = view._simple_segments(start, end, shown, cursor, selection, selected)
            slow, total = view._cell_segments(layout, row, shown, cursor, selection, selected)
            assert fast == slow, (trial, row)
            assert total == end - start


class RecordingView(ArticleView):
    """Records the first row painted and every layout installed since the last load."""

    def __init__(self) -> None:
        super().__init__()
        self.first_frame: list[str] = []
        self.installed: list[tuple[int, int] | None] = []

    def load(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.first_frame, self.installed = [], []
        super().load(*args, **kwargs)

    def render_line(self, y: int):  # type: ignore[no-untyped-def]
        strip = super().render_line(y)
        if len(self.installed) == 1:  # painted from the first layout installed
            self.first_frame.append("".join(segment.text for segment in strip))
        return strip

    def _apply_layout(self, layout, keep_scroll: bool = True) -> None:  # type: ignore[no-untyped-def]
        self.installed.append(layout.window)
        super()._apply_layout(layout, keep_scroll)


class BigApp(App[None]):
    def __init__(self, text: str, cursor: int) -> None:
        super().__init__()
        self.doc, self.cursor = text, cursor

    def compose(self) -> ComposeResult:
        yield RecordingView()

    def on_mount(self) -> None:
        self.query_one(RecordingView).load(self.doc, [], COLORS, cursor=self.cursor)


async def test_large_article_is_wrapped_around_the_cursor_first_then_as_a_whole() -> None:
    lines = [f"line {i:05d} " + "word " * (i % 17) for i in range(12_000)]
    text = "\n".join(lines)
    assert len(text) > 200_000
    cursor = text.index("line 09000")
    app = BigApp(text, cursor)
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(RecordingView)
        for _ in range(100):
            await pilot.pause(0.01)
            if view.layout_ready:
                break
        assert view.layout_ready
        # The first layout, of the lines around the cursor only, showed the cursor's line.
        assert any(row.startswith("line 09000") for row in view.first_frame)
        # Wrapped first around the cursor only, then as a whole (in a thread).
        assert view.installed[0] is not None and view.installed[-1] is None
        layout = view._text_layout
        assert layout is not None and layout.window is None
        top = view.scroll_offset.y
        assert top <= layout.row_of(cursor) < top + view.scrollable_content_region.height
        view.cursor_down()  # the whole layout's rows: the next line, past its spacer row
        assert view.cursor == text.index("line 09001")
