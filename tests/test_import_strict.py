"""Import is all-or-nothing and strict: bad records anywhere refuse the whole import.

Each refusal is one line naming the file, the line or record and the problem, exit 1,
and the store byte-identical (every file hashed before and after, locks included).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import orjson
import pytest

from store.store import Store, doc_id_for
from tests.conftest import SEED
from tests.test_cli import run

TEXT = "Hulusi Akar met Lloyd Austin in Ankara on Tuesday."


def every_file(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with the hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "/"
        for p in sorted(root.rglob("*"))
    }


def line(rec: dict[str, object]) -> bytes:
    return orjson.dumps(rec) + b"\n"


def good(**over: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "text": TEXT,
        "annotator": "alice",
        "status": "done",
        "spans": [
            {"id": "s1", "start": 0, "end": 11, "label": "actor", "text": "Hulusi Akar"},
            {"id": "s2", "start": 16, "end": 28, "label": "actor", "text": "Lloyd Austin"},
        ],
        "relations": [{"id": "r1", "head": "s1", "tail": "s2", "label": "meets"}],
    }
    rec.update(over)
    return rec


def span_with(**over: object) -> dict[str, object]:
    span: dict[str, object] = {"id": "s1", "start": 0, "end": 11, "label": "actor"}
    span.update(over)
    return good(spans=[span], relations=[])


def _drop(rec: dict[str, object], key: str) -> dict[str, object]:
    return {k: v for k, v in rec.items() if k != key}


BAD_LINES = [
    # relations: missing tail, a string, a dict without fields, naming no span
    (good(relations=[{"id": "r1", "head": "s1", "label": "meets"}]), 'relation #1 has no "tail"'),
    (good(relations=["s1->s2"]), "relation #1 is 's1->s2', not an object"),
    (good(relations=[{}]), 'relation #1 has no "head"'),
    (good(relations=[{"head": "s1", "tail": "s9", "label": "x"}]), "tail 's9' names no span"),
    (good(relations=[{"head": "s1", "tail": {"id": 1}, "label": "x"}]), "is not a span id"),
    (good(relations=[{"head": "s1", "tail": "s2", "label": ""}]), "label '' is not a non-empty"),
    (good(relations={"r1": 1}), '"relations" is'),
    # status and annotator
    (good(status="finished"), "status 'finished' is not one of todo, done"),
    (good(status=1), "status 1 is not one of"),
    (good(annotator=""), "annotator '' is not a name"),
    (good(annotator=7), "annotator 7 is not a name"),
    (good(annotator="a\x1b[31mb"), "is not a name"),
    # offsets: floats, bools, strings are not coerced; ranges are checked
    (span_with(end=10.9), "end 10.9 is not a whole number"),
    (span_with(start=True), "start True is not a whole number"),
    (span_with(start="0"), "start '0' is not a whole number"),
    (span_with(end=len(TEXT) + 1), "is outside the text"),
    (span_with(start=5, end=5), "is outside the text"),
    (span_with(start=-1), "is outside the text"),
    (span_with(text="Lloyd"), "says 'Lloyd' but the text at 0–11 is 'Hulusi Akar'"),
    (span_with(text=3), '"text" is 3, not a string'),
    # labels
    (span_with(label=""), "label '' is not a non-empty string"),
    (span_with(label=None), "label None is not a non-empty string"),
    (span_with(label=["actor"]), "label ['actor'] is not a non-empty string"),
    (span_with(label="act\nor"), "has control characters"),
    (good(spans=[{"start": 0, "end": 11}]), 'span #1 has no "label"'),
    (good(spans=[{"id": "s1", "start": 0, "end": 3, "label": "a"}] * 2, relations=[]),
     "id 's1' is used by another span"),
    # text content: the refusals .txt files get, for JSONL too
    (good(text=TEXT + " \x00"), "NUL"),
    (good(text=TEXT + " \x1b[2J"), "terminal escape character (U+001B"),
    (good(text=TEXT + " \x9b2J"), "terminal escape character (U+009B"),
    (good(text="  \n"), "the text is empty"),
    (good(meta=["x"]), '"meta" is not an object'),
    (_drop(good(), "text") | {"body": TEXT}, 'expected an object with a "text" string'),
]


@pytest.mark.parametrize(("rec", "message"), BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_a_bad_record_refuses_the_whole_import_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rec: dict[str, object], message: str
) -> None:
    st = tmp_path / "store"
    assert run(capsys, "import", str(SEED), "--store", str(st))[0] == 0
    before = every_file(st)
    folder = tmp_path / "in"
    folder.mkdir()
    # A good file sorted first and a good line before the bad one: neither may land.
    (folder / "a-good.txt").write_text("A council passed its budget on Tuesday.\n")
    first = line({"text": "Another article.", "annotator": "bob"})
    (folder / "b-data.jsonl").write_bytes(first + line(rec))
    code, out, err = run(capsys, "import", str(folder), "--store", str(st))
    assert code == 1, out
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"newsmark: {folder / 'b-data.jsonl'}:2: ")
    assert message in err
    assert "Traceback" not in err and "internal error" not in err
    assert every_file(st) == before


def test_a_refused_import_into_a_new_path_leaves_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(line(good(status="finished")))
    st = tmp_path / "new" / "store"
    code, _, err = run(capsys, "import", str(SEED), str(bad), "--store", str(st))
    assert code == 1 and "status 'finished'" in err
    assert not st.exists() and not st.parent.exists()


def test_a_good_record_lands_exactly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "data.jsonl"
    src.write_bytes(line(good()))
    st = tmp_path / "store"
    assert run(capsys, "import", str(src), "--store", str(st))[0] == 0
    code, out, _ = run(capsys, "export", "--store", str(st), "--annotator", "alice")
    assert code == 0
    [rec] = [orjson.loads(x) for x in out.splitlines()]
    assert rec["text"] == TEXT and rec["status"] == "done"
    assert [(s["start"], s["end"], s["label"], s["text"]) for s in rec["spans"]] == [
        (0, 11, "actor", "Hulusi Akar"),
        (16, 28, "actor", "Lloyd Austin"),
    ]
    by_id = {s["id"]: s["text"] for s in rec["spans"]}
    assert [(by_id[r["head"]], by_id[r["tail"]], r["label"]) for r in rec["relations"]] == [
        ("Hulusi Akar", "Lloyd Austin", "meets")
    ]


# ---------------------------------------------------------------- dataset formats


def _doccano(tmp: Path, entity: dict[str, object]) -> Path:
    path = tmp / "doccano.jsonl"
    path.write_bytes(line({"text": TEXT, "entities": [entity], "relations": []}))
    return path


DATASETS = [
    ("doccano float", lambda t: _doccano(t, {"id": 1, "label": "actor", "start_offset": 0.5,
                                             "end_offset": 11}), "not a whole number"),
    ("doccano bool", lambda t: _doccano(t, {"id": 1, "label": "actor", "start_offset": False,
                                            "end_offset": 11}), "not a whole number"),
    ("doccano empty label", lambda t: _doccano(t, {"id": 1, "label": "", "start_offset": 0,
                                                   "end_offset": 11}), "label ''"),
]


@pytest.mark.parametrize(("name", "make", "message"), DATASETS, ids=[d[0] for d in DATASETS])
def test_dataset_importers_refuse_what_native_refuses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, make: object, message: str
) -> None:
    st = tmp_path / "store"
    Store.open(st).close()
    before = every_file(st)
    path = make(tmp_path)  # type: ignore[operator]
    code, _, err = run(capsys, "import", str(path), "--store", str(st))
    assert code == 1 and message in err and str(path) in err, err
    assert len(err.strip().splitlines()) == 1
    assert every_file(st) == before


def test_doccano_relation_without_a_type_and_a_bad_status_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ents = [{"id": 1, "label": "actor", "start_offset": 0, "end_offset": 11},
            {"id": 2, "label": "actor", "start_offset": 16, "end_offset": 28}]
    for extra, message in (
        ({"relations": [{"id": 1, "from_id": 1, "to_id": 2}]}, "label None"),
        ({"relations": [], "status": "finished"}, "status 'finished'"),
    ):
        path = tmp_path / "d.jsonl"
        path.write_bytes(line({"text": TEXT, "entities": ents, **extra}))
        st = tmp_path / "store"
        code, _, err = run(capsys, "import", str(path), "--store", str(st))
        # The gate names the doccano line, as doccano does.
        assert code == 1 and message in err and f"{path}:1: " in err, err
        assert not st.exists()


def test_brat_text_with_an_escape_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    corpus = tmp_path / "brat"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Hulusi Akar \x1b]0;pwned\x07 spoke.")
    (corpus / "a.ann").write_text("T1\tactor 0 11\tHulusi Akar\n")
    code, _, err = run(capsys, "import", str(corpus), "--store", str(tmp_path / "s"))
    assert code == 1 and "terminal escape character" in err and "document a" in err, err


def test_label_studio_status_is_not_guessed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    task = {"data": {"text": TEXT}, "annotations": [{"result": [], "newsmark": {"status": "ok"}}]}
    path = tmp_path / "ls.json"
    path.write_bytes(orjson.dumps([task]))
    code, _, err = run(capsys, "import", str(path), "--store", str(tmp_path / "s"))
    assert code == 1 and "status 'ok' is not one of todo, done" in err, err


# ----------------------------------------------------------------------- symlinks


def test_links_out_of_the_folder_are_skipped_with_a_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret = tmp_path / "outside" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "real.txt").write_text("The harbour strike entered its third day.\n")
    os.symlink(secret, folder / "passwd.txt")
    os.symlink(secret.parent, folder / "elsewhere")  # a linked folder outside
    os.symlink(folder / "sub" / "real.txt", folder / "inside.txt")  # stays inside: fine
    os.symlink(tmp_path / "gone.txt", folder / "gone.txt")  # broken: skipped, not an error
    st = tmp_path / "store"
    code, out, err = run(capsys, "import", str(folder), "--store", str(st))
    assert code == 0, err
    assert "imported 1 new document" in out
    notes = err.strip().splitlines()
    assert len(notes) == 3
    assert any(str(folder / "passwd.txt") in n and "--follow-symlinks" in n for n in notes)
    assert any(str(folder / "elsewhere") in n for n in notes)
    assert f"note: {folder / 'gone.txt'}: broken symbolic link; skipped" in notes
    store = Store.open(st)
    assert not store.has_document(doc_id_for(secret.read_text()))
    store.close()
    _, exported, _ = run(capsys, "export", "--store", str(st))
    assert "root:x:0" not in exported

    code, out, err = run(capsys, "import", str(folder), "--follow-symlinks", "--store", str(st))
    assert code == 0 and "imported 1 new document" in out, err
    store = Store.open(st)
    assert store.has_document(doc_id_for(secret.read_text()))
    store.close()


def test_brat_pairs_linked_from_outside_are_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.txt").write_text("secret text here")
    corpus = tmp_path / "brat"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Hulusi Akar spoke.")
    (corpus / "a.ann").write_text("T1\tactor 0 11\tHulusi Akar\n")
    os.symlink(outside / "x.txt", corpus / "b.txt")
    (corpus / "b.ann").write_text("T1\tactor 0 6\tsecret\n")
    code, out, err = run(capsys, "import", str(corpus), "--store", str(tmp_path / "s"))
    assert code == 0 and "imported 1 new document" in out, err
    assert str(corpus / "b.txt") in err and "outside" in err


# ----------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_western_european_legacy_text_decodes_right(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, encoding: str
) -> None:
    text = "El señor Müller habló ante la façade del ayuntamiento.\n"
    path = tmp_path / "old.txt"
    path.write_bytes(text.encode(encoding))
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(path), "--store", str(st))
    assert code == 0
    assert err.strip().splitlines() == [
        f"note: {path}: not UTF-8: decoded as cp1252 (detected; give --encoding if that is "
        "wrong)"
    ]
    store = Store.open(st)
    assert store.text(store.documents()[0].id) == text
    store.close()


def test_encoding_option_overrides_detection(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = "Vakar Vilniuje įvyko ministrų susitikimas.\n"
    path = tmp_path / "lt.txt"
    path.write_bytes(text.encode("cp1257"))
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(path), "--encoding", "cp1257", "--store", str(st))
    assert code == 0 and "decoded as cp1257 (--encoding)" in err
    store = Store.open(st)
    assert store.text(store.documents()[0].id) == text
    store.close()


def test_a_bad_encoding_name_or_undecodable_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("señor".encode())
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(path), "--encoding", "klingon", "--store", str(st))
    assert code == 1 and err.startswith("newsmark: unknown encoding 'klingon'")
    assert len(err.strip().splitlines()) == 1
    path.write_bytes(b"caf\xe9 \xff\xfe")
    code, _, err = run(capsys, "import", str(path), "--encoding", "utf-8", "--store", str(st))
    assert code == 1 and f"{path}: not utf-8 text (byte 3)" in err
    assert not st.exists()


def test_the_catalog_is_written_once_per_import(tmp_path: Path) -> None:
    """Linear import: 1,200 documents (more than the old 500-document batch) are one write."""
    from store.importing import import_paths

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1200):
        (folder / f"{i:05d}.txt").write_text(f"Article number {i} about the budget.\n")
    store = Store.open(tmp_path / "store")
    catalog = tmp_path / "store" / "catalog.json"
    writes: list[float] = []
    import store.storage as storage

    real = storage.atomic_write

    def counting(path: Path, data: bytes, *, durable: bool = True) -> None:
        if path == catalog:
            writes.append(time.monotonic())
        real(path, data, durable=durable)

    storage.atomic_write = counting  # type: ignore[assignment]
    try:
        report = import_paths(store, [folder])
    finally:
        storage.atomic_write = real  # type: ignore[assignment]
    assert report.added == 1200 and len(store.documents()) == 1200
    assert len(writes) == 1
    store.close()
