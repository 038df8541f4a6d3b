"""kg_recist: best-response counts (CR/PR/SD/PD), response rates (ORR/DCR/CBR) and individual responders.

Only tumour responses count: a "pathological complete response" or an antiemetic "complete response"
is skipped (SUMMARY.md). A responder's best response is the category the text introduced the list
with ("The two PR pts: 1 leiomyosarcoma ...").
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import Fact, Part, PatternRow, RuleComponent, compile_regex, data_json, group_parts
from extractors.parsing import response_category

LIMITS = data_json("extractors.recist", "limits.json")["limits"]
CONTEXT_WINDOW = LIMITS["context_window"]["value"]
# 'ORR was 9 and 3%': a number that shares the next one's percent sign is a percentage too.
MAX_RATES = LIMITS["max_rates"]["value"]
LABEL_WINDOW = LIMITS["label_window"]["value"]
NEGATED_CATEGORIES = data_json("extractors.recist", "negations.json")["words"]


def clause_end(text: str, start: int, limit: int) -> int:
    """The first ';' outside brackets: 'The ORR was 25%; grade 3 rash occurred in 5%' ends the rate's clause."""
    depth = 0
    for position in range(start, limit):
        char = text[position]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0:
            return position
    return limit


def bracket_depth(text: str, start: int, position: int) -> int:
    """How many brackets opened since start are still open at position."""
    depth = 0
    for char in text[start:position]:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
    return depth


