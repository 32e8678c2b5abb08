"""The command line: import, export, stats, validate, exit codes and one-line errors."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from store.store import Store
from tests.conftest import ARTICLES, ROOT, SAMPLES, SEED
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def tree(path: Path) -> dict[str, str]:
    """Every file under path with its hash: proof that nothing changed."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and "locks" not in p.parts
    }


@pytest.fixture
def st(tmp_path: Path) -> Path:
    return tmp_path / "store"


def import_seed_with_a_span(capsys: pytest.CaptureFixture[str], st: Path) -> tuple[Store, str]:
    """Import the seed article into `st` and label "Hulusi Akar" (180-191) actor for alice."""
    run(capsys, "import", str(SEED), "--store", str(st))
    store = Store.open(st)
    doc = store.documents()[0].id
    store.add_span(doc, 180, 191, "actor", "alice")
    return store, doc


def test_import_folder_then_again_is_a_no_op(capsys: pytest.CaptureFixture[str], st: Path) -> None:
    code, out, _ = run(capsys, "import", str(SAMPLES), "--store", str(st))
    assert code == 0 and "imported 7 new documents" in out
    before = tree(st)
    code, out, _ = run(capsys, "import", str(SAMPLES), "--store", str(st))
    assert code == 0 and "imported 0 new documents, 7 already" in out
    assert tree(st) == before


def test_html_import_keeps_article_text_only(capsys: pytest.CaptureFixture[str], st: Path) -> None:
    html = SAMPLES / "harbour-strike-report.html"
    code, _, _ = run(capsys, "import", str(html), "--store", str(st))
    assert code == 0
    [doc] = Store.open(st).documents()
    text = Store.open(st).text(doc.id)
    assert "cookie" not in text.lower()
    assert "Related stories" not in text
    assert doc.title and doc.meta.get("author")


