"""SPARQL over the store: the named competency queries of ``kg/queries/*.rq``, and result formatting.

A named query is a ``.rq`` file whose leading ``#`` lines document it: the first is its title, the
rest say what it answers and which variables it takes (``--bind NAME=VALUE``, added as a trailing
``VALUES`` block, SPARQL 1.1 section 10.2.2). Results are written as SPARQL 1.1 Query Results CSV or
JSON (W3C), or as an aligned text table; CONSTRUCT and DESCRIBE results as N-Triples.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError, UsageError

RESULT_FORMATS = ("table", "csv", "json")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
PROLOGUE = re.compile(r"""\s*(?:\#[^\n]*\n|BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)""", re.IGNORECASE)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str


@functools.cache
def named_queries() -> dict[str, NamedQuery]:
    folder = resources.files("kg.queries")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".rq"):
            continue
        text = entry.read_text(encoding="utf-8")
        doc = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            doc.append(line[1:].strip())
        name = entry.name[: -len(".rq")]
        found[name] = NamedQuery(name, doc[0] if doc else name, "\n".join(doc[1:]).strip(), text)
    return found


def named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise UsageError(f"no query named {name!r}; `kg query --list` shows them")
    return queries[name]


def is_update(sparql: str) -> bool:
    """True if the text, after its prologue and comments, starts with an update operation.

    >>> is_update("PREFIX kg: <https://w3id.org/trial-kg/ns#>\\n# drop it\\nDROP GRAPH <x:g>")
    True
    >>> is_update("SELECT * { ?s ?p ?o }")
    False
    """
    position = 0
    while True:
        match = PROLOGUE.match(sparql, position)
        if match is None or match.end() == position:
            break
        position = match.end()
    words = sparql[position:].split(None, 1)
    return bool(words) and words[0].upper() in UPDATE_KEYWORDS


def literal_term(value: str) -> str:
    """A --bind value as a SPARQL term: an <IRI> or a number as given, else a string literal."""
    if value.startswith("<") and value.endswith(">"):
        return value
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_bindings(sparql: str, bindings: list[str]) -> str:
    """Append ``VALUES (?a ?b) { (x y) }`` for ``["a=x", "b=y"]``."""
    if not bindings:
        return sparql
    names, terms = [], []
    for binding in bindings:
        name, sep, value = binding.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not re.fullmatch(r"\w+", name):
            raise UsageError(f"--bind {binding}: expected NAME=VALUE")
        names.append(f"?{name}")
        terms.append(literal_term(value))
    return f"{sparql.rstrip()}\nVALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}\n"


def run(store: Any, sparql: str, allow_update: bool = False) -> Any:
    """The query's results; an update is run only when allowed (then None)."""
    if is_update(sparql):
        if not allow_update:
            raise QueryError("this is a SPARQL update; kg query refuses updates unless --allow-update is given")
        store.update(sparql)
        return None
    return store.query(sparql)


# --- formatting --------------------------------------------------------------------------------


def term_text(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def format_results(results: Any, fmt: str) -> bytes:
    if results is None:
        return b""
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            return b"true\n" if bool(results) else b"false\n"
        return results.serialize(format=ox.QueryResultsFormat.JSON if fmt == "json" else ox.QueryResultsFormat.CSV)
    if isinstance(results, ox.QuerySolutions):
        if fmt == "json":
            return results.serialize(format=ox.QueryResultsFormat.JSON)
        if fmt == "csv":
            return results.serialize(format=ox.QueryResultsFormat.CSV)
        return table(results).encode("utf-8")
    # CONSTRUCT / DESCRIBE: an RDF graph, written as N-Triples whatever --format says.
    return ox.serialize(list(results), format=ox.RdfFormat.N_TRIPLES)


def table(solutions: ox.QuerySolutions) -> str:
    names = [variable.value for variable in solutions.variables]
    rows = [[" ".join(term_text(solution[name]).split()) for name in names] for solution in solutions]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(names)]
    lines = ["  ".join(name.ljust(widths[i]) for i, name in enumerate(names)).rstrip(),
             "  ".join("-" * width for width in widths)]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"
