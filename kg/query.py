"""SPARQL over the store: the named competency queries of ``kg/queries/*.rq``, and result formatting.

A named query is a ``.rq`` file whose leading ``#`` lines document it: the first is its title, the
rest say what it answers and which variables it takes (``--bind NAME=VALUE``, a ``VALUES`` block that
opens the WHERE clause: see ``with_bindings``). Results are written as SPARQL 1.1 Query Results CSV or
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
    """Bind variables with a ``VALUES (?a ?b) { (x y) }`` block for ``["a=x", "b=y"]``.

    The block opens the query's WHERE clause, where Oxigraph's planner joins it first and turns
    ``?abstract kg:abstractId ?id`` into one index lookup; a trailing VALUES (SPARQL 1.1 section 10.2.2)
    is joined only after the whole pattern is evaluated (after grouping, even). Leading and trailing
    give the same rows when each bound variable is bound by plain patterns of the WHERE; when one is
    assigned by ``AS ?var`` (an aggregate, a BIND), or occurs only inside OPTIONAL, MINUS or a FILTER,
    the block stays trailing, as it must to keep its meaning.

    >>> print(with_bindings("SELECT ?x WHERE { GRAPH ?g { ?s <p> ?id . ?s <q> ?x } }", ["id=a1"]))
    SELECT ?x WHERE { GRAPH ?g { VALUES ?id { "a1" } ?s <p> ?id . ?s <q> ?x } }
    >>> print(with_bindings("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", ["n=3"]))
    SELECT (COUNT(*) AS ?n) { ?s ?p ?o }
    VALUES (?n) { (3) }
    <BLANKLINE>
    """
    if not bindings:
        return sparql
    names, terms = [], []
    for binding in bindings:
        name, sep, value = binding.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not re.fullmatch(r"\w+", name):
            raise UsageError(f"--bind {binding}: expected NAME=VALUE")
        names.append(name)
        terms.append(literal_term(value))
    mask = code_mask(sparql)
    where = where_braces(mask)
    if where is None or not all(joined_in(mask, where, name) for name in names):
        return f"{sparql.rstrip()}\nVALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms)}) }}\n"
    # One block per variable, each in the deepest group that binds it by a triple pattern of its own:
    # Oxigraph joins a VALUES with the patterns of its group only, not across a GRAPH clause.
    inserts = sorted(((binding_group(mask, where, name) or where)[0] + 1, f" VALUES ?{name} {{ {term} }}")
                     for name, term in zip(names, terms))
    for offset, block in reversed(inserts):
        sparql = f"{sparql[:offset]}{block}{sparql[offset:]}"
    return sparql


# Comments, strings and IRIs, which may hold braces and keywords that are not code.
NOT_CODE = re.compile(r"""#[^\n]*|'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^\s<>"{}|^`\\]*>""",
                      re.DOTALL)


def code_mask(sparql: str) -> str:
    """The query with comments, strings and IRIs blanked (same length), so that braces and words are code."""
    return NOT_CODE.sub(lambda match: " " * len(match.group(0)), sparql)


def closing(mask: str, start: int, pair: str = "{}") -> int:
    """Index of the bracket closing the one at ``start`` (-1 if unbalanced)."""
    depth = 0
    for index in range(start, len(mask)):
        if mask[index] == pair[0]:
            depth += 1
        elif mask[index] == pair[1]:
            depth -= 1
            if depth == 0:
                return index
    return -1


def where_braces(mask: str) -> tuple[int, int] | None:
    """(open, close) of the outermost query's WHERE group in a masked query, or None."""
    form = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", mask, re.IGNORECASE)
    if form is None:
        return None
    position = form.end()
    if form.group(1).upper() == "CONSTRUCT":
        keyword = re.compile(r"\bWHERE\b", re.IGNORECASE).search(mask, position)
        template = mask.find("{", position)
        if template >= 0 and (keyword is None or template < keyword.start()):
            position = closing(mask, template) + 1  # CONSTRUCT { template } [WHERE] { pattern }
            if position == 0:
                return None
        elif keyword is not None:
            position = keyword.end()
    opening = mask.find("{", position)
    end = closing(mask, opening) if opening >= 0 else -1
    return None if end < 0 else (opening, end)


