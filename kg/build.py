"""Doc -> records: read the span groups the rule components wrote and build a ``TrialAbstract``.

This is the only place facts become records. It parses each span's surface with the pure functions of
``extractors.parsing`` and relates facts to each other only where the text does (an AE figure without its
own N refers to the treated population). It checks nothing: consistency is the shapes' job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from importlib import resources
from dataclasses import dataclass, field as dc_field
from typing import Any

from spacy.tokens import Doc, Span

from extractors import SPAN_KEYS
from extractors.adverse_events.component import summary_term
from extractors.engine import background_end, doc_text, iter_facts, sentence_bounds, sentence_of
from extractors.parsing import (
    canonical_unit,
    parse_date,
    parse_grade,
    parse_number,
    phase_spans,
    rate_name,
    response_category,
)
from kg.records import (
    AdverseEventFigure,
    Arm,
    CategoryRate,
    CategoryCount,
    CountFigure,
    DltAtDose,
    DltEvent,
    DltSummary,
    Dose,
    Extracted,
    PopulationPart,
    Responder,
    ResponseSummary,
    SummaryStatistics,
    TrialAbstract,
)

# Rule ids of the relations the builder infers rather than reads.
TREATED_POPULATION_RULE = "denominator-treated-population"
SENTENCE_POPULATION_RULE = "denominator-sentence-population"
COLUMN_POPULATION_RULE = "denominator-column-population"
ARM_POPULATION_RULE = "denominator-named-arm"
# The separator of a comparison's columns ('7 [15%] of 48 vs 9 [18%] of 49'), and the brackets that hold one.
VERSUS = re.compile(r"\b(?:vs|v|versus)\b\.?", re.IGNORECASE)

# How near a figure's percentage must be to n over its sentence's population (kg/inference.json, with why).
SENTENCE_TOLERANCE = json.loads(resources.files("kg").joinpath("inference.json").read_text(encoding="utf-8")
                                )["limits"]["sentence_population_tolerance"]["value"]
# How a figure's sentence names the arm it is of (kg/populations.json, with why).
ARM_NAMING = json.loads(resources.files("kg").joinpath("populations.json").read_text(encoding="utf-8"))
AFTER_FIGURE = re.compile(ARM_NAMING["after_figure"]["pattern"], re.IGNORECASE)
LEADING_POPULATION = re.compile(ARM_NAMING["leading"]["pattern"], re.IGNORECASE)


@dataclass
class FactView:
    """One fact of one field's Doc: its kind, rule and spans by role."""

    kind: str
    rule: str
    roles: dict[str, list[Span]]
    field: str
    drug_names: dict[tuple[int, int], tuple[str, str]] = dc_field(default_factory=dict)

    def span(self, role: str) -> Span | None:
        spans = self.roles.get(role)
        return spans[0] if spans else None

    def value(self, role: str, value: Any, rule: str | None = None) -> Extracted | None:
        span = self.span(role)
        if span is None or value is None:
            return None
        return Extracted(value=value, start=span.start_char, end=span.end_char, text=span.text,
                         rule=rule or self.rule, field=self.field)

    def number(self, role: str, integer: bool = False) -> Extracted | None:
        span = self.span(role)
        if span is None:
            return None
        number = parse_number(span.text)
        if number is None or (integer and not isinstance(number, int)):
            return None
        return self.value(role, number)

    def drug(self) -> Extracted | None:
        span = self.span("drug")
        if span is None:
            return None
        name, rule = self.drug_names.get((span.start_char, span.end_char), (span.text.lower(), self.rule))
        return self.value("drug", name, rule=rule)


def facts_of(doc: Doc, field: str) -> list[FactView]:
    # A dose's drug was read by kg_drugs: its canonical name and rule come from there.
    drug_names = {(s.start_char, s.end_char): (s.kb_id_, s.id_) for s in doc.spans.get("kg_drugs", [])}
    views = []
    for key in SPAN_KEYS:
        if key == "kg_drugs":
            continue
        for kind, rule, roles in iter_facts(doc, key):
            views.append(FactView(kind, rule, roles, field, drug_names))
    return views


