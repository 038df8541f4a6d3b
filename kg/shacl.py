"""SHACL validation with the shapes of ``ontology/shapes``: loaded once per process, run per abstract.

The shapes are the single statement of what a consistent trial is; this module only runs pySHACL and
turns its report into plain results, each with the spans of the values on the node it is about.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

import pyoxigraph as ox
import pyshacl
from pydantic import BaseModel, ConfigDict
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import SH

from kg.errors import ShapesError
from kg.vocab import KG

OA = Namespace("http://www.w3.org/ns/oa#")
Severity = Literal["Violation", "Warning", "Info"]


class SpanRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: Literal["text", "title"]
    start: int
    end: int


class ShapeResult(BaseModel):
    """One result of the report: which shape, how bad, what it says, and which characters it is about."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    shape: str
    severity: Severity
    message: str
    spans: list[SpanRef]


def _memoise_sparql_checks() -> None:
    """Check each SPARQL constraint's text once per process, not once per focus node.

    pySHACL re-runs its syntax checks (no MINUS, VALUES, SERVICE...) on the constraint text for every
    focus node, with regular expressions that backtrack quadratically on long queries (3 ms for one of
    our constraints, more than the query itself). The checks depend only on the text and on which
    variables may be pre-bound, so their verdict is remembered; a failing text still raises every time.
    """
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    original = SPARQLQueryHelper.check_invalid_sparql
    if getattr(original, "kg_memoised", False):
        return
    passed: set[tuple[str, bool, tuple[str, ...]]] = set()

    def check_invalid_sparql(self, sparql_text, valuenode=None, extravars=None):
        key = (sparql_text, valuenode is not None, tuple(sorted(extravars or ())))
        if key not in passed:
            original(self, sparql_text, valuenode=valuenode, extravars=extravars)
            passed.add(key)
        return True

    check_invalid_sparql.kg_memoised = True
    SPARQLQueryHelper.check_invalid_sparql = check_invalid_sparql


_memoise_sparql_checks()


@functools.cache
def shapes_graph() -> Graph:
    graph = Graph()
    folder = resources.files("kg.ontology").joinpath("shapes")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".ttl"))
    if not names:
        raise ShapesError("ontology/shapes holds no .ttl file")
    for name in names:
        try:
            graph.parse(data=folder.joinpath(name).read_text(encoding="utf-8"), format="turtle")
        except Exception as error:  # rdflib raises several parser exception types
            raise ShapesError(f"ontology/shapes/{name}: {error}") from None
    return graph


def local_name(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def spans_of(data: Graph, focus: URIRef) -> list[SpanRef]:
    spans = []
    for value in data.objects(focus, KG.hasExtractedValue):
        start, end = data.value(value, OA.start), data.value(value, OA.end)
        field = data.value(value, KG.sourceField)
        if start is not None and end is not None:
            spans.append(SpanRef(field=str(field) if field is not None else "text", start=int(start), end=int(end)))
    return sorted(set(spans), key=lambda s: (s.field != "text", s.start, s.end))


def oxigraph_store(data: Graph) -> ox.Store:
    store = ox.Store()
    # Sorted lines: rdflib's order follows the hash seed, and pySHACL's messages that GROUP_CONCAT several
    # values ("19 + 21") follow the store's order, so unsorted input gives a different message per process.
    lines = sorted(line for line in data.serialize(format="nt", encoding="utf-8").splitlines() if line.strip())
    store.load(b"\n".join(lines) + b"\n", ox.RdfFormat.N_TRIPLES)
    return store


def validate(data: Graph) -> tuple[bool, list[ShapeResult], Graph]:
    """(conforms, results, the sh:ValidationReport graph). Warnings and infos never break conformance.

    The data graph goes to pySHACL as an in-memory Oxigraph store: pySHACL then runs each SPARQL
    constraint in Oxigraph, whose parser is some fifty times faster than rdflib's, which otherwise
    re-parses every constraint for every focus node.
    """
    conforms, report, _ = pyshacl.validate(
        oxigraph_store(data), shacl_graph=shapes_graph(), allow_warnings=True, allow_infos=True, inference="none")
    results = []
    for result in report.subjects(SH.resultSeverity, None):
        severity = local_name(report.value(result, SH.resultSeverity))
        source = report.value(result, SH.sourceShape)
        focus = report.value(result, SH.focusNode)
        message = report.value(result, SH.resultMessage)
        results.append(ShapeResult(shape=local_name(source), severity=severity, message=str(message or ""),
                                   spans=spans_of(data, focus) if isinstance(focus, URIRef) else []))
    results.sort(key=lambda r: (r.spans[0].start if r.spans else -1, r.shape, r.message))
    return bool(conforms), results, report
