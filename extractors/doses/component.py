"""kg_doses: dose levels, the drug each belongs to, and which dose is the RP2D.

A list with one unit ("1, 2, 3, 4 mg/kg") is one dose per value and a range is its two ends
(SUMMARY.md). A dose belongs to the nearest drug mention before it in the same sentence, or, failing
that, the nearest one just after it ("10 mg of X"). A dose is an RP2D when an RP2D/MTD cue and the
dose are joined only by an assertion ("the RP2D was", "... was selected as RP2D").
"""

from __future__ import annotations

import functools
import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import (Fact, Part, PatternRow, RuleComponent, by_first_letter, canonical_unit, data_json,
                               data_tsv, sentence_bounds, sentence_of)

LIMITS = data_json("extractors.doses", "limits.json")["limits"]
BEFORE_WINDOW = LIMITS["before_window"]["value"]
AFTER_WINDOW = LIMITS["after_window"]["value"]
RP2D_WINDOW = LIMITS["rp2d_window"]["value"]
JOINER = "[- \u2010\u2011]"
NEEDS_POWER = frozenset(data_json("extractors.lexical", "units.json")["needs_power"]["units"])


@functools.cache
def radiation_regex() -> re.Pattern[str]:
    names = sorted((row["name"] for row in data_tsv("extractors.doses", "radiation.tsv")), key=len, reverse=True)
    # 'external-beam radiation' and 'external beam radiation' are one name, whatever joins the words.
    joined = [(name[0], re.escape(name[1:]).replace("\\ ", JOINER).replace("\\-", JOINER)) for name in names]
    return re.compile(r"(?<![\w-])" + by_first_letter(joined) + r"(?![\w-])", re.IGNORECASE)


def main_drug(doc: Doc) -> tuple[int, int] | None:
    """The drug the abstract names most (first on a tie): the owner of a dose stated without a drug,
    as in 'the RP2D was 400 mg once daily'. Its first mention stands for it."""
    counts: dict[str, list[tuple[int, int]]] = {}
    for span in doc.spans.get("kg_drugs", []):
        counts.setdefault(span.kb_id_, []).append((span.start_char, span.end_char))
    if not counts:
        return None
    name = max(counts, key=lambda key: (len(counts[key]), -counts[key][0][0]))
    return counts[name][0]


