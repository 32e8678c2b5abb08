"""Property: whatever the text, every exported span's text is text[start:end]."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from store.errors import InputError
from store.export.base import ExportReport
from store.export.jsonl import write_jsonl
from store.importing import import_paths
from store.store import Store

# Characters that break naive offset code: ZWJ emoji, flags, combining marks,
# CJK, Turkish dotted/dotless i, CRLF, tabs, line separators.
PIECES = [
    "👩‍👩‍👧", "🇹🇷", "🇺🇸", "e\u0301", "漢字", "日本語", "İ", "ı", "\r\n", "\t", "\u2028",
    "ß", " ", "\n", "Akar", "U.S.", "“", "”", "a", "Z",
]
texts = st.lists(st.sampled_from(PIECES) | st.text(min_size=1, max_size=3), min_size=1,
                 max_size=40).map("".join).filter(lambda t: t.strip() and "\x00" not in t)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, data=st.data())
def test_exported_span_text_equals_text_slice(text: str, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "s")
        (info, _), = store.add_documents([{"text": text}])
        stored = store.text(info.id)
        n = data.draw(st.integers(1, 5))
        for _ in range(n):
            start = data.draw(st.integers(0, len(stored) - 1))
            end = data.draw(st.integers(start + 1, len(stored)))
            label = data.draw(st.sampled_from(["claim", "quote", "actor", "issue"]))
            try:
                store.add_span(info.id, start, end, label, "alice")
            except Exception as exc:  # only exact duplicates may be refused
                assert "already labelled" in str(exc)
        out = io.BytesIO()
        write_jsonl(store.records(), out, ExportReport())
        [rec] = [orjson.loads(line) for line in out.getvalue().splitlines()]
        assert rec["text"] == stored
        assert rec["spans"]
        for span in rec["spans"]:
            assert rec["text"][span["start"]:span["end"]] == span["text"]
        keys = [(s["start"], s["end"], s["label"]) for s in rec["spans"]]
        assert keys == sorted(keys)
        store.close()


@settings(max_examples=25, deadline=None)
@given(text=texts)
def test_imported_file_offsets_refer_to_normalised_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.txt"
        path.write_bytes(text.encode("utf-8"))
        store = Store.open(Path(tmp) / "s")
        try:
            import_paths(store, [path])
        except InputError as exc:
            store.close()
            if "looks binary" in str(exc) or "terminal escape" in str(exc):
                reject()  # control characters or ESC: refused as not article text, rightly
            raise
        [info] = store.documents()
        stored = store.text(info.id)
        assert "\r" not in stored
        assert stored == text.replace("\r\n", "\n").replace("\r", "\n")
        store.add_span(info.id, 0, len(stored), "claim", "alice")
        [span] = store.spans(info.id)
        assert span.text == stored
        store.close()