OWN_PHASE_RULE = "phase-this-trial"


def first(items: Iterable[Any]) -> Any:
    return next((item for item in items if item is not None), None)


def unique(items: Iterable[Any], key) -> list[Any]:
    seen, kept = set(), []
    for item in items:
        if item is None:
            continue
        k = key(item)
        if k not in seen:
            seen.add(k)
            kept.append(item)
    return kept


def build_dose(fact: FactView, cls=Dose, **extra) -> Any:
    """A dose (or a record that names a dose, such as DltAtDose) from a fact's drug, value and unit spans."""
    drug = fact.drug()
    value = fact.number("value")
    unit_span = fact.span("unit")
    unit = fact.value("unit", canonical_unit(unit_span.text)) if unit_span is not None else None
    if drug is None or value is None or unit is None:
        return None
    return cls(drug=drug, value=value, unit=unit, **extra)


def dose_key(dose: Any) -> tuple:
    return dose.drug.value, dose.value.value, dose.unit.value


def build_stats(fact: FactView | None) -> SummaryStatistics | None:
    if fact is None:
        return None
    stats = SummaryStatistics(median=fact.number("median"), mean=fact.number("mean"),
                              min=fact.number("min"), max=fact.number("max"))
    return stats if any((stats.median, stats.mean, stats.min, stats.max)) else None


def build_ae(fact: FactView, treated: Extracted | None) -> AdverseEventFigure | None:
    term_span = fact.span("term")
    if term_span is None:
        return None
    term = summary_term(term_span.text)
    grade_span = fact.span("grade")
    grade = fact.value("grade", parse_grade(grade_span.text)) if grade_span is not None else None
    denominator = fact.number("N", integer=True) or treated
    return AdverseEventFigure(term=fact.value("term", term), grade=grade, n=fact.number("n", integer=True),
                              pct=fact.number("pct"), denominator=denominator)


def without_restatements(figures: list[AdverseEventFigure], text: str) -> list[AdverseEventFigure]:
    """Drop a figure that repeats one of an earlier sentence (the conclusions restate a result): same term,
    grade and percentage, and no other count. Two arms' equal figures stand in one sentence and stay."""
    bounds = sentence_bounds(text)
    kept: list[AdverseEventFigure] = []
    for figure in figures:
        def key(f: AdverseEventFigure) -> tuple:
            return f.term.value, f.grade.value if f.grade else None, f.pct.value if f.pct else None
        restated = figure.pct is not None and any(
            key(earlier) == key(figure) and earlier.term.field == figure.term.field == "text"
            and sentence_of(bounds, earlier.pct.start) != sentence_of(bounds, figure.pct.start)
            and (figure.n is None or (earlier.n is not None and earlier.n.value == figure.n.value))
            for earlier in kept)
        if not restated:
            kept.append(figure)
    return kept


RATE_FIELDS = {"ORR": "orr", "DCR": "dcr", "CBR": "cbr"}


COUNT_FIELDS = {"CR": "complete_response", "PR": "partial_response", "SD": "stable_disease", "PD": "progressive_disease"}


def summary_fields(counts: dict[str, tuple[Extracted | None, Extracted, Extracted | None]]) -> dict[str, Any]:
    """ResponseSummary fields for one population's best-response counts (and their shares, if stated)."""
    fields: dict[str, Any] = {COUNT_FIELDS[c]: n for c, (n, _, _) in counts.items() if c in COUNT_FIELDS and n is not None}
    fields["other_categories"] = [CategoryCount(category=mention, n=n)
                                  for c, (n, mention, _) in counts.items() if c not in COUNT_FIELDS and n is not None]
    fields["category_rates"] = [CategoryRate(category=mention, pct=pct)
                                for _, (_, mention, pct) in counts.items() if pct is not None]
    return fields


