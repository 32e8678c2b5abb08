"""Drive a real `newsmark` process in a pseudo-terminal, as a user at a keyboard would."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07")


class TuiProcess:
    """A newsmark TUI in a pty; `screen_text` is everything it has drawn, escapes removed."""

    def __init__(
        self, args: list[str], cols: int = 120, rows: int = 40, script: Path | None = None
    ) -> None:
        """Run `newsmark ARGS` (or, for baselines, `python SCRIPT ARGS`)."""
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(cols),
            "LINES": str(rows),
            "PYTHONPATH": str(ROOT),
            "TEXTUAL_ANIMATIONS": "none",
        }
        pid, fd = pty.fork()
        if pid == 0:  # child: become newsmark
            try:
                os.chdir(ROOT)
                entry = [str(script)] if script else ["-m", "tui"]
                os.execve(sys.executable, [sys.executable, *entry, *args], env)
            finally:
                os._exit(127)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.pid, self.fd = pid, fd
        self.cols, self.rows = cols, rows
        self.raw = b""

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            self.raw += chunk

    @property
    def screen_text(self) -> str:
        return _ANSI.sub(b"", self.raw).decode("utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = 30.0, since: int = 0) -> None:
        """Read output until `needle` appears in what was drawn after byte `since`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in _ANSI.sub(b"", self.raw[since:]).decode("utf-8", errors="replace"):
                return
            self._pump(0.05)
        tail = _ANSI.sub(b"", self.raw[-3000:]).decode("utf-8", errors="replace")
        raise AssertionError(f"{needle!r} never appeared on screen; last output: {tail!r}")

    def mark(self) -> int:
        return len(self.raw)

    def settle(self, quiet: float = 0.5, timeout: float = 30.0) -> None:
        """Read until nothing has been drawn for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.raw)
            self._pump(quiet)
            if len(self.raw) == before:
                return
        raise AssertionError("newsmark kept drawing")

    def display(self) -> list[str]:
        """The terminal's rows as a VT100 emulator shows them after everything drawn.

        Partial updates included: a line the program forgot to redraw shows its old
        content here, as it would on the user's screen.
        """
        import pyte

        screen = pyte.Screen(self.cols, self.rows)
        pyte.ByteStream(screen).feed(self.raw)
        return list(screen.display)

    def type(self, keys: str, pause: float = 0.05) -> None:
        for ch in keys:
            os.write(self.fd, ch.encode("utf-8"))
            time.sleep(pause)
            self._pump(0)

    def find_and_label(self, query: str, key: str, shown: str) -> None:
        """Find `query` with `/`, label the match with `key`, wait until `shown` is drawn."""
        since = self.mark()
        self.type("/")
        self.wait_for("find (enter", since=since)
        self.type(query + "\r", pause=0.02)
        self.type(key)
        self.wait_for(shown, since=since)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)

    def wait_exit(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self._pump(0.05)
        self.kill()
        raise AssertionError("newsmark did not exit")
