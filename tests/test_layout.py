"""The store's paths have one owner: store/layout.py, and the README lists what it defines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from store import layout
from tests.conftest import ROOT

# Names of store files: wrong in any string outside layout.py (docstrings aside).
FILE_NAMES = (
    layout.FORMAT_FILE,
    layout.CATALOG_FILE,
    layout.INDEX_FILE,
    layout.SESSION_FILE,
)
# Names of store folders: ordinary words too (a widget id "docs", a JSON key), so they
# count only where a path is built from them.
DIR_NAMES = (
    layout.TEXTS_DIR,
    layout.DOCS_DIR,
    layout.BACKUP_DIR,
    layout.QUARANTINE_DIR,
    layout.MIGRATIONS_DIR,
    layout.LOCKS_DIR,
)
_FILE_RE = re.compile(
    r"(?<![\w.-])(?:" + "|".join(re.escape(n) for n in FILE_NAMES) + r")(?![\w-])"
)
# Mapping lookups name keys, not paths: data.get("docs") reads a key of index.json.
_KEY_CALLS = {"get", "setdefault", "pop"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _path_context(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Whether a string literal sits where a path is built from it."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.JoinedStr):
        node, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Div):
        return True
    if isinstance(parent, ast.Tuple | ast.List | ast.Set):
        return True
    if isinstance(parent, ast.Assign | ast.AnnAssign):
        return True
    if isinstance(parent, ast.Call) and node in parent.args:
        func = parent.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name not in _KEY_CALLS
    return False


def path_literals(path: Path) -> list[str]:
    """Store path names spelled as string literals in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    display = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in docstrings:
            continue
        value = node.value
        parts = [p for p in re.split(r"[/\\]", value) if p]
        bad = bool(_FILE_RE.search(value))
        bad |= ("/" in value or "\\" in value) and any(p in DIR_NAMES for p in parts)
        bad |= value in DIR_NAMES and _path_context(node, parents)
        if bad:
            found.append((node.lineno, node.col_offset, f"{display}:{node.lineno}: {value!r}"))
    return [hit for _, _, hit in sorted(found)]


def test_no_store_path_is_spelled_outside_layout() -> None:
    sources = sorted((ROOT / "store").rglob("*.py")) + sorted((ROOT / "tui").rglob("*.py"))
    assert len(sources) > 20
    owner = ROOT / "store" / "layout.py"
    found = [hit for src in sources if src != owner for hit in path_literals(src)]
    assert found == [], "ask store/layout.py for these paths:\n" + "\n".join(found)


def test_the_check_catches_the_ways_a_path_is_spelled(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        '"""Docstrings may name catalog.json and docs/."""\n'
        "root = None\n"
        "a = root / 'catalog.json'\n"
        "b = root / 'docs' / 'x.json'\n"
        "c = f'{root}/texts/{a}.txt'\n"
        "d = ('texts', 'locks')\n"
        "e = {'docs': 1}.get('docs')\n"
        "f = dict(id='docs')\n",
        encoding="utf-8",
    )
    hits = [h.split(": ", 1)[1] for h in path_literals(probe)]
    assert hits == ["'catalog.json'", "'docs'", "'/texts/'", "'texts'", "'locks'"]


def _readme_layout() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The store\n", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line.split()[0])
    return block


def test_readme_store_layout_names_exactly_the_layout_entries() -> None:
    names = _readme_layout()
    assert len(names) == len(set(names)), names
    assert sorted(names) == sorted(layout.ENTRIES)


def test_every_path_is_inside_the_store_folder(tmp_path: Path) -> None:
    root = tmp_path / "store"
    paths = [
        layout.format_path(root),
        layout.catalog_path(root),
        layout.text_path(root, "ab" * 32),
        layout.doc_path(root, "cd93c25d1519f967"),
        layout.catalog_backup_path(root),
        layout.doc_backup_path(root, "cd93c25d1519f967"),
        layout.quarantine_path(root, "20250101-000000", layout.catalog_path(root)),
        layout.migration_dir(root, "v1-20250101-000000"),
        layout.index_path(root),
        layout.lock_path(root, layout.CATALOG_LOCK),
        layout.session_path(root),
    ]
    for path in paths:
        assert path.is_relative_to(root)
    # The last good copy mirrors the file's place in the store.
    assert layout.doc_backup_path(root, "x").relative_to(layout.backup_dir(root)) == (
        layout.doc_path(root, "x").relative_to(root)
    )
