"""kg_adverse_events: adverse-event figures (term, grade group, n, %, and N when the text gives one).

Overall figures ("38 of 39 pts (97%) experienced any grade TRAEs") come from whole-phrase rows. Every
other figure of a sentence about adverse events ("thrombocytopenia (43.59%)", "neutropenia (46 [55%] vs
48 [54%])", "occurred in 31 (65%) of 48 patients") is found by its number and then given a term: the
phrase before the bracket that holds it, back to the previous list boundary; or, when that is no term
(a drug, an arm, a number), the adverse-event phrase the sentence is about ("grade 3/4 adverse events"
is term 'any', grade '3-4'). The grade is the term's own, else the nearest grade the sentence stated
before the figure. A threshold (">10%", "in more than 20%") is never a figure.
"""

from __future__ import annotations

import functools
import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import (Fact, Part, RuleComponent, compile_regex, data_json, group_parts, overlaps,
                               sentence_bounds)

GRADE = compile_regex(r"<<GRADE>>")
LIMITS = data_json("extractors.adverse_events", "limits.json")["limits"]
TERM_WINDOW = LIMITS["term_window"]["value"]
MAX_TERM_WORDS = LIMITS["max_term_words"]["value"]
OPENERS, CLOSERS = "([", ")]"


@functools.cache
def generic_term_pattern() -> re.Pattern[str]:
    from extractors.engine import load_patterns

    row = next(r for r in load_patterns("extractors.adverse_events") if r.label == "ae-generic")
    return compile_regex(row.pattern)


@functools.cache
def term_rows() -> dict[str, re.Pattern[str]]:
    from extractors.engine import load_patterns

    return {r.label: compile_regex(r.pattern) for r in load_patterns("extractors.adverse_events")
            if r.label in ("ae-serious", "ae-abbreviation")}


def summary_term(term: str) -> str:
    """The term as SUMMARY.md writes it: 'any' for all events together, serious events as one term.

    >>> summary_term("trae"), summary_term("serious aes"), summary_term("anaemia")
    ('any', 'serious adverse events', 'anaemia')
    """
    lowered = " ".join(term.lower().split())
    serious = term_rows()["ae-serious"].search(lowered)
    if is_all_events(lowered) and not serious:
        return "any"
    if serious:
        return term_rows()["ae-abbreviation"].sub("adverse events", lowered)
    return lowered


def is_all_events(term: str) -> bool:
    """True when a term means all adverse events together ('any' in SUMMARY.md): 'TRAEs', 'toxicities'.

    >>> is_all_events("treatment-related adverse events (TRAEs)"), is_all_events("anaemia")
    (True, False)
    """
    return bool(generic_term_pattern().fullmatch(" ".join(term.split())))


