"""RDF: deterministic IRIs and bytes, spans as Web Annotation selectors, no blank nodes for records."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.pipeline import Abstract, extract_one
from kg.rdf import OA, abstract_iri, record_graph
from kg.vocab import KG
from tests.conftest import SEED


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads"])
def test_serialisation_is_byte_identical_across_hash_seeds(fmt):
    outputs = []
    for seed in ("1", "4242"):
        result = subprocess.run([sys.executable, "-m", "kg", "extract", str(SEED), "--format", fmt],
                                capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}, timeout=600)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert len(outputs[0]) > 10_000
    assert outputs[0] == outputs[1]


def test_nquads_lines_are_sorted_and_in_the_abstract_graph():
    result = subprocess.run([sys.executable, "-m", "kg", "extract", str(SEED), "--format", "nquads"],
                            capture_output=True, timeout=600)
    lines = result.stdout.decode().splitlines()
    assert lines == sorted(lines)
    assert all(line.endswith("<https://w3id.org/trial-kg/abstract/seed> .") for line in lines)


@pytest.fixture(scope="module")
def seed_graph(seed_text) -> Graph:
    return record_graph(extract_one(Abstract(id="seed", text=seed_text)))


def test_abstract_iri_is_percent_encoded():
    assert abstract_iri("doi:10.1200/JCO.22.01") == URIRef("https://w3id.org/trial-kg/abstract/doi%3A10.1200%2FJCO.22.01")


def test_no_blank_nodes(seed_graph):
    assert not [t for t in seed_graph if any(isinstance(term, BNode) for term in t)]


def test_named_graph_is_the_abstract_iri(seed_graph):
    assert seed_graph.identifier == abstract_iri("seed")


def test_percentage_keeps_its_literal_and_decimals(seed_graph):
    efficacy = URIRef(str(abstract_iri("seed")) + "/efficacy")
    assert seed_graph.value(efficacy, KG.diseaseControlRate) == Literal("86.21", datatype=XSD.decimal)
    assert seed_graph.value(efficacy, KG.diseaseControlRateDecimals) == Literal(2, datatype=XSD.integer)
    count = URIRef(str(abstract_iri("seed")) + "/counts/0")
    assert seed_graph.value(count, KG.percentageDecimals) == Literal(0, datatype=XSD.integer)


def test_span_is_a_text_position_selector(seed_graph, seed_text):
    node = URIRef(str(abstract_iri("seed")) + "/efficacy/dcr")
    assert (node, RDF.type, KG.ExtractedValue) in seed_graph
    start, end = int(seed_graph.value(node, OA.start)), int(seed_graph.value(node, OA.end))
    assert seed_text[start:end] == str(seed_graph.value(node, OA.exact)) == "86.21"
    assert str(seed_graph.value(node, KG.rule)) == "rate-cue"
    assert seed_graph.value(node, KG.property) == KG.diseaseControlRate


def test_controlled_values_are_ncit_iris(seed_graph):
    dose = URIRef(str(abstract_iri("seed")) + "/doses/0")
    assert seed_graph.value(dose, KG.doseUnit) == URIRef("http://purl.obolibrary.org/obo/NCIT_C67401")
    phases = set(seed_graph.objects(abstract_iri("seed"), KG.phase))
    assert phases == {KG.Phase1b, URIRef("http://purl.obolibrary.org/obo/NCIT_C15601")}
