"""No byte of a hostile file reaches the terminal: a real `newsmark` in a pseudo-terminal.

Titles (JSONL ``meta.title``, Label Studio ``data.title``, the first line of a
``.txt``), labels, annotator names and file names carry OSC 0 (retitle the
window), OSC 52 (write the clipboard), CSI (clear the screen, colours), a C1
CSI and Rich markup. The reader is driven through the document list, a find, a
label and quit; then ``stats``, ``export`` and an error naming a file. Textual's
own escape codes are in the stream, so the assertions are on the payloads: the
exact sequences from input never appear, and their visible forms do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.tui_driver import TuiProcess

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")

OSC0 = "\x1b]0;pwned\x07"
OSC52 = "\x1b]52;c;cHduZWQ=\x07"
CLEAR = "\x1b[2Jzap"
RED = "\x1b[31mredalert"
C1 = "\u009b33mcone"
ALL = OSC0 + OSC52 + CLEAR + RED + C1

#: The injected sequences, as the bytes a terminal would act on.
FORBIDDEN = [s.encode() for s in ("\x1b]0;pwned", "\x1b]52;", CLEAR, RED, "\u009b", OSC0)]


def assert_no_payload(raw: bytes, what: str) -> None:
    for needle in FORBIDDEN:
        assert needle not in raw, f"{what}: {needle!r} reached the terminal"


def hostile_files(tmp_path: Path) -> dict[str, Path]:
    files = tmp_path / "in"
    files.mkdir()
    jsonl = files / "feed.jsonl"
    jsonl.write_text(
        json.dumps(
            {
                "id": "j1",
                "text": "The minister said [/nope] was fine. Nobody agreed.",
                "meta": {"title": f"JSONL [/b] {ALL}"},
                "annotator": f"eve{OSC0}",
                "spans": [{"start": 4, "end": 12, "label": f"[red]x{OSC52}", "text": "minister"}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    studio = files / "studio.json"
    studio.write_text(
        json.dumps(
            [
                {
                    "data": {"text": "The envoy spoke at length.", "title": f"LS [/b] {ALL}"},
                    "annotations": [
                        {
                            "completed_by": {"email": f"ann{CLEAR}"},
                            "result": [
                                {
                                    "type": "labels",
                                    "value": {"start": 4, "end": 9, "labels": [f"lab{RED}"]},
                                }
                            ],
                        }
                    ],
                }
            ]
        ),
        encoding="utf-8",
    )
    txt = files / f"note{OSC0}.txt"
    txt.write_text(f"Text title {OSC52} [/b]\n\nThe spokesman said [/nope] twice.\n")
    scheme = files / "labels.toml"
    scheme.write_text(
        '[[labels]]\nname = "[red]x\\u001b]0;pwned\\u0007"\nkey = "1"\ncolor = "#4f8fe6"\n'
        '[[labels]]\nname = "[/b]\\u001b[2Jzap"\nkey = "2"\ncolor = "#3fb950"\n',
        encoding="utf-8",
    )
    return {"jsonl": jsonl, "studio": studio, "txt": txt, "scheme": scheme}


def hostile_store(root: Path, files: dict[str, Path]) -> None:
    """The files' contents put into a store directly, past the importers' checks."""
    from store.store import Store

    store = Store.open(root, create=True)
    (jsonl,) = [json.loads(line) for line in files["jsonl"].read_text("utf-8").splitlines()]
    (task,) = json.loads(files["studio"].read_text("utf-8"))
    result = task["annotations"][0]["result"][0]["value"]
    txt = files["txt"].read_text("utf-8")
    store.add_documents([
        {"text": jsonl["text"], "title": jsonl["meta"]["title"],
         "annotator": jsonl["annotator"], "spans": jsonl["spans"]},
        {"text": task["data"]["text"], "title": task["data"]["title"],
         "annotator": task["annotations"][0]["completed_by"]["email"],
         "spans": [{"start": result["start"], "end": result["end"],
                    "label": result["labels"][0]}]},
        {"text": txt, "title": txt.splitlines()[0], "source": str(files["txt"])},
    ])  # fmt: skip
    store.close()


def run(args: list[str]) -> tuple[int, bytes, str]:
    """A `newsmark` command in a pty: exit status, the bytes it wrote, the text shown."""
    proc = TuiProcess(args)
    code = proc.wait_exit(timeout=60)
    return code, proc.raw, proc.screen_text


def test_hostile_files_never_reach_the_terminal(tmp_path: Path) -> None:
    files = hostile_files(tmp_path)
    store = str(tmp_path / "store")

    # Controls in a name, a label or a text are refused at import, inertly ...
    code, raw, shown = run(["import", str(files["jsonl"]), str(files["studio"]), "--store", store])
    assert code == 1 and "feed.jsonl:1: annotator 'eve\\x1b]0;pwned\\x07'" in shown, shown
    assert_no_payload(raw, "import")
    code, raw, shown = run(["import", str(files["txt"]), "--store", store])
    assert code == 1 and "note␛]0;pwned␇.txt" in shown, shown
    assert_no_payload(raw, "import of a hostile file name")
    # ... and a store that holds them anyway (another tool wrote it, an older newsmark
    # let them in) still never sends them to the terminal.
    hostile_store(Path(store), files)

    # A name with controls is refused as the reader's own annotator, inertly ...
    code, raw, shown = run(["--store", store, "--annotator", f"mallory{OSC0}"])
    assert code == 1 and "must be 1–64 printable characters" in shown
    assert_no_payload(raw, "a refused annotator name")

    tui = TuiProcess(["--store", store, "--annotator", "mallory", "--labels", str(files["scheme"])])
    try:
        tui.wait_for("mallory")
        since = tui.mark()
        tui.type("a")  # ... but others' layers (from the files) are named as imported
        tui.wait_for("others' spans: eve␛]0;pwned␇", since=since)
        since = tui.mark()
        tui.type("oo")  # hide the document list, then show it with the keys on it
        tui.wait_for("DOCUMENTS", since=since)
        since = tui.mark()
        tui.type("G\r")  # open the last document (the .txt)
        tui.wait_for("Text title", since=since)
        tui.find_and_label("[/nope]", "1", "labelled [red]x␛]0;pwned␇ “[/nope]”")
        since = tui.mark()
        tui.type("/zzz[/b]\r")  # a miss: the notification quotes the query as typed
        tui.wait_for("is not in this document", since=since)
        tui.type("q")
        assert tui.wait_exit() == 0
    except BaseException:
        tui.kill()
        raise
    assert_no_payload(tui.raw, "reader")
    assert "␛]52;c;cHduZWQ=␇" in tui.screen_text  # titles shown, their controls visible

    code, raw, shown = run(["stats", "--store", store])
    assert code == 0, shown
    assert_no_payload(raw, "stats")
    assert "[red]x" in shown and "eve␛]0;pwned␇" in shown

    out = tmp_path / f"gold{OSC52}.jsonl"
    code, raw, shown = run(["export", "-o", str(out), "--store", store])
    assert code == 0 and out.exists(), shown
    assert_no_payload(raw, "export")

    # Data to a terminal is for reading: the same controls shown (to a pipe: exact bytes).
    # JSONL escapes C0 itself (\u001b) but writes C1 as it is; CoNLL writes labels raw.
    for fmt, seen in (("jsonl", "redalert·33mcone"), ("conll", "lab␛[31mredalert")):
        code, raw, shown = run(["export", "--format", fmt, "--store", store])
        assert code == 0, shown
        assert_no_payload(raw, f"export --format {fmt} to the terminal")
        assert seen in shown

    code, raw, shown = run(["import", str(tmp_path / f"gone{CLEAR}.txt"), "--store", store])
    assert code == 1 and "gone␛[2Jzap.txt" in shown
    assert_no_payload(raw, "an error naming a file")


# A reader with a bug planted in find: the error message carries input (a title).
_BUGGY_READER = f"""
from tui.cli import main
from tui.screens.reader import ReaderScreen

def broken_find(self):
    raise RuntimeError("find broke on " + {ALL!r} + " [/b]")

ReaderScreen.action_find = broken_find
main()
"""


def test_an_internal_error_in_the_reader_is_one_inert_line(tmp_path: Path) -> None:
    from tests.conftest import SEED

    script = tmp_path / "buggy.py"
    script.write_text(_BUGGY_READER, encoding="utf-8")
    store = tmp_path / "store"
    tui = TuiProcess(["--store", str(store), "--annotator", "alice", str(SEED)], script=script)
    try:
        tui.wait_for("Hulusi")
        tui.type("/")
        code = tui.wait_exit()
    except BaseException:
        tui.kill()
        raise
    assert code == 1
    shown = tui.screen_text
    assert "newsmark: internal error (RuntimeError: find broke on ␛]0;pwned␇" in shown
    assert "Traceback" not in shown and "broken_find" not in shown  # that is in the log
    assert_no_payload(tui.raw, "the crash message")