def category_counts(fact: FactView) -> list[tuple[str, Extracted, Extracted, Extracted | None]]:
    """(category, n, mention, share) of a best-response fact. A negated one ('no complete or partial
    responses were seen') names its categories as roles and counts 0 for each, on its negation's span."""
    if fact.span("none") is not None:
        return [(category, fact.value("none", 0), fact.value(category, category), None)
                for category in COUNT_FIELDS if fact.span(category) is not None]
    span = fact.span("category")
    category = response_category(span.text) if span is not None else None
    n = fact.number("n", integer=True)
    if category is None or n is None:
        return []
    return [(category, n, fact.value("category", category), fact.number("pct"))]


def build_efficacy(rate_facts: list[FactView], response_facts: list[FactView], evaluable: Extracted | None,
                   ) -> tuple[ResponseSummary | None, list[Arm]]:
    """The trial's response summary, and arms for counts or rates the text states once per arm.

    A category or rate with one value (however often restated) belongs to the whole evaluable
    population; one with several values ('ORRs were 20.7% ... and 19.3% ...', '3 PR in part 1 and 1 PR
    in part 2') gives one arm per value, labelled by the drug named with it where there is one.
    """
    counts: dict[str, list[tuple[Extracted, Extracted, Extracted | None]]] = {}
    sentences: dict[int, tuple[int, int]] = {}
    bounds: dict[int, list[tuple[int, int]]] = {}
    for fact in response_facts:
        for category, n, mention, pct in category_counts(fact):
            n_span = fact.span("n") or fact.span("none")
            doc_bounds = bounds.setdefault(id(n_span.doc), sentence_bounds(doc_text(n_span.doc)))
            sentence = (id(n_span.doc), sentence_of(doc_bounds, n_span.start_char))
            # The same count in another sentence restates it (the conclusions repeat a result); in one sentence
            # it is another arm's ('six CR with A, and six CR with B').
            if all(existing.start != n.start and (existing.value != n.value or sentences[id(existing)] == sentence)
                   for existing, _, _ in counts.get(category, [])):
                counts.setdefault(category, []).append((n, mention, pct))
                sentences[id(n)] = sentence
    values: dict[str, list[tuple[Extracted, Extracted | None]]] = {}
    category_shares: dict[str, list[tuple[Extracted, Extracted]]] = {}
    subgroup_starts: set[int] = set()
    for fact in rate_facts:
        span = fact.span("rate")
        name = rate_name(span.text) if span is not None else None
        pct = fact.number("pct") or fact.value("none", 0)  # 'no objective responses were seen': an ORR of 0
        if name is None or pct is None:
            continue
        arm_role = "arm" if fact.span("arm") is not None else "subgroup"
        arm = fact.span(arm_role)
        label = fact.value(arm_role, arm.text.lower()) if arm is not None else None
        if arm_role == "subgroup" and arm is not None:
            subgroup_starts.add(arm.start_char)
        if name in COUNT_FIELDS:
            # 'complete response (CR) rate was 72.3%': the share of one category.
            category_shares.setdefault(name, []).append((pct, fact.value("rate", name)))
        elif all(existing.value != pct.value or existing.start != pct.start for existing, _ in values.get(name, [])):
            values.setdefault(name, []).append((pct, label))
    trial_rates = {RATE_FIELDS[name]: found[0][0] for name, found in values.items() if len(found) == 1}
    subgroup_rates: set[str] = set()
    for name, found in values.items():
        unqualified = [pct for pct, label in found if label is None]
        if len(found) > 1 and len(unqualified) == 1 and all(label is None or label.start in subgroup_starts
                                                            for _, label in found):
            # 'The ORR was 75%. Among treatment-naive patients, it was 77.1%': the one value given for no
            # subgroup is the trial's; the others are its subgroups'.
            trial_rates[RATE_FIELDS[name]] = unqualified[0]
            values[name] = [(pct, label) for pct, label in found if label is not None]
            subgroup_rates.add(name)
    trial_counts = {category: found[0] for category, found in counts.items() if len(found) == 1}
    arms: dict[str, dict[str, Any]] = {}
    for name, found in values.items():
        if len(found) < 2 and name not in subgroup_rates:
            continue
        for index, (pct, label) in enumerate(found):
            key = label.value if label is not None else f"{name}#{index}"
            while key in arms and RATE_FIELDS[name] in arms[key]["fields"]:
                key += "'"  # the same drug named for two arms ('olaparib 200 mg', 'olaparib 400 mg')
            arm = arms.setdefault(key, {"label": label, "fields": {}})
            arm["fields"][RATE_FIELDS[name]] = pct
    for category, found in counts.items():
        if len(found) < 2:
            continue
        for index, entry in enumerate(found):
            arm = arms.setdefault(f"{category}#{index}", {"label": None, "fields": {}})
            arm["fields"].update(summary_fields({category: entry}))
    for category, found in category_shares.items():
        if len(found) == 1 and category not in counts:
            trial_counts[category] = (None, found[0][1], found[0][0])
        elif len(found) == 1 and category in trial_counts and trial_counts[category][2] is None:
            n, mention, _ = trial_counts[category]
            trial_counts[category] = (n, mention, found[0][0])
        else:
            for index, (pct, mention) in enumerate(found):
                arm = arms.setdefault(f"{category}-share#{index}", {"label": None, "fields": {}})
                arm["fields"]["category_rates"] = [CategoryRate(category=mention, pct=pct)]
    efficacy = None
    if evaluable or trial_counts or trial_rates:
        efficacy = ResponseSummary(evaluable=evaluable, **summary_fields(trial_counts), **trial_rates)
    return efficacy, [Arm(arm=arm["label"], efficacy=ResponseSummary(**arm["fields"])) for arm in arms.values()]


