"""``kg check --store``: every SPARQL constraint of the shapes, run once over the whole store.

pySHACL runs a SPARQL-based constraint (SHACL 1.0 section 5) once per focus node, with ``$this``
pre-bound, on one abstract's graph. Here each constraint's ``sh:select`` is read from the shapes graph
(``kg.shacl.shapes_graph()``, so a new shape is picked up as it is added) and rewritten once:

* ``$this`` becomes a variable, bound by the shape's targets (``sh:targetClass`` with
  ``rdf:type/rdfs:subClassOf*``, ``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``);
  when no graph of the store holds an ``rdfs:subClassOf`` triple (kg's graphs hold none), the path can
  only match ``rdf:type``, so the target is that plain pattern: an index lookup, where the path made
  Oxigraph walk every graph (3x faster on the figure shapes at 20k abstracts);
* the WHERE clause is wrapped in ``GRAPH ?kgGraph { ... }``, so each abstract is still checked alone:
  a pattern never joins one abstract's triples with another's, as in a per-abstract run;
* the prefixes come from ``sh:prefixes``/``sh:declare``, and ``sh:message`` templates are filled as
  pySHACL fills them (``{?var}``/``{$var}`` with the value's lexical form).

The result is one query per constraint for the whole store instead of one per focus node, and the same
violations. Core constraints (sh:minCount, sh:datatype...) are not covered; none is in the shapes, and
``uncovered_shapes()`` names any that appear so the caller can say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg.errors import ShapesError
from kg.rdf import ABSTRACT_BASE, OA
from kg.shacl import ShapeResult, SpanRef, local_name, shapes_graph
from kg.vocab import KG

GRAPH_VAR = "kgGraph"
SPARQL_PARAMETERS = {SH.sparql, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                     SH.deactivated, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group}


@dataclass(frozen=True)
class Constraint:
    shape: URIRef
    node: URIRef
    severity: str
    message: str
    query: str  # the set-level query


@dataclass(frozen=True)
class StoreResult:
    """One violation found in the store: which abstract (graph), which node, and the shape's result."""

    graph: str
    abstract_id: str
    focus: str
    result: ShapeResult


def prefixes_of(shapes: Graph, constraint: URIRef) -> str:
    lines = []
    for owner in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(owner, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines)))


def target_patterns(shapes: Graph, shape: URIRef, subclasses: bool = True) -> list[str]:
    """The shape's focus nodes as patterns on ?this; ``subclasses=False`` when the data has no
    rdfs:subClassOf triple, so SHACL instances are exactly the rdf:type subjects."""
    instance = f"<{RDF.type}>/<{RDFS.subClassOf}>*" if subclasses else f"<{RDF.type}>"
    patterns = []
    for cls in shapes.objects(shape, SH.targetClass):
        patterns.append(f"?this {instance} <{cls}> .")
    if (shape, RDF.type, RDFS.Class) in shapes:  # implicit class target (SHACL 2.1.3.3)
        patterns.append(f"?this {instance} <{shape}> .")
    for node in shapes.objects(shape, SH.targetNode):
        term = f"<{node}>" if isinstance(node, URIRef) else Literal(node).n3()
        patterns.append(f"VALUES ?this {{ {term} }} ?this ?kgAnyP ?kgAnyO .")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        patterns.append(f"?this <{prop}> ?kgAnyO .")
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        patterns.append(f"?kgAnyS <{prop}> ?this .")
    return patterns


def matching_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``, skipping strings, IRIs and comments."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char == "#":
            i = text.find("\n", i)
            if i < 0:
                break
        elif char in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else char
            end = text.find(quote, i + len(quote))
            while end > 0 and len(quote) == 1 and text[end - 1] == "\\":
                end = text.find(quote, end + 1)
            if end < 0:
                break
            i = end + len(quote) - 1
        elif char == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", text[i:]):
            i = text.index(">", i)
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ShapesError("a sh:select has unbalanced braces")


SELECT = re.compile(r"^\s*SELECT\s+(?P<modifier>DISTINCT\s+|REDUCED\s+)?(?P<projection>.*?)\s*(?:WHERE\s*)?\{",
                    re.IGNORECASE | re.DOTALL)


def set_level(select: str, targets: list[str], path: str | None) -> str:
    """Rewrite one focus node's SELECT into one query over every abstract graph of the store."""
    body = re.sub(r"\$this\b", "?this", select)
    if path is not None:
        body = re.sub(r"\$PATH\b", path, body)
    if re.search(r"\$(shapesGraph|currentShape|value)\b", body):
        raise ShapesError("sh:select uses $shapesGraph, $currentShape or $value, which kg check --store does not bind")
    prologue = "\n".join(re.findall(r"^\s*(?:PREFIX|BASE)\b[^\n]*$", body, re.IGNORECASE | re.MULTILINE))
    body = re.sub(r"^\s*(?:PREFIX|BASE)\b[^\n]*$", "", body, flags=re.IGNORECASE | re.MULTILINE)
    match = SELECT.match(body)
    if match is None:
        raise ShapesError(f"cannot read this sh:select as SELECT ... WHERE {{ }}: {' '.join(select.split())[:80]}")
    open_at = match.end() - 1
    close_at = matching_brace(body, open_at)
    projection = match.group("projection").strip()
    if projection != "*":
        extra = [v for v in ("?this", f"?{GRAPH_VAR}") if not re.search(re.escape(v) + r"\b", projection)]
        projection = " ".join(extra + [projection])
    target = " UNION ".join("{ " + pattern + " }" for pattern in targets)
    where = body[open_at + 1:close_at]
    tail = body[close_at + 1:]
    if re.search(r"\bGROUP\s+BY\b", tail, re.IGNORECASE):
        tail = re.sub(r"(\bGROUP\s+BY\b)", rf"\1 ?{GRAPH_VAR}", tail, count=1, flags=re.IGNORECASE)
    return (f"{prologue}\nSELECT {match.group('modifier') or ''}{projection} WHERE {{\n"
            f"  GRAPH ?{GRAPH_VAR} {{\n    {target}\n    {where}\n  }}\n}}{tail}")


