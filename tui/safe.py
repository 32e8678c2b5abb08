"""Strings from input, made safe to draw or print: controls shown, markup never parsed.

Titles, labels, annotator names, span text, file names and error messages all
come, in the end, from files someone else wrote. Written to a terminal as they
are, an ESC starts an escape sequence (OSC 0 retitles the window, OSC 52 writes
the clipboard, CSI clears the screen); passed to Rich or Textual as a markup
string, ``[/b]`` is a crash and ``[red]`` a forgery. So every string from input
goes through ``visible`` (text) or ``safe_text`` (a ``rich.text.Text``, which
is never parsed as markup) before it is drawn or printed.

What is replaced (decision), one character for one character so a cut or a
column stays where it was:

* C0 controls U+0000–U+001F (ESC, BEL, tab, newline included) become their
  control pictures U+2400–U+241F (ESC is ␛), as the article pane draws them;
* DEL U+007F becomes ␡;
* C1 controls U+0080–U+009F (CSI U+009B and OSC U+009D among them: one-byte
  escape sequences for some terminals) become a middle dot ·, as in the pane;
* the bidirectional controls that reorder what follows them (embeddings and
  overrides U+202A–U+202E, isolates U+2066–U+2069, the marks U+200E, U+200F,
  U+061C: the "Trojan Source" set) become a middle dot ·;
* the line and paragraph separators U+2028, U+2029 become ␤ (one line stays
  one line);
* lone surrogates, which cannot be encoded for the terminal, become U+FFFD.

Everything else (letters of every script, emoji, combining marks, ZWJ) is
left alone: a Turkish or Chinese title must read as itself.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING, BinaryIO, Final

if TYPE_CHECKING:  # Rich is imported on first use: `newsmark import` prints plain lines
    from rich.style import Style
    from rich.text import Text

__all__ = ["UNSAFE", "TerminalStream", "safe_markup", "safe_text", "visible"]

_DOT: Final = "\u00b7"

_TABLE: Final[dict[int, str]] = {
    **{code: chr(0x2400 + code) for code in range(0x20)},
    0x7F: "\u2421",
    **{code: _DOT for code in range(0x80, 0xA0)},
    **{code: _DOT for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    0x200E: _DOT,
    0x200F: _DOT,
    0x061C: _DOT,
    0x2028: "\u2424",
    0x2029: "\u2424",
    **{code: "\ufffd" for code in range(0xD800, 0xE000)},
}

#: Every code point ``visible`` replaces.
UNSAFE: Final = frozenset(chr(code) for code in _TABLE)


# A regex search runs in C: a title without anything to replace (nearly all of them)
# is returned after one scan, no per-character lookups as in str.translate.
_CLASS: Final = (
    "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff"
)
_UNSAFE_RE: Final = re.compile(f"[{_CLASS}]")
#: For multi-line output (export data shown on a terminal): lines and tabs kept.
_UNSAFE_LINES_RE: Final = re.compile(f"(?![\\n\\t])[{_CLASS}]")


def _picture(match: re.Match[str]) -> str:
    return _TABLE[ord(match.group())]


def visible(value: object, *, lines: bool = False) -> str:
    """``str(value)`` with every unsafe code point replaced by a visible one (see above).

    ``lines`` keeps newlines and tabs, for output of many lines meant to stay so.
    """
    text = value if isinstance(value, str) else str(value)
    # The common case (printable ASCII) costs one C-level scan and no copy.
    if text.isascii() and text.isprintable():
        return text
    pattern = _UNSAFE_LINES_RE if lines else _UNSAFE_RE
    return pattern.sub(_picture, text) if pattern.search(text) else text


class TerminalStream:
    """A binary stream for data a person reads on a terminal: controls shown, lines kept.

    ``newsmark export`` to stdout writes the exact bytes when stdout is a pipe or a
    file; when it is a terminal the same data goes through this, so a title's OSC 52
    is shown as ␛]52;… and not run. UTF-8 split across writes is decoded whole.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, data: bytes) -> int:
        self.raw.write(visible(self._decoder.decode(bytes(data)), lines=True).encode("utf-8"))
        return len(data)

    def flush(self) -> None:
        tail = self._decoder.decode(b"", final=True)
        if tail:
            self.raw.write(visible(tail, lines=True).encode("utf-8"))
        self.raw.flush()


def safe_text(value: object, style: str | Style = "") -> Text:
    """A ``Text`` of ``visible(value)``: drawn as written, never parsed as markup."""
    from rich.text import Text

    return Text(visible(value), style=style, end="")


def safe_markup(value: object) -> str:
    """``visible(value)`` escaped for APIs that only take markup (the command palette).

    Every ``[`` gets one backslash: Textual's parser takes the last backslash before
    a bracket as its escape and keeps the others (``textual.markup.escape`` doubles
    them, so a name with ``\\[`` came out changed).
    """
    return visible(value).replace("[", "\\[")