def joined_arms(with_results: list[Arm], with_sizes: list[Arm]) -> list[Arm]:
    """An arm the text gives results for and one it gives the size of are one arm when one label holds the
    other ('ORR was 55% in patients with high expression' and 'high expression (n = 30)'), and neither label
    fits any other arm."""
    def holds(a: str, b: str) -> bool:
        return f" {a} " in f" {b} " or f" {b} " in f" {a} "

    joined = list(with_results)
    rest = []
    for sized in with_sizes:
        label = sized.arm.value
        fits = [i for i, arm in enumerate(joined) if arm.arm is not None and arm.n is None and holds(label, arm.arm.value)]
        rivals = [other for other in with_sizes if other is not sized and any(holds(other.arm.value, joined[i].arm.value)
                                                                               for i in fits)]
        if len(fits) != 1 or rivals:
            rest.append(sized)
            continue
        joined[fits[0]] = joined[fits[0]].model_copy(update={"n": sized.n})
    return joined + rest


def arm_sizes(facts: list[FactView], enrolled: Extracted | None) -> list[Arm]:
    """The arms, cohorts and subgroups whose size the text states ('drug A (n = 60)', '40 to the placebo
    arm'), each once. A lone size equal to the enrolled total is the whole trial, not one of its parts.

    A size larger than the enrolment kg read is left out: one of the two readings is wrong (most often the
    enrolment, read from a subgroup), nothing says which, and an arm size serves as the population of
    figures, which a wrong one would misjudge."""
    arms = []
    for fact in facts:
        n, label = fact.number("n", integer=True), fact.span("arm")
        if n is not None and label is not None and (enrolled is None or n.value <= enrolled.value):
            arms.append(Arm(arm=fact.value("arm", " ".join(label.text.lower().split())), n=n))
    arms = unique(arms, key=lambda arm: (arm.arm.value, arm.n.value))
    if len(arms) == 1 and enrolled is not None and arms[0].n.value == enrolled.value:
        return []
    return arms


def ungrounded(figure: AdverseEventFigure | CountFigure) -> bool:
    """Whether the figure's phrase states no N (no denominator, or the treated population carried over)."""
    return figure.denominator is None or figure.denominator.rule == TREATED_POPULATION_RULE


