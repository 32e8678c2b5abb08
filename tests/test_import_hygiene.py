"""The headless boundary, enforced: no module of store/ pulls in Textual, Rich or tui/.

Each module is imported in a fresh interpreter, so one module's imports cannot
hide another's.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import store
from tests.conftest import ROOT

FORBIDDEN = ("textual", "rich", "tui")

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2:])))
"""


def store_modules() -> list[str]:
    names = ["store"]
    names += [m.name for m in pkgutil.walk_packages(store.__path__, prefix="store.")]
    return sorted(names)


def leaks(module: str) -> list[str]:
    """The forbidden modules that importing ``module`` alone loads."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, module, *FORBIDDEN],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    found: list[str] = json.loads(proc.stdout)
    return found


def test_every_store_module_is_found() -> None:
    names = store_modules()
    for expected in ("store.store", "store.layout", "store.export.run", "store.importers.brat"):
        assert expected in names
    assert len(names) > 30


@pytest.mark.parametrize("module", store_modules())
def test_store_module_imports_no_ui(module: str) -> None:
    assert leaks(module) == [], f"{module} imports UI code; store/ must stay headless"


def test_the_probe_sees_a_ui_import() -> None:
    assert "rich" in leaks("tui.geometry")  # geometry measures cells with Rich, by design
