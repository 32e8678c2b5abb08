"""Your own keys: a TOML file that gives actions of the table other keys, by id.

    # ~/.config/newsmark/keys.toml (or `newsmark --keys FILE`, or $NEWSMARK_KEYS)
    [keys]
    find = "slash,ctrl+f"        # ids from `python -m tui.actions ids`; "newsmark." optional
    label_1 = "1,z"
    next_doc = "right_square_bracket,ctrl+n"

Keys are Textual key names ("a", "G", "ctrl+f", "shift+tab", "f2", "slash"); a
single punctuation character ("/", "]") is accepted too. A remapped action loses
its default keys. Two actions of one mode may not share a key: the file is
refused with a message naming both, and nothing changes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from store.errors import InputError
from tui.actions import ACTIONS, Action, KeyTable

_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super)\+)*[A-Za-z0-9_]+$")


def default_keys_path() -> Path | None:
    """$NEWSMARK_KEYS, else ~/.config/newsmark/keys.toml if it exists."""
    env = os.environ.get("NEWSMARK_KEYS")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "newsmark" / "keys.toml"
    return path if path.is_file() else None


def _key_name(key: str, where: str) -> str:
    key = key.strip()
    if len(key) == 1 and not key.isalnum():
        from textual.keys import KEY_NAME_REPLACEMENTS

        name = unicodedata.name(key, "").lower().replace(" ", "_").replace("-", "_")
        key = KEY_NAME_REPLACEMENTS.get(name, name)
    if not key or not _KEY.match(key):
        raise InputError(
            f"{where}: {key!r} is not a key name; use names like a, G, ctrl+f, slash, f2"
        )
    return key


def load_keymap(path: Path) -> KeyTable:
    """The action table with the keys of ``path``; InputError names what is wrong."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the keymap {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid TOML ({exc}); fix it or leave it out") from None
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InputError(
            f"{path} has no [keys] table; the README's 'Your own keys' shows the format"
        )
    by_id = {a.id: a for a in ACTIONS}
    overrides: dict[str, str] = {}
    for raw_id, value in keys.items():
        action_id = raw_id if raw_id.startswith("newsmark.") else f"newsmark.{raw_id}"
        if action_id not in by_id:
            raise InputError(
                f"{path}: no action {raw_id!r}; `python -m tui.actions ids` lists them"
            )
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{path}: {raw_id} needs keys as a string, e.g. \"ctrl+f,slash\"")
        names = [_key_name(k, f"{path}: {raw_id}") for k in value.split(",")]
        overrides[action_id] = ",".join(names)
    return remap(overrides, str(path))


def remap(overrides: dict[str, str], where: str = "keymap") -> KeyTable:
    """The default table with ``overrides`` (id -> keys); refuses keys two actions share."""
    actions: list[Action] = []
    for a in ACTIONS:
        keys = overrides.get(a.id)
        actions.append(a if keys is None else a._replace(keys=keys, display=keys.replace(",", " ")))
    seen: dict[tuple[str, str], str] = {}
    for a in actions:
        for key in filter(None, a.keys.split(",")):
            other = seen.setdefault((a.mode, key), a.id)
            if other != a.id:
                raise InputError(
                    f"{where}: key {key!r} is given to both {other} and {a.id} "
                    f"({a.mode} mode); give one of them another key"
                )
    return KeyTable(tuple(actions))
