"""Generate ``kg/vocab.py`` from ``ontology/kg.ttl`` (run ``python -m kg.vocabgen``).

The module is an rdflib ``DefinedNamespace`` with ``_fail = True``: a misspelt or deleted term is an
AttributeError at import, never a silent new IRI. ``tests/test_ontology_sync.py`` fails when the
committed module differs from what this prints.
"""

from __future__ import annotations

import sys
from importlib import resources

from rdflib import Graph, URIRef

NAMESPACE = "https://w3id.org/trial-kg/ns#"


def ontology_text() -> str:
    return resources.files("kg.ontology").joinpath("kg.ttl").read_text(encoding="utf-8")


def declared_terms(ttl: str) -> list[str]:
    graph = Graph().parse(data=ttl, format="turtle")
    return sorted({str(s)[len(NAMESPACE):] for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(NAMESPACE)})


def render(ttl: str) -> str:
    lines = [
        '"""GENERATED from ontology/kg.ttl by kg/vocabgen.py: do not edit; run `python -m kg.vocabgen > kg/vocab.py`."""',
        "",
        "from rdflib.namespace import DefinedNamespace, Namespace",
        "from rdflib.term import URIRef",
        "",
        "",
        "class KG(DefinedNamespace):",
        '    """The trial-kg ontology namespace."""',
        "",
        "    _fail = True",
        f'    _NS = Namespace("{NAMESPACE}")',
        "",
    ]
    lines += [f"    {term}: URIRef" for term in declared_terms(ttl)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(ontology_text()))
