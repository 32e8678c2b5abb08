"""Label schemes: the default claim/quote/actor/issue set and TOML schemes.

A scheme file looks like::

    name = "my-project"

    [[labels]]
    name = "claim"
    key = "1"
    color = "#4f8fe6"
    description = "A statement presented as fact"

    [[relations]]          # the links the reader can make (L); default below
    name = "speaker"
    from = ["quote"]       # the head: the content
    to = ["actor"]         # the tail: the source
    acyclic = false        # true: no chain of these links may come back round

    [[doc_labels]]         # labels of the whole document (t in the reader)
    name = "topic"
    choices = ["politics", "economy", "security"]
    multi = true           # several at once (default: one)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from store.errors import InputError

# Mid-saturation hues that stay readable as a tint on dark and light themes.
_FALLBACK_COLORS = ["#e6a23c", "#2bb3a3", "#d9534f", "#8e7cc3", "#7fb800", "#c47a2c", "#5bc0de"]


class Label(NamedTuple):
    name: str
    key: str
    color: str
    description: str = ""


class RelationType(NamedTuple):
    """A kind of link: from a span labelled one of ``heads`` to one labelled one of ``tails``."""

    name: str
    heads: tuple[str, ...]
    tails: tuple[str, ...]
    #: No chain of these links may lead back to where it started (``acyclic = true``).
    acyclic: bool = False


#: Attribution, as PARC has it: the content (quote, claim) links to its source.
DEFAULT_RELATIONS = (
    RelationType("speaker", ("quote",), ("actor",)),
    RelationType("claimant", ("claim",), ("actor",)),
)


class DocLabelSet(NamedTuple):
    """Labels of a whole document (``topic``, ``stance``): one choice, or several."""

    name: str
    choices: tuple[str, ...]
    multi: bool = False


class LabelScheme(NamedTuple):
    name: str
    labels: tuple[Label, ...]
    relations: tuple[RelationType, ...] = DEFAULT_RELATIONS
    doc_sets: tuple[DocLabelSet, ...] = ()

    def links_from(self, label: str) -> tuple[RelationType, ...]:
        """The link types a span with ``label`` can start."""
        return tuple(r for r in self.relations if label in r.heads)

    def allows(self, relation: str, head: str, tail: str) -> bool:
        """Whether the scheme has a link type ``relation`` from ``head`` to ``tail`` labels."""
        return any(
            r.name == relation and head in r.heads and tail in r.tails for r in self.relations
        )

    def by_key(self, key: str) -> Label | None:
        return next((lab for lab in self.labels if lab.key == key), None)

    def by_name(self, name: str) -> Label | None:
        return next((lab for lab in self.labels if lab.name == name), None)

    def nth(self, n: int) -> Label | None:
        """The n-th label, counting from 1 (the digit keys)."""
        return self.labels[n - 1] if 1 <= n <= len(self.labels) else None

    def color_of(self, name: str) -> str:
        """Colour of a label; labels missing from the scheme get a stable fallback."""
        lab = self.by_name(name)
        if lab is not None:
            return lab.color
        return _FALLBACK_COLORS[sum(map(ord, name)) % len(_FALLBACK_COLORS)]

    def with_extra(self, names: list[str]) -> LabelScheme:
        """This scheme plus labels used in the store but not defined here (shown, not dropped)."""
        extra = [
            Label(n, "", self.color_of(n), "(not in the scheme)")
            for n in names
            if self.by_name(n) is None
        ]
        if not extra:
            return self
        return LabelScheme(self.name, self.labels + tuple(extra), self.relations, self.doc_sets)


DEFAULT_SCHEME = LabelScheme(
    "default",
    (
        Label("claim", "1", "#4f8fe6", "A statement presented as fact or argument"),
        Label("quote", "2", "#3fb950", "Words attributed to a speaker"),
        Label("actor", "3", "#c678dd", "A person, organisation or country that acts or speaks"),
        Label("issue", "4", "#e5913a", "A topic or policy question raised"),
    ),
)


def load_scheme(path: Path) -> LabelScheme:
    """Read a TOML label scheme, raising InputError with a one-line reason."""
    import tomllib  # only with --labels: not worth its import on every start

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: label file not found; give an existing TOML file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix the file") from None
    raw = data.get("labels")
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{path}: no [[labels]] entries; add at least one label")
    labels: list[Label] = []
    seen_keys: set[str] = set()
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError(f"{path}: label #{i} has no name; give each label a name")
        name = entry["name"].strip()
        key = str(entry.get("key", str(i) if i <= 9 else ""))
        if key and (len(key) != 1 or not key.isdigit() or key == "0"):
            raise InputError(f"{path}: label {name!r} has key {key!r}; use a digit 1-9")
        if key in seen_keys:
            raise InputError(f"{path}: key {key!r} is used twice; give each label its own key")
        if key:
            seen_keys.add(key)
        color = str(entry.get("color", _FALLBACK_COLORS[(i - 1) % len(_FALLBACK_COLORS)]))
        labels.append(Label(name, key, color, str(entry.get("description", ""))))
    # Digit keys label by position, so keep the scheme ordered by key.
    labels.sort(key=lambda lab: (lab.key == "", lab.key))
    names = {lab.name for lab in labels}
    relations = _relations(path, data.get("relations"), names)
    doc_sets = _doc_sets(path, data.get("doc_labels"))
    return LabelScheme(str(data.get("name", path.stem)), tuple(labels), relations, doc_sets)


def _named_tables(
    path: Path, raw: object, table: str, what: str
) -> list[tuple[str, dict[str, Any]]]:
    """``[[table]]`` entries of a scheme file as (name, entry); each must have a name."""
    if not isinstance(raw, list):
        raise InputError(f"{path}: {table} must be [[{table}]] tables; fix the file")
    out: list[tuple[str, dict[str, Any]]] = []
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError(f"{path}: {what} #{i} has no name; give each {what} a name")
        name = entry["name"].strip()
        if any(seen == name for seen, _ in out):
            raise InputError(f"{path}: {what} {name!r} is given twice; keep one")
        out.append((name, entry))
    return out


def _doc_sets(path: Path, raw: object) -> tuple[DocLabelSet, ...]:
    """The scheme's [[doc_labels]]: name, choices = [...], multi = true|false."""
    if raw is None:
        return ()
    out: list[DocLabelSet] = []
    for name, entry in _named_tables(path, raw, "doc_labels", "document label set"):
        choices = entry.get("choices")
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c.strip() for c in choices)
            or len(choices) > 9
        ):
            raise InputError(
                f"{path}: document label set {name!r} needs choices = [1 to 9 names]; fix it"
            )
        multi = entry.get("multi", False)
        if not isinstance(multi, bool):
            raise InputError(f"{path}: document label set {name!r} has multi = {multi!r}; "
                             "use true or false")  # fmt: skip
        out.append(DocLabelSet(name, tuple(c.strip() for c in choices), multi))
    return tuple(out)


