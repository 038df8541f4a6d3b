"""Text -> records, for one abstract or a stream of them, with the process's one spaCy pipeline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors import build_pipeline
from kg.build import build_record
from kg.records import TrialAbstract


@dataclass(frozen=True)
class Abstract:
    """One input abstract: where it came from, its id, its text and (optionally) its title."""

    id: str
    text: str
    title: str | None = None
    path: str = "-"
    line: int = 0


def run_pipeline(text: str, field: str = "text") -> Doc:
    """The process's pipeline on one string; the Doc keeps the string so no component rebuilds Doc.text."""
    nlp = build_pipeline()
    doc = nlp.make_doc(text)
    doc._.kg_text = text
    doc._.kg_field = field
    return nlp(doc)


def extract_one(abstract: Abstract) -> TrialAbstract:
    text_doc = run_pipeline(abstract.text)
    title_doc = run_pipeline(abstract.title, "title") if abstract.title else None
    return build_record(abstract.id, text_doc, title_doc)


def extract_many(abstracts: Iterable[Abstract]) -> Iterator[tuple[Abstract, TrialAbstract]]:
    for abstract in abstracts:
        yield abstract, extract_one(abstract)