BLOCKED = re.compile(r"\b(?:OPTIONAL|MINUS|EXISTS|UNION|SERVICE(?:\s+SILENT)?(?:\s+\?\w+)?|VALUES\s*(?:\?\w+|\([^)]*\)))\s*$",
                     re.IGNORECASE)
SUBQUERY_UNSAFE = re.compile(r"\b(?:GROUP|HAVING|LIMIT|OFFSET|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b", re.IGNORECASE)


def child_groups(mask: str, group: tuple[int, int], name: str) -> list[tuple[int, int]]:
    """The groups directly inside ``group`` whose solutions join it: a GRAPH group, a plain group (not a
    UNION branch) or the WHERE of a sub-SELECT that projects ``?name`` and neither groups nor slices."""
    found, index = [], group[0] + 1
    while True:
        opening = mask.find("{", index, group[1])
        if opening < 0:
            return found
        end = closing(mask, opening)
        index = end + 1
        before = mask[group[0] + 1:opening].rstrip()
        if BLOCKED.search(before) or re.match(r"\s*UNION\b", mask[end + 1:], re.IGNORECASE):
            continue
        inner = mask[opening + 1:end]
        select = re.match(r"\s*SELECT\b(.*?)(?:\bWHERE\b)?\s*\{", inner, re.IGNORECASE | re.DOTALL)
        if select is None:
            found.append((opening, end))
        elif (re.search(r"[?$]" + re.escape(name) + r"\b|\*", select.group(1))
              and not SUBQUERY_UNSAFE.search(inner)):
            start = opening + 1 + select.end() - 1
            found.append((start, closing(mask, start)))


def binding_group(mask: str, group: tuple[int, int], name: str) -> tuple[int, int] | None:
    """The deepest group, reached by joins only, with a triple pattern of its own that uses ``?name``."""
    for child in child_groups(mask, group, name):
        deeper = binding_group(mask, child, name)
        if deeper is not None:
            return deeper
    own = list(mask[group[0] + 1:group[1]])
    index = group[0] + 1
    while (opening := mask.find("{", index, group[1])) >= 0:  # blank nested groups and expressions
        end = closing(mask, opening)
        own[opening - group[0] - 1:end - group[0]] = " " * (end + 1 - opening)
        index = end + 1
    text = "".join(own)
    for match in re.finditer(r"\b(?:FILTER|BIND)\s*\(", text, re.IGNORECASE):
        end = closing(text, match.end() - 1, "()")
        text = text[:match.start()] + " " * (end + 1 - match.start()) + text[end + 1:]
    return group if re.search(r"[?$]" + re.escape(name) + r"\b", text) else None


def joined_in(mask: str, where: tuple[int, int], name: str) -> bool:
    """True if ``?name`` is bound by plain patterns of the WHERE group: it occurs there outside OPTIONAL,
    MINUS, FILTER and BIND, and nothing assigns it with ``AS``."""
    variable = r"[?$]" + re.escape(name) + r"\b"
    if re.search(r"\bAS\s+" + variable, mask, re.IGNORECASE):
        return False
    body = mask[where[0] + 1:where[1]]
    kept = list(body)
    for match in re.finditer(r"\b(OPTIONAL|MINUS|FILTER|BIND)\b", body, re.IGNORECASE):
        opening = re.compile(r"[{(]").search(body, match.end())
        if opening is None:
            return False
        end = closing(body, opening.start(), "{}" if opening.group(0) == "{" else "()")
        if end < 0:
            return False
        kept[match.start():end + 1] = " " * (end + 1 - match.start())
    return re.search(variable, "".join(kept)) is not None


def run(store: Any, sparql: str, allow_update: bool = False) -> Any:
    """The query's results; an update is run only when allowed (then None)."""
    if is_update(sparql):
        if not allow_update:
            raise QueryError("this is a SPARQL update; kg query refuses updates unless --allow-update is given")
        store.update(sparql)
        # The update may change any abstract: its stored validation report no longer speaks for it.
        from kg.storecheck import invalidate_reports

        invalidate_reports(store)
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