def _relations(path: Path, raw: object, names: set[str]) -> tuple[RelationType, ...]:
    """The scheme's [[relations]]; without any, the default ones its labels allow."""
    if raw is None:
        return tuple(
            r for r in DEFAULT_RELATIONS if set(r.heads) <= names and set(r.tails) <= names
        )
    out: list[RelationType] = []
    for name, entry in _named_tables(path, raw, "relations", "relation"):
        ends: list[tuple[str, ...]] = []
        for side in ("from", "to"):
            value = entry.get(side)
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not value or not all(
                isinstance(v, str) for v in value
            ):
                raise InputError(
                    f"{path}: relation {name!r} needs {side} = [label, …]; name its labels"
                )
            unknown = [v for v in value if v not in names]
            if unknown:
                raise InputError(
                    f"{path}: relation {name!r} names label {unknown[0]!r}, which the scheme "
                    "does not have; add it under [[labels]] or fix the name"
                )
            ends.append(tuple(value))
        acyclic = entry.get("acyclic", False)
        if not isinstance(acyclic, bool):
            raise InputError(f"{path}: relation {name!r} has acyclic = {acyclic!r}; use true/false")
        out.append(RelationType(name, ends[0], ends[1], acyclic))
    return tuple(out)


def link_fault(scheme: LabelScheme, spans: list[dict[str, Any]], links: list[dict[str, Any]]
               ) -> str | None:  # fmt: skip
    """Why a record's links break the scheme (one line), or None.

    Each link's type must be one of the scheme's relations, joining a head label it
    names to a tail label it names; an ``acyclic`` type may not come back round.
    """
    labels = {str(sp.get("id")): sp.get("label") for sp in spans}
    types = {r.name: r for r in scheme.relations}
    for i, rel in enumerate(links, 1):
        rtype = types.get(str(rel.get("label")))
        head, tail = labels.get(str(rel.get("head"))), labels.get(str(rel.get("tail")))
        if rtype is None:
            known = ", ".join(sorted(types)) or "none"
            return (f"relation #{i} is a {rel.get('label')!r} link, which the scheme does not "
                    f"have (it has: {known}); fix the link or the scheme")  # fmt: skip
        if head not in rtype.heads or tail not in rtype.tails:
            return (f"relation #{i} links a {head} to a {tail} as {rtype.name}, which the scheme "
                    f"allows only from {'/'.join(rtype.heads)} to {'/'.join(rtype.tails)}; "
                    "fix the link or the scheme")  # fmt: skip
    for rtype in scheme.relations:
        if rtype.acyclic and _has_cycle(
            [(str(r["head"]), str(r["tail"])) for r in links if r.get("label") == rtype.name]
        ):
            return (f"the {rtype.name} links go round in a cycle, which the scheme forbids "
                    "(acyclic = true); drop one of them")  # fmt: skip
    return None


def _has_cycle(edges: list[tuple[str, str]]) -> bool:
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str) -> bool:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1 or (nxt not in state and visit(nxt)):
                return True
        state[node] = 2
        return False

    return any(node not in state and visit(node) for node in list(graph))