def constraints(shapes: Graph | None = None, subclasses: bool = True) -> list[Constraint]:
    """Every active SPARQL constraint of the shapes, as a set-level query (see ``target_patterns``)."""
    shapes = shapes if shapes is not None else shapes_graph()
    found = []
    for shape, node in sorted(shapes.subject_objects(SH.sparql)):
        if shapes.value(shape, SH.deactivated) == Literal(True) or shapes.value(node, SH.deactivated) == Literal(True):
            continue
        select = shapes.value(node, SH.select)
        if select is None:
            continue
        targets = target_patterns(shapes, shape, subclasses)
        if not targets:
            continue  # a shape without targets validates nothing on its own (reached via sh:node only)
        path_node = shapes.value(shape, SH.path)
        if path_node is not None and not isinstance(path_node, URIRef):
            raise ShapesError(f"{local_name(shape)}: kg check --store handles only IRI paths in SPARQL property shapes")
        path = f"<{path_node}>" if path_node is not None else None
        severity = shapes.value(node, SH.severity) or shapes.value(shape, SH.severity) or SH.Violation
        message = shapes.value(node, SH.message) or shapes.value(shape, SH.message) or ""
        query = prefixes_of(shapes, node) + "\n" + set_level(str(select), targets, path)
        found.append(Constraint(shape, node, local_name(severity), str(message), query))
    return found


def uncovered_shapes(shapes: Graph | None = None) -> list[str]:
    """Shapes with constraints other than SPARQL ones (sh:minCount...), which the store check skips."""
    shapes = shapes if shapes is not None else shapes_graph()
    uncovered = set()
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)):
        for prop in set(shapes.predicates(shape, None)):
            if str(prop).startswith(str(SH)) and prop not in SPARQL_PARAMETERS and prop != SH.path:
                uncovered.add(local_name(shape))
    return sorted(uncovered)


def fill(message: str, solution: ox.QuerySolution, variables: list[str]) -> str:
    for name in variables:
        term = solution[name]
        if term is not None:
            value = term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)
            message = re.sub("{[?$]" + re.escape(name) + "}", lambda _m, v=value: v, message)
    return message


def abstract_id_of(graph: str) -> str:
    return unquote(graph[len(ABSTRACT_BASE):]) if graph.startswith(ABSTRACT_BASE) else graph


def check_store(store) -> Iterator[StoreResult]:
    """Every SPARQL-constraint result in the store, sorted by abstract, first span, shape and message."""
    raw: list[tuple[str, str, Constraint, str]] = []
    subclasses = bool(store.query(f"ASK {{ GRAPH ?g {{ ?s <{RDFS.subClassOf}> ?o }} }}"))
    for constraint in constraints(subclasses=subclasses):
        solutions = store.query(constraint.query)
        variables = [v.value for v in solutions.variables]
        seen = set()
        for solution in solutions:
            graph, focus = solution[GRAPH_VAR], solution["this"]
            if graph is None or focus is None:
                continue
            key = (graph.value, focus.value, tuple(term_key(solution[v]) for v in variables))
            if key in seen:  # pySHACL drops duplicate solutions too
                continue
            seen.add(key)
            raw.append((graph.value, focus.value, constraint,
                        fill(constraint.message, solution, [v for v in variables if v != GRAPH_VAR])))
    spans = spans_of(store, {(graph, focus) for graph, focus, _, _ in raw})
    results = []
    for graph, focus, constraint, message in raw:
        found = spans.get((graph, focus), [])
        results.append(StoreResult(graph, abstract_id_of(graph), focus, ShapeResult(
            shape=local_name(constraint.shape), severity=constraint.severity, message=message, spans=found)))
    results.sort(key=lambda r: (r.abstract_id, r.result.spans[0].start if r.result.spans else -1, r.result.shape,
                                r.result.message))
    yield from results


def term_key(term) -> str | None:
    return None if term is None else str(term)


def spans_of(store, nodes: set[tuple[str, str]], batch: int = 2000) -> dict[tuple[str, str], list[SpanRef]]:
    """The value spans of each focus node, as kg.shacl.spans_of reads them from one abstract's graph."""
    found: dict[tuple[str, str], set[SpanRef]] = {}
    ordered = sorted(nodes)
    for index in range(0, len(ordered), batch):
        rows = " ".join(f"(<{graph}> <{focus}>)" for graph, focus in ordered[index:index + batch])
        query = f"""SELECT ?g ?focus ?start ?end ?field WHERE {{
            VALUES (?g ?focus) {{ {rows} }}
            GRAPH ?g {{ ?focus <{KG.hasExtractedValue}> ?v . ?v <{OA.start}> ?start ; <{OA.end}> ?end .
                       OPTIONAL {{ ?v <{KG.sourceField}> ?field }} }} }}"""
        for solution in store.query(query):
            field = solution["field"].value if solution["field"] is not None else "text"
            found.setdefault((solution["g"].value, solution["focus"].value), set()).add(
                SpanRef(field=field, start=int(solution["start"].value), end=int(solution["end"].value)))
    return {key: sorted(value, key=lambda s: (s.field != "text", s.start, s.end)) for key, value in found.items()}
