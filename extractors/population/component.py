"""kg_population: how many patients, who they were, and how long they were treated.

Enrolment (the headline number, and its split by part), the efficacy-evaluable N, "n (x%) had ..."
baseline counts, and the summary statistics of age, prior therapies and cycles.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import (Fact, Part, PatternRow, RuleComponent, data_json, group_parts, overlaps, sentence_bounds,
                               sentence_of)

# An 'n (x%)' already read as an adverse event, a response or a DLT is not a baseline count.
EXPLAINED_ELSEWHERE = ("kg_adverse_events", "kg_recist", "kg_dlt")
# Of those, the ones whose figures keep their own N: a count with an N adds nothing to them.
STATES_ITS_N = ("kg_adverse_events", "kg_dlt")
# Rows that read a bare 'n (x%)' with no word of its own to say what n counts: the number before the
# bracket must be a count of patients, not a grade, a level, a day or the end of a range ('grade 3 (15%)',
# 'ECOG PS 1 (60%)', 'cohort 2 (40%)', '>= 2 (30%)', '1 or 2 (45%)').
BARE_ROWS = frozenset({"count-n-pct-bare"})
NUMERIC_ROLES = ("n", "N", "pct")
MAX_ARM_WORDS = data_json("extractors.population", "limits.json")["limits"]["max_arm_words"]["value"]


class PopulationCounter(RuleComponent):
    package = "extractors.population"
    span_key = "kg_population"
    fact_labels = frozenset({"enrolled", "enrolled/weak", "part", "evaluable", "evaluable/weak", "arm", "age",
                             "prior_therapies", "cycles", "count"})
    # One headline value each: the first row (in file order) that matches wins.
    single = frozenset({"enrolled", "evaluable", "age", "prior_therapies", "cycles"})

    def find(self, doc: Doc) -> list[Fact]:
        facts = super().find(doc)
        kept: list[Fact] = []
        header = self.row_pattern("results-header").search(self.text)
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
        # A size the text gives its own arm label ('Poor-risk patients (n = 49) were assigned to ...') is that
        # arm's, not the trial's enrolment.
        arm_sizes = {part.start for fact in facts if fact.kind == "arm" for part in fact.parts if part.role == "n"}
        for kind, fact in list(best.items()):
            if kind == "enrolled" and fact.parts[0].start in arm_sizes:
                others = [f for f in facts if f.kind.split("/")[0] == "enrolled" and f.parts[0].start not in arm_sizes]
                if others:
                    best[kind] = min(others, key=rank)
                else:
                    del best[kind]
        kept.extend(best.values())
        # A response read with its share keeps no N ('CR was achieved in 10 (41.7%) out of 25'): a count that
        # states its N stays beside it, so the shapes can judge the share against that N.
        kept = [fact for fact in kept if fact.kind != "count" or not explained_count(
            fact, explained_spans(doc, STATES_ITS_N if any(p.role == "N" for p in fact.parts) else EXPLAINED_ELSEWHERE))]
        return self.parts_near_enrolment(doc, kept, best.get("enrolled"))

    def __init__(self, nlp, name: str):
        super().__init__(nlp, name)
        self.figure_n_before = self.row_pattern("figure-n-before")

    def resolve(self, doc: Doc, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        """A count fact needs a label: the words after its figure, else the words before it in its clause."""
        if row.label == "arm":
            return self.arms(row, match)
        if row.label.split("/")[0] == "enrolled":
            n_start = next(match.start(group) for group in ("n", "n2") if match.groupdict().get(group) is not None)
            if self.figure_n_before.search(self.text, max(0, n_start - 80), n_start):
                return []  # '31% (19 of 62 patients)': a subgroup figure's N, not the enrolment
        if row.label != "count":
            return super().resolve(doc, row, match)
        parts = group_parts(match)
        n_start = match.start("n")
        if row.id in BARE_ROWS and self.row_pattern("not-a-count-before").search(self.text, max(0, match.start() - 60), match.start()):
            return []
        if row.id in BARE_ROWS and self.row_pattern("designation-before").search(self.text, max(0, n_start - 20), n_start):
            return []  # 'HPV 31 (79.1%, 95% CI ...)', 'FEC 75 (44.7%)': a name, not a count
        if self.row_pattern("estimate-before").search(self.text, max(0, match.start() - 160), match.start()):
            return []  # 'the actuarial incidence ... was 22.3% (4 of 18 patients)': an estimate, not n / N
        if self.row_pattern("n-of-a-figure").search(self.text, max(0, n_start - 30), n_start):
            return []  # '26 of 67 (39%)': 67 is the N of a figure another row reads, never a count
        # a label inside the bracket ('19.3% (chemotherapy, 17/88; 95% CI ...)') when no words around it are one
        inner = next((Part("what", part.start, part.end) for part in parts if part.role == "inner"), None)
        parts = [part for part in parts if part.role != "inner"]
        if not any(part.role == "what" for part in parts):
            label = self.label_before(match.start()) or self.label_after(match.end()) or inner
            if label is None:
                return []
            parts.append(label)
        return [Fact(row.label, row.id, tuple(parts))]

    def arms(self, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        """One fact per arm the match states ('60 received A and 30 received B' is two), each with a label:
        its own words, else the words before its size in its clause. A choice or a whole is no arm."""
        facts = []
        for suffix in ("", "2", "3"):
            if match.groupdict().get("n" + suffix) is None:
                continue
            n = Part("n", *match.span("n" + suffix))
            if match.groupdict().get("arm" + suffix) is not None:
                label = Part("arm", *match.span("arm" + suffix))
            else:
                label = self.label_before(match.start())
                if label is None:
                    continue
                cut = self.row_pattern("arm-label-cut").match(self.text, label.start, label.end)
                label = Part("arm", cut.end() if cut else label.start, label.end)
            words = self.text[label.start:label.end].strip()
            if len(words) < 2 or len(words.split()) > MAX_ARM_WORDS or self.row_pattern("not-an-arm").search(words):
                continue
            facts.append(Fact(row.label, row.id, (n, label)))
        return facts

    def label_before(self, position: int) -> Part | None:
        """The words before a figure in its clause ('fatigue and anemia in' 1 pt each (2.1%)), as its label."""
        bounds = sentence_bounds(self.text)
        start = max(sentence_of(bounds, position)[0], position - 80)
        window = self.text[start:position]
        cut = max(window.rfind(mark) for mark in ".;()[],")
        offset = start + cut + 1
        match = self.row_pattern("label-before").search(self.text, offset, position)
        if match is None or self.row_pattern("no-label").fullmatch(match.group().strip()):
            # '... at 9 months (17 of 22 [77%] vs ...)': the words before the bracket
            bracket = self.text.rfind("(", start, position)
            if bracket <= start:
                return None
            return self.label_before(bracket)
        return Part("what", match.start(), match.end())

    def label_after(self, position: int) -> Part | None:
        """The words after a figure up to the clause's end ('Four (2.1%)' and three ... died), as its label."""
        match = self.row_pattern("label-after").match(self.text, position) \
            or self.row_pattern("label-after-long").match(self.text, position)
        if match is None or self.row_pattern("no-label").fullmatch(match.group("what").strip()):
            return None
        return Part("what", match.start("what"), match.end("what"))

    def parts_near_enrolment(self, doc: Doc, facts: list[Fact], enrolled: Fact | None) -> list[Fact]:
        """An enrolment split counts only in the sentence that states the total."""
        if enrolled is None:
            return [fact for fact in facts if fact.kind != "part"]
        bounds = sentence_bounds(self.text)
        sentence = sentence_of(bounds, enrolled.parts[0].start)
        return [fact for fact in facts
                if fact.kind != "part" or sentence[0] <= fact.parts[0].start < sentence[1]]


def explained_spans(doc: Doc, keys: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(span.start_char, span.end_char) for key in keys for span in doc.spans.get(key, [])]


def explained_count(fact: Fact, explained: list[tuple[int, int]]) -> bool:
    """Whether a count's n and percentage were both already read as an adverse event, a response or a DLT
    (a rate read without its count, '32.2% (19 patients)', leaves the pair to the count)."""
    numbers = [part for part in fact.parts if part.role in NUMERIC_ROLES and part.role != "N"]
    return bool(numbers) and all(overlaps(part.start, part.end, explained) for part in numbers)


@Language.factory("kg_population", assigns=["doc.spans"], requires=[], default_config={})
def make_population_counter(nlp: Language, name: str) -> PopulationCounter:
    return PopulationCounter(nlp, name)
