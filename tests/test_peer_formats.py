"""Peers' files in and out through the command line, read by their real consumers.

One corpus with the hard cases (CRLF, emoji, CJK, nested, overlapping and
one-character spans, two annotators with links, document labels) goes out in every
format and comes back in; the peers' own quirks (doccano's UTF-16 offsets, per-user
files, a bad line, text classification; Label Studio's plain task list and other text
field names) are imported the way their users give them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from store.importers import brat as brat_in
from store.store import Store
from tests.records import record, spans_in, spans_of
from tests.test_cli import run

TEXT = "Ankara said.\r\nTurkey’s 👨🏻‍🚒 firemen drove 漢字テスト.\r\nEnd"
MARKS = [
    ("Ankara", "actor"),
    ("Ankara said.", "claim"),  # nests the actor
    ("said.\r\nTurkey", "quote"),  # across a CRLF, overlapping the claim
    ("T", "actor"),  # one character, inside the token "Turkey’s"
    ("👨🏻‍🚒", "actor"),  # one grapheme of five code points (seven UTF-16 units)
    ("firemen", "actor"),
    ("漢字", "issue"),  # inside a CJK token
]


def corpus() -> list[dict[str, Any]]:
    spans = spans_in(TEXT, MARKS)
    alice = record("crlf", TEXT, spans, relations=[("s1", "s2", "says")])
    alice["doc_labels"] = {"topic": ["politics", "world"], "tone": ["neutral"]}
    bob = record("crlf", TEXT, spans[:3], annotator="bob", relations=[("s1", "s2", "says")])
    bob["doc_labels"] = {"topic": ["sports"]}
    plain = record("plain", "Short one.\nTwo.", [(0, 5, "claim")])
    return [alice, bob, plain]


def store_with_corpus(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> tuple[Path, list[dict[str, Any]]]:
    records = corpus()
    src = tmp_path / "corpus.jsonl"
    src.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(src), "--store", str(st))
    assert code == 0, err
    return st, records


def layers(st: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(text's first word, annotator) -> the layer's spans and document labels, as stored."""
    store = Store.open(st)
    try:
        return {
            (r["text"].split()[0], r["annotator"]): {
                "spans": sorted(spans_of(r)),
                "doc_labels": r.get("doc_labels", {}),
            }
            for r in store.records(include_empty=False)
        }
    finally:
        store.close()


def expected_layers(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (r["text"].split()[0], r["annotator"]): {
            "spans": sorted(spans_of(r)),
            # The store keeps a set's choices sorted.
            "doc_labels": {k: sorted(v) for k, v in r.get("doc_labels", {}).items()},
        }
        for r in records
    }


@pytest.mark.parametrize(
    ("fmt", "args"),
    [
        ("doccano", ()),
        ("doccano", ("--offsets", "utf16")),
        ("doccano", ("--relations",)),
        ("labelstudio", ()),
        ("brat", ()),
    ],
)
def test_export_then_import_keeps_every_span_and_document_label(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, args: tuple[str, ...]
) -> None:
    st, records = store_with_corpus(capsys, tmp_path)
    suffix = {"brat": "", "labelstudio": ".json", "doccano": ".jsonl"}[fmt]
    out = tmp_path / f"out{suffix}"
    code, _, err = run(capsys, "export", "--store", str(st), "-f", fmt, "-o", str(out), *args)
    assert code == 0, err
    back = tmp_path / "back"
    in_args = ("--offsets", "utf16") if "utf16" in args else ()
    code, _, err = run(capsys, "import", str(out), "--store", str(back), *in_args)
    assert code == 0, err
    assert layers(back) == expected_layers(records)


def test_pybrat_reads_the_crlf_corpus_unshifted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pybrat = pytest.importorskip("pybrat.parser")
    st, _ = store_with_corpus(capsys, tmp_path)
    out = tmp_path / "brat"
    code, _, err = run(capsys, "export", "--store", str(st), "-f", "brat", "-o", str(out))
    assert code == 0
    assert "note: 2 document layers' document labels written as annotation.conf comments" in err
    examples = {ex.id: ex for ex in pybrat.BratParser(error="ignore").parse(str(out))}
    (alice,) = [
        ex for name, ex in examples.items() if name.startswith("alice/") and "Ankara" in ex.text
    ]
    mentions = sorted(ent.mention for ent in alice.entities)
    assert mentions == sorted(sub.replace("\r\n", " ") for sub, _ in MARKS)


