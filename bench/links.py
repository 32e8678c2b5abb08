"""newsmark benchmark: keys per attribution link in a scripted session on the seed.

The seed article is labelled with its actors, three quotes and four claims; a
script that knows who said what links each quote to its speaker and each claim
to its claimant in the real reader (Textual's pilot, writes on the writer
thread). For each link it selects the quote or claim with `tab`/`shift+tab`
(counted apart, as navigation), presses `L`, then `enter` if the nearest source
is the right one, `↓` if a press or two reaches it, or else types the start of
its name, and `enter`. Reported: keys per link (target ≤ 3), navigation keys per
link, and whether the links in the store are exactly the script's.

    python bench/links.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.store import Store  # noqa: E402
from tui.app import NewsmarkApp  # noqa: E402

SEED = ROOT / "samples" / "turkey-us-defense-call.txt"


def at(text: str, needle: str, after: str = "") -> tuple[int, int]:
    start = text.index(needle, text.index(after) if after else 0)
    return start, start + len(needle)


def script(text: str) -> tuple[list[tuple[tuple[int, int], str]], list[tuple[int, str, int]]]:
    """The spans to label, and the links (content index, relation, source index)."""
    actors = [
        at(text, "Hulusi Akar"), at(text, "Lloyd Austin"), at(text, "The Pentagon"),
        at(text, "Austin", "Pentagon separately"), at(text, "Turkey", "Turkey, however"),
        at(text, "Ibrahim Kalın"), at(text, "Jake Sullivan"),
        at(text, "Turkey", "Turkey conducted"), at(text, "U.S.", "the U.S. has provided"),
    ]  # fmt: skip
    quotes = [
        ("for the significant role", "there."),
        ("The two leaders also discussed", "to this process,"),
        ("Secretary Austin noted", "missile defense system"),
    ]
    claims = [
        ("Turkey, however, has denied", "F-35 aircraft"),
        ("the advanced Russian anti-air system", "NATO systems"),
        ("a country cannot support one terrorist group", "fight another"),
        ("the U.S. has provided military training", "YPG"),
    ]
    spans = [(a, "actor") for a in actors]
    for label, items in (("quote", quotes), ("claim", claims)):
        for first, last in items:
            begin = text.index(first)
            spans.append(((begin, text.index(last, begin) + len(last)), label))
    # Who said what: content (index into spans) -> its source (index into spans).
    q, c = len(actors), len(actors) + len(quotes)
    links = [
        (q, "speaker", 3), (q + 1, "speaker", 2), (q + 2, "speaker", 2),
        (c, "claimant", 4), (c + 1, "claimant", 8), (c + 2, "claimant", 7), (c + 3, "claimant", 8),
    ]  # fmt: skip
    return spans, links


def cheapest(names: list[str], want: int) -> tuple[str, int]:
    """The fewest keys to highlight ``names[want]``: a typed filter, then ↓ presses."""
    best = ("", want)
    target = names[want]
    for k in range(1, len(target) + 1):
        typed = target[:k].casefold()
        shown = [i for i, n in enumerate(names) if typed in n.casefold()]
        cost = k + shown.index(want)
        if cost < len(best[0]) + best[1]:
            best = (target[:k], shown.index(want))
    return best


async def session(root: Path) -> tuple[list[int], list[int], bool]:
    text = SEED.read_text(encoding="utf-8")
    store = Store.open(root, create=True)
    ((info, _),) = store.add_documents([{"text": text}])
    spans, links = script(text)
    ids = []
    for (start, end), label in spans:
        change = store.add_span(info.id, start, end, label, "alice")
        assert change.span is not None
        ids.append(change.span.id)
    app = NewsmarkApp(store, annotator="alice", write_in_thread=True)
    picking: list[int] = []
    moving: list[int] = []
    async with app.run_test(size=(120, 40)) as pilot:
        reader = app.reader
        assert reader is not None

        async def press(*keys: str) -> None:
            await pilot.press(*keys)
            while len(reader.keys) or reader.pending_writes:
                await asyncio.sleep(0.001)
                await pilot.pause()

        for content, _rel, source in links:
            nav = 0
            while reader.view.selected_span_id != ids[content]:
                await press("tab")
                nav += 1
            moving.append(nav)
            await press("L")
            names = [cand.span.text for cand in reader.linker.candidates]
            order = [cand.span.id for cand in reader.linker.candidates]
            typed, downs = cheapest(names, order.index(ids[source]))
            for ch in typed:
                await press(ch)
            for _ in range(downs):
                await press("down")
            await press("enter")
            picking.append(1 + len(typed) + downs + 1)
        made = {(r.head, r.label, r.tail) for r in store.relations(info.id, "alice")}
    store.close()
    return picking, moving, made == {(ids[h], rel, ids[t]) for h, rel, t in links}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        picking, moving, right = asyncio.run(session(Path(tmp) / "s"))
    n = len(picking)
    print("links on the seed (3 quotes, 4 claims; scripted, pilot):")
    print(f"  keys per link {sum(picking) / n:.2f} (target ≤ 3): " + ", ".join(map(str, picking)))
    print(f"  selecting the quote or claim first (tab): {sum(moving) / n:.2f} keys per link")
    print(f"  links in the store are the script's: {right}")
    if not right:
        raise SystemExit("the scripted links did not land as intended")


if __name__ == "__main__":
    main()
