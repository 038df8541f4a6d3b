"""kg_adverse_events: adverse-event figures (term, grade group, n, %, and N when the phrase gives one).

Overall figures ("38 of 39 pts (97%) experienced any grade TRAEs") come from whole-phrase rows. Term
figures ("thrombocytopenia (43.59%)") are found by their parenthesised number in a sentence that talks
about adverse events; the term is the phrase back to the previous list boundary, and its grade is the
item's own or else the grade group the sentence set up earlier ("grade >=3 TRAEs ... included X (n%)").
A threshold such as ">10%" is never a figure: only numbers inside a term's own parentheses are.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import Fact, Part, RuleComponent, compile_regex, group_parts, overlaps, sentence_bounds

GRADE = compile_regex(r"<<GRADE>>")
TERM_WINDOW = 70
MAX_TERM_WORDS = 7
NOT_A_TERM = compile_regex(
    r"\b(?:<<PTS>>|response|responses|ORR|DCR|CBR|rate|survival|PFS|OS|CI|months?|weeks?|years?|median|"
    r"disease<<SP>>control|PR|CR|SD|PD|dose|doses|cohort|arm|group|level|mg|mg/kg|mg/m2|versus|vs)\b"
)


class AdverseEventFinder(RuleComponent):
    package = "extractors.adverse_events"
    span_key = "kg_adverse_events"
    context_labels = frozenset({"ae-cue", "ae-generic", "ae-term-start", "ae-item"})

    def find(self, doc: Doc) -> list[Fact]:
        text = doc.text
        facts = super().find(doc)  # the ae-overall rows
        taken = [(p.start, p.end) for fact in facts for p in fact.parts]
        for fact in facts:
            taken.append((min(p.start for p in fact.parts), max(p.end for p in fact.parts)))
        cue = next(pattern for row, pattern in self.rows if row.label == "ae-cue")
        boundary = next(pattern for row, pattern in self.rows if row.label == "ae-term-start")
        for start, end in sentence_bounds(text):
            if not cue.search(text, start, end):
                continue
            for row, pattern in self.rows:
                if row.label != "ae-item":
                    continue
                for match in pattern.finditer(text, start, end):
                    if overlaps(match.start(), match.end(), taken):
                        continue
                    fact = self.item(text, start, row.id, match, boundary)
                    if fact is not None:
                        taken.append(match.span())
                        facts.append(fact)
        return facts

    def item(self, text: str, sentence_start: int, rule: str, match: re.Match[str], boundary: re.Pattern[str]) -> Fact | None:
        window_start = max(sentence_start, match.start() - TERM_WINDOW)
        head = text[window_start:match.start()]
        last = None
        for last in boundary.finditer(head):
            pass
        term_start = window_start + (last.end() if last else 0)
        if last is None and window_start != sentence_start:
            return None
        grade_part = None
        grade = GRADE.match(text, term_start, match.start())
        if grade:
            grade_part = Part("grade", grade.start(), grade.end())
            term_start = grade.end()
        term = text[term_start:match.start()]
        stripped = term.strip(" \u00a0-")
        if not stripped or not stripped[0].isalpha() or len(stripped.split()) > MAX_TERM_WORDS:
            return None
        if NOT_A_TERM.search(stripped):
            return None
        offset = term_start + term.index(stripped)
        parts = [Part("term", offset, offset + len(stripped))]
        if grade_part is None:
            before = list(GRADE.finditer(text, sentence_start, offset))
            if before:
                grade_part = Part("grade", before[-1].start(), before[-1].end())
        if grade_part is not None:
            parts.append(grade_part)
        parts.extend(group_parts(match))
        return Fact("ae", rule, tuple(parts))


@Language.factory("kg_adverse_events", assigns=["doc.spans"], requires=[], default_config={})
def make_adverse_event_finder(nlp: Language, name: str) -> AdverseEventFinder:
    return AdverseEventFinder(nlp, name)