def test_spacy_export_notes_spans_the_default_tokenizer_cannot_align(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    st, records = store_with_corpus(capsys, tmp_path)
    out = tmp_path / "corpus.spacy"
    code, _, err = run(capsys, "export", "--store", str(st), "-f", "spacy", "-o", str(out))
    assert code == 0, err
    nlp = spacy.blank("en")
    # What `spacy train` meets: the pipeline's own tokenizer on the same text.
    unalignable = sum(
        nlp.make_doc(r["text"]).char_span(s["start"], s["end"], alignment_mode="strict") is None
        for r in records
        for s in r["spans"]
    )
    assert unalignable >= 2  # "T" of "Turkey", "漢字" at least
    assert f"note: {unalignable} spans begin or end inside a token" in err
    docs = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    by_annotator = {d.user_data["annotator"]: d for d in docs if "Ankara" in d.text}
    alice, bob = by_annotator["alice"], by_annotator["bob"]
    # Exact in the DocBin all the same.
    assert sorted((s.start_char, s.end_char, s.label_) for s in alice.spans["sc"]) == sorted(
        (s, e, lab) for s, e, lab, _ in spans_of(records[0])
    )
    # What training does with them: spaCy's Example aligns the DocBin's spans to the
    # pipeline's own tokens and drops the misaligned, exactly the ones the note counts.
    from spacy.training import Example

    dropped = 0
    for doc in docs:
        example = Example(nlp.make_doc(doc.text), doc)
        aligned = example.get_aligned_spans_y2x(list(doc.spans["sc"]), allow_overlap=True)
        dropped += len(doc.spans["sc"]) - len(aligned)
    assert dropped == unalignable
    cats = ["tone:neutral", "topic:politics", "topic:sports", "topic:world"]
    assert sorted(alice.cats) == cats and sorted(bob.cats) == cats
    assert {c for c, v in alice.cats.items() if v == 1.0} == {
        "tone:neutral", "topic:politics", "topic:world"
    }
    assert {c for c, v in bob.cats.items() if v == 1.0} == {"topic:sports"}


def test_conll_with_several_columns_gives_spacy_convert_no_junk_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("spacy")
    from spacy.training.converters import conll_ner_to_docs

    st, records = store_with_corpus(capsys, tmp_path)
    out = tmp_path / "corpus.conll"
    code, _, err = run(
        capsys, "export", "--store", str(st), "-f", "conll", "--annotator", "alice", "-o", str(out)
    )
    assert code == 0, err
    data = out.read_text(encoding="utf-8")
    docs = list(conll_ner_to_docs(data, no_print=True))
    alice = [r for r in records if r["annotator"] == "alice"]
    assert len(docs) == len(alice)
    # Every word spaCy reads is a token of the text: no header read as words.
    for doc, rec in zip(docs, alice, strict=True):
        assert "".join(t.text for t in doc) == "".join(rec["text"].split())
    # spaCy takes the last column (columns are sorted: quote); newsmark reads them all.
    assert [e.label_ for e in docs[0].ents] == ["quote"]
    back = tmp_path / "back"
    code, _, err = run(capsys, "import", str(out), "--store", str(back))
    assert code == 0, err
    got = {lab for key, layer in layers(back).items() for _, _, lab, _ in layer["spans"]}
    assert got == {"actor", "claim", "quote", "issue"}


def doccano_ui_line(text: str, spans: list[tuple[str, str]], **extra: Any) -> bytes:
    """A line as doccano's web UI exports it: offsets in UTF-16 code units."""
    units = []
    for sub, label in spans:
        start = text.index(sub)
        a = len(text[:start].encode("utf-16-le")) // 2
        b = a + len(sub.encode("utf-16-le")) // 2
        units.append([a, b, label])
    return orjson.dumps({"text": text, "label": units, **extra}) + b"\n"


def test_doccano_utf16_offsets_import_where_doccano_put_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = "👨🏻‍🚒 firemen drove"
    path = tmp_path / "admin.jsonl"
    path.write_bytes(doccano_ui_line(text, [("firemen", "actor"), ("drove", "act")]))
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(path), "--store", str(st), "--offsets", "utf16")
    assert code == 0, err
    ((_, layer),) = layers(st).items()
    got = [(lab, sub) for _, _, lab, sub in layer["spans"]]
    assert got == [("actor", "firemen"), ("act", "drove")]