def near_share(figure: AdverseEventFigure | CountFigure, size: int) -> bool:
    """Whether a figure's count is a share of ``size`` near n / N (within a quarter plus SENTENCE_TOLERANCE
    points): a slip of the text stays that near, a share of some other population is mostly far off."""
    if not 0 < figure.n.value <= size:
        return False
    return abs(100 * figure.n.value / size - float(figure.pct.value)) <= float(figure.pct.value) / 4 + SENTENCE_TOLERANCE


def sentence_population(figure: AdverseEventFigure | CountFigure, sizes: list[tuple[Extracted, bool]],
                        bounds: list[tuple[int, int]]) -> Extracted | None:
    """The population a figure without its own N refers to when its sentence sizes exactly one, before it:
    'in resected patients (N = 52), 17 patients (33%) had a complete response'. ``sizes``: every population
    size the text states (enrolled, part, arm, evaluable) with whether it is a named arm or subgroup. Only
    a named arm or subgroup's size counts (the enrolled total is the treated population already); a
    sentence sizing two populations ('A (n = 60) and B (n = 57)') says nothing of which one a figure's is.
    The figure's count must be a share of it, and its percentage near n / N (within a quarter plus
    SENTENCE_TOLERANCE points): a figure far from it is another population's, named after the size
    ('... (n = 30); in the others, 12 (80%)'), while a slip in the text stays near. The shapes then judge
    the figure against N as against a stated one."""
    if figure.pct is None or figure.n is None or figure.pct.field != "text":
        return None
    sentence = sentence_of(bounds, figure.pct.start)
    before = [(size, named) for size, named in sizes if size.field == "text"
              and sentence[0] <= size.start < min(figure.n.start, figure.pct.start)]
    values = {size.value for size, _ in before}
    if len(values) != 1 or not all(named for _, named in before):
        return None
    size = before[0][0]
    if not near_share(figure, size.value):
        return None
    return size.model_copy(update={"rule": SENTENCE_POPULATION_RULE})


def with_sentence_populations(figures: list[Any], sizes: list[tuple[Extracted, bool]], text: str) -> list[Any]:
    """Each figure whose phrase states no N, with its sentence's one population (``sentence_population``)."""
    bounds = sentence_bounds(text)
    found = []
    for figure in figures:
        if ungrounded(figure):
            size = sentence_population(figure, sizes, bounds)
            if size is not None:
                figure = figure.model_copy(update={"denominator": size})
        found.append(figure)
    return found


def column_of(text: str, position: int) -> tuple[int, int] | None:
    """(start of the bracket, column) of a figure in a comparison: 'anaemia (7 [15%] vs 9 [18%])' puts 9 in
    column 1 of the bracket at '('. The column is the number of 'vs' before the figure in its innermost
    round bracket; None outside one."""
    depth = 0
    for index in range(position - 1, -1, -1):
        char = text[index]
        if char in ")]":
            depth += 1
        elif char in "([":
            if depth == 0:
                if char == "(":
                    return index, len(VERSUS.findall(text, index, position))
                # a square bracket holding the figure ('[15%]') is inside the column, not the comparison
            else:
                depth -= 1
    return None


