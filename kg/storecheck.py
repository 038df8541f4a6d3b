"""``kg check --store``: every SPARQL constraint of the shapes, run once over the whole store.

pySHACL runs a SPARQL-based constraint (SHACL 1.0 section 5) once per focus node, with ``$this``
pre-bound, on one abstract's graph. Here each constraint's ``sh:select`` is read from the shapes graph
(``kg.shacl.shapes_graph()``, so a new shape is picked up as it is added) and rewritten once:

* ``$this`` becomes a variable, bound by the shape's targets (``sh:targetClass`` with
  ``rdf:type/rdfs:subClassOf*``, ``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``);
  when no graph of the store makes a class a subclass of a target class (kg's graphs hold no
  ``rdfs:subClassOf`` triple; ``has_subclasses``), the path can only match ``rdf:type``, so the
  target is that plain pattern: an index lookup, where the path made Oxigraph walk every graph (3x
  faster on the figure shapes at 20k abstracts), and which Virtuoso 7.2 answers (the path: no row);
* the WHERE clause is matched in ``GRAPH ?kgGraph { ... }``, so each abstract is still checked alone:
  a pattern never joins one abstract's triples with another's, as in a per-abstract run; its triple
  patterns are written as scans joined by hashing (``kg.setlevel``: 1.8x-2.7x faster at 10k abstracts than
  the body as it is, which Oxigraph evaluates as one index lookup per pattern and focus node);
* the prefixes come from ``sh:prefixes``/``sh:declare``, and ``sh:message`` templates are filled as
  pySHACL fills them (``{?var}``/``{$var}`` with the value's lexical form).

The result is one query per constraint for the whole store instead of one per focus node, and the same
violations. Core constraints (sh:minCount, sh:datatype...) are not covered; none is in the shapes, and
``uncovered_shapes()`` names any that appear so the caller can say so.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

from kg.errors import ShapesError
from kg.rdf import ABSTRACT_BASE, OA
from kg.setlevel import Unsupported, store_level
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


def set_level(select: str, targets: list[str], path: str | None, plain: bool = False) -> str:
    """Rewrite one focus node's SELECT into one query over every abstract graph of the store: its WHERE
    body as joined scans (``kg.setlevel``), or with ``plain`` (or where that module cannot read the body)
    the body as it is, inside ``GRAPH ?kgGraph { }``."""
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
    head = f"{prologue}\nSELECT {match.group('modifier') or ''}{projection} WHERE {{\n"
    if not plain:
        try:
            return f"{head}    {store_level(where, target)}\n}}{tail}"
        except Unsupported:
            pass  # the plain form below gives the same results, only slower
    return f"{head}  GRAPH ?{GRAPH_VAR} {{\n    {target}\n    {where}\n  }}\n}}{tail}"


def constraints(shapes: Graph | None = None, subclasses: bool = True, plain: bool = False) -> list[Constraint]:
    """Every active SPARQL constraint of the shapes, as a set-level query (see ``target_patterns`` and
    ``set_level``)."""
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
        query = prefixes_of(shapes, node) + "\n" + set_level(str(select), targets, path, plain)
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


def has_subclasses(store, shapes: Graph | None = None) -> bool:
    """Whether a graph of the store makes some class a subclass of a shape's target class: only then can a
    node be a SHACL instance of it without its own rdf:type. (Every chain of rdfs:subClassOf up to a
    target class ends in a triple whose object is that class.) Asked with a SELECT, not ASK, and about the
    target classes only: Virtuoso 7.2 keeps rdfs:subClassOf triples of its own (LDP's) in a graph, and
    answers ASK as a result set (a variable __ASK_RETVAL, no row for false), which reads as true."""
    shapes = shapes if shapes is not None else shapes_graph()
    classes = sorted({str(c) for c in shapes.objects(None, SH.targetClass)}
                     | {str(s) for s in shapes.subjects(RDF.type, RDFS.Class) if (s, SH.sparql, None) in shapes})
    if not classes:
        return False
    values = " ".join(f"<{c}>" for c in classes)
    return any(True for _ in store.query(
        f"SELECT ?s WHERE {{ VALUES ?class {{ {values} }} GRAPH ?g {{ ?s <{RDFS.subClassOf}> ?class }} }} LIMIT 1"))


def run_constraints(store) -> list[tuple[str, str, Constraint, str]]:
    """(graph, focus node, constraint, filled message) of every SPARQL-constraint result in the store."""
    raw: list[tuple[str, str, Constraint, str]] = []
    for constraint in constraints(subclasses=has_subclasses(store)):
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
    return raw


def check_store(store, stored: bool = True) -> Iterator[StoreResult]:
    """Every SPARQL-constraint result in the store, sorted by abstract, first span, shape and message.

    With ``stored``, the validation reports that ``kg load`` wrote are read when every data graph has a
    current one (made with these shapes); otherwise, or with ``stored=False``, every constraint runs
    over the whole store.
    """
    raw = stored_results(store) if stored else None
    if raw is None:
        raw = run_constraints(store)
    spans = spans_of(store, {(graph, focus) for graph, focus, _, _ in raw})
    results = []
    for graph, focus, constraint, message in raw:
        found = spans.get((graph, focus), [])
        results.append(StoreResult(graph, abstract_id_of(graph), focus, ShapeResult(
            shape=local_name(constraint.shape), severity=constraint.severity, message=message, spans=found)))
    results.sort(key=lambda r: (r.abstract_id, r.result.spans[0].start if r.result.spans else -1, r.result.shape,
                                r.result.message))
    yield from results


# --- validation at load time ---------------------------------------------------------------------
#
# kg load validates each batch it writes: the batch's graphs go into an in-memory Oxigraph store, the
# same set-level queries run there (each graph is still checked alone: GRAPH ?kgGraph), and the results
# are written beside the abstract, in a graph named from its IRI (REPORT_SUFFIX), as a SHACL
# sh:ValidationReport stamped with the digest of the constraints that made it (prov:used). kg check
# --store reads these reports when every data graph has a current one, and runs the queries over the
# whole store when not (a graph loaded from TriG/N-Quads, a SPARQL update, other shapes).

REPORT_SUFFIX = "/validation-report"
PROV_USED = "http://www.w3.org/ns/prov#used"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"


def report_graph(graph: str) -> str:
    return graph + REPORT_SUFFIX


@functools.cache
def shapes_digest() -> str:
    """An IRI naming the constraints as the store check runs them: a report made with others is stale."""
    text = json.dumps([[str(c.shape), str(c.node), c.severity, c.message, c.query] for c in constraints(subclasses=True)])
    return f"https://w3id.org/trial-kg/shapes/sha256/{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


class MemoryStore:
    """An in-memory Oxigraph store holding one batch's N-Quads, queried as a LocalStore is."""

    def __init__(self, nquads: bytes):
        self.store = ox.Store()
        self.store.bulk_load(nquads, ox.RdfFormat.N_QUADS)

    def query(self, sparql: str):
        return self.store.query(sparql, use_default_graph_as_union=True)


def validation_reports(graphs: list[str], nquads: bytes) -> bytes:
    """N-Quads of the validation report of each of ``graphs``, whose every quad is in ``nquads``."""
    raw = run_constraints(MemoryStore(nquads))
    by_graph: dict[str, list[tuple[str, Constraint, str]]] = {graph: [] for graph in graphs}
    for graph, focus, constraint, message in raw:
        if graph in by_graph:
            by_graph[graph].append((focus, constraint, message))
    digest = ox.NamedNode(shapes_digest())
    quads = []
    for graph, found in by_graph.items():
        report = ox.NamedNode(report_graph(graph))

        def add(s, p, o, report=report):
            quads.append(ox.Quad(s, ox.NamedNode(p), o, report))

        add(report, str(RDF.type), ox.NamedNode(f"{SH}ValidationReport"))
        add(report, str(SH.conforms), ox.Literal(str(not any(c.severity == "Violation" for _, c, _ in found)).lower(),
                                                 datatype=ox.NamedNode(str(XSD.boolean))))
        add(report, PROV_DERIVED, ox.NamedNode(graph))
        add(report, PROV_USED, digest)
        for index, (focus, constraint, message) in enumerate(sorted(found, key=lambda f: (f[0], str(f[1].node), f[2]))):
            result = ox.NamedNode(f"{report.value}/{index}")
            add(report, str(SH.result), result)
            add(result, str(RDF.type), ox.NamedNode(f"{SH}ValidationResult"))
            add(result, str(SH.focusNode), ox.NamedNode(focus))
            add(result, str(SH.sourceShape), ox.NamedNode(str(constraint.shape)))
            add(result, str(SH.sourceConstraint), ox.NamedNode(str(constraint.node)))
            add(result, str(SH.sourceConstraintComponent), ox.NamedNode(f"{SH}SPARQLConstraintComponent"))
            add(result, str(SH.resultSeverity), ox.NamedNode(f"{SH}{constraint.severity}"))
            add(result, str(SH.resultMessage), ox.Literal(message))
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


def invalidate_reports(store) -> None:
    """Take the stamp off every stored report, so kg check --store runs the shapes over the store again."""
    store.update(f"DELETE {{ GRAPH ?r {{ ?r <{PROV_USED}> ?digest }} }} "
                 f"WHERE {{ GRAPH ?r {{ ?r a <{SH}ValidationReport> ; <{PROV_USED}> ?digest }} }}")


def stored_results(store) -> list[tuple[str, str, Constraint, str]] | None:
    """The results the stored validation reports hold, or None when a data graph has no current report."""
    # The abstracts' graphs (each holds its own kg:TrialAbstract node). A graph without one can only come
    # from an RDF file or an update, and both take every stamp off (the check then runs in full).
    data = {solution["g"].value for solution in store.query(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a <{KG.TrialAbstract}> }} }}") if isinstance(solution["g"], ox.NamedNode)}
    digest = shapes_digest()
    stamped = {solution["g"].value for solution in store.query(
        f"SELECT ?g WHERE {{ GRAPH ?r {{ ?r <{PROV_USED}> <{digest}> ; <{PROV_DERIVED}> ?g }} }}")}
    if not data or not data <= stamped:
        return None
    by_node = {str(c.node): c for c in constraints(subclasses=True)}
    raw = []
    for solution in store.query(f"""SELECT ?g ?focus ?constraint ?message WHERE {{ GRAPH ?r {{
            ?r <{PROV_USED}> <{digest}> ; <{PROV_DERIVED}> ?g ; <{SH.result}> ?result .
            ?result <{SH.focusNode}> ?focus ; <{SH.sourceConstraint}> ?constraint ; <{SH.resultMessage}> ?message }} }}"""):
        graph = solution["g"].value
        if graph in data:
            raw.append((graph, solution["focus"].value, by_node[solution["constraint"].value], solution["message"].value))
    return raw


