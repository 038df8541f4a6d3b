"""kg_dlt: dose-limiting toxicities: the total, the count per dose level and the events.

"No DLT was observed" is a total of 0. "Two patients experienced DLTs" counts patients, not DLTs. A count per dose is tied to the first dose mention that
follows its cue in the same clause. An event list that follows a stated total with a single event
("All those 3 DLTs were grade 4 thrombocytopenia") gives that event the total as its count.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import Fact, Part, PatternRow, RuleComponent, data_json, group_parts

LIMITS = data_json("extractors.dlt", "limits.json")["limits"]
DOSE_WINDOW = LIMITS["dose_window"]["value"]


class DltCounter(RuleComponent):
    package = "extractors.dlt"
    span_key = "kg_dlt"
    fact_labels = frozenset({"dlt-none", "dlt-total", "dlt-patients", "dlt-dose-cue", "dlt-events"})

    def find(self, doc: Doc) -> list[Fact]:
        self._doses = []
        for span in doc.spans.get("kg_doses", []):
            if span.label_ == "value":
                self._doses.append(span)
        self._dose_parts: dict[str, dict[str, tuple[int, int]]] = {}
        for span in doc.spans.get("kg_doses", []):
            if span.kb_id_.startswith("dose#"):
                self._dose_parts.setdefault(span.kb_id_, {})[span.label_] = (span.start_char, span.end_char)
        facts = super().find(doc)
        after = self.row_pattern("dlt-after-dose")
        for parts in self._dose_parts.values():
            match = after.match(self.text, parts["unit"][1])
            if match:
                dose_parts = tuple(Part(role, *parts[role]) for role in ("drug", "value", "unit"))
                facts.append(Fact("dlt-dose", "dlt-after-dose", (Part("n", *match.span("n")),) + dose_parts))
        return facts

    def resolve(self, doc: Doc, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        if row.label == "dlt-dose-cue":
            return self.at_dose(self.text, row, match)
        if row.label == "dlt-events":
            return self.events(row, match)
        return super().resolve(doc, row, match)

    def at_dose(self, text: str, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        for parts in sorted(self._dose_parts.values(), key=lambda p: p["value"][0]):
            start = min(parts["drug"][0], parts["value"][0]) if parts["drug"][0] >= match.end() else parts["value"][0]
            if 0 <= start - match.end() <= DOSE_WINDOW and not re.search(r"[.;]", text[match.end():start]):
                dose_parts = tuple(Part(role, *parts[role]) for role in ("drug", "value", "unit"))
                cohort = (Part("cohort", *match.span("cohort")),) if match.group("cohort") else ()
                return [Fact("dlt-dose", row.id, (Part("n", *match.span("n")),) + cohort + dose_parts)]
        return []

    def events(self, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        item_rows = [pattern for r, pattern in self.rows if r.label == "dlt-event-item"]
        offset = match.start("events")
        body = match.group("events")
        cut = self.row_pattern("dlt-events-end").search(body)
        if cut:
            body = body[:cut.start()]
        items, cursor = [], 0
        for separator in list(self.row_pattern("dlt-item-split").finditer(body)) + [None]:
            end = separator.start() if separator else len(body)
            items.append((cursor, end))
            cursor = separator.end() if separator else len(body)
        facts = []
        for item_start, item_end in items:
            chunk = body[item_start:item_end]
            for pattern in item_rows:
                item = pattern.search(chunk)
                if item:
                    base = offset + item_start
                    parts = [Part(p.role if p.role != "n2" else "n", base + p.start, base + p.end) for p in group_parts(item)]
                    facts.append(parts)
                    break
        if len(facts) == 1 and match.groupdict().get("total") and not any(p.role == "n" for p in facts[0]):
            facts[0].append(Part("n", *match.span("total")))
        # One patient who had the listed DLTs had each of them once, and is one patient with a DLT: a count
        # of patients, not of DLTs (that patient may have had two).
        single = match.span("single") if match.groupdict().get("single") else None
        if single is not None:
            for parts in facts:
                if not any(p.role == "n" for p in parts):
                    parts.append(Part("n", *single))
        result = [Fact("dlt-event", row.id, tuple(parts)) for parts in facts]
        if "total" in match.groupdict() and match.group("total"):
            result.append(Fact("dlt-total", row.id, (Part("total", *match.span("total")),)))
        elif single is not None and facts:
            result.append(Fact("dlt-patients", row.id, (Part("patients", *single),)))
        return result


@Language.factory("kg_dlt", assigns=["doc.spans"], requires=["doc.spans"], default_config={})
def make_dlt_counter(nlp: Language, name: str) -> DltCounter:
    return DltCounter(nlp, name)
