"""kg_recist: best-response counts (CR/PR/SD/PD), response rates (ORR/DCR/CBR) and individual responders.

Only tumour responses count: a "pathological complete response" or an antiemetic "complete response"
is skipped (SUMMARY.md). A responder's best response is the category the text introduced the list
with ("The two PR pts: 1 leiomyosarcoma ...").
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import Fact, Part, PatternRow, RuleComponent, group_parts

CONTEXT_WINDOW = 300


class ResponseFinder(RuleComponent):
    package = "extractors.recist"
    span_key = "kg_recist"
    context_labels = frozenset({"exclude", "responder-best"})

    def resolve(self, doc: Doc, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        text = doc.text
        if row.label == "response":
            category_start = match.start("category")
            exclude = next(p for r, p in self.rows if r.label == "exclude")
            if exclude.search(text[max(0, category_start - 40):category_start]):
                return []
        if row.label == "responder":
            best = None
            for _, found in self.matches(text[max(0, match.start() - CONTEXT_WINDOW):match.start()], "responder-best"):
                best = found
            if best is None:
                return []
            offset = max(0, match.start() - CONTEXT_WINDOW)
            parts = group_parts(match) + [Part("best", offset + best.start("best"), offset + best.end("best"))]
            return [Fact("responder", row.id, tuple(parts))]
        return super().resolve(doc, row, match)


@Language.factory("kg_recist", assigns=["doc.spans"], requires=[], default_config={})
def make_response_finder(nlp: Language, name: str) -> ResponseFinder:
    return ResponseFinder(nlp, name)