def test_a_utf16_offset_inside_a_surrogate_pair_is_a_one_line_refusal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(orjson.dumps({"text": "👨 ok", "label": [[1, 4, "x"]]}) + b"\n")
    st = tmp_path / "store"
    code, out, err = run(capsys, "import", str(path), "--store", str(st), "--offsets", "utf16")
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()
    assert "bad.jsonl:1" in line and "UTF-16 offset 1 falls inside a character" in line
    assert "Traceback" not in err and not st.exists()


def test_per_user_doccano_files_stay_two_layers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = "The minister said so."
    (tmp_path / "alice.jsonl").write_bytes(doccano_ui_line(text, [("minister", "actor")]))
    (tmp_path / "bob.jsonl").write_bytes(doccano_ui_line(text, [("said", "act")]))
    st = tmp_path / "store"
    for user in ("alice", "bob"):
        path = tmp_path / f"{user}.jsonl"
        code, _, err = run(capsys, "import", str(path), "--store", str(st), "--annotator", user)
        assert code == 0, err
    got = layers(st)
    assert sorted(got) == [("The", "alice"), ("The", "bob")]
    assert [s[3] for s in got[("The", "alice")]["spans"]] == ["minister"]
    assert [s[3] for s in got[("The", "bob")]["spans"]] == ["said"]


def test_skip_bad_imports_the_rest_and_names_every_skipped_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "project.jsonl"
    path.write_bytes(
        doccano_ui_line("First good.", [("good", "x")])
        + b'{"text": "broken", "label": [[0, 99, "x"]]}\n'
        + b"not json at all\n"
        + doccano_ui_line("Second good.", [("good", "y")])
        + b'{"text": "\\u0000 control", "label": []}\n'
    )
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(path), "--store", str(st))
    assert code == 1 and not st.exists()  # all or nothing by default
    code, out, err = run(capsys, "import", str(path), "--store", str(st), "--skip-bad")
    assert code == 0, err
    skipped = [ln for ln in err.splitlines() if "skipped (--skip-bad)" in ln]
    assert [ln.split(": ", 2)[1] for ln in skipped] == [f"{path}:{n}" for n in (2, 3, 5)]
    assert all(ln.startswith("note: ") for ln in skipped)
    assert "imported 2 new documents, 2 spans" in out
    assert sorted(k[0] for k in layers(st)) == ["First", "Second"]


def test_doccano_text_classification_gives_document_labels(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "classes.jsonl"
    path.write_bytes(
        orjson.dumps({"text": "Match report.", "label": ["sports", "local"]}) + b"\n"
        + orjson.dumps({"text": "Budget vote.", "label": ["politics"]}) + b"\n"
    )
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(path), "--store", str(st), "--annotator", "ann")
    assert code == 0, err
    got = layers(st)
    assert got[("Match", "ann")] == {"spans": [], "doc_labels": {"label": ["local", "sports"]}}
    assert got[("Budget", "ann")]["doc_labels"] == {"label": ["politics"]}


def test_label_studio_plain_task_list_and_text_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plain = tmp_path / "tasks.json"
    plain.write_bytes(orjson.dumps([{"text": "First task."}, {"data": {"text": "Second."}}]))
    other = tmp_path / "review.json"
    other.write_bytes(orjson.dumps([{"data": {"body": "Only one string.", "n": 3}}]))
    two = tmp_path / "two.json"
    two.write_bytes(orjson.dumps([{"data": {"headline": "H", "body": "Body text."}}]))
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(plain), str(other), "--store", str(st))
    assert code == 0, err
    code, _, err = run(capsys, "import", str(two), "--store", str(st))
    assert code == 1 and "give --text-field NAME" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "import", str(two), "--store", str(st), "--text-field", "body")
    assert code == 0, err
    store = Store.open(st)
    try:
        texts = sorted(store.text(d.id) for d in store.documents())
    finally:
        store.close()
    assert texts == ["Body text.", "First task.", "Only one string.", "Second."]