def bracket_groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) offsets of every balanced bracket pair in text[start:end], inner pairs included."""
    stack, pairs = [], []
    for index in range(start, end):
        char = text[index]
        if char in OPENERS:
            stack.append(index)
        elif char in CLOSERS and stack:
            pairs.append((stack.pop(), index))
    return pairs


def enclosing(groups: list[tuple[int, int]], position: int, outermost: bool = False) -> tuple[int, int] | None:
    """The innermost bracket pair around a position (or the outermost one)."""
    inside = [g for g in groups if g[0] < position <= g[1]]
    if not inside:
        return None
    return min(inside, key=lambda g: g[0]) if outermost else max(inside, key=lambda g: g[0])


class AdverseEventFinder(RuleComponent):
    package = "extractors.adverse_events"
    span_key = "kg_adverse_events"
    skips_background = True
    fact_labels = frozenset({"ae-overall"})

    def __init__(self, nlp, name: str):
        super().__init__(nlp, name)
        self.cue = self.row_pattern("ae-cue")
        self.continued = self.row_pattern("ae-continues-cue")
        self.boundary = self.row_pattern("ae-term-start")
        self.threshold = self.row_pattern("ae-threshold")
        self.subject = self.row_pattern("ae-subject")
        self.connector = self.row_pattern("ae-connector")
        self.not_a_figure = self.row_pattern("ae-not-an-event")
        self.continues = self.row_pattern("ae-continues")
        self.opening = self.row_pattern("ae-opening-term")
        self.grade_after = self.row_pattern("ae-grade-after")
        self.paired = self.row_pattern("ae-paired-grades")
        self.pair_split = self.row_pattern("ae-pair-split")
        self.treatment_alone = self.row_pattern("ae-not-a-term-alone")
        self.each = self.row_pattern("ae-each")
        self.coordinated = self.row_pattern("ae-coordinated")
        self.subject_pair = self.row_pattern("ae-subject-pair")
        self.attributed = self.row_pattern("ae-attributed-to-drug")
        self.grade_list = self.row_pattern("ae-grade-list")
        self.not_a_term = self.row_pattern("ae-not-a-term")
        self.leading_words = self.row_pattern("ae-leading-words")
        self.respectively_word = self.row_pattern("ae-respectively")
        self.single_grade = self.row_pattern("ae-single-grade")
        self.slash_paired = self.row_pattern("ae-slash-paired-figure")
        self.relative_clause = self.row_pattern("ae-relative-clause")
        # Between a term and its figure: an arm, an abbreviation or a remark in brackets, none of them the term.
        self.before_bracket = (self.row_pattern("ae-arm-before"), self.row_pattern("ae-abbreviation-before"),
                               self.row_pattern("ae-remark-before"))
        self.figures = [(row, pattern) for row, pattern in self.rows if row.label == "ae-figure"]

    def find(self, doc: Doc) -> list[Fact]:
        text = self.text
        self._drugs = [(s.start_char, s.end_char) for s in doc.spans.get("kg_drugs", [])]
        facts = super().find(doc)  # the ae-overall rows
        taken = [(min(p.start for p in f.parts), max(p.end for p in f.parts)) for f in facts]
        previous_cued = False
        for start, end in sentence_bounds(text):
            # 'Grade 3 AEs were rare. Pneumonitis occurred in 3 (4%) patients.': the second sentence goes on
            # with the safety results though it names no adverse-event word.
            cued = bool(self.cue.search(text, start, end)) or (previous_cued and bool(self.continued.search(text, start, end)))
            previous_cued = cued
            if not cued:
                continue
            groups = bracket_groups(text, start, end)
            self._last_term: list[Part] | None = None
            self._last_end: int | None = None
            self._previous_end: int | None = None
            self._previous_since: int | None = None
            self._previous_outer: tuple[int, int] | None = None
            self._last_resolved: list[Part] = []
            self._first_figure: int | None = None
            in_sentence: list[Fact] = []
            # Earlier rows win overlaps; then figures are read in text order, so 'the figure before'
            # means the one written before.
            chosen: list[tuple[str, re.Match[str]]] = []
            claimed = list(taken)
            for row, pattern in self.figures:
                for match in pattern.finditer(text, start, end):
                    if overlaps(match.start("pct"), match.end("pct"), claimed):
                        continue
                    if self.threshold.search(text[max(start, match.start() - 25):match.start()]):
                        continue
                    claimed.append(match.span())
                    chosen.append((row.id, match))
            for rule, match in sorted(chosen, key=lambda item: item[1].start()):
                figures = self.figure(text, start, end, groups, rule, match)
                if figures:
                    taken.append(match.span())
                    in_sentence.extend(figures)
            in_sentence = self.slash_pairs(text, self.grade_lists(text, start, end, in_sentence))
            facts.extend(self.paired_grades(text, start, groups, self.respectively(text, start, end, in_sentence)))
        return facts

    def grade_lists(self, text: str, start: int, end: int, facts: list[Fact]) -> list[Fact]:
        """'Toxicity was grade 1 (24%), 2 (67%) and 3 (9%)': each bare number before a share is its grade."""
        for listed in self.grade_list.finditer(text, start, end):
            grades = list(self.single_grade.finditer(text, listed.start(), listed.end()))
            regraded = []
            for fact in facts:
                pct = next(p for p in fact.parts if p.role == "pct")
                if not listed.start() <= pct.start < listed.end():
                    regraded.append(fact)
                    continue
                grade = max((g for g in grades if g.end() <= pct.start), key=lambda g: g.start())
                kept = tuple(p for p in fact.parts if p.role not in ("grade", "n"))
                regraded.append(Fact(fact.kind, fact.rule, kept + (Part("grade", *grade.span()),)))
            facts = regraded
        return facts

    def slash_pairs(self, text: str, facts: list[Fact]) -> list[Fact]:
        """'Grade 3/4 events occurred in 37 (43.0%)/4 (4.7%) patients': two figures joined by a slash take the two
        grades of a slash-joined grade in turn, the first the figure before the slash."""
        paired = []
        joined_at = None  # where the figure after the previous one's slash starts
        for fact in facts:
            pct = next(p for p in fact.parts if p.role == "pct")
            start = min(p.start for p in fact.parts if p.role in ("n", "pct"))
            grade = next((p for p in fact.parts if p.role == "grade"), None)
            singles = [] if grade is None or "/" not in text[grade.start:grade.end] else \
                [m.span(1) for m in self.single_grade.finditer(text, grade.start, grade.end)]
            second = joined_at == start
            slash = self.slash_paired.match(text, pct.end)
            joined_at = slash.end() if slash is not None else None
            if len(singles) != 2 or not (slash or second):
                paired.append(fact)
                continue
            side = Part("grade", *singles[1 if second else 0])
            paired.append(Fact(fact.kind, fact.rule, tuple(p for p in fact.parts if p.role != "grade") + (side,)))
        return paired

    def respectively(self, text: str, start: int, end: int, facts: list[Fact]) -> list[Fact]:
        """'Grade 3 and 4 TRAEs occurred in 42% and 25%, respectively': the grades pair with the figures in turn."""
        if not self.respectively_word.search(text, start, end) or len(facts) < 2:
            return facts
        ordered = sorted(facts, key=lambda f: next(p.start for p in f.parts if p.role == "pct"))
        first_figure = min(p.start for f in facts for p in f.parts if p.role in ("n", "pct"))
        pair = self.subject_pair.search(text, start, first_figure)
        if pair is not None and len(facts) % 2 == 0:
            # 'grade 3-5 and serious TRAEs occurred in 76 (75%) and 27 (27%), respectively': in each pair of
            # figures the first is the graded events' (the noun the grade shares when it has none of its own),
            # the second the serious events'.
            graded = [Part("term", *pair.span("term1" if pair.group("term1") else "noun2")), Part("grade", *pair.span("grade"))]
            serious = [Part("term", *pair.span("term2"))]
            return [Fact(f.kind, f.rule, tuple((graded, serious)[i % 2]) + tuple(p for p in f.parts if p.role not in ("term", "grade")))
                    for i, f in enumerate(ordered)]
        grades = {next((p.start, p.end) for p in f.parts if p.role == "grade") if any(p.role == "grade" for p in f.parts)
                  else None for f in facts}
        if len(grades) != 1 or None in grades:
            return facts
        grade_start, grade_end = grades.pop()
        # 'grade 3/4' is one group by convention; only 'grade 3 and 4 ... respectively' splits.
        if not re.search(r"\band\b", text[grade_start:grade_end], re.IGNORECASE):
            return facts
        terms = {next(((p.start, p.end) for p in f.parts if p.role == "term"), None) for f in facts}
        if len(terms) == 1 and None not in terms:
            # 'Grade 3 and 4 neutropenia and febrile neutropenia occurred in 8 (12%) and 5 (8%), respectively':
            # when the events are listed as many as the figures, the figures pair with the events, and the
            # grade stays one group.
            term = terms.pop()
            listed = self.coordinated_terms(text, start, [Part("term", *term)])
            if len(listed) + 1 == len(facts):
                events = [next(p for p in parts if p.role == "term") for parts in listed] + [Part("term", *term)]
                return [Fact(f.kind, f.rule, tuple(events[i] if p.role == "term" else p for p in f.parts))
                        for i, f in enumerate(ordered)]
        singles = [m.span(1) for m in self.single_grade.finditer(text, grade_start, grade_end)]
        if len(singles) < 2 or len(facts) % len(singles):
            return facts
        return [Fact(f.kind, f.rule, tuple(Part("grade", *singles[i % len(singles)]) if p.role == "grade" else p
                                           for p in f.parts)) for i, f in enumerate(ordered)]

    def paired_grades(self, text: str, start: int, groups: list[tuple[int, int]], facts: list[Fact]) -> list[Fact]:
        """'AEs of any grade versus grade 3 or 4 were nausea (151 [81%] v 11 [6%])' or '(all grade and grade 3-4)
        were blurred vision (41% and 6%)': in each bracket the figure before 'v' (or 'and') takes the first
        grade, the one after it the second."""
        if not facts:
            return facts
        first_figure = min(min(p.start for p in f.parts if p.role in ("n", "pct")) for f in facts)
        header = None
        for header in self.paired.finditer(text, start, first_figure):
            pass
        if header is None:
            return facts
        paired = []
        for fact in facts:
            pct = next(p for p in fact.parts if p.role == "pct")
            outer = enclosing(groups, pct.start, outermost=True)
            if outer is None:
                paired.append(fact)
                continue
            side = "b" if self.pair_split.search(text, outer[0], pct.start) else "a"
            grade = Part("grade", *header.span(side))
            paired.append(Fact(fact.kind, fact.rule, tuple(p for p in fact.parts if p.role != "grade") + (grade,)))
        return paired

    def figure(self, text: str, sentence_start: int, sentence_end: int, groups: list[tuple[int, int]],
               rule: str, match: re.Match[str]) -> list[Fact]:
        figure_parts = group_parts(match)
        # A figure that opens its own bracket ('neutropenia (n = 5, 12.5%)') stands inside it.
        anchor = match.start() + 1 if text[match.start()] in OPENERS else match.start()
        group = enclosing(groups, anchor)
        term_parts = None
        from_subject = False
        self._orphan_grade: Part | None = None
        outer = enclosing(groups, anchor, outermost=True)
        shared_by: list[list[Part]] = []
        each = None if group is None else self.each.search(text, max(sentence_start, group[0] - 40), group[0])
        if each is not None and not any(p.role == "n" for p in figure_parts):
            # 'nausea and fatigue in 2 pts each (4.3%)': every event of the list has the figure.
            term_parts = self.term_before(text, sentence_start, each.start())
            shared_by = self.coordinated_terms(text, sentence_start, term_parts)
            figure_parts = figure_parts + [Part("n", *each.span("n"))]
        elif group is not None:
            term_parts = self.term_before(text, sentence_start, group[0])
            if term_parts is None and outer != group:
                # '(all grades, 72/97 [74%] vs ...)': the term stands before the outer bracket.
                term_parts = self.term_before(text, sentence_start, outer[0])
            if term_parts is None:
                # '...; but neuropathy was similar (all grades, 74% vs 66%)': the clause opens on its event.
                clause = text.rfind(";", sentence_start, outer[0])
                if clause != -1:
                    term_parts = self.opening_term(text, clause + 1, outer[0])
            if term_parts is None and self._last_term is not None and self._last_term[0].end < group[0]:
                # '(grade 3/4, 1%; grade 5, 0)' after 'CRS was reported in 61%': the same term, other grades.
                term_parts = [p for p in self._last_term if p.role == "term"]
        else:
            connector = self.connector.search(text, max(sentence_start, anchor - 40), anchor)
            if connector is not None and connector.end() == anchor:
                term_parts = self.term_before(text, sentence_start, connector.start())
            if term_parts is None and self._last_resolved and self._last_end is not None \
                    and self.continues.search(text[self._last_end:anchor]):
                # 'reported in 10% of arm A compared with 3% of arm B': the second figure, same term and grade.
                term_parts = list(self._last_resolved)
                from_subject = True
        if term_parts is None:
            if self.not_a_figure.match(text, match.end()):
                return []
            term_parts = self.opening_term(text, sentence_start, anchor)
            if term_parts is not None and self.subject.search(text, max(p.end for p in term_parts), anchor):
                # 'Grade 3-4 TRAEs occurred in 50% and TRAEs leading to discontinuation were reported for 11%':
                # an adverse-event phrase written since the opening one is what the later figure is about.
                term_parts = None
            if term_parts is None:
                term_parts = self.sentence_subject(text, sentence_start, sentence_end, anchor)
                from_subject = True
            if term_parts is not None and self._orphan_grade is not None:
                term_parts = [p for p in term_parts if p.role != "grade"] + [self._orphan_grade]
        if term_parts is None:
            return []
        if group is None:
            self._last_term = term_parts
            self._last_end = match.end()
        # The list starts at the first item's term; a grade written with that item ('were grade 1-2
        # fatigue (65%) and urinary frequency (40%)') heads the whole list.
        term_start = min(p.start for p in term_parts if p.role == "term")
        if self._first_figure is None or term_start < self._first_figure:
            self._first_figure = term_start if term_start < anchor else anchor
        since = self._previous_end
        if outer is not None and outer == self._previous_outer:
            # '... and any grade of IgM flare (8% vs. 47%)': the figures of one bracket take the grade written
            # before it, since the figure before the bracket.
            since = self._previous_since
        if not any(p.role == "grade" for p in term_parts):
            # A grade qualifies this figure if it heads the sentence's list (before its first figure) or
            # stands inside this figure's own bracket ('(all grades, 74%; grade 3/4, 7%)'); a grade of an
            # earlier item ('grade >=3 infections in 15%, and cytopenia in 40%') does not.
            # A grade written since the previous figure ('..., and the most common grade >=3 AE was X (22%)')
            # qualifies this one too.
            limit = self._first_figure if self._first_figure is not None else anchor
            # An adverse-event phrase of its own ('... and AEs leading to discontinuation were 11%') is no
            # item of the list the sentence opened with: only grades written since the last figure count.
            candidates = [] if from_subject and self._previous_end is not None else \
                list(GRADE.finditer(text, sentence_start, min(limit, anchor)))
            if since is not None and since < anchor:
                candidates += list(GRADE.finditer(text, since, anchor))
            if outer is not None:
                candidates += list(GRADE.finditer(text, outer[0], anchor))
            # A grade inside a bracket that closed before this figure qualifies the figure of that bracket
            # ('CRS in 61% (grade 3/4, 1%; grade 5, 0), neurologic events in 31%').
            candidates = [m for m in candidates if enclosing(groups, m.start() + 1) in (None, group, outer)
                          or enclosing(groups, m.start() + 1)[1] > anchor]
            spans = [m.span() for m in candidates]
            trailing = self.grade_after.match(text, match.end())
            if trailing is not None:
                # 'Pulmonary hypertension occurred in 18.2% (grade 1-2)': the grade in a bracket of its own.
                spans = [trailing.span("grade")]
            if spans:
                term_parts = term_parts + [Part("grade", *max(spans))]
        self._previous_end = match.end()
        self._previous_since, self._previous_outer = since, outer
        if group is None:
            self._last_resolved = term_parts
        grade_parts = [p for p in term_parts if p.role == "grade"]
        return [Fact("ae", rule, tuple(term_parts + figure_parts))] + [
            Fact("ae", rule, tuple(other + (grade_parts if not any(p.role == "grade" for p in other) else []) + figure_parts))
            for other in shared_by]

    def coordinated_terms(self, text: str, sentence_start: int, last: list[Part] | None) -> list[list[Part]]:
        """The events listed before the last one of 'nausea, rash and fatigue in 2 pts each', first to last."""
        earlier: list[list[Part]] = []
        while last is not None:
            start = min(p.start for p in last)
            join = self.coordinated.search(text, max(sentence_start, start - 8), start)
            if join is None:
                break
            last = self.term_before(text, sentence_start, join.start())
            if last is not None:
                earlier.insert(0, last)
        return earlier

    def term_before(self, text: str, sentence_start: int, bracket: int) -> list[Part] | None:
        # An abbreviation after the term ('neurologic events (NEs) in 31%') is not the term.
        for trailing in self.before_bracket:
            found = trailing.search(text, sentence_start, bracket)
            if found is not None:
                bracket = found.start()
        relative = self.relative_clause.search(text, sentence_start, bracket)
        if relative is not None:
            bracket = relative.start()  # the relative clause of 'febrile neutropenia, which was reported in'
        window_start = max(sentence_start, bracket - TERM_WINDOW)
        head = text[window_start:bracket]
        last = None
        for last in self.boundary.finditer(head):
            pass
        term_start = window_start + (last.end() if last else 0)
        if last is None and window_start != sentence_start:
            return None
        opener = text.rfind("(", window_start, term_start)
        if opener != -1 and text.count(")", term_start, bracket) > text.count("(", term_start, bracket):
            # 'adverse events (TRAEs) during X (42%)': the term's own abbreviation bracket is no list boundary.
            last = None
            for last in self.boundary.finditer(text, window_start, opener):
                pass
            term_start = last.end() if last else window_start
        parts: list[Part] = []
        grade = GRADE.match(text, term_start, bracket)
        if grade:
            parts.append(Part("grade", grade.start(), grade.end()))
            term_start = grade.end()
        if not parts:
            # 'grade 3 or worse adverse events': the boundary 'or' cut the grade; take it back.
            for grade in GRADE.finditer(text, max(sentence_start, term_start - 30), bracket):
                if grade.start() < term_start <= grade.end() + 1 or grade.end() <= term_start <= grade.end() + 1:
                    parts.append(Part("grade", grade.start(), grade.end()))
                    term_start = max(term_start, grade.end())
                    break
        term = text[term_start:bracket]
        leading = self.leading_words.match(term.lstrip())
        if leading:
            term_start += (len(term) - len(term.lstrip())) + leading.end()
            term = text[term_start:bracket]
        stripped = term.strip(" \u00a0-,")
        if not stripped and parts:
            # 'Most AEs were grade 1 (61%)': a grade with no term of its own; the sentence names the term.
            self._orphan_grade = parts[0]
            return None
        if not stripped or not stripped[0].isalpha() or len(stripped.split()) > MAX_TERM_WORDS:
            return None
        if self.not_a_term.search(stripped) or GRADE.fullmatch(stripped) or self.treatment_alone.fullmatch(stripped):
            return None
        offset = term_start + term.index(stripped)
        without_drug = self.without_attributed_drug(text, offset, offset + len(stripped))
        stripped, offset = text[without_drug:offset + len(stripped)], without_drug
        if overlaps(offset, offset + len(stripped), self._drugs):
            return None
        return [Part("term", offset, offset + len(stripped))] + parts

    def without_attributed_drug(self, text: str, start: int, end: int) -> int:
        """Where a term starts once the drug it is put down to is left out ('Daratumumab-associated infusion
        reactions' is the event 'infusion reactions')."""
        attributed = next((self.attributed.match(text, drug_end) for drug_start, drug_end in self._drugs
                           if drug_start == start), None)
        return attributed.end() if attributed is not None and attributed.end() < end else start

    def opening_term(self, text: str, start: int, anchor: int) -> list[Part] | None:
        """'Grade 3 or greater anemia was more frequent with X (15.3%; placebo, 1.7%)': the opening event."""
        match = self.opening.match(text, start, anchor)
        if match is None:
            return None
        term_start, term_end = match.span("term")
        leading = self.leading_words.match(text, term_start, term_end)
        if leading:
            term_start = leading.end()
        term = text[term_start:term_end]
        if not term or self.not_a_term.search(term) or GRADE.fullmatch(term) or overlaps(term_start, term_end, self._drugs) \
                or len(term.split()) > MAX_TERM_WORDS:
            return None
        parts = [Part("term", term_start, term_end)]
        for role in ("grade", "grade2"):
            if match.group(role):
                parts.append(Part("grade", *match.span(role)))
                break
        return parts

    def sentence_subject(self, text: str, start: int, end: int, anchor: int) -> list[Part] | None:
        """The adverse-event phrase the sentence is about: the last one before the figure, else the first after."""
        before = [m for m in self.subject.finditer(text, start, anchor)]
        chosen = before[-1] if before else next(self.subject.finditer(text, anchor, end), None)
        if chosen is None:
            return None
        term_start, term_end = chosen.span("term")
        parts = [Part("term", self.without_attributed_drug(text, term_start, term_end), term_end)]
        for role in ("grade", "grade2"):
            if chosen.group(role):
                parts.append(Part("grade", *chosen.span(role)))
                break
        return parts


@Language.factory("kg_adverse_events", assigns=["doc.spans"], requires=["doc.spans"], default_config={})
def make_adverse_event_finder(nlp: Language, name: str) -> AdverseEventFinder:
    return AdverseEventFinder(nlp, name)
