"""Your own keys (tui/keymap.py): remapped by action id, refused clearly when wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from store.errors import InputError
from store.store import Store
from tests.conftest import SEED
from tui.app import NewsmarkApp
from tui.keymap import load_keymap
from tui.widgets.article_view import ArticleView
from tui.widgets.key_bar import KeyBar

TEXT = SEED.read_text(encoding="utf-8")


def _keys(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "keys.toml"
    path.write_text(body, encoding="utf-8")
    return path


async def test_remapped_keys_act_and_show_in_the_key_bar(tmp_path: Path) -> None:
    table = load_keymap(
        _keys(tmp_path, '[keys]\nfind = "ctrl+f,/"\n"newsmark.label_3" = "z"\nnext_word = "W"\n')
    )
    store = Store.open(tmp_path / "s")
    ((info, _),) = store.add_documents([{"text": TEXT}])
    app = NewsmarkApp(store, annotator="alice", key_table=table)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(ArticleView)
        await pilot.press("w")  # no longer a motion
        assert view.cursor == 0
        await pilot.press("W")
        assert view.cursor == TEXT.index("defense")
        await pilot.press("ctrl+f", *"hulusi akar", "enter", "z")
        assert [(s.text, s.label) for s in store.spans(info.id, "alice")] == [
            ("Hulusi Akar", "actor")
        ]
        shown = {keys for keys, _, _ in app.screen.query_one(KeyBar).entries()}
        assert "ctrl+f" in shown and "/" not in shown


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[keys]\nfly = "f"\n', "no action 'fly'"),
        ('[keys]\nfind = "w"\n', "key 'w' is given to both"),
        ('[keys]\nfind = ""\n', "needs keys as a string"),
        ('[keys]\nfind = "ctrl+"\n', "is not a key name"),
        ("find = 'slash'\n", "has no [keys] table"),
        ("[keys\n", "is not valid TOML"),
    ],
)
def test_a_bad_keymap_is_refused_in_one_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as err:
        load_keymap(_keys(tmp_path, body))
    assert "\n" not in str(err.value)


def test_a_bad_keymap_stops_the_reader_before_the_store_changes(tmp_path: Path) -> None:
    import subprocess
    import sys

    keys = _keys(tmp_path, '[keys]\nfind = "w"\n')
    store_dir = tmp_path / "store"
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--store", str(store_dir), "--keys", str(keys),
         str(SEED)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "is given to both" in done.stderr and "Traceback" not in done.stderr
    assert not store_dir.exists()
