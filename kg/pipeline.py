"""Text -> records, for one abstract or a stream of them, with the process's one spaCy pipeline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

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


def extract_one(abstract: Abstract) -> TrialAbstract:
    nlp = build_pipeline()
    text_doc = nlp(abstract.text)
    title_doc = nlp(abstract.title) if abstract.title else None
    return build_record(abstract.id, text_doc, title_doc)


def extract_many(abstracts: Iterable[Abstract]) -> Iterator[tuple[Abstract, TrialAbstract]]:
    for abstract in abstracts:
        yield abstract, extract_one(abstract)