def test_crlf_is_normalised_and_original_hash_kept(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    path = SAMPLES / "crlf-multilingual-newsroom.txt"
    assert run(capsys, "import", str(path), "--store", str(st))[0] == 0
    store = Store.open(st)
    [doc] = store.documents()
    assert "\r" not in store.text(doc.id)
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("nul.txt", b"text with a \x00 NUL", "NUL"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("image.txt", bytes(range(256)) * 4, "binary"),
        ("picture.png", b"\x89PNG\r\n", "unsupported file type"),
        ("bad.jsonl", b'{"text": "ok"}\n{not json\n', "bad.jsonl:2"),
        (
            "offsets.jsonl",
            b'{"text": "abc", "spans": [{"start": 1, "end": 9, "label": "x"}]}\n',
            "outside the text",
        ),
    ],
)
def test_bad_input_is_refused_and_store_unchanged(
    capsys: pytest.CaptureFixture[str],
    st: Path,
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    assert run(capsys, "import", str(SEED), "--store", str(st))[0] == 0
    before = tree(st)
    bad = tmp_path / name
    bad.write_bytes(content)
    code, _out, err = run(
        capsys, "import", str(SEED.parent / "council-budget-vote.md"), str(bad), "--store", str(st)
    )
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert tree(st) == before  # the good file beside it was not imported either


def test_non_utf8_is_detected_and_said(
    capsys: pytest.CaptureFixture[str], st: Path, tmp_path: Path
) -> None:
    latin = tmp_path / "latin.txt"
    text = "Le ministre a déclaré à la presse que l’été serait très chargé pour l’équipe. " * 5
    latin.write_bytes(text.replace("’", "'").encode("cp1252"))
    code, _, err = run(capsys, "import", str(latin), "--store", str(st))
    assert code == 0 and "not UTF-8" in err
    store = Store.open(st)
    assert "déclaré" in store.text(store.documents()[0].id)


def test_export_jsonl_has_exact_offsets_and_contract_keys(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    _store, _doc = import_seed_with_a_span(capsys, st)  # _store: kept open while the CLI runs
    code, out, _ = run(capsys, "export", "--store", str(st))
    assert code == 0
    [line] = out.splitlines()
    rec = orjson.loads(line)
    assert list(rec) == [
        "id",
        "text",
        "meta",
        "annotator",
        "status",
        "spans",
        "relations",
        "schema_version",
    ]
    assert list(rec["meta"])[:3] == ["title", "source", "sha256"]
    [span] = rec["spans"]
    assert (span["start"], span["end"], span["text"]) == (180, 191, "Hulusi Akar")
    assert rec["text"][span["start"] : span["end"]] == span["text"]


def test_export_filters_and_output_file(
    capsys: pytest.CaptureFixture[str], st: Path, tmp_path: Path
) -> None:
    run(capsys, "import", *map(str, ARTICLES), "--store", str(st))
    store = Store.open(st)
    a, b = store.documents()[:2]
    store.add_span(a.id, 0, 3, "claim", "alice")
    store.add_span(b.id, 0, 3, "actor", "bob")
    store.set_status(b.id, "bob", "done")
    out_file = tmp_path / "gold.jsonl"
    code, _, err = run(
        capsys, "export", "--store", str(st), "--status", "done", "-o", str(out_file)
    )
    assert code == 0 and "1 documents" in err
    recs = [orjson.loads(x) for x in out_file.read_bytes().splitlines()]
    assert [(r["id"], r["annotator"]) for r in recs] == [(b.id, "bob")]
    code, out, _ = run(
        capsys, "export", "--store", str(st), "--annotator", "alice", "--label", "claim"
    )
    assert [orjson.loads(x)["annotator"] for x in out.splitlines()] == ["alice"]


def test_export_round_trips_through_import(
    capsys: pytest.CaptureFixture[str], st: Path, tmp_path: Path
) -> None:
    run(capsys, "import", str(SAMPLES), "--store", str(st))
    store = Store.open(st)
    doc = store.documents()[2]
    store.add_span(doc.id, 0, 5, "claim", "alice")
    store.add_span(doc.id, 2, 4, "actor", "alice")
    store.set_status(doc.id, "alice", "done")
    dump = tmp_path / "all.jsonl"
    assert run(capsys, "export", "--store", str(st), "-o", str(dump))[0] == 0
    other = tmp_path / "other"
    assert run(capsys, "import", str(dump), "--store", str(other))[0] == 0
    dump2 = tmp_path / "again.jsonl"
    assert run(capsys, "export", "--store", str(other), "-o", str(dump2))[0] == 0
    first = [orjson.loads(x) for x in dump.read_bytes().splitlines()]
    second = [orjson.loads(x) for x in dump2.read_bytes().splitlines()]
    key = lambda r: (r["id"], r["annotator"])  # noqa: E731
    assert sorted(first, key=key) == sorted(second, key=key)


def test_export_is_deterministic(capsys: pytest.CaptureFixture[str], st: Path) -> None:
    run(capsys, "import", str(SAMPLES), "--store", str(st))
    store = Store.open(st)
    store.add_span(store.documents()[0].id, 0, 3, "claim", "alice")
    first = run(capsys, "export", "--store", str(st))[1]
    assert run(capsys, "export", "--store", str(st))[1] == first


def test_validate_reports_damage_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    _store, doc = import_seed_with_a_span(capsys, st)
    code, out, _ = run(capsys, "validate", "--store", str(st))
    assert code == 0 and "1 spans" in out
    path = st / "docs" / f"{doc}.json"
    path.write_bytes(path.read_bytes()[:40])
    before = tree(st)
    code, _, err = run(capsys, "validate", "--store", str(st))
    assert code == 1 and f"{doc}.json" in err
    assert tree(st) == before


def test_stats_counts_labels_and_annotators(capsys: pytest.CaptureFixture[str], st: Path) -> None:
    store, doc = import_seed_with_a_span(capsys, st)
    store.add_span(doc, 0, 3, "claim", "bob")
    code, out, _ = run(capsys, "stats", "--store", str(st))
    assert code == 0
    assert "actor" in out and "claim" in out and "alice" in out and "bob" in out


def test_usage_errors_exit_2_and_user_errors_exit_1(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    assert run(capsys, "export", "--status", "nope", "--store", str(st))[0] == 2
    code, _, err = run(capsys, "export", "--store", str(st / "missing"))
    assert code == 1 and "no store" in err
    code, _, err = run(capsys, "export", "--format", "nope", "--store", str(st))
    assert code == 1 and "unknown format" in err


def test_console_script_reports_errors_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "import",
            str(tmp_path / "nope.txt"),
            "--store",
            str(tmp_path / "st"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 1
    missing = tmp_path / "nope.txt"
    assert proc.stderr.strip() == f"newsmark: {missing}: no such file or folder; check the path"


def test_export_validates_against_the_published_json_schema(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    import jsonschema

    schema = orjson.loads((ROOT / "docs" / "newsmark.schema.json").read_bytes())
    run(capsys, "import", *map(str, ARTICLES), "--store", str(st))
    store = Store.open(st)
    doc = store.documents()[0].id
    store.add_span(doc, 0, 5, "claim", "alice")
    store.set_status(doc, "alice", "done")
    code, out, _ = run(capsys, "export", "--store", str(st))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 7
    for line in lines:
        jsonschema.validate(orjson.loads(line), schema)


def test_readme_key_table_matches_the_actions_table() -> None:
    from tui.actions import markdown_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- keys:start -->")[1].split("<!-- keys:end -->")[0]
    assert block.strip() == markdown_table()


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("brat", "brat-out"), ("labelstudio", "ls.json"), ("doccano", "doccano.jsonl")],
)
def test_foreign_export_imports_back_through_the_cli(
    capsys: pytest.CaptureFixture[str], st: Path, tmp_path: Path, fmt: str, name: str
) -> None:
    store, doc = import_seed_with_a_span(capsys, st)
    # Two annotators' layers: brat numbers spans T1, T2 … in each, so ids repeat.
    store.add_span(doc, 146, 191, "claim", "alice")
    store.add_span(doc, 180, 191, "actor", "bob")
    out = tmp_path / name
    assert run(capsys, "export", "--format", fmt, "-o", str(out), "--store", str(st))[0] == 0
    other = tmp_path / "other"
    code, _, err = run(capsys, "import", str(out), "--store", str(other))
    assert code == 0, err
    back = Store.open(other)
    [info] = back.documents()
    got = sorted((s.annotator, s.start, s.end, s.label, s.text) for s in back.spans(info.id))
    want = sorted((s.annotator, s.start, s.end, s.label, s.text) for s in store.spans(doc))
    if fmt == "doccano":  # doccano keeps annotator as an extra column only when it can
        assert [g[1:] for g in got] == [w[1:] for w in want] or got == want
    else:
        assert got == want


def test_dry_run_says_what_would_be_lost_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], st: Path, tmp_path: Path
) -> None:
    store, doc = import_seed_with_a_span(capsys, st)
    store.add_span(doc, 180, 186, "actor", "alice")  # same label nested: CoNLL drops one
    before = tree(st)
    target = tmp_path / "out.conll"
    code, out, err = run(
        capsys, "export", "--format", "conll", "-o", str(target), "--dry-run", "--store", str(st)
    )
    assert code == 0 and out == ""
    assert "would write 1 documents, 1 spans as conll" in err
    assert "would lose: 1 overlapping spans of the same label" in err
    assert not target.exists()
    assert tree(st) == before
    # The real export then reports exactly the loss the dry run announced.
    code, _, real = run(
        capsys, "export", "--format", "conll", "-o", str(target), "--store", str(st)
    )
    assert code == 0 and target.exists()
    announced = sorted(
        x.removeprefix("would lose: ") for x in err.splitlines() if x.startswith("would lose:")
    )
    lost = sorted(
        x.removeprefix("warning: conll lost ")
        for x in real.splitlines()
        if x.startswith("warning: conll lost")
    )
    assert announced == lost


@pytest.mark.parametrize("fmt", ["jsonl", "doccano", "conll", "labelstudio"])
def test_stream_exports_are_byte_identical_run_to_run(
    capsys: pytest.CaptureFixture[str], st: Path, fmt: str
) -> None:
    store, doc = import_seed_with_a_span(capsys, st)
    store.add_span(doc, 146, 191, "claim", "bob")
    first = run(capsys, "export", "--format", fmt, "--store", str(st))[1]
    assert first and run(capsys, "export", "--format", fmt, "--store", str(st))[1] == first


def test_opening_with_no_store_and_no_paths_explains_and_creates_nothing(
    tmp_path: Path,
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--store", str(tmp_path / "fresh")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "no store at" in proc.stderr and "newsmark PATH" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "fresh").exists()


def test_peers_per_user_files_come_in_as_their_own_layers(
    capsys: pytest.CaptureFixture[str], st: Path, tmp_path: Path
) -> None:
    """doccano's per-user export names nobody: --annotator says whose layer it is."""
    import orjson

    text = SEED.read_text(encoding="utf-8")
    files = {}
    for who, span in (("alice", [180, 191, "actor"]), ("bob", [146, 191, "claim"])):
        path = files[who] = tmp_path / f"{who}.jsonl"
        path.write_bytes(orjson.dumps({"text": text, "label": [span]}) + b"\n")
    for who, path in files.items():
        code, _, err = run(capsys, "import", str(path), "--annotator", who, "--store", str(st))
        assert code == 0, err
    store = Store.open(st)
    [info] = store.documents()
    got = sorted((s.annotator, s.start, s.end, s.label) for s in store.spans(info.id))
    assert got == [("alice", 180, 191, "actor"), ("bob", 146, 191, "claim")]
    # A name that cannot be shown on one line is refused before the store is touched.
    other = tmp_path / "other"
    code, _, err = run(capsys, "import", str(files["bob"]), "--annotator", "b\x1b]0;x\x07",
                       "--store", str(other))  # fmt: skip
    assert code == 1 and "annotator name" in err and "\n" not in err.strip()
    assert not other.exists()


def test_stats_shows_each_annotators_progress_and_never_parses_markup(
    capsys: pytest.CaptureFixture[str], st: Path, tmp_path: Path
) -> None:
    src = tmp_path / "markup.txt"
    src.write_text("[/b] A council [bold]vote[/bold] title\n\nThe council voted.\n", "utf-8")
    run(capsys, "import", str(src), "--store", str(st))
    store = Store.open(st)
    [info] = store.documents()
    store.add_span(info.id, 0, 4, "claim", "alice")
    store.add_span(info.id, 7, 14, "actor", "alice")
    store.add_span(info.id, 7, 14, "actor", "bob")
    store.set_status(info.id, "alice", "done")
    code, out, err = run(capsys, "stats", "--store", str(st))
    assert code == 0, err
    assert "[/b]" in out and "[bold]" in out  # shown as typed, not parsed as markup
    people = out[out.index("annotators") :]
    rows = {line.split()[1]: line.split()[2:] for line in people.splitlines() if "│ " in line}
    # annotator │ documents done │ spans │ actor │ claim
    assert [c for c in rows["alice"] if c != "│"] == ["1", "2", "1", "1"]
    assert [c for c in rows["bob"] if c != "│"] == ["0", "1", "1", "0"]


def _two_annotators(st: Path) -> tuple[Store, str]:
    """Seed article: alice and bob both label "Hulusi Akar" (180-191), alice as actor and bob
    as [red]x[/red] (markup in a label must print as text), both done; carol only starts."""
    store = Store.open(st)
    ((info, _),) = store.add_documents(
        [{"text": SEED.read_text(encoding="utf-8"), "title": "Turkey [b]call", "source": ""}]
    )
    store.add_span(info.id, 180, 191, "actor", "alice")
    store.add_span(info.id, 180, 191, "[red]x[/red]", "bob")
    store.add_span(info.id, 0, 6, "place", "carol")
    for who in ("alice", "bob"):
        store.set_status(info.id, who, "done")
    return store, info.id


def test_agree_table_shows_pairs_and_never_reads_labels_as_markup(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    _two_annotators(st)
    code, out, err = run(capsys, "agree", "--store", str(st))
    assert code == 0, err
    assert "alice, bob over 1 document(s)" in out
    assert "[red]x[/red]" in out and "Turkey [b]call" in out
    assert "Cohen's κ" in out and "Krippendorff's α" in out


def test_agree_json_has_the_published_shape(capsys: pytest.CaptureFixture[str], st: Path) -> None:
    _, doc = _two_annotators(st)
    code, out, _ = run(capsys, "agree", "--store", str(st), "--format", "json")
    assert code == 0
    data = orjson.loads(out)
    assert data["annotators"] == ["alice", "bob"] and data["documents"] == [doc]
    [pair] = data["pairs"]
    assert pair["spans"]["exact"]["overall"]["f1"] == 1.0
    assert pair["spans"]["strict"]["overall"]["f1"] == 0.0
    assert pair["confusion"] == [{"a": "actor", "b": "[red]x[/red]", "count": 1}]
    assert data["ranking"][0]["doc_id"] == doc


def test_agree_csv_and_all_status_bring_in_unfinished_layers(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    _two_annotators(st)
    code, out, _ = run(capsys, "agree", "--store", str(st), "--format", "csv", "--all-status")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "measure,annotators,scheme,label,value"
    assert "f1,alice|bob,exact,,1" in lines
    assert "f1,alice|carol,exact,,0" in lines
    assert any(line.startswith("fleiss_kappa,alice|bob|carol,") for line in lines)


def test_agree_with_one_finished_annotator_says_what_to_do(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    store, doc = _two_annotators(st)
    store.set_status(doc, "bob", "todo")
    code, out, err = run(capsys, "agree", "--store", str(st))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "found alice" in err and "--all-status" in err
    code, _, err = run(
        capsys, "agree", "--store", str(st), "--annotator", "alice", "--annotator", "zoe"
    )
    assert code == 1 and "zoe has no finished" in err


def _with_gold_and_links(st: Path) -> str:
    """alice and bob, each with a link, and the adjudicated gold layer."""
    store = Store.open(st)
    ((info, _),) = store.add_documents(
        [{"text": SEED.read_text(encoding="utf-8"), "title": "Turkey call", "source": ""}]
    )
    # Akar (180–191) and Austin (222–234) as actors, Turkey (22–28) as a place.
    for who, austin_end in (("alice", 234), ("bob", 228), ("gold", 234)):
        akar = store.add_span(info.id, 180, 191, "actor", who).span
        austin = store.add_span(info.id, 222, austin_end, "actor", who).span
        store.add_span(info.id, 22, 28, "place", who)
        link = {"head": akar.id, "tail": austin.id, "label": "talked_to"}
        store.merge_layer(info.id, who, [], "done", [link])
    return info.id


def test_agree_shows_unitizing_alpha_gold_and_links_in_every_format(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    _with_gold_and_links(st)
    code, out, err = run(capsys, "agree", "--store", str(st))
    assert code == 0, err
    assert "agreement of alice, bob over 1 document(s)" in out  # gold is no annotator
    for title in ("unitizing α_u", "links (head span", "against gold", "tokens against gold"):
        assert title in out
    assert "gold / alice" in out and "gold / bob" in out

    code, out, _ = run(capsys, "agree", "--store", str(st), "--format", "json")
    data = orjson.loads(out)
    assert data["annotators"] == ["alice", "bob"]
    assert 0 < data["unitizing_alpha"] < 1 and data["unitizing_alpha_per_label"]["place"] == 1.0
    gold = {g["annotator"]: g for g in data["against_gold"]}
    assert gold["alice"]["spans"]["strict"]["overall"]["f1"] == 1.0
    assert gold["alice"]["cohen_kappa"] == 1.0
    bob = gold["bob"]["spans"]["strict"]["overall"]
    assert (bob["tp"], bob["fp"], bob["fn"]) == (2, 1, 1)  # "Lloyd " is not Lloyd Austin
    assert gold["bob"]["links"]["exact"]["f1"] == 0.0
    assert gold["bob"]["links"]["overlap"]["f1"] == 1.0
    [links] = data["links"]
    assert (links["a"], links["b"], links["exact"]["correct"], links["overlap"]["correct"]) == (
        "alice",
        "bob",
        0,
        1,
    )

    code, out, _ = run(capsys, "agree", "--store", str(st), "--format", "csv")
    lines = out.splitlines()
    assert "f1,gold|alice,strict,,1" in lines and "fn,gold|bob,strict,,1" in lines
    assert "link_f1,alice|bob,overlap,,1" in lines and "link_f1,gold|bob,exact,,0" in lines
    assert "unitizing_alpha,alice|bob,,place,1" in lines
    assert any(line.startswith("unitizing_alpha,alice|bob,,,0.") for line in lines)


def test_readme_documents_every_agree_json_key(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    """Scripts read `agree --format json`: each key it writes is named in the README."""
    _with_gold_and_links(st)
    _, out, _ = run(capsys, "agree", "--store", str(st), "--format", "json")
    data = orjson.loads(out)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Agreement")[1].split("\n## ")[0]
    keys = set(data) | set(data["pairs"][0]) | set(data["against_gold"][0]) | set(data["links"][0])
    keys |= set(data["pairs"][0]["spans"]["strict"]["overall"])
    assert not {k for k in keys if f"`{k}`" not in section}


def test_agree_refuses_gold_as_an_annotator(capsys: pytest.CaptureFixture[str], st: Path) -> None:
    _with_gold_and_links(st)
    code, out, err = run(
        capsys, "agree", "--store", str(st), "--annotator", "alice", "--annotator", "gold"
    )
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "gold is the adjudicated layer" in err


def test_readme_agreement_example_is_what_agree_prints(
    capsys: pytest.CaptureFixture[str], st: Path
) -> None:
    """The README's numbers for the two-annotator sample come from `newsmark agree`."""
    assert run(capsys, "import", str(SAMPLES / "two-annotators.jsonl"), "--store", str(st))[0] == 0
    code, out, err = run(capsys, "agree", "--store", str(st), "--format", "json")
    assert code == 0, err
    report = orjson.loads(out)
    (pair,) = report["pairs"]
    f1 = [
        f"{pair['spans'][s]['overall']['f1']:.3f}" for s in ("strict", "exact", "partial", "type")
    ]
    per_label = ", ".join(f"{k} {v:.3f}" for k, v in sorted(report["alpha_per_label"].items()))
    unitized = report["unitizing_alpha_per_label"]
    per_unit = ", ".join(f"{k} {v:.3f}" for k, v in sorted(unitized.items()))
    expected = (
        "| alice / bob | strict | exact | partial | type |\n| --- | --- | --- | --- | --- |\n"
        f"| span F1 | {' | '.join(f1)} |\n\n"
        f"Cohen's κ {pair['cohen_kappa']:.3f} · Fleiss' κ {report['fleiss_kappa']:.3f} · "
        f"Krippendorff's α {report['alpha']:.3f} ({per_label})\n\n"
        f"Unitizing α_u {report['unitizing_alpha']:.3f} ({per_unit})"
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- agree:start -->")[1].split("<!-- agree:end -->")[0]
    assert block.strip() == expected
