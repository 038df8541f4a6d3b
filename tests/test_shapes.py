"""The SHACL shapes of ontology/shapes, tested as the W3C SHACL test suite tests a validator.

Each ``fixtures/shapes/<Shape>-NNN.ttl`` is a manifest (``sht:Validate``) whose data graph is the file
itself, with a valid and an invalid focus node and the expected ``sh:ValidationReport``. The runner
validates each file with the real shapes (never shapes embedded in the fixture) and compares focus
node, source shape, source constraint, result path and severity exactly (as pySHACL's
``test_sht_validate.py`` does). Further tests: every shape and constraint has a failing fixture, the
shapes graph passes SHACL-for-SHACL, every shape is named and documented, and every constraint also
runs as a plain SELECT with ``$this`` free over all fixtures at once (as a store-wide checker runs it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import SH

from kg.shacl import shapes_graph, validate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "fixtures" / "shapes").glob("*.ttl"))
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
KGSH = Namespace("https://w3id.org/trial-kg/shapes#")
NAME = re.compile(r"^(?P<shape>[A-Za-z]+Shape)-(?P<number>\d{3})$")

Result = tuple[URIRef, URIRef, URIRef | None, URIRef | None, URIRef]  # focus, shape, constraint, path, severity


def load_fixture(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=f"http://example.org/kg-fixtures/{path.stem}")


def expected_report(fixture: Graph) -> tuple[bool, set[Result]]:
    tests = list(fixture.subjects(RDF.type, SHT.Validate))
    assert len(tests) == 1, "one sht:Validate entry per fixture file"
    report = fixture.value(tests[0], MF.result)
    assert (report, RDF.type, SH.ValidationReport) in fixture
    conforms = fixture.value(report, SH.conforms)
    results = set()
    for node in fixture.objects(report, SH.result):
        results.add((fixture.value(node, SH.focusNode), fixture.value(node, SH.sourceShape),
                     fixture.value(node, SH.sourceConstraint), fixture.value(node, SH.resultPath),
                     fixture.value(node, SH.resultSeverity)))
    return bool(conforms.toPython()), results


def actual_report(report: Graph) -> set[Result]:
    return {(report.value(node, SH.focusNode), report.value(node, SH.sourceShape), report.value(node, SH.sourceConstraint),
             report.value(node, SH.resultPath), report.value(node, SH.resultSeverity))
            for node in report.subjects(RDF.type, SH.ValidationResult)}


def test_shapes_fixtures_exist_and_are_named_after_their_shape():
    assert len(FIXTURES) >= 30
    shapes = {local(shape) for shape in node_shapes()}
    for path in FIXTURES:
        match = NAME.match(path.stem)
        assert match, f"{path.name}: not <ShapeLocalName>-NNN.ttl"
        assert match["shape"] in shapes, f"{path.name}: no shape kgsh:{match['shape']} in ontology/shapes"


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
def test_shapes_fixture_gives_exactly_its_expected_report(path: Path):
    # Arrange
    fixture = load_fixture(path)
    expected_conforms, expected = expected_report(fixture)
    # Act
    conforms, results, report = validate(fixture)
    # Assert
    assert len(expected) >= 1, f"{path.name}: a fixture must expect at least one result (its failing case)"
    assert actual_report(report) == expected
    assert conforms is expected_conforms
    shape = KGSH[NAME.match(path.stem)["shape"]]
    assert {result[1] for result in expected} == {shape}, f"{path.name}: every expected result is of {local(shape)}"
    messages = [result.message for result in results]
    assert all(message and "{?" not in message and "{$" not in message for message in messages), messages


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
def test_shapes_fixture_has_a_passing_twin(path: Path):
    fixture = load_fixture(path)
    shape = KGSH[NAME.match(path.stem)["shape"]]
    targets = set(shapes_graph().objects(shape, SH.targetClass))
    valid = {node for target in targets for node in fixture.subjects(RDF.type, target)
             if isinstance(node, URIRef) and local(node).startswith("valid")}
    _, expected = expected_report(fixture)
    assert valid, f"{path.name}: no ex:valid* focus node of {sorted(map(local, targets))}"
    assert valid.isdisjoint({result[0] for result in expected})


def node_shapes() -> list[URIRef]:
    return sorted(shapes_graph().subjects(RDF.type, SH.NodeShape))


def constraints() -> list[tuple[URIRef, URIRef]]:
    graph = shapes_graph()
    return sorted((shape, constraint) for shape in node_shapes() for constraint in graph.objects(shape, SH.sparql))


def local(iri: URIRef) -> str:
    return str(iri).rsplit("#", 1)[-1]


def all_expected() -> set[Result]:
    found: set[Result] = set()
    for path in FIXTURES:
        found |= expected_report(load_fixture(path))[1]
    return found


def test_shapes_every_shape_and_constraint_has_a_failing_fixture():
    expected = all_expected()
    shapes = node_shapes()
    assert len(shapes) >= 20
    assert {local(s) for s in shapes} - {local(r[1]) for r in expected} == set()
    assert {local(c) for _, c in constraints()} - {local(r[2]) for r in expected if r[2] is not None} == set()


def test_shapes_graph_passes_shacl_for_shacl():
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes_graph(), meta_shacl=True)
    assert conforms is True, text


def test_shapes_every_shape_and_constraint_is_named_and_documented():
    graph = shapes_graph()
    sparql_nodes = set(graph.objects(None, SH.sparql))
    assert sparql_nodes == {c for _, c in constraints()}, "a constraint outside any named node shape"
    for shape in node_shapes():
        assert isinstance(shape, URIRef) and str(shape).startswith(str(KGSH)), shape
        assert graph.value(shape, SH.severity) in (SH.Violation, SH.Warning), f"{local(shape)}: sh:severity"
        assert len(str(graph.value(shape, RDFS.comment) or "")) > 60, f"{local(shape)}: rdfs:comment citing its source"
        assert graph.value(shape, RDFS.label) is not None, f"{local(shape)}: rdfs:label"
    for shape, constraint in constraints():
        name = local(constraint)
        assert isinstance(constraint, URIRef) and name.startswith(local(shape) + "-"), name
        assert (constraint, RDF.type, SH.SPARQLConstraint) in graph, name
        assert graph.value(constraint, SH.prefixes) == URIRef(str(KGSH)), f"{name}: sh:prefixes kgsh:"
        assert graph.value(constraint, RDFS.comment) is not None, f"{name}: rdfs:comment"
        # severity is the shape's (SHACL 2.1.4); a constraint-level one would be silently ignored
        assert graph.value(constraint, SH.severity) is None, f"{name}: sh:severity belongs on the shape"
        message, select = str(graph.value(constraint, SH.message)), str(graph.value(constraint, SH.select))
        projected = set(re.findall(r"[?$](\w+)", select.split("WHERE", 1)[0]))
        used = set(re.findall(r"\{[?$](\w+)\}", message))
        assert used, f"{name}: the message names no number"
        assert used <= projected, f"{name}: message variables {sorted(used - projected)} are not selected"


def prefix_declarations() -> str:
    graph = shapes_graph()
    lines = []
    for declaration in graph.objects(URIRef(str(KGSH)), SH.declare):
        lines.append(f"PREFIX {graph.value(declaration, SH.prefix)}: <{graph.value(declaration, SH.namespace)}>")
    return "\n".join(sorted(lines)) + "\n"


def test_shapes_every_constraint_runs_store_wide_with_this_unbound():
    # Arrange: every fixture's data in one store, as a store-wide checker would see many abstracts.
    store = ox.Store()
    for path in FIXTURES:
        store.load(load_fixture(path).serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    expected = {(str(r[0]), str(r[2])) for r in all_expected()}
    # Act
    found = set()
    for _, constraint in constraints():
        select = str(shapes_graph().value(constraint, SH.select)).replace("$this", "?this")
        for solution in store.query(prefix_declarations() + select):
            found.add((solution["this"].value, str(constraint)))
    # Assert
    assert len(found) == len(expected)
    assert found == expected


@pytest.mark.parametrize("plain", [False, True], ids=["joined-scans", "plain"])
def test_shapes_set_level_queries_give_every_fixture_its_expected_report(plain: bool):
    """kg check --store's queries (kg.storecheck), over every fixture as a named graph of one store: the
    same focus nodes and constraints as each fixture's expected report, in both forms of the query (the
    WHERE body rewritten as joined scans, kg.setlevel, and as it is)."""
    from kg.storecheck import GRAPH_VAR, constraints as set_level_constraints

    # Arrange: one named graph per fixture, as kg load writes one per abstract
    store, expected = ox.Store(), set()
    for path in FIXTURES:
        fixture, graph = load_fixture(path), f"http://example.org/kg-fixtures/{path.stem}/graph"
        store.load(fixture.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
        expected |= {(graph, str(r[0]), str(r[2])) for r in expected_report(fixture)[1]}
    # Act
    found = set()
    for constraint in set_level_constraints(subclasses=False, plain=plain):
        for solution in store.query(constraint.query):
            found.add((solution[GRAPH_VAR].value, solution["this"].value, str(constraint.node)))
    # Assert
    assert len(expected) >= 40
    assert found == expected
