"""The `newsmark` command line: open the reader, import, export, stats, agree, validate.

Exit status: 0 on success, 1 on a user error (one line on stderr naming the
problem and what to do), 2 on bad usage. No traceback ever reaches the user:
an unexpected error is logged to a crash file and reported in one line.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import traceback
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from store import layout
from store.adjudication import SEEDS, Seed
from store.errors import InputError, NewsmarkError
from store.labels import DEFAULT_SCHEME, LabelScheme, load_scheme
from store.records import GOLD
from store.store import Store, default_store_path
from tui.safe import TerminalStream, visible

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from rich.console import Console
    from rich.table import Table

    from store.agreement import AgreementReport, Counts, LinkMatch, Scheme, SchemeScores

STORE_HELP = "Store folder (default ./newsmark-store, or $NEWSMARK_STORE)."


def default_annotator() -> str:
    name = os.environ.get("NEWSMARK_ANNOTATOR")
    if name:
        return name
    import getpass

    try:
        return getpass.getuser() or "default"
    except Exception:  # no user database entry (containers); any name will do
        return "default"


def echo(message: str, err: bool = False) -> None:
    """Print one line that may quote input (file names, titles, labels): controls shown."""
    click.echo(visible(message), err=err)


def _err_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _open_store(store: Path | None, create: bool = True, interactive: bool = False) -> Store:
    return Store.open(store or default_store_path(), create=create, sweep_in_background=interactive)


@contextmanager
def _progress(label: str, enabled: bool) -> Any:
    """A progress bar on a terminal; nothing when stderr is piped."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_err_console(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