def test_a_duplicated_span_is_reported_as_stored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_bytes(orjson.dumps({"text": "Ankara said.", "label": [[0, 6, "x"], [0, 6, "x"]]}))
    st = tmp_path / "store"
    code, out, err = run(capsys, "import", str(path), "--store", str(st))
    assert code == 0, err
    assert "imported 1 new document, 1 spans" in out
    assert len(next(iter(layers(st).values()))["spans"]) == 1


def test_label_studio_utf16_offsets_on_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = "👨🏻‍🚒 firemen drove"
    start = len(text[: text.index("firemen")].encode("utf-16-le")) // 2
    task = {"data": {"text": text}, "annotations": [{"result": [
        {"id": "a", "type": "labels", "value": {"start": start, "end": start + 7,
                                                "labels": ["actor"]}}]}]}  # fmt: skip
    path = tmp_path / "ls.json"
    path.write_bytes(orjson.dumps([task]))
    st = tmp_path / "store"
    code, _, err = run(capsys, "import", str(path), "--store", str(st), "--offsets", "utf16")
    assert code == 0, err
    ((_, layer),) = layers(st).items()
    assert [s[3] for s in layer["spans"]] == ["firemen"]


def test_spacy_docbin_gives_the_document_labels_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("spacy")
    from store.export.spacy import read_docbin

    st, records = store_with_corpus(capsys, tmp_path)
    out = tmp_path / "corpus.spacy"
    assert run(capsys, "export", "--store", str(st), "-f", "spacy", "-o", str(out))[0] == 0
    back = {(r["id"], r["annotator"]): r.get("doc_labels", {}) for r in read_docbin(out)}
    assert sorted(back.values(), key=str) == sorted(
        ({k: sorted(v) for k, v in r.get("doc_labels", {}).items()} for r in records), key=str
    )


def test_one_brat_pair_of_an_annotator_folder_keeps_its_document_labels(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    st, _ = store_with_corpus(capsys, tmp_path)
    out = tmp_path / "brat"
    assert run(capsys, "export", "--store", str(st), "-f", "brat", "-o", str(out))[0] == 0
    (bob_ann,) = (out / "bob").glob("*.ann")
    (rec,) = brat_in.read(bob_ann)
    assert rec["annotator"] == "bob" and rec["doc_labels"] == {"topic": ["sports"]}


def test_doccano_classification_export_lists_document_labels(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    st, records = store_with_corpus(capsys, tmp_path)
    out = tmp_path / "classes.jsonl"
    code, _, err = run(
        capsys, "export", "--store", str(st), "-f", "doccano", "--classification", "-o", str(out)
    )
    assert code == 0, err
    lines = [orjson.loads(ln) for ln in out.read_bytes().splitlines()]
    # The shape of doccano's own text-classification files: text and a list of classes.
    by_layer = {(ln["text"].split()[0], ln["annotator"]): ln["label"] for ln in lines}
    assert by_layer == {
        ("Ankara", "alice"): ["tone:neutral", "topic:politics", "topic:world"],
        ("Ankara", "bob"): ["topic:sports"],
        ("Short", "alice"): [],
    }
    spans = sum(len(r["spans"]) for r in records)
    assert f"warning: doccano lost {spans} spans not written in doccano's text-classif" in err
    back = tmp_path / "back"
    assert run(capsys, "import", str(out), "--store", str(back))[0] == 0
    got = {key: layer["doc_labels"] for key, layer in layers(back).items()}
    assert got == {key: layer["doc_labels"] for key, layer in expected_layers(records).items()}
    assert all(not layer["spans"] for layer in layers(back).values())


def test_dry_run_says_the_spacy_alignment_note_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("spacy")
    st, _ = store_with_corpus(capsys, tmp_path)
    out = tmp_path / "corpus.spacy"
    code, _, err = run(
        capsys, "export", "--store", str(st), "-f", "spacy", "-o", str(out), "--dry-run"
    )
    assert code == 0 and not out.exists()
    assert "spans begin or end inside a token of spaCy's default tokenizer" in err
