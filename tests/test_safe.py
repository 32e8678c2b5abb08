"""Hostile strings from input: shown with their controls visible, never run as markup.

Unit tests of ``tui.safe``, then the reader (Pilot) and the command line with
titles, labels, annotators and span text that carry escape sequences and Rich
markup. The pty test in ``test_hostile_terminal.py`` checks the bytes a real
terminal receives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.labels import Label, LabelScheme
from store.store import Store
from tests.test_cli import run
from tui.app import NewsmarkApp
from tui.safe import UNSAFE, safe_markup, safe_text, visible
from tui.screens.help import _group_table, help_rows
from tui.widgets.annotation_list import AnnotationList
from tui.widgets.document_list import DocumentList
from tui.widgets.status_bar import StatusBar

OSC0 = "\x1b]0;pwned\x07"
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
CSI = "\x1b[2J\x1b[31m"
C1_CSI = "\u009b31m"
BIDI = "\u202e"
HOSTILE = OSC0 + OSC52 + CSI + C1_CSI + BIDI
SIZE = (120, 40)


def assert_inert(shown: str) -> None:
    """Nothing in ``shown`` (lines joined by newlines) a terminal would act on."""
    assert not (set(shown) - {"\n"}) & UNSAFE, repr(shown)


# ---------------------------------------------------------------------- tui.safe


def test_controls_become_the_pictures_the_article_pane_draws() -> None:
    assert visible(OSC0) == "␛]0;pwned␇"
    assert visible("a\tb\nc\x00\x7f") == "a␉b␊c␀␡"
    assert visible("\u009b\u009d\u0085") == "···"
    assert visible("abc\u202edef\u2066x\u2069") == "abc·def·x·"
    assert visible("one\u2028two\u2029") == "one␤two␤"
    assert visible("half \ud800 pair") == "half \ufffd pair"


def test_ordinary_text_of_every_script_is_left_alone() -> None:
    texts = ("Hulusi Akar", "İbrahim Kalın", "国防部长", "👩‍👩‍👧 family", "é = e\u0301", "[/b]")
    for text in texts:
        assert visible(text) == text


@given(st.text())
def test_visible_is_one_code_point_for_one_and_leaves_nothing_unsafe(text: str) -> None:
    shown = visible(text)
    # One for one: a cut of the shown string is a cut of the original.
    assert len(shown) == len(text)
    assert_inert(shown)
    assert all(a == b for a, b in zip(text, shown, strict=True) if a not in UNSAFE)


def test_terminal_stream_shows_controls_keeps_lines_and_split_characters() -> None:
    import io

    from tui.safe import TerminalStream

    raw = io.BytesIO()
    stream = TerminalStream(raw)  # type: ignore[arg-type]
    data = f"title {OSC0}\tİ\n{C1_CSI} Kalın\n".encode()
    cut = data.index("İ".encode()) + 1  # inside the two bytes of İ
    stream.write(data[:cut])
    stream.write(data[cut:])
    stream.flush()
    assert raw.getvalue().decode() == "title ␛]0;pwned␇\tİ\n·31m Kalın\n"


def test_safe_text_is_never_markup() -> None:
    text = safe_text("[/nope] [red]x[/red] [link=http://evil]y", style="bold")
    assert text.plain == "[/nope] [red]x[/red] [link=http://evil]y"
    assert text.spans == []  # no style came out of the data
    assert str(text.style) == "bold"


@given(st.text(alphabet="[]/\\ab=@#$:.", max_size=30))
def test_safe_markup_round_trips_through_the_markup_parser(name: str) -> None:
    from textual.content import Content

    assert Content.from_markup(safe_markup(name)).plain == name


# --------------------------------------------------------------------- the reader

TEXT = "Alpha beta [/bold] gamma said the minister. Then [/nope] came, and [red]x left.\n"


def hostile_store(tmp_path: Path) -> tuple[Store, str]:
    store = Store.open(tmp_path / "store")
    (info, _), = store.add_documents(
        [{"text": TEXT, "title": f"Title [/b] {HOSTILE} end", "source": "hostile.jsonl"}]
    )
    return store, info.id


def toasts(app: NewsmarkApp) -> list[str]:
    """The notifications on screen, as drawn."""
    return [str(t.render().plain) for t in app.screen.query("Toast")]


def shown_text(app: NewsmarkApp) -> str:
    """What the title, document list, annotation panel and status line show."""
    screen = app.screen
    title = str(screen.query_one("#title").content)  # type: ignore[attr-defined]
    docs = screen.query_one(DocumentList)
    panel = screen.query_one(AnnotationList)
    rows = [docs.render_row(i, 60).plain for i in range(docs.count)]
    rows += [panel.render_row(i, 60).plain for i in range(len(panel.spans))]
    return "\n".join([title, *rows, screen.query_one(StatusBar).text, *toasts(app)])


async def test_find_of_markup_selects_it_and_a_miss_is_said_as_typed(tmp_path: Path) -> None:
    store, _ = hostile_store(tmp_path)
    app = NewsmarkApp(store, annotator="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("slash", *"[/nope]", "enter")
        await pilot.pause()
        view = app.screen.query_one("ArticleView")
        start = TEXT.index("[/nope]")
        assert view.selection == (start, start + len("[/nope]"))  # type: ignore[attr-defined]
        await pilot.press("escape", "slash", *"[/zzz]", "enter")
        await pilot.pause(0.3)
        assert any("“[/zzz]” is not in this document" in t for t in toasts(app))
    assert app.return_code in (None, 0)


async def test_relabelling_a_selection_of_markup_is_saved_and_quoted(tmp_path: Path) -> None:
    store, doc = hostile_store(tmp_path)
    app = NewsmarkApp(store, annotator="alice")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("slash", *"[/bold]", "enter", "1")
        await pilot.pause()
        await pilot.press("tab", "2")
        await pilot.pause()
        await pilot.pause()
        status = app.screen.query_one(StatusBar)
        assert status.save_state == "saved"
        assert "relabelled claim → quote “[/bold]”" in status.text
    assert [(s.label, s.text) for s in store.spans(doc, "alice")] == [("quote", "[/bold]")]


async def test_labels_named_like_markup_are_drawn_as_named(tmp_path: Path) -> None:
    store, doc = hostile_store(tmp_path)
    scheme = LabelScheme(
        "hostile",
        (
            Label("[red]x", "1", "#4f8fe6", "desc [/b]"),
            Label(f"[/x]{OSC0}", "2", "#3fb950", "bad"),
        ),
    )
    app = NewsmarkApp(store, annotator="alice", scheme=scheme)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("w", "1")
        await pilot.pause()
        await pilot.press("w", "2")
        await pilot.pause()
        await pilot.pause()
        # The same label again is refused with a notification naming it.
        await pilot.press("2")
        await pilot.pause(0.3)
        assert any("already labelled [/x]␛]0;pwned␇" in t for t in toasts(app))
        shown = shown_text(app)
        legend = str(app.screen.query_one("#legend").content)  # type: ignore[attr-defined]
        assert "[red]x" in legend and "[/x]␛]0;pwned␇" in legend
        assert "[red]x" in shown and "[/x]␛]0;pwned␇" in shown
        assert_inert(shown + legend)
        # The palette parses titles as markup: the label must still read as named.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"label as")
        await pilot.pause(0.3)
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        palette = " ".join(
            getattr(o.prompt, "plain", str(o.prompt)) for o in options.options
        )
        assert "Label as [red]x" in palette and "Label as [/x]␛]0;pwned␇" in palette
        await pilot.press("escape")
    assert sorted(s.label for s in store.spans(doc, "alice")) == ["[/x]" + OSC0, "[red]x"]


def test_help_names_labels_as_the_scheme_writes_them() -> None:
    scheme = LabelScheme("hostile", (Label("[red]x", "1", "#4f8fe6", f"desc [/b] {OSC0}"),))
    import io

    from rich.console import Console

    console = Console(width=120, record=True, file=io.StringIO())
    for group, rows in help_rows(scheme):
        console.print(_group_table(group, rows))
    shown = console.export_text()
    assert "Label as [red]x — desc [/b] ␛]0;pwned␇" in shown
    assert_inert(shown)


async def test_hostile_title_and_annotator_are_shown_inert(tmp_path: Path) -> None:
    store, _ = hostile_store(tmp_path)
    app = NewsmarkApp(store, annotator="eve")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        shown = shown_text(app)
        assert "Title [/b] ␛]0;pwned␇␛]52;c;cHduZWQ=␇␛[2J␛[31m·31m· end" in shown
        assert_inert(shown)
        # A notification quoting input is shown as plain text, controls visible.
        app.notify(f"[/nope] {OSC52}")
        await pilot.pause()
        assert any("[/nope] ␛]52;c;cHduZWQ=␇" in t for t in toasts(app))


# ------------------------------------------------------------------ command line


def test_stats_with_markup_and_escapes_prints_them_inert(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store, doc = hostile_store(tmp_path)
    store.add_span(doc, 0, 5, f"[red]x{OSC0}", f"eve{CSI}")
    store.close()
    code, out, err = run(capsys, "stats", "--store", str(tmp_path / "store"))
    assert code == 0, err
    assert "[/b]" in out and "[red]x␛]0;pwned␇" in out and "eve␛[2J␛[31m" in out
    assert_inert(out)


def test_cli_messages_naming_files_show_their_controls(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    missing = tmp_path / f"nope{OSC0}.txt"
    code, out, err = run(capsys, "import", str(missing), "--store", str(store_dir))
    assert code == 1 and "nope␛]0;pwned␇.txt" in err
    assert_inert(out + err)
    hostile_store(tmp_path)[0].close()
    target = tmp_path / f"out{OSC52}.jsonl"
    code, out, err = run(capsys, "export", "-o", str(target), "--store", str(store_dir))
    assert code == 0 and target.exists()  # the file has the name it was given
    assert "out␛]52;c;cHduZWQ=␇.jsonl" in err
    assert_inert(out + err)
    code, out, err = run(capsys, "stats", "--store", str(store_dir), "--x", f"extra{CSI}")
    assert code == 2 and "No such option" in err
    assert_inert(err)
    code, out, err = run(capsys, "export", "--format", f"bad{OSC0}", "--store", str(store_dir))
    assert code == 1 and "bad" in err
    assert_inert(err)


def test_validate_and_doctor_name_a_hostile_store_path_inertly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from store import layout

    store_dir = tmp_path / f"store{OSC0}"
    store = Store.open(store_dir)
    (info, _), = store.add_documents([{"text": TEXT, "title": f"t {OSC52}", "source": "x"}])
    store.add_span(info.id, 0, 5, f"[red]x{OSC52}", "alice")
    store.close()
    doc_file = layout.doc_path(store_dir, info.id)
    doc_file.write_bytes(doc_file.read_bytes()[:-20])  # torn
    code, out, err = run(capsys, "validate", "--store", str(store_dir))
    assert code == 1 and "store␛]0;pwned␇" in err
    assert_inert(out + err)
    code, out, err = run(capsys, "doctor", "--store", str(store_dir))
    assert code == 0 and "quarantined" in out
    assert_inert(out + err)
    code, out, err = run(capsys, "doctor", "--store", str(store_dir))
    assert code == 0 and f"ok: {visible(store_dir)} is healthy" in out
    assert_inert(out + err)


def test_the_reader_refuses_an_annotator_name_with_controls_before_importing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.conftest import SEED

    store_dir = tmp_path / "store"
    code, out, err = run(capsys, str(SEED), "--store", str(store_dir), "--annotator", f"m{OSC0}")
    assert code == 1 and "must be 1–64 printable characters" in err
    assert_inert(out + err)
    assert not store_dir.exists()  # nothing imported, no store left behind


def test_the_command_line_prints_input_only_through_the_safe_helpers() -> None:
    """A new message written with click.echo or a raw rich Text would leak controls again."""
    import ast

    from tests.conftest import ROOT

    tree = ast.parse((ROOT / "tui" / "cli.py").read_text(encoding="utf-8"))
    raw_echoes = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name != "echo":
            raw_echoes += [
                f"{fn.name}:{node.lineno}"
                for node in ast.walk(fn)
                if isinstance(node, ast.Attribute)
                and node.attr == "echo"
                and isinstance(node.value, ast.Name)
                and node.value.id == "click"
            ]
    assert raw_echoes == [], "use echo() (controls shown), not click.echo"
    raw_text = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module == "rich.text"
        and any(alias.name == "Text" for alias in node.names)
    ]
    assert raw_text == [], "use tui.safe.safe_text for cells from data, not rich.text.Text"
