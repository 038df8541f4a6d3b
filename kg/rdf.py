"""Records -> RDF: one generic walker, deterministic IRIs, one named graph per abstract.

IRIs: the ontology is ``kg:`` (https://w3id.org/trial-kg/ns#); an abstract is
``https://w3id.org/trial-kg/abstract/<percent-encoded id>`` and also names its graph; a record is the
abstract IRI plus its path (``/ae/2``, ``/dlt/by_dose/0``); a value's span is a ``kg:ExtractedValue``
(an ``oa:TextPositionSelector`` and ``oa:TextQuoteSelector``) at the value's path. No blank nodes, no
timestamps: the same abstract always gives the same triples.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, XSD

from kg import __version__
from kg.errors import KgError
from kg.infer import add_inferred_denominators
from kg.records import Datatype, Decimals, Extracted, Iri, Record, TrialAbstract, Vocab
from kg.sentences import sentence_context
from kg.vocab import KG
from extractors.parsing import decimals

OA = Namespace("http://www.w3.org/ns/oa#")
NCIT = Namespace("http://purl.obolibrary.org/obo/NCIT_")
ABSTRACT_BASE = "https://w3id.org/trial-kg/abstract/"
TOOL = URIRef(f"https://w3id.org/trial-kg/tool/{__version__}")
PREFIXES = {"kg": Namespace(str(KG._NS)), "oa": OA, "prov": PROV, "NCIT": NCIT, "xsd": XSD, "rdfs": RDFS,
            "ab": Namespace(ABSTRACT_BASE)}


def abstract_iri(record_id: str) -> URIRef:
    """>>> abstract_iri("doi:10.1200/JCO.22.1")
    rdflib.term.URIRef('https://w3id.org/trial-kg/abstract/doi%3A10.1200%2FJCO.22.1')
    """
    return URIRef(ABSTRACT_BASE + quote(record_id, safe=""))


@functools.cache
def vocab_table(table: str) -> dict[str, URIRef]:
    from importlib import resources

    text = resources.files("kg.ontology").joinpath(f"vocab/{table}.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:] if line and not line.startswith("#")]
    return {label: URIRef(iri) for label, iri, *_ in rows}


def literal(extracted: Extracted, metadata: list[Any]) -> URIRef | Literal:
    for marker in metadata:
        if isinstance(marker, Vocab):
            try:
                return vocab_table(marker.table)[str(extracted.value)]
            except KeyError:
                raise KgError(f"ontology/vocab/{marker.table}.tsv has no IRI for {extracted.value!r}") from None
        if isinstance(marker, Datatype):
            return Literal(str(extracted.value), datatype=marker.iri)
    value = extracted.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Literal(value)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    # A decimal keeps the text's own digits (86.21, not 86.2099999): the shapes compare them exactly.
    try:
        number = Decimal(extracted.text.strip().replace("\u00b7", "."))
    except InvalidOperation:
        number = Decimal(str(value))
    return Literal(number, datatype=XSD.decimal)


# The source strings of an abstract by field ("text", "title"): given, each selector also gets the rest
# of its sentence as oa:prefix / oa:suffix (kg.sentences), so a query can show where a number came from.
Texts = Mapping[str, str | None]


def add_value(graph: Graph, owner: URIRef, path: str, prop: URIRef, extracted: Extracted, metadata: list[Any],
              texts: Texts | None = None) -> None:
    graph.add((owner, prop, literal(extracted, metadata)))
    for marker in metadata:
        if isinstance(marker, Decimals):
            graph.add((owner, marker.iri, Literal(decimals(extracted.text), datatype=XSD.integer)))
    node = URIRef(path)
    graph.add((owner, KG.hasExtractedValue, node))
    graph.add((node, RDF.type, KG.ExtractedValue))
    graph.add((node, KG.property, prop))
    graph.add((node, OA.start, Literal(extracted.start, datatype=XSD.nonNegativeInteger)))
    graph.add((node, OA.end, Literal(extracted.end, datatype=XSD.nonNegativeInteger)))
    graph.add((node, OA.exact, Literal(extracted.text)))
    graph.add((node, KG.rule, Literal(extracted.rule)))
    if extracted.field != "text":
        graph.add((node, KG.sourceField, Literal(extracted.field)))
    source = texts.get(extracted.field) if texts else None
    if source and source[extracted.start:extracted.end] == extracted.text:
        prefix, suffix = sentence_context(source, extracted.start, extracted.end)
        if prefix:
            graph.add((node, OA.prefix, Literal(prefix)))
        if suffix:
            graph.add((node, OA.suffix, Literal(suffix)))


def walk(graph: Graph, node: URIRef, record: Record, texts: Texts | None = None) -> None:
    """Write any record: its class from ``rdf_type``, each field under the property its ``Iri`` names."""
    graph.add((node, RDF.type, record.rdf_type))
    for name, info in type(record).model_fields.items():
        iri = next((m.iri for m in info.metadata if isinstance(m, Iri)), None)
        if iri is None:
            raise KgError(f"{type(record).__name__}.{name} declares no Iri")
        value = getattr(record, name)
        if value is None:
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            path = f"{node}/{name}" if index is None else f"{node}/{name}/{index}"
            if isinstance(item, Record):
                child = URIRef(path)
                graph.add((node, iri, child))
                walk(graph, child, item, texts)
            elif isinstance(item, Extracted):
                add_value(graph, node, path, iri, item, info.metadata, texts)
            else:
                graph.add((node, iri, Literal(item)))


def record_graph(record: TrialAbstract, graph: Graph | None = None, texts: Texts | None = None) -> Graph:
    """The abstract's triples, in ``graph`` if given (a Dataset's named graph), else in a new Graph.

    With ``texts`` (the abstract's strings by field), selectors carry their sentence as oa:prefix/oa:suffix.
    """
    iri = abstract_iri(record.id)
    graph = graph if graph is not None else Graph(identifier=iri)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    walk(graph, iri, record, texts)
    # Percentages without their own N get the population their abstract's other pairs imply (kg/infer.py).
    add_inferred_denominators(graph, record, iri, TOOL)
    activity = URIRef(f"{iri}/extraction")
    graph.add((iri, PROV.wasGeneratedBy, activity))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.wasAssociatedWith, TOOL))
    graph.add((TOOL, RDF.type, PROV.SoftwareAgent))
    graph.add((TOOL, RDFS.label, Literal(f"trial-kg {__version__}")))
    return graph


def dataset(records: list[TrialAbstract], texts: Sequence[Texts | None] | None = None) -> Dataset:
    ds = Dataset()
    for prefix, namespace in PREFIXES.items():
        ds.bind(prefix, namespace, override=True)
    for index, record in enumerate(records):
        record_graph(record, ds.graph(abstract_iri(record.id)), texts[index] if texts else None)
    return ds


def serialise(records: list[TrialAbstract], fmt: str, texts: Sequence[Texts | None] | None = None) -> str:
    """turtle (one abstract), trig or nquads; N-Quads lines sorted, since rdflib's order follows the hash seed.

    ``texts``, parallel to ``records``, adds each value's sentence to its selector.
    """
    if fmt == "turtle":
        return record_graph(records[0], texts=texts[0] if texts else None).serialize(format="turtle")
    if fmt == "trig":
        return dataset(records, texts).serialize(format="trig")
    if fmt == "nquads":
        lines = dataset(records, texts).serialize(format="nquads").splitlines()
        return "".join(line + "\n" for line in sorted(set(lines)) if line.strip())
    raise KgError(f"unknown RDF format {fmt}")