def with_column_populations(figures: list[AdverseEventFigure], text: str) -> list[AdverseEventFigure]:
    """Adverse-event figures in comparisons whose first term gives each column's N: 'anaemia (7 [15%] of 48
    vs 9 [18%] of 49) and thrombocytopenia (5 [10%] vs 6 [12%])' reports thrombocytopenia for the same two
    arms, 5 of 48 and 6 of 49. In one sentence, the figures that state their own N give each column (the
    k-th item of a 'vs' comparison, counted so that 'none vs 14 [38%]' puts 14 in column 1) one N; a figure
    of that sentence without its own N takes its column's, when it is in a comparison of as many columns
    or fewer, the columns' N differ or the text states them for every column, and its count is a share of
    it near n / N (as for ``sentence_population``). Columns given two different N say nothing."""
    bounds = sentence_bounds(text)
    columns: dict[tuple[int, int], dict[int, set[int]]] = {}
    sources: dict[tuple[int, int], dict[int, Extracted]] = {}
    placed: dict[int, tuple[tuple[int, int], int, int]] = {}
    for index, figure in enumerate(figures):
        anchor = figure.n if figure.n is not None else figure.pct
        if anchor is None or anchor.field != "text":
            continue
        place = column_of(text, anchor.start)
        if place is None:
            continue
        bracket, column = place
        sentence = sentence_of(bounds, anchor.start)
        placed[index] = (sentence, bracket, column)
        if not ungrounded(figure):
            columns.setdefault(sentence, {}).setdefault(column, set()).add(figure.denominator.value)
            sources.setdefault(sentence, {}).setdefault(column, figure.denominator)
    found = []
    for index, figure in enumerate(figures):
        if index in placed and ungrounded(figure) and figure.n is not None and figure.pct is not None:
            sentence, bracket, column = placed[index]
            given = columns.get(sentence, {})
            width = 1 + len(VERSUS.findall(text, bracket, text.find(")", bracket) + 1 or len(text)))
            sizes = given.get(column, set())
            if len(given) >= 2 and width >= 2 and len(sizes) == 1 and all(len(v) == 1 for v in given.values()):
                size = sources[sentence][column]
                if near_share(figure, size.value):
                    figure = figure.model_copy(update={"denominator": size.model_copy(update={"rule": COLUMN_POPULATION_RULE})})
        found.append(figure)
    return found


def label_occurrences(text: str, labels: dict[str, Extracted]) -> list[tuple[int, int, str]]:
    """Where the text names each labelled arm or part, as whole words, a longer label winning over one it holds."""
    found = []
    for label in sorted(labels, key=len, reverse=True):
        words = r"\s+".join(re.escape(word) for word in label.split())
        for match in re.finditer(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE):
            if not any(start < match.end() and match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), label))
    return sorted(found)


def with_arm_populations(figures: list[Any], arms: list[Arm], parts: list[PopulationPart], text: str) -> list[Any]:
    """Each figure whose phrase states no N, with the size of the arm (or part) its sentence names for it:
    right after it ('14 (39%) patients in the placebo group'), or as the population the sentence opens on
    ('Among patients who received 1200 mg QD, 8 patients (9%) had ...', the only label of the sentence), the
    size being stated elsewhere ('placebo (n = 36)'). The count must be a share of it near n / N, as for
    ``sentence_population``, and another figure named for the same arm must fit the size and pin it down
    (``kg.infer.Pair.precise``: '26 (72%)' fits 36 only, '8 (9%)' anything from 85 to 94): a randomised arm's
    treated or analysed patients are often fewer ('Among treated patients (A 60, B 55) ... 41 (74.5%) in the
    B group' of an arm of 57), and then none of its figures fits. A figure that misses the size but fits one
    ``slack`` patients away keeps no N here either. The inferred denominator covers what is left; the shapes
    judge the rest against the arm's N as against a stated one."""
    from kg.infer import Pair, fits, scaled_percentage  # kg.infer reads this module's rule names

    sizes: dict[str, set[int]] = {}
    sources: dict[str, Extracted] = {}
    for label, n in [(arm.arm, arm.n) for arm in arms] + [(part.part, part.n) for part in parts]:
        if label is not None and n is not None:
            sizes.setdefault(label.value, set()).add(n.value)
            sources[label.value] = n
    labels = {label: sources[label] for label, values in sizes.items() if len(values) == 1}
    if not labels:
        return figures
    occurrences = label_occurrences(text, labels)
    bounds = sentence_bounds(text)
    placed = [(min(f.n.start, f.pct.start), max(f.n.end, f.pct.end))
              if f.n is not None and f.pct is not None and f.n.field == f.pct.field == "text" else None for f in figures]
    window, slack = ARM_NAMING["window"]["value"], ARM_NAMING["slack"]["value"]
    named: list[str | None] = []
    for figure, place in zip(figures, placed):
        label = None
        if place is not None and ungrounded(figure):
            sentence = sentence_of(bounds, place[0])
            in_sentence = [o for o in occurrences if sentence[0] <= o[0] < sentence[1]]
            after = next((o for o in in_sentence if place[1] <= o[0] <= place[1] + window), None)
            if after is not None and AFTER_FIGURE.match(text[place[1]:after[0]]):
                label = after[2]
            else:
                first_figure = min(p[0] for p in placed if p is not None and sentence[0] <= p[0] < sentence[1])
                leading = [o for o in in_sentence if o[0] < first_figure]
                if len({o[2] for o in in_sentence}) == 1 and leading and LEADING_POPULATION.match(text[sentence[0]:leading[0][0]]) \
                        and re.search(r"[,:]", text[leading[-1][1]:first_figure]):
                    label = leading[0][2]
        named.append(label)

    pairs = [None if label is None or (scaled := scaled_percentage(figure.pct.text)) is None
             else Pair(None, figure.n.value, *scaled) for figure, label in zip(figures, named)]
    found = []
    for index, (figure, label, pair) in enumerate(zip(figures, named, pairs)):
        if label is not None:
            size = labels[label]
            near_miss = pair is not None and not fits(pair, size.value) and any(
                fits(pair, size.value + offset) for offset in range(-slack, slack + 1) if offset)
            # another figure named for the arm fits its size and few others (``Pair.precise``): the size is that
            # of the patients these figures count, not of a randomised arm whose treated patients are fewer
            corroborated = any(other is not None and other.precise and fits(other, size.value)
                               for i, (other, other_label) in enumerate(zip(pairs, named)) if other_label == label and i != index)
            if corroborated and near_share(figure, size.value) and not near_miss:
                figure = figure.model_copy(update={"denominator": size.model_copy(update={"rule": ARM_POPULATION_RULE})})
        found.append(figure)
    return found


