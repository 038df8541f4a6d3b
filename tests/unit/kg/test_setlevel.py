"""kg.setlevel: a constraint's WHERE body rewritten as joined scans over every graph of a store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.setlevel import Unsupported, elements, store_level, tokenize, triples

KG = "PREFIX kg: <https://w3id.org/trial-kg/ns#>\n"


def texts(tokens) -> list[str]:
    return [token.text for token in tokens]


def test_setlevel_triples_expand_predicate_and_object_lists():
    found = triples(tokenize("?this kg:count ?n ; kg:eventTerm ?a , ?b . ?x kg:hasArm/kg:size|kg:size ?N"))
    assert [(texts(s), texts(p), texts(o)) for s, p, o in found] == [
        (["?this"], ["kg:count"], ["?n"]),
        (["?this"], ["kg:eventTerm"], ["?a"]),
        (["?this"], ["kg:eventTerm"], ["?b"]),
        (["?x"], ["kg:hasArm", "/", "kg:size", "|", "kg:size"], ["?N"]),
    ]


def test_setlevel_elements_split_a_group_at_its_top_level():
    body = 'FILTER NOT EXISTS { ?this kg:count ?n } ?this kg:percentage ?pct . BIND (COALESCE(?p, 0) AS ?q) { ?a kg:b ?c } UNION { ?a kg:d ?c }'
    assert [kind for kind, _ in elements(tokenize(body))] == ["FILTER", "triples", "BIND", "group"]


def test_setlevel_keeps_the_source_spacing_of_function_calls():
    where = "?this kg:count ?n . BIND (COALESCE(?n, 0) AS ?m)"
    assert "BIND (COALESCE(?n, 0) AS ?m)" in store_level(where, "?this a kg:X .")


def test_setlevel_filter_not_exists_of_triples_becomes_minus():
    rewritten = store_level("?this kg:count ?n . FILTER NOT EXISTS { ?this kg:inferredDenominator ?i }", "?this a kg:X .")
    assert "NOT EXISTS" not in rewritten
    assert "MINUS { { SELECT ?kgGraph ?this ?i WHERE { GRAPH ?kgGraph { ?this kg:inferredDenominator ?i } } } }" in rewritten


@pytest.mark.parametrize("where", ["?this ?p ?o .", "?this kg:p [ kg:q ?o ] .", "SERVICE <http://x> { ?s ?p ?o }"],
                         ids=["variable-predicate", "blank-node", "service"])
def test_setlevel_refuses_what_it_cannot_rewrite(where: str):
    with pytest.raises(Unsupported):
        store_level(where, "?this a kg:X .")


def test_setlevel_query_matches_each_graph_alone():
    """Two graphs with the same node: each row's patterns come from one graph, as in the plain form."""
    store = ox.Store()
    store.load(b"<urn:g1> { <urn:f> <https://w3id.org/trial-kg/ns#count> 5 . <urn:f> a <https://w3id.org/trial-kg/ns#X> . }\n"
               b"<urn:g2> { <urn:f> <https://w3id.org/trial-kg/ns#denominator> 3 . }\n", ox.RdfFormat.TRIG)
    where = "?this kg:count ?n . OPTIONAL { ?this kg:denominator ?N } FILTER (!BOUND(?N) || ?n > ?N)"
    query = KG + "SELECT ?kgGraph ?this ?n ?N WHERE { " + store_level(where, "?this a kg:X .") + " }"
    rows = [(r["kgGraph"].value, r["this"].value, r["n"].value, r["N"]) for r in store.query(query)]
    assert rows == [("urn:g1", "urn:f", "5", None)]
