"""kg/vocab.py is generated from ontology/kg.ttl; kg: terms are declared, used, and nothing else."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from rdflib import Graph, URIRef

from kg import vocabgen
from kg.records import Iri, Decimals, Record, TrialAbstract
from kg.vocab import KG

ROOT = Path(__file__).resolve().parents[1]


def test_vocab_module_is_fresh():
    assert (ROOT / "kg" / "vocab.py").read_text(encoding="utf-8") == vocabgen.render(vocabgen.ontology_text()), \
        "kg/vocab.py is stale: run `python -m kg.vocabgen > kg/vocab.py`"


def test_misspelt_term_fails_at_use():
    import pytest

    with pytest.raises(AttributeError):
        KG.diseaseControlRat  # noqa: B018


def model_terms() -> set[str]:
    terms: set[str] = set()
    pending: list[type[Record]] = [TrialAbstract]
    seen: set[type] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        terms.add(str(model.rdf_type))
        for info in model.model_fields.values():
            for marker in info.metadata:
                if isinstance(marker, (Iri, Decimals)):
                    terms.add(str(marker.iri))
            for candidate in re.findall(r"\b[A-Z]\w+\b", str(info.annotation)):
                cls = getattr(__import__("kg.records", fromlist=[candidate]), candidate, None)
                if isinstance(cls, type) and issubclass(cls, Record):
                    pending.append(cls)
    return terms


def shapes_terms() -> set[str]:
    text = "\n".join(entry.read_text(encoding="utf-8")
                     for entry in resources.files("kg.ontology").joinpath("shapes").iterdir() if entry.name.endswith(".ttl"))
    return {str(KG._NS) + name for name in re.findall(r"\bkg:(\w+)", text)}


def code_terms() -> set[str]:
    terms = set()
    for path in list((ROOT / "kg").glob("*.py")):
        if path.name == "vocab.py":
            continue
        terms |= {str(KG._NS) + name for name in re.findall(r"\bKG\.(\w+)", path.read_text(encoding="utf-8"))
                  if not name.startswith("_")}
    return terms


def vocab_table_terms() -> set[str]:
    terms = set()
    for entry in resources.files("kg.ontology").joinpath("vocab").iterdir():
        for line in entry.read_text(encoding="utf-8").splitlines()[1:]:
            iri = line.split("\t")[1]
            if iri.startswith(str(KG._NS)):
                terms.add(iri)
    return terms


def declared_terms() -> set[str]:
    graph = Graph().parse(data=vocabgen.ontology_text(), format="turtle")
    return {str(s) for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KG._NS))}


def test_every_used_kg_term_is_declared():
    used = model_terms() | shapes_terms() | code_terms() | vocab_table_terms()
    assert used - declared_terms() == set()


def test_no_declared_kg_term_is_unused():
    used = model_terms() | shapes_terms() | code_terms() | vocab_table_terms()
    declared = declared_terms()
    # Classes of minted individuals are used through the individuals of the vocabulary tables.
    classes_of_individuals = {str(KG.Phase), str(KG.Design), str(KG.Unit), str(KG.GradeGroup), str(KG.ResponseCategory),
                              str(KG.RoundingConvention)}
    assert declared - used - classes_of_individuals == set()