class ResponseFinder(RuleComponent):
    package = "extractors.recist"
    span_key = "kg_recist"
    skips_background = True
    fact_labels = frozenset({"response", "rate", "responder", "response-none"})

    def find(self, doc: Doc) -> list[Fact]:
        self._drugs = sorted((span.start_char, span.end_char) for span in doc.spans.get("kg_drugs", []))
        facts = super().find(doc)
        taken = [(p.start, p.end) for fact in facts for p in fact.parts if p.role == "pct"]
        return facts + self.rate_lists(self.text, taken)

    def rate_lists(self, text: str, taken: list[tuple[int, int]]) -> list[Fact]:
        """Every percentage that a rate name governs: 'ORRs were 20.7% (arm A, ...) and 19.3% (arm B)'.

        The values run from the name to the end of the sentence, another rate name, or a word of another
        endpoint (survival, median, HR); values inside brackets (CIs, n/N) are skipped unless a bracket
        opens right after the name. With two names ('ORR and DCR were a and b'), values alternate.
        """
        from extractors.engine import sentence_bounds, sentence_of

        bounds = sentence_bounds(text)
        stop = self.row_pattern("rate-stop")
        category_named = self.row_pattern("rate-category")
        threshold = self.row_pattern("rate-threshold")
        subgroups = self.row_pattern("rate-subgroup")
        value_pattern, ci_after = self.row_pattern("rate-value"), self.row_pattern("rate-ci-after")
        value_bracket, just_after_name = self.row_pattern("rate-value-bracket"), self.row_pattern("rate-just-after-name")
        range_after, change_from = self.row_pattern("rate-range-after"), self.row_pattern("rate-change-from")
        design_value, subgroup_after = self.row_pattern("rate-design-value"), self.row_pattern("rate-subgroup-after")
        cues = [(row, m) for row, m in self.matches(text, "rate-cue")]
        facts = []
        for index, (row, cue) in enumerate(cues):
            sentence_end = sentence_of(bounds, cue.start())[1]
            limit = sentence_end
            if index + 1 < len(cues):
                limit = min(limit, cues[index + 1][1].start())
            # A stop word inside a bracket ('63% for X (cohort 6; n = 40; 20.8 months), 63% for Y') ends no list.
            stopper = next((found for found in stop.finditer(text, cue.end(), limit)
                            if bracket_depth(text, cue.end(), found.start()) == 0), None)
            if stopper:
                limit = stopper.start()
            limit = min(limit, clause_end(text, cue.end(), limit))
            names = [cue.span("rate")] + ([cue.span("rate2")] if cue.group("rate2") else [])
            values = []
            # One entry per open bracket: does it hold values ('(92.9% vs. 76.4%; P<.001)') or asides (CIs, n/N)?
            brackets: list[bool] = []
            cursor = cue.end()
            range_end = -1
            for match in value_pattern.finditer(text, cue.end(), limit):
                segment = text[cursor:match.start()]
                if values and category_named.search(segment):
                    break  # '..., respectively, with partial responses in seven (13.0%)': another figure's list
                for offset, char in enumerate(segment):
                    position = cursor + offset
                    if char in "([":
                        at_name = not brackets and not values and just_after_name.match(text[cue.end():position])
                        holds_values = bool(value_bracket.match(text, position + 1))
                        brackets.append(bool(at_name) or holds_values)
                    elif char in ")]" and brackets:
                        brackets.pop()
                cursor = match.start()
                if match.start() < range_end:
                    continue  # the far end of a range of rates
                if design_value.search(text, max(0, match.start() - 40), match.start()):
                    continue  # '(threshold ORR, 15%; expected ORR, 40%)': the design's assumptions
                spread = range_after.match(text, match.end())
                if spread is not None and not brackets and not change_from.search(text, max(0, match.start() - 6), match.start()):
                    range_end = spread.end()
                    continue  # 'response rates of 25% to 35%' in earlier trials: a range, no rate of this trial
                if ci_after.match(text, match.end()) or text[max(0, match.start() - 3):match.start()].strip() in {"95", "90"}:
                    continue
                if threshold.search(text, max(0, match.start() - 15), match.start()):
                    continue  # 'molecular response rate (MRR; >=50% decline ...)': a threshold, no rate
                if not brackets or (len(brackets) == 1 and brackets[0]):
                    if not any(start < match.end(1) and match.start(1) < end for start, end in taken):
                        values.append(match.span(1))
                if len(values) >= MAX_RATES:
                    break
            named_after = self.row_pattern("rate-named-after")
            subgroup: tuple[int, int] | None = None
            for number, value in enumerate(values):
                name = names[number % len(names)]
                # '(23.5% vs 11.8% for ORR; and 58.8% vs 35.3% for DCR)': a name written after the values wins.
                stated = named_after.search(text, value[1], sentence_end)
                if stated is not None:
                    name = stated.span("rate")
                parts = [Part("rate", *name), Part("pct", *value)]
                label = self.label_after(text, value[1], limit)
                named_next = subgroup_after.match(text, value[1], sentence_end)
                if label:
                    parts.append(Part("arm", *label))
                elif named_next is not None:
                    subgroup = named_next.span("subgroup")
                    parts.append(Part("subgroup", *subgroup))
                else:
                    # 'Among treatment-naive patients, the ORR was 77.1%, and in previously treated patients,
                    # it was 70.6%': the subgroup written since the previous value (or the sentence start).
                    # A value with no subgroup of its own is one more of the same subgroup's ('In patients with
                    # X, ORR with A versus B was 23% versus 31%').
                    since = values[number - 1][1] if number else sentence_of(bounds, cue.start())[0]
                    found = None
                    for found in subgroups.finditer(text, since, value[0]):
                        pass
                    if found is not None:
                        subgroup = found.span("subgroup")
                    if subgroup is not None:
                        parts.append(Part("subgroup", *subgroup))
                facts.append(Fact("rate", row.id, tuple(parts)))
        return facts

    def breaks_down_a_count(self, doc: Doc, row: PatternRow, match: re.Match[str]) -> bool:
        """'four partial responses (2 confirmed and 2 unconfirmed PRs)': the bracket splits the count before it."""
        text = self.text
        opener = text.rfind("(", max(0, match.start() - 60), match.start())
        if opener == -1 or ")" in text[opener:match.start()]:
            return False
        category = response_category(match.group("category"))
        for _, pattern in (item for item in self.rows if item[0].label == "response"):
            for previous in pattern.finditer(text, max(0, opener - 80), opener):
                if previous.end() >= opener - 12 and response_category(previous.group("category")) == category:
                    return True
        return False

    def label_after(self, text: str, position: int, limit: int) -> tuple[int, int] | None:
        """The arm a value belongs to, when a drug is named right after it ('22% for nab-paclitaxel')."""
        for start, end in self._drugs:
            if position <= start <= min(position + LABEL_WINDOW, limit) and "." not in text[position:start]:
                return start, end
        return None

    def negated(self, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        """'No complete or partial responses were seen': a count of 0 for each category the words name
        (roles CR, PR ... on the word), or an ORR of 0 when they name none ('no objective responses')."""
        none = Part("none", *match.span("none"))
        start = match.start("categories")
        named: list[Part] = []
        for word in self.row_pattern("response-none-word").finditer(match.group("categories")):
            for category in NEGATED_CATEGORIES.get(word.group("word").lower(), []):
                named.append(Part(category, start + word.start(), start + word.end()))
        if not named:
            return [Fact("response-none", row.id, (none, Part("rate", *match.span("categories"))))]
        return [Fact("response-none", row.id, (none, *named))]

    def resolve(self, doc: Doc, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        text = self.text
        if row.label == "response-none":
            return self.negated(row, match)
        if row.label == "response":
            category_start = match.start("category")
            exclude = self.row_pattern("exclude")
            if exclude.search(text[max(0, category_start - 40):category_start]):
                return []
            if self.breaks_down_a_count(doc, row, match):
                return []
        if row.label == "responder" and match.groupdict().get("best") is not None:
            return [Fact("responder", row.id, tuple(group_parts(match)))]  # the row reads the best response itself
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