def term_key(term) -> str | None:
    return None if term is None else str(term)


def spans_of(store, nodes: set[tuple[str, str]], batch: int = 20) -> dict[tuple[str, str], list[SpanRef]]:
    """The value spans of each focus node, as kg.shacl.spans_of reads them from one abstract's graph."""
    found: dict[tuple[str, str], set[SpanRef]] = {}
    ordered = sorted(nodes)
    for index in range(0, len(ordered), batch):
        # One block per node, with its IRIs written in: Oxigraph then looks each node's spans up, where a
        # VALUES table joined with the pattern makes it read every value of the store.
        blocks = " UNION ".join(
            f"""{{ GRAPH <{graph}> {{ <{focus}> <{KG.hasExtractedValue}> ?v . ?v <{OA.start}> ?start ; <{OA.end}> ?end .
                   OPTIONAL {{ ?v <{KG.sourceField}> ?field }} }} BIND (<{graph}> AS ?g) BIND (<{focus}> AS ?focus) }}"""
            for graph, focus in ordered[index:index + batch])
        for solution in store.query(f"SELECT ?g ?focus ?start ?end ?field WHERE {{ {blocks} }}"):
            field = solution["field"].value if solution["field"] is not None else "text"
            found.setdefault((solution["g"].value, solution["focus"].value), set()).add(
                SpanRef(field=field, start=int(solution["start"].value), end=int(solution["end"].value)))
    return {key: sorted(value, key=lambda s: (s.field != "text", s.start, s.end)) for key, value in found.items()}
