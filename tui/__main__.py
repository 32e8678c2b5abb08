"""``python -m tui`` and the ``newsmark`` script: start newsmark.

The cyclic GC is paused before anything is imported: the modules (click, the
store, Textual) and the reader built at start-up make ~60,000 objects that live
as long as the process, and collections while they are made would scan them
over and over. The command line resumes it at once for every command but the
reader, which resumes it once its first frame is on screen.

(``python -m tui.cli`` would also work, but compiles tui/cli.py afresh on every
start: a module run as ``__main__`` never uses its cached bytecode.)
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from tui.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
