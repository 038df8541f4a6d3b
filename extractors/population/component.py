"""kg_population: how many patients, who they were, and how long they were treated.

Enrolment (the headline number, and its split by part), the efficacy-evaluable N, "n (x%) had ..."
baseline counts, and the summary statistics of age, prior therapies and cycles.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import Fact, RuleComponent, overlaps, sentence_bounds, sentence_of

RESULTS_HEADER = re.compile(r"\b(?:results|findings)\s*:", re.IGNORECASE)
# An 'n (x%)' already read as an adverse event, a response or a DLT is not a baseline count.
EXPLAINED_ELSEWHERE = ("kg_adverse_events", "kg_recist", "kg_dlt")


class PopulationCounter(RuleComponent):
    package = "extractors.population"
    span_key = "kg_population"
    # One headline value each: the first row (in file order) that matches wins.
    single = frozenset({"enrolled", "evaluable", "age", "prior_therapies", "cycles"})

    def find(self, doc: Doc) -> list[Fact]:
        facts = super().find(doc)
        kept: list[Fact] = []
        header = RESULTS_HEADER.search(self.text)
        results_start = header.start() if header else 0

        def rank(fact: Fact) -> tuple[int, int, int]:
            # Strong phrasings first ('/weak' rows only when nothing else says it); then Results, which
            # state what happened where Methods often state a plan; then the first statement.
            position = fact.parts[0].start
            return (1 if fact.kind.endswith("/weak") else 0, 0 if position >= results_start else 1, position)

        best: dict[str, Fact] = {}
        for fact in facts:
            kind = fact.kind.split("/")[0]
            if kind in self.single:
                current = best.get(kind)
                if current is None or rank(fact) < rank(current):
                    best[kind] = fact
            else:
                kept.append(fact)
        kept.extend(best.values())
        explained = [(span.start_char, span.end_char) for key in EXPLAINED_ELSEWHERE for span in doc.spans.get(key, [])]
        kept = [fact for fact in kept
                if fact.kind != "count" or not overlaps(fact.parts[0].start, fact.parts[-1].end, explained)]
        return self.parts_near_enrolment(doc, kept, best.get("enrolled"))

    def parts_near_enrolment(self, doc: Doc, facts: list[Fact], enrolled: Fact | None) -> list[Fact]:
        """An enrolment split counts only in the sentence that states the total."""
        if enrolled is None:
            return [fact for fact in facts if fact.kind != "part"]
        bounds = sentence_bounds(self.text)
        sentence = sentence_of(bounds, enrolled.parts[0].start)
        return [fact for fact in facts
                if fact.kind != "part" or sentence[0] <= fact.parts[0].start < sentence[1]]


@Language.factory("kg_population", assigns=["doc.spans"], requires=[], default_config={})
def make_population_counter(nlp: Language, name: str) -> PopulationCounter:
    return PopulationCounter(nlp, name)