class DefaultGroup(click.Group):
    """`newsmark PATH...` means `newsmark open PATH...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsmark")
def cli() -> None:
    """newsmark: a keyboard-first terminal reader and annotator for news articles.

    Run `newsmark [PATH ...]` to import files or folders and open the reader.
    """
    if click.get_current_context().invoked_subcommand != "open":
        gc.enable()  # paused by tui/__main__.py for the reader's start-up only


@cli.command("open")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
@click.option("--annotator", default=None, help="Your name in the store (default: $USER).")
@click.option("--labels", "labels_file", type=click.Path(path_type=Path), help="TOML scheme.")
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(path_type=Path),
    help="TOML keymap: [keys] id = \"key,key\" (default ~/.config/newsmark/keys.toml).",
)
@click.option(
    "--adjudicate",
    is_flag=True,
    help="Start adjudicating: the keys edit the gold layer (A in the reader toggles).",
)
@click.option(
    "--seed",
    type=click.Choice(SEEDS),
    default="all",
    show_default=True,
    help="Which spans start in gold: those all annotators made, or a majority.",
)
def open_cmd(
    paths: tuple[Path, ...],
    store: Path | None,
    annotator: str | None,
    labels_file: Path | None,
    keys_file: Path | None,
    adjudicate: bool,
    seed: Seed,
) -> None:
    """Import PATHS (if any) and open the reader on the first of them."""
    scheme: LabelScheme = load_scheme(labels_file) if labels_file else DEFAULT_SCHEME
    from tui.actions import DEFAULT_KEYS
    from tui.keymap import default_keys_path, load_keymap

    keys_path = keys_file or default_keys_path()
    # Checked before anything is imported: a bad keymap changes nothing in the store.
    key_table = load_keymap(keys_path) if keys_path else None
    if annotator is not None:
        _check_annotator(annotator)  # the status line shows it, layers are named by it
    who = annotator or default_annotator()
    if who == GOLD:
        raise InputError(
            "gold is the adjudicated layer, not an annotator; give your own name and press A "
            "in the reader (or use --adjudicate) to edit gold"
        )
    plan = None
    if paths:
        gc.enable()  # an import makes and drops many objects: collected as usual
        from store.importing import check_import

        # Checked before the store is opened: a refused import creates no store folder.
        with _progress("checking", enabled=True) as update:
            plan = check_import(list(paths), progress=update)
    # Without paths there is nothing to import: never leave an empty store behind.
    st = _open_store(store, create=bool(paths), interactive=True)
    first: str | None = None
    if plan is not None:
        from store.importing import apply_import

        with _progress("importing", enabled=True) as update:
            report = apply_import(st, plan, progress=update)
            st.save_index()
        first = report.first_id
        # Before the reader takes the screen: still there after it quits (skipped links).
        for note in report.notes:
            echo(f"note: {note}", err=True)
    if not st.documents():
        raise InputError(
            f"the store {st.root} has no documents; give files to open, e.g. `newsmark samples/`"
        )
    # Importing Textual and building the app create ~40,000 objects that live as long
    # as the process; the cyclic GC would rescan them over and over before the first
    # frame (~20 ms, a full collection included). So it is paused through start-up,
    # the long-lived objects are frozen out of its way, and the reader resumes it once
    # its first frame is on screen (the finally, whatever happens).
    gc.disable()
    try:
        from tui.app import NewsmarkApp
        from tui.heap import limit_heap_growth

        limit_heap_growth()  # the writer thread's megabyte buffers are given back

        app = NewsmarkApp(
            st,
            annotator=who,
            scheme=scheme,
            open_doc=first,
            write_in_thread=True,
            handle_signals=True,
            key_table=key_table or DEFAULT_KEYS,
            adjudicate=adjudicate,
            seed=seed,
        )
        gc.freeze()
        app.run()
    finally:
        gc.enable()
    if app.crash is not None:
        raise app.crash  # main() logs it to the crash file and says one line
    if app.fatal_error:
        raise NewsmarkError(app.fatal_error)
    if app.exit_note:
        echo(f"note: {app.exit_note}", err=True)
    if app.exit_code:
        # Ended by a signal, after its writes landed: say so the shell's way.
        sys.exit(app.exit_code)


def _check_annotator(name: str) -> None:
    """An annotator name is shown on screen and names a layer: printable, one line."""
    if not name.strip() or not name.isprintable() or len(name) > 64:
        raise InputError(
            f"annotator name {name!r} must be 1–64 printable characters; choose another"
        )


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
@click.option(
    "--annotator",
    default=None,
    help="Layer name for records that carry none (a peer's per-user export).",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Follow symbolic links that lead out of an imported folder (skipped by default).",
)
@click.option(
    "--encoding",
    default=None,
    metavar="NAME",
    help="Decode .txt/.md/.html files with this encoding (e.g. cp1252) instead of detecting.",
)
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(path_type=Path),
    help="TOML scheme: links are checked against its [[relations]] (types, labels, cycles).",
)
@click.option(
    "--offsets",
    type=click.Choice(["codepoints", "utf16"]),
    default="codepoints",
    show_default=True,
    help="doccano/Label Studio: offset unit (utf16 for files from doccano's web UI).",
)
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Import the good records of a file and name every bad one skipped (default: refuse).",
)
@click.option(
    "--text-field",
    default=None,
    metavar="NAME",
    help="Label Studio: the data field holding the text (default: text, or the only string).",
)
def import_cmd(
    paths: tuple[Path, ...],
    store: Path | None,
    annotator: str | None,
    follow_symlinks: bool,
    encoding: str | None,
    labels_file: Path | None,
    offsets: str,
    skip_bad: bool,
    text_field: str | None,
) -> None:
    """Import .txt .md .html .jsonl files and folders (recursively). Idempotent.

    All or nothing: every record of every file is checked first, and one bad record
    refuses the whole import with the store left as it was (unless --skip-bad).
    """
    import shutil

    from store.importers.text import check_encoding
    from store.importing import ImportOptions, apply_import, check_import

    if annotator is not None:
        _check_annotator(annotator)
    options = ImportOptions(
        annotator,
        follow_symlinks,
        check_encoding(encoding) if encoding else None,
        load_scheme(labels_file) if labels_file else None,
        offsets=offsets,
        skip_bad=skip_bad,
        text_field=text_field,
    )
    root = (store or default_store_path()).expanduser()
    new_folder = not root.exists()
    with _progress("importing", enabled=True) as update:
        # Checked before the store is opened: a refused import creates no store folder.
        plan = check_import(list(paths), options, progress=update)
        st = _open_store(store)
        try:
            report = apply_import(st, plan, progress=update)
            st.save_index()
        except BaseException:
            st.close()
            if new_folder:
                shutil.rmtree(root, ignore_errors=True)  # it was made for this import
            raise
    for note in report.notes:
        echo(f"note: {note}", err=True)
    echo(f"{report.summary()} into {st.root}")


@cli.command("export")
@click.option("--format", "-f", "fmt", default="jsonl", show_default=True, help="Output format.")
@click.option("-o", "--output", default="-", help="Output file (or folder for brat); - = stdout.")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
@click.option("--annotator", default=None, help="Only this annotator's layer.")
@click.option("--gold", is_flag=True, help="Only the adjudicated gold layer.")
@click.option("--status", type=click.Choice(["todo", "done"]), help="Only layers with status.")
@click.option("--label", "labels", multiple=True, help="Only these labels (repeatable).")
@click.option("--doc", "doc_ids", multiple=True, help="Only these document ids (repeatable).")
@click.option("--split", default=None, help="spacy: train/dev/test fractions, e.g. 0.8/0.1/0.1.")
@click.option("--seed", default=0, show_default=True, help="spacy: seed of the split shuffle.")
@click.option(
    "--offsets",
    type=click.Choice(["codepoints", "utf16"]),
    default=None,
    help="doccano: offset unit (utf16 for doccano's web UI with emoji).",
)
@click.option(
    "--relations",
    is_flag=True,
    help="doccano: write doccano's relation shape (entities + relations) to keep the links.",
)
@click.option(
    "--classification",
    is_flag=True,
    help="doccano: write document labels as doccano's text-classification label list.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be written and lost; write nothing.")
def export_cmd(
    fmt: str,
    output: str,
    store: Path | None,
    annotator: str | None,
    gold: bool,
    status: str | None,
    labels: tuple[str, ...],
    doc_ids: tuple[str, ...],
    split: str | None,
    seed: int,
    offsets: str | None,
    relations: bool,
    classification: bool,
    dry_run: bool,
) -> None:
    """Export annotations (native JSONL by default) to a file or stdout."""
    from store.export.run import export_format, export_store

    export_format(fmt)  # an unknown format is named before anything is opened
    if gold and annotator:
        raise InputError("give --gold or --annotator, not both")
    options = _export_options(fmt, split, seed, offsets)
    if relations:
        if fmt != "doccano":
            raise InputError("--relations only applies to --format doccano")
        options["relations"] = True
    if classification:
        if fmt != "doccano":
            raise InputError("--classification only applies to --format doccano")
        options["classification"] = True
    st = _open_store(store, create=False)
    stream: Any = sys.stdout.buffer
    if output == "-" and sys.stdout.isatty():
        stream = TerminalStream(stream)  # read by a person: controls shown, never run
    # A bar on the terminal only when the data does not go to it (stdout is the file).
    with _progress("exporting", enabled=output != "-" and not dry_run) as update:
        report = export_store(
            st,
            fmt,
            None if output == "-" else Path(output),
            stream=stream,
            annotator="gold" if gold else annotator,
            status=status,
            labels=set(labels) or None,
            doc_ids=list(doc_ids) or None,
            options=options,
            dry_run=dry_run,
            progress=update,
        )
    if dry_run:
        echo(f"would write {report.summary()} as {fmt}", err=True)
        for line in report.loss_lines():
            echo(f"would lose: {line}", err=True)
        for line in report.info_lines():
            echo(f"note: {line}", err=True)  # e.g. spans spaCy's training cannot align
        return
    where = "stdout" if output == "-" else output
    echo(f"exported {report.summary()} as {fmt} to {where}", err=True)
    for line in report.loss_lines():
        echo(f"warning: {fmt} lost {line}", err=True)
    for line in report.info_lines():
        echo(f"note: {line}", err=True)


def _export_options(
    fmt: str, split: str | None, seed: int, offsets: str | None
) -> dict[str, Any]:
    """The writer options the command line gives, checked against the format."""
    options: dict[str, Any] = {}
    if split:
        try:
            parts = tuple(float(x) for x in split.split("/"))
        except ValueError:
            parts = ()
        if len(parts) != 3 or abs(sum(parts) - 1) > 1e-6 or min(parts) < 0:
            raise InputError(
                f"--split {split!r}: give three fractions summing to 1, e.g. 0.8/0.1/0.1"
            )
        if fmt != "spacy":
            raise InputError("--split only applies to --format spacy")
        options["split"], options["seed"] = parts, seed
    if offsets is not None:
        if fmt != "doccano":
            raise InputError("--offsets only applies to --format doccano")
        options["offsets"] = offsets
    return options


@cli.command("stats")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
def stats_cmd(store: Path | None) -> None:
    """Counts per document, label and annotator."""
    from rich.console import Console
    from rich.table import Table

    from tui.safe import safe_text as Text  # every cell from data: controls shown, no markup

    st = _open_store(store, create=False)
    docs = Table(title=Text(f"newsmark store {st.root}"), title_justify="left")
    for col in ("document", "title", "chars", "annotator", "status", "spans"):
        docs.add_column(col, justify="right" if col in ("chars", "spans") else "left")
    per_label: Counter[str] = Counter()
    per_annotator: dict[str, Counter[str]] = {}
    done: Counter[str] = Counter()
    for info in st.documents():
        spans = st.spans(info.id)
        names = st.annotators(info.id) or ["—"]
        for i, name in enumerate(names):
            layer = [s for s in spans if s.annotator == name]
            status = st.status(info.id, name) if name != "—" else "todo"
            per_label.update(s.label for s in layer)
            per_annotator.setdefault(name, Counter()).update(s.label for s in layer)
            done[name] += status == "done"
            # Text cells: titles and names come from files and are never parsed as markup.
            docs.add_row(
                Text(info.id if i == 0 else ""),
                Text(info.title[:40] if i == 0 else ""),
                str(info.length) if i == 0 else "",
                Text(name),
                Text(status),
                str(len(layer)),
            )
    console = Console()
    console.print(docs)
    labels = Table(title="labels", title_justify="left")
    labels.add_column("label")
    labels.add_column("spans", justify="right")
    for name, count in per_label.most_common():
        labels.add_row(Text(name), str(count))
    console.print(labels)
    # Per annotator: documents done and spans per label, the team's progress at a glance.
    label_names = [name for name, _ in per_label.most_common()]
    people = Table(title="annotators", title_justify="left")
    for col in ("annotator", "documents done", "spans", *label_names):
        people.add_column(Text(col), justify="left" if col == "annotator" else "right")
    for name, counts in sorted(per_annotator.items()):
        if name != "—":
            people.add_row(
                Text(name),
                str(done[name]),
                str(sum(counts.values())),
                *(str(counts[label]) for label in label_names),
            )
    console.print(people)


@cli.command("agree")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
@click.option(
    "--annotator", "annotators", multiple=True, help="Compare these annotators (repeatable)."
)
@click.option("--all-status", is_flag=True, help="Count unfinished (todo) layers too.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def agree_cmd(
    store: Path | None, annotators: tuple[str, ...], all_status: bool, fmt: str
) -> None:
    """Agreement between annotators on the documents they finished."""
    from store.agreement import agreement_report

    st = _open_store(store, create=False)
    report = agreement_report(
        st, list(annotators) or None, status=None if all_status else "done"
    )
    if fmt == "json":
        import orjson

        sys.stdout.write(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["measure", "annotators", "scheme", "label", "value"])
        writer.writerows(_agreement_rows(report))
    else:
        _print_agreement(report)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _agreement_rows(report: AgreementReport) -> list[list[str]]:
    """The report as long-format CSV rows: measure, annotators, scheme, label, value."""
    rows: list[list[str]] = []

    def span_rows(pair: str, spans: Mapping[Scheme, SchemeScores]) -> None:
        for scheme, scores in spans.items():
            for label, c in [("", scores.overall), *sorted(scores.per_label.items())]:
                for name in ("correct", "incorrect", "partial", "missed", "spurious"):
                    rows.append([name, pair, scheme, label, str(getattr(c, name))])
                for name in ("precision", "recall", "f1"):
                    rows.append([name, pair, scheme, label, _num(getattr(c, name))])
                for name in ("tp", "fp", "fn"):
                    rows.append([name, pair, scheme, label, _num(getattr(c, name))])

    def link_rows(pair: str, links: Mapping[LinkMatch, Counts]) -> None:
        for match, c in links.items():
            for name in ("correct", "missed", "spurious"):
                rows.append([f"link_{name}", pair, match, "", str(getattr(c, name))])
            for name in ("precision", "recall", "f1"):
                rows.append([f"link_{name}", pair, match, "", _num(getattr(c, name))])

    for p in report.pairs:
        pair = f"{p.a}|{p.b}"
        span_rows(pair, p.spans)
        rows.append(["tokens", pair, "", "", str(p.tokens)])
        rows.append(["cohen_kappa", pair, "", "", _num(p.cohen_kappa)])
        pairs = sorted(p.confusion.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
        for (la, lb), n in pairs:
            rows.append(["confusion", pair, "", f"{la or ''}|{lb or ''}", str(n)])
    everyone = "|".join(report.annotators)
    rows.append(["fleiss_kappa", everyone, "", "", _num(report.fleiss_kappa)])
    rows.append(["krippendorff_alpha", everyone, "", "", _num(report.alpha)])
    for label, alpha in sorted(report.alpha_per_label.items()):
        rows.append(["krippendorff_alpha", everyone, "", label, _num(alpha)])
    for d in report.ranking:
        rows.append(["disagreement", "|".join(d.annotators), "", d.doc_id, _num(d.disagreement)])
    rows.append(["unitizing_alpha", everyone, "", "", _num(report.unitizing_alpha)])
    for label, alpha in sorted(report.unitizing_alpha_per_label.items()):
        rows.append(["unitizing_alpha", everyone, "", label, _num(alpha)])
    for lr in report.links:
        link_rows(f"{lr.a}|{lr.b}", lr.links)
    for g in report.against_gold:
        pair = f"gold|{g.annotator}"  # gold first: it is the reference
        span_rows(pair, g.spans)
        rows.append(["tokens", pair, "", "", str(g.tokens)])
        rows.append(["cohen_kappa", pair, "", "", _num(g.cohen_kappa)])
        if g.links is not None:
            link_rows(pair, g.links)
    for x in report.doc_labels:
        rows.append(["doc_label_kappa", f"{x.a}|{x.b}", "", x.name, _num(x.cohen_kappa)])
        rows.append(["doc_label_documents", f"{x.a}|{x.b}", "", x.name, str(x.documents)])
    return rows


def _print_agreement(report: AgreementReport) -> None:
    """Rich tables of the report; every cell from data is a Text, so never markup."""
    from rich.console import Console
    from rich.table import Table

    from tui.safe import safe_text as Text  # names and labels: controls shown, no markup

    def fmt(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    console = Console(highlight=False)
    status = "finished" if report.status == "done" else "any status"
    if not report.pairs:
        # One annotator and gold: nothing between annotators, only the gold section.
        who = ", ".join(report.annotators)
        console.print(Text(f"{who} against gold ({status}); a second annotator's layer "
                           "gives the agreement between them"))  # fmt: skip
        _print_against_gold(console, report, fmt)
        return
    console.print(
        Text(
            f"agreement of {', '.join(report.annotators)} over {len(report.documents)} "
            f"document(s) ({status}); the first of each pair is the reference"
        )
    )
    spans = Table(title="span F1 (SemEval-2013 schemes)", title_justify="left")
    for col in ("pair", "scheme", "label", "cor", "inc", "par", "mis", "spu", "P", "R", "F1"):
        spans.add_column(col, justify="left" if col in ("pair", "scheme", "label") else "right")
    for p in report.pairs:
        for scheme, scores in p.spans.items():
            for label, c in [("all", scores.overall), *sorted(scores.per_label.items())]:
                spans.add_row(
                    Text(f"{p.a} / {p.b}"),
                    scheme,
                    Text(label),
                    *(str(n) for n in (c.correct, c.incorrect, c.partial, c.missed, c.spurious)),
                    fmt(c.precision),
                    fmt(c.recall),
                    fmt(c.f1),
                )
    console.print(spans)
    toks = Table(title="tokens (\\w+ or one punctuation mark)", title_justify="left")
    for col in ("measure", "annotators", "label", "tokens", "value"):
        toks.add_column(col, justify="right" if col in ("tokens", "value") else "left")
    for p in report.pairs:
        toks.add_row("Cohen's κ", Text(f"{p.a} / {p.b}"), "all", str(p.tokens), fmt(p.cohen_kappa))
    everyone = Text(", ".join(report.annotators))
    n_fleiss = str(len(report.fleiss_documents)) + " doc(s)"
    toks.add_row("Fleiss' κ", everyone, "all", n_fleiss, fmt(report.fleiss_kappa))
    toks.add_row("Krippendorff's α", everyone, "all", "", fmt(report.alpha))
    for label, alpha in sorted(report.alpha_per_label.items()):
        toks.add_row("Krippendorff's α", everyone, Text(label), "", fmt(alpha))
    console.print(toks)
    units = Table(title="unitizing α_u (offsets)", title_justify="left")
    for col in ("annotators", "label", "α_u"):
        units.add_column(col, justify="right" if col == "α_u" else "left")
    units.add_row(everyone, "all", fmt(report.unitizing_alpha))
    for label, alpha in sorted(report.unitizing_alpha_per_label.items()):
        units.add_row(everyone, Text(label), fmt(alpha))
    console.print(units)
    conf = Table(title="labels of overlapping spans", title_justify="left")
    for col in ("pair", "first", "second", "spans"):
        conf.add_column(col, justify="right" if col == "spans" else "left")
    for p in report.pairs:
        for (la, lb), n in sorted(p.confusion.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            conf.add_row(Text(f"{p.a} / {p.b}"), Text(la or "—"), Text(lb or "—"), str(n))
    console.print(conf)
    docs = Table(title="documents by disagreement (1 − exact F1)", title_justify="left")
    for col in ("document", "title", "annotators", "disagreement"):
        docs.add_column(col, justify="right" if col == "disagreement" else "left")
    for d in report.ranking:
        docs.add_row(
            Text(d.doc_id), Text(d.title[:40]), Text(", ".join(d.annotators)), fmt(d.disagreement)
        )
    console.print(docs)
    if report.links:
        console.print(_link_table(report, fmt))
    if report.doc_labels:
        tags = Table(title="document labels (Cohen's κ per label set)", title_justify="left")
        for col in ("pair", "label set", "documents", "κ"):
            tags.add_column(col, justify="left" if col in ("pair", "label set") else "right")
        for x in report.doc_labels:
            tags.add_row(Text(f"{x.a} / {x.b}"), Text(x.name), str(x.documents), fmt(x.cohen_kappa))
        console.print(tags)
    if report.against_gold:
        _print_against_gold(console, report, fmt)


def _link_table(report: AgreementReport, fmt: Callable[[float | None], str]) -> Table:
    """Link F1 per pair (and against gold), exact ends and overlapping ends."""
    from rich.table import Table

    from tui.safe import safe_text as Text

    table = Table(title="links (head span, tail span, relation label)", title_justify="left")
    for col in ("pair", "ends", "cor", "mis", "spu", "P", "R", "F1"):
        table.add_column(col, justify="left" if col in ("pair", "ends") else "right")
    rows = [(f"{lr.a} / {lr.b}", lr.links) for lr in report.links]
    rows += [(f"gold / {g.annotator}", g.links) for g in report.against_gold if g.links]
    for pair, links in rows:
        for match, c in links.items():
            table.add_row(
                Text(pair),
                match,
                *(str(n) for n in (c.correct, c.missed, c.spurious)),
                fmt(c.precision),
                fmt(c.recall),
                fmt(c.f1),
            )
    return table


def _print_against_gold(
    console: Console, report: AgreementReport, fmt: Callable[[float | None], str]
) -> None:
    """Each annotator (candidate) against the gold layer (reference)."""
    from rich.table import Table

    from tui.safe import safe_text as Text

    def amount(value: float) -> str:
        return f"{value:g}"

    spans = Table(
        title="against gold (the adjudicated layer is the reference)", title_justify="left"
    )
    for col in ("annotator", "documents", "scheme", "label", "TP", "FP", "FN", "P", "R", "F1"):
        spans.add_column(
            col, justify="left" if col in ("annotator", "scheme", "label") else "right"
        )
    for g in report.against_gold:
        for scheme, scores in g.spans.items():
            for label, c in [("all", scores.overall), *sorted(scores.per_label.items())]:
                spans.add_row(
                    Text(g.annotator),
                    str(len(g.documents)),
                    scheme,
                    Text(label),
                    amount(c.tp),
                    amount(c.fp),
                    amount(c.fn),
                    fmt(c.precision),
                    fmt(c.recall),
                    fmt(c.f1),
                )
    console.print(spans)
    kappa = Table(title="tokens against gold", title_justify="left")
    for col in ("annotator", "tokens", "Cohen's κ"):
        kappa.add_column(col, justify="left" if col == "annotator" else "right")
    for g in report.against_gold:
        kappa.add_row(Text(g.annotator), str(g.tokens), fmt(g.cohen_kappa))
    console.print(kappa)


@cli.command("validate")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
def validate_cmd(store: Path | None) -> None:
    """Check every span against its text and every file against its checksum."""
    from store.validate import validate_root

    root = store or default_store_path()
    if not root.is_dir() or not layout.looks_like_store(root):
        raise InputError(f"no store at {root}; pass --store")
    n_docs, n_spans, problems = validate_root(root)
    for problem in problems:
        echo(f"problem: {problem}", err=True)
    if problems:
        raise NewsmarkError(
            f"{len(problems)} problem(s) in {n_docs} documents; run `newsmark doctor` to repair "
            "from the last good copies (validate changes nothing)"
        )
    echo(f"ok: {n_docs} documents, {n_spans} spans, every offset matches its text")


@cli.command("doctor")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
def doctor_cmd(store: Path | None) -> None:
    """Repair a damaged store from its last good copies; say exactly what was done."""
    from store.doctor import doctor

    root = store or default_store_path()
    # A store that lost its format marker is still one to repair.
    if not root.is_dir() or not layout.looks_like_store(root):
        raise InputError(f"no store at {root}; pass --store")
    report = doctor(root)
    for action in report.actions:
        echo(f"done: {action}")
    for problem in report.unresolved:
        echo(f"still to do: {problem}", err=True)
    if report.healthy:
        echo(f"ok: {root} is healthy, nothing to repair")
    elif report.unresolved:
        raise NewsmarkError(f"{len(report.unresolved)} problem(s) need you; see above")


def _crash_log(exc: BaseException) -> str:
    path = Path(tempfile.gettempdir()) / "newsmark-crash.log"
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        return "(unwritable)"


def main(argv: list[str] | None = None) -> None:
    """Console entry point: map errors to one-line messages and exit codes."""
    err: IO[str] = sys.stderr
    try:
        cli.main(args=argv, prog_name="newsmark", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        # Usage errors quote the arguments given (a file name): shown, never sent raw.
        import io

        shown = io.StringIO()
        exc.show(file=shown)
        err.write("\n".join(visible(line) for line in shown.getvalue().split("\n")))
        sys.exit(2)
    except click.Abort:
        print("newsmark: aborted", file=err)
        sys.exit(1)
    except NewsmarkError as exc:
        print(f"newsmark: {visible(exc)}", file=err)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # `newsmark export | head` closes the pipe early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:
        log = _crash_log(exc)
        print(
            f"newsmark: internal error ({type(exc).__name__}: {visible(exc)}); details in {log} — "
            "please report it",
            file=err,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