class DoseFinder(RuleComponent):
    package = "extractors.doses"
    span_key = "kg_doses"
    fact_labels = frozenset({"dose"})

    def find(self, doc: Doc) -> list[Fact]:
        self._drugs = sorted((span.start_char, span.end_char) for span in doc.spans.get("kg_drugs", []))
        status = self.row_pattern("dose-drug-status")
        self._dose_owners = [d for d in self._drugs if not status.match(self.text, d[1])]
        self._radiation = [m.span() for m in radiation_regex().finditer(self.text)]
        self._main_drug = main_drug(doc)
        self._bounds = sentence_bounds(self.text)
        doses = super().find(doc)
        return doses + self.rp2d(self.text, doses)

    def resolve(self, doc: Doc, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        before = self.text[max(0, match.start() - 60):match.start()]
        if any(pattern.search(before) for r, pattern in self.rows if r.label == "dose-not-a-level"):
            return []
        unit = Part("unit", *match.span("unit"))
        if "values" in match.groupdict() and match.group("values") is not None:
            offset = match.start("values")
            values = [Part("value", offset + v.start(), offset + v.end()) for v in self.row_pattern("dose-value").finditer(match.group("values"))]
        else:
            values = [Part("value", *match.span("lo")), Part("value", *match.span("hi"))]
        if canonical_unit(match.group("unit")) in NEEDS_POWER:
            power = self.row_pattern("dose-power")
            values = [v for v in values if power.search(self.text, v.start, v.end)]
            if not values:
                return []
        is_radiation = canonical_unit(match.group("unit")) == "gy"
        names = self._radiation if is_radiation else self._dose_owners
        drug = self.drug_written_after(match.end(), names) or self.drug_for(match.start(), match.end(), names)
        agent = None if drug is not None or is_radiation else self.agent_named_before(values[0].start)
        if agent is not None:
            drug, rule = agent, "dose-agent-named-before"
        elif drug is None and not is_radiation and self._main_drug is not None:
            drug, rule = self._main_drug, "dose-main-drug"
        else:
            rule = row.id
        if drug is None:
            return []
        drugs = [drug] + self.coordinated_before(drug, names) if self.row_pattern("dose-each").match(self.text, match.end()) else [drug]
        return [Fact("dose", rule, (Part("drug", *d), value, unit)) for d in sorted(drugs) for value in values]

    def coordinated_before(self, drug: tuple[int, int], names: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """'methotrexate (MTX) and cytarabine (Ara-C) (1 g/m2 each)': the drugs joined to the dose's own."""
        joined, current = [], drug
        for previous in reversed([d for d in names if d[1] <= drug[0]]):
            between = self.text[previous[1]:current[0]]
            if between.strip() in ("", "(", "["):
                current = previous  # 'cytarabine (Ara-C)': one drug, written twice
                continue
            if not self.row_pattern("dose-coordination").fullmatch(between):
                break
            joined.append(previous)
            current = previous
        return joined

    def agent_named_before(self, value_start: int) -> tuple[int, int] | None:
        """'Patients received MIBG 18 mCi/kg': an acronym right before the dose names an agent the lexicon lacks."""
        named = self.row_pattern("dose-agent")
        stop = self.row_pattern("dose-agent-stop")
        found = named.search(self.text, max(0, value_start - 15), value_start)
        if found is None or stop.match(found.group("agent")):
            return None
        return found.span("agent")

    def drug_written_after(self, end: int, names: list[tuple[int, int]]) -> tuple[int, int] | None:
        """The drug of '200mg QD zorvatinib' or '10 mg of X': named right after the dose, schedule between."""
        link = self.row_pattern("dose-then-drug")
        following = next((d for d in names if d[0] >= end), None)
        if following is not None and following[0] - end <= 25 and link.search(self.text[end:following[0]]):
            return following
        return None

    def drug_for(self, start: int, end: int, names: list[tuple[int, int]]) -> tuple[int, int] | None:
        sentence = sentence_of(self._bounds, start)
        before = [d for d in names if sentence[0] <= d[0] and d[1] <= start and start - d[1] <= BEFORE_WINDOW]
        if before:
            return before[-1]
        after = [d for d in names if d[0] >= end and d[0] - end <= AFTER_WINDOW and d[1] <= sentence[1]]
        return after[0] if after else None

    def rp2d(self, text: str, doses: list[Fact]) -> list[Fact]:
        cues = [m.span() for _, m in self.matches(text, "rp2d-cue")]
        links = [pattern for row, pattern in self.rows if row.label == "rp2d-link"]
        negations = [pattern for row, pattern in self.rows if row.label == "rp2d-negation"]
        found = []
        # The values of one list ('4.8 or 6.4 mg/kg') share their unit; the list starts at its first value.
        list_start: dict[tuple[int, int], int] = {}
        for dose in doses:
            unit = next(p for p in dose.parts if p.role == "unit")
            value = next(p for p in dose.parts if p.role == "value")
            key = (unit.start, unit.end)
            list_start[key] = min(list_start.get(key, value.start), value.start)
        for dose in doses:
            drug = next(p for p in dose.parts if p.role == "drug")
            unit = next(p for p in dose.parts if p.role == "unit")
            value = next(p for p in dose.parts if p.role == "value")
            value = Part("value", list_start[(unit.start, unit.end)], value.end)
            # The dose phrase starts at its drug when the drug is written with it ('RP2D as X 3 mg/kg').
            start = drug.start if drug.start <= value.start and value.start - drug.end <= 30 else value.start
            for cue_start, cue_end in cues:
                # 'evaluating X as monotherapy at a RP2D of 6.5 mg/m2': a cue between drug and value starts the phrase.
                phrase_start = start if start >= cue_end else value.start
                if 0 <= phrase_start - cue_end <= RP2D_WINDOW:
                    gap = self.without_drugs(text, cue_end, phrase_start)
                    # Only this clause: 'MTD was not reached, and RP2D was 93.3 kBq/kg' negates the MTD alone.
                    context = re.split(r"[,;]", text[max(0, cue_start - 40):cue_start])[-1]
                    after_cue = text[cue_end:cue_end + 40]
                    if any(p.search(context) or p.search(after_cue) for p in negations):
                        continue
                    if any(p.search(gap) for p in links):
                        found.append(Fact("rp2d", "rp2d-assertion-before", dose.parts))
                        break
                elif 0 <= cue_start - value.end <= RP2D_WINDOW:
                    unit = next(p for p in dose.parts if p.role == "unit")
                    gap = self.without_drugs(text, unit.end, cue_start)
                    if any(p.search(gap) for p in links):
                        found.append(Fact("rp2d", "rp2d-assertion-after", dose.parts))
                        break
        return found + self.combination_partners(text, doses, found)

    def combination_partners(self, text: str, doses: list[Fact], rp2d: list[Fact]) -> list[Fact]:
        """'RP2D of 80 mg X + 80 mg Y': the dose joined to an RP2D dose by '+', 'and' or 'plus' is one too."""
        chain = self.row_pattern("rp2d-chain")
        chosen = {fact.parts for fact in rp2d}
        ordered = sorted(doses, key=lambda fact: min(p.start for p in fact.parts))
        partners = []
        for previous, current in zip(ordered, ordered[1:]):
            if previous.parts not in chosen or current.parts in chosen:
                continue
            previous_end = max(p.end for p in previous.parts)
            current_start = min(p.start for p in current.parts)
            if 0 <= current_start - previous_end <= 30 and chain.search(self.without_drugs(text, previous_end, current_start)):
                partners.append(Fact("rp2d", "rp2d-combination", current.parts))
                chosen.add(current.parts)
        return partners

    def without_drugs(self, text: str, start: int, end: int) -> str:
        """The text between two offsets with drug names blanked, so 'RP2D as X 3 mg/kg' reads 'RP2D as 3 mg/kg'."""
        pieces, cursor = [], start
        for d_start, d_end in self._drugs:
            if start <= d_start and d_end <= end:
                pieces.append(text[cursor:d_start])
                cursor = d_end
        pieces.append(text[cursor:end])
        return " " + re.sub(r"\s+", " ", " ".join(pieces)).strip() + " "


@Language.factory("kg_doses", assigns=["doc.spans"], requires=["doc.spans"], default_config={})
def make_dose_finder(nlp: Language, name: str) -> DoseFinder:
    return DoseFinder(nlp, name)