def build_record(record_id: str, text_doc: Doc, title_doc: Doc | None = None) -> TrialAbstract:
    facts = facts_of(text_doc, "text") + (facts_of(title_doc, "title") if title_doc is not None else [])
    by_kind: dict[str, list[FactView]] = {}
    for fact in facts:
        by_kind.setdefault(fact.kind.split("/")[0], []).append(fact)

    def kind(name: str) -> list[FactView]:
        return by_kind.get(name, [])

    nct_ids = unique((f.value("nct", "".join(f.span("nct").text.upper().split())) for f in kind("nct")), key=lambda e: e.value)
    phases = []
    for fact in kind("phase"):
        span = fact.span("phase")
        for value, start, end in phase_spans(span.text):
            phases.append(Extracted(value=value, start=span.start_char + start, end=span.start_char + end,
                                    text=span.text[start:end], rule=fact.rule, field=fact.field))
    # A title names the trial's own phase, and so does 'this phase 3 trial'; the text also names earlier
    # or planned trials' phases.
    if any(p.field == "title" for p in phases):
        phases = [p for p in phases if p.field == "title"]
    elif any(p.rule == OWN_PHASE_RULE for p in phases):
        bounds = sentence_bounds(doc_text(text_doc))
        own = {sentence_of(bounds, p.start) for p in phases if p.rule == OWN_PHASE_RULE}
        phases = [p for p in phases if sentence_of(bounds, p.start) in own]
    elif any(p.start >= background_end(doc_text(text_doc)) for p in phases):
        phases = [p for p in phases if p.start >= background_end(doc_text(text_doc))]
    phases = unique(phases, key=lambda e: e.value)
    designs = unique((f.value("design", f.kind.split("/", 1)[1]) for f in kind("design")), key=lambda e: e.value)
    enrolled = first(f.number("n", integer=True) for f in kind("enrolled"))
    parts = [PopulationPart(part=f.value("part", " ".join(f.span("part").text.lower().split())), n=n)
             for f in kind("part") if (n := f.number("n", integer=True)) is not None]
    evaluable = first(f.number("n", integer=True) for f in kind("evaluable"))

    negated = kind("response-none")
    efficacy, arms = build_efficacy(kind("rate") + negated, kind("response") + negated, evaluable)
    arms = joined_arms(arms, arm_sizes(kind("arm"), enrolled))

    doses = unique((build_dose(f) for f in kind("dose")), key=dose_key)
    rp2d = unique((build_dose(f) for f in kind("rp2d")), key=dose_key)

    dlt = None
    if kind("dlt-none") or kind("dlt-total") or kind("dlt-patients") or kind("dlt-dose") or kind("dlt-event"):
        total = first(f.number("total", integer=True) for f in kind("dlt-total"))
        patients = first(f.number("patients", integer=True) for f in kind("dlt-patients"))
        if total is None and patients is None:
            total = first(f.value("none", 0) for f in kind("dlt-none"))
        by_dose = [build_dose(f, DltAtDose, n=n, cohort=f.number("cohort", integer=True))
                   for f in kind("dlt-dose") if (n := f.number("n", integer=True)) is not None]
        events = []
        for fact in kind("dlt-event"):
            term_span, grade_span = fact.span("term"), fact.span("grade")
            if term_span is None:
                continue
            events.append(DltEvent(term=fact.value("term", " ".join(term_span.text.lower().split())),
                                   grade=fact.value("grade", parse_grade(grade_span.text)) if grade_span is not None else None,
                                   n=fact.number("n", integer=True)))
        dlt = DltSummary(total=total, patients=patients, by_dose=[d for d in by_dose if d is not None], events=events)

    treated = enrolled.model_copy(update={"rule": TREATED_POPULATION_RULE}) if enrolled is not None else None
    ae = without_restatements([figure for f in kind("ae-overall") + kind("ae") if (figure := build_ae(f, treated)) is not None],
                              doc_text(text_doc))
    counts = []
    for fact in kind("count"):
        what = fact.span("what")
        if what is None:
            continue
        counts.append(CountFigure(what=fact.value("what", " ".join(what.text.lower().split())),
                                  n=fact.number("n", integer=True), pct=fact.number("pct"),
                                  denominator=fact.number("N", integer=True) or treated))
    sizes = [(n, True) for arm in arms if (n := arm.n) is not None]
    sizes += [(part.n, True) for part in parts]
    sizes += [(n, False) for n in (enrolled, evaluable) if n is not None]
    ae = with_sentence_populations(with_column_populations(ae, doc_text(text_doc)), sizes, doc_text(text_doc))
    counts = with_sentence_populations(counts, sizes, doc_text(text_doc))
    # one pass over both kinds: a count and an adverse event named for one arm corroborate its size together
    both = with_arm_populations(ae + counts, arms, parts, doc_text(text_doc))
    ae, counts = both[:len(ae)], both[len(ae):]
    responders = []
    for fact in kind("responder"):
        best_span = fact.span("best")
        best = fact.value("best", response_category(best_span.text)) if best_span is not None else None
        if best is None:
            continue
        histology = fact.span("histology")
        responders.append(Responder(
            best=best, histology=fact.value("histology", " ".join(histology.text.lower().split())) if histology is not None else None,
            shrinkage_pct=fact.number("shrinkage"), growth_pct=fact.number("growth"), week=fact.number("week", integer=True),
            cycles=fact.number("cycles", integer=True)))
    cutoff = first(f.value("date", parse_date(f.span("date").text)) for f in kind("cutoff"))
    return TrialAbstract(
        id=record_id, nct_ids=nct_ids, phases=phases, designs=designs, enrolled=enrolled, enrolled_parts=parts,
        efficacy=efficacy, arms=arms, age=build_stats(first(kind("age"))), prior_therapies=build_stats(first(kind("prior_therapies"))),
        cycles=build_stats(first(kind("cycles"))), doses=doses, rp2d=rp2d, dlt=dlt, ae=ae, counts=counts,
        responders=responders, data_cutoff=cutoff)
