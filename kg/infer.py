"""The inferred denominator: the N that percentages without their own N most likely refer to.

An abstract often writes "31 pts (79%) had ECOG PS 1" or "thrombocytopenia (43.59%)" without saying of
how many. The population is then whatever N the other n (x%) pairs of the abstract fit: GRIM-style
reasoning (Brown & Heathers 2017, Soc Psychol Personal Sci 8:363), applied to percent-ratio pairs as in
Wren 2018 (Bioinformatics 34:1758). This module only *prepares* the graph: it picks the N that the most
figures fit at the text's rounding and records it, with the figures that fit it (``prov:wasDerivedFrom``)
and their number (``kg:supportCount``; ``kg:preciseSupportCount`` of them pin N down by themselves), as a ``kg:InferredDenominator`` that every such figure links to
(``kg:inferredDenominator``). It never decides that a figure is wrong: the shapes of
``ontology/shapes/percentages.ttl`` judge every figure against the N recorded here, and say in their
message that N was inferred.

The fit test below is therefore a means of choosing N, not a check; its verdict is never reported.

Clusters: the best-supported N is the main population. Figures that do not fit it may still share
another N (a second arm, a subgroup): an N that at least ``MIN_CLUSTER_SUPPORT`` of them fit becomes a
population of its own and they link to it. A figure left over is linked to a population of its own
when some N fits it and at least ``MIN_CLUSTER_SUPPORT`` other figures (an arm whose figures also fit
the trial's N). Only specific figures (``Pair.specific``) count for such further populations: "1 (1%)"
fits any N from 50 to 200 and would excuse anything. A leftover count figure that is a share of a subgroup
the text counts ("72 (82.8%) had TP53 mutations" ... "23 (31.9%) patients with TP53 mutations") takes that
subgroup as its population (``counted_subgroup``). Whatever fits no population links to the main one, where the shapes judge it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD

from kg.build import ARM_POPULATION_RULE, COLUMN_POPULATION_RULE, SENTENCE_POPULATION_RULE, ungrounded
from kg.records import AdverseEventFigure, CountFigure, TrialAbstract
from kg.vocab import KG
from extractors.parsing import decimals

# Thresholds, each with why, in kg/inference.json.
LIMITS = {name: entry["value"] for name, entry in
          json.loads(resources.files("kg").joinpath("inference.json").read_text(encoding="utf-8"))["limits"].items()}
MIN_CLUSTER_SUPPORT = LIMITS["min_cluster_support"]
MAX_CLUSTERS = LIMITS["max_clusters"]
MAX_GRIM_N = LIMITS["max_grim_n"]
TRUNCATION_PENALTY = LIMITS["truncation_penalty"]
PRECISE_SIZES = LIMITS["precise_sizes"]


@dataclass(frozen=True)
class Pair:
    """One figure whose phrase states no N: its IRI, its count (if stated) and its percentage as the
    integer ``scaled`` = percentage x 10**decimals (86.21 -> 8621 at 2 decimals)."""

    iri: URIRef
    n: int | None
    scaled: int
    decimals: int
    counts_patients: bool = False  # a count figure ('52 (90%) completed'), not an adverse event's
    # the figure's N was found for it by kg/build.py from its sentence or its comparison's column: it is
    # judged against that N, and here it is only evidence for the N of the figures around it
    anchored: bool = False

    @property
    def unit(self) -> int:
        """100% in the percentage's own scale."""
        return 100 * 10 ** self.decimals

    def informative(self, size: int) -> bool:
        """Whether fitting ``size`` is evidence for it. A count always is (unless 0 of 0%). A bare
        percentage is attainable over ``size`` patients in about 2 x size of its 100 x 10**decimals
        possible values (rounded or truncated k/size), so it is evidence only while that is at most a
        quarter of them: size <= 12.5 x 10**decimals (12 patients for 43%, 125 for 43.6%)."""
        if self.n is not None:
            return self.scaled > 0 or self.n > 0
        return self.scaled > 0 and 8 * size <= self.unit


    @property
    def specific(self) -> bool:
        """Whether the figure pins N down: the N that a count and percentage fit span about 1.5 steps of its
        last digit over the percentage (relative), so 24% fits N within some 6%, but 1% fits anything
        from 50 to 200. Specific: at most 10%, a percentage of at least 15 steps (15%, 1.5%, 0.15%)."""
        return self.scaled >= 15

    @property
    def precise(self) -> bool:
        """Whether the count and percentage together fit at most PRECISE_SIZES whole N: '31 (73.8%)' fits
        only 42, '73 (56.6%)' only 129; '4 (4%)' fits anything from 89 to 114. Such a figure pins its
        population down by itself, so one other precise figure agreeing with an N is as strong as two
        ordinary ones."""
        return self.n is not None and self.scaled > 0 and 0 < len(fitting_sizes(self, PRECISE_SIZES + 1)) <= PRECISE_SIZES


def scaled_percentage(text: str) -> tuple[int, int] | None:
    """(percentage x 10**decimals, decimals) of a literal as the text wrote it: '86.21' -> (8621, 2)."""
    places = decimals(text)
    try:
        value = Decimal(text.strip().replace("\u00b7", ".").replace(",", ""))
    except InvalidOperation:
        return None
    return int(value.scaleb(places)), places


ROUND, TRUNCATE = "round", "truncate"


def conventions(pair: Pair, size: int) -> set[str]:
    """Under which conventions the figure could be k/size at its precision: rounded half up, truncated
    (k its count, or any k for a bare percentage). Integer arithmetic: 100 k / size at 10**decimals is
    floor(unit k / size) truncated and floor((2 unit k + size) / 2 size) rounded."""
    if size <= 0:
        return set()
    unit = pair.unit
    if pair.n is not None:
        counts = [pair.n]
    else:
        low = pair.scaled * size // unit
        counts = [low, low + 1]
    found = set()
    for k in counts:
        if 0 <= k <= size:
            if pair.scaled == (2 * unit * k + size) // (2 * size):
                found.add(ROUND)
            if pair.scaled == unit * k // size:
                found.add(TRUNCATE)
    return found


def fits(pair: Pair, size: int) -> bool:
    """Whether the figure could be k/size under either convention."""
    return bool(conventions(pair, size))


def fitting_sizes(pair: Pair, limit: int | None = None) -> list[int]:
    """Every N a figure with a count fits (N near 100 n / pct); the first ``limit`` of them if given."""
    if pair.n is None or pair.scaled <= 0:
        return []
    # 100 n / N rounds or truncates to pct only for pct - 0.5 step <= 100 n / N < pct + 1 step.
    low = pair.unit * pair.n // (pair.scaled + 1)
    high = -(-2 * pair.unit * pair.n // max(2 * pair.scaled - 1, 1))
    found = []
    for size in range(max(low, pair.n, 1), high + 1):
        if fits(pair, size):
            found.append(size)
            if limit is not None and len(found) >= limit:
                break
    return found


def candidates(pairs: list[Pair], stated: set[int]) -> set[int]:
    """Every N some figure fits, found from the figures themselves (N near 100 n / pct), plus the stated sizes."""
    found = {size for size in stated if size > 0}
    for pair in pairs:
        found.update(fitting_sizes(pair))
    if any(pair.n is None and pair.informative(1) for pair in pairs):
        largest = max((pair.n or 0) for pair in pairs)
        found.update(range(max(largest, 1), MAX_GRIM_N + 1))
    return found


@dataclass(frozen=True)
class Population:
    """An inferred N, the figures that fit it, and the one rounding convention they share (None: either)."""

    size: int | None
    support: list[Pair]
    convention: str | None = None
    # a subgroup the text counts, found for one figure (``counted_subgroup``): no population of other figures
    subgroup: bool = False


def best_size(pairs: list[Pair], stated: set[int]) -> Population:
    """The N that the most figures fit under one rounding convention (an abstract rounds one way), ties
    going to a size the text states, then to the smaller N; with the figures that fit it.

    The convention is recorded only where the figures show it: some fit only rounded (or only truncated)
    and none only the other way; truncation needs at least two such figures, since rounding is the norm
    and one figure that fits only truncated may as well be a slip. Where both conventions give the same value for every figure, either
    is possible and none is recorded."""
    best: tuple[int, bool, int] | None = None
    chosen = Population(None, [])
    for size in candidates(pairs, stated):
        by = {ROUND: [], TRUNCATE: []}
        for pair in pairs:
            if pair.informative(size):
                for convention in conventions(pair, size):
                    by[convention].append(pair)
        rounded, truncated = by[ROUND], by[TRUNCATE]
        key = (max(len(rounded), len(truncated)), size in stated, -size)
        if best is None or key > best:
            best = key
            if set(truncated) <= set(rounded) and len(rounded) > len(truncated):
                chosen = Population(size, rounded, ROUND)
            elif set(rounded) <= set(truncated) and len(truncated) > len(rounded) + TRUNCATION_PENALTY:
                chosen = Population(size, truncated, TRUNCATE)
            elif set(rounded) <= set(truncated) and len(truncated) > len(rounded) and rounded:
                # one figure more under truncation is as likely a slip that happens to truncate right
                chosen = Population(size, rounded, ROUND)
            elif not set(rounded) <= set(truncated) and not set(truncated) <= set(rounded):
                # some fit only rounded and some only truncated: one abstract does not round two ways, so N
                # is supported by the larger side only, under its convention (rounding on a tie), and the
                # others are left to be judged (a slip lands on a neighbouring N under the other convention)
                if len(truncated) > len(rounded) + TRUNCATION_PENALTY:
                    chosen = Population(size, truncated, TRUNCATE)
                else:
                    chosen = Population(size, rounded, ROUND)
            else:
                chosen = Population(size, list(dict.fromkeys(rounded + truncated)))
    if best is None or (best[0] == 0 and not best[1]):
        return Population(None, [])
    return chosen


def stated_sizes(record: TrialAbstract) -> set[int]:
    """Population sizes the text states: enrolled, parts, arms, evaluable, and figures' own N."""
    values = [record.enrolled] + [part.n for part in record.enrolled_parts]
    for arm in record.arms:
        values.append(arm.n)
        if arm.efficacy is not None:
            values.append(arm.efficacy.evaluable)
    if record.efficacy is not None:
        values.append(record.efficacy.evaluable)
    for figure in [*record.ae, *record.counts]:
        if not ungrounded(figure):
            values.append(figure.denominator)
    return {value.value for value in values if value is not None}


def anchored(figure: AdverseEventFigure | CountFigure) -> bool:
    """Whether the figure's N is not its phrase's but one kg/build.py found in its sentence, its comparison's
    column or the arm its sentence names for it."""
    return figure.denominator is not None and figure.denominator.rule in (SENTENCE_POPULATION_RULE, COLUMN_POPULATION_RULE, ARM_POPULATION_RULE)


def pairs_of(record: TrialAbstract, base: URIRef) -> list[list[Pair]]:
    """The figures without their own N, in groups that may be different populations.

    A term reported twice at one grade ("neutropenia (10 [13%] vs 7 [9%])", "serious AEs in 24 (32%)
    patients in group A and 28 (36%) in group B") is reported for two populations: its k-th mention goes
    to group k. Group 1 (first mentions, and every term mentioned once) is the main population; the
    groups are inferred separately, so a second arm's figures are not judged by the first arm's N.
    Figures whose N kg/build.py found in their sentence or comparison (``anchored``) join as evidence only;
    a group of such figures alone is none."""
    groups: dict[int, list[Pair]] = {}
    for name, figures in (("ae", record.ae), ("counts", record.counts)):
        seen: dict[tuple, int] = {}
        for index, figure in enumerate(figures):
            key = (figure.term.value, figure.grade.value if figure.grade is not None else "any") \
                if isinstance(figure, AdverseEventFigure) else (figure.what.value,)
            seen[key] = seen.get(key, 0) + 1
            if figure.pct is None or not (ungrounded(figure) or anchored(figure)):
                continue
            scaled = scaled_percentage(figure.pct.text)
            if scaled is None:
                continue
            groups.setdefault(seen[key], []).append(
                Pair(URIRef(f"{base}/{name}/{index}"), figure.n.value if figure.n is not None else None, *scaled,
                     counts_patients=name == "counts", anchored=anchored(figure)))
    return [groups[key] for key in sorted(groups) if not all(pair.anchored for pair in groups[key])]


def clusters(pairs: list[Pair], stated: set[int], everything: list[Pair] | None = None,
             convention: str | None = None, counted: frozenset[int] = frozenset()) -> list[Population]:
    """The main population (best-supported N) and further ones that at least MIN_CLUSTER_SUPPORT figures fit.
    A leftover figure may find its population among ``everything`` (all groups of the abstract): the
    second mention of "disease control" in another subgroup shares that subgroup's N with its first, under
    the rounding ``convention`` the abstract's figures show (here, or in an earlier group); or among the
    subgroups the text counts (``counted``, see ``counted_subgroup``)."""
    main = best_size(pairs, stated)
    found = [main]
    rest = [pair for pair in pairs if pair not in main.support]
    while rest and len(found) < MAX_CLUSTERS:
        population = best_size(rest, stated)
        # a population of its own: specific figures enough, or a size the text states (an arm) that enough
        # figures fit, one of them specific
        specific = sum(pair.specific for pair in population.support)
        if population.size is None or (specific < MIN_CLUSTER_SUPPORT and not (
                population.size in stated and specific and len(population.support) >= MIN_CLUSTER_SUPPORT)):
            break
        found.append(population)
        rest = [pair for pair in rest if pair not in population.support]
    known = tuple(population.size for population in found if population.size is not None)
    shown = convention or next((population.convention for population in found if population.convention), None)
    for pair in rest:
        if pair.anchored:
            continue  # judged against the N its sentence or column gives it
        alternative = other_population(pair, everything if everything is not None else pairs, stated, known, shown)
        if alternative is None:
            alternative = counted_subgroup(pair, counted, known, shown)
        if alternative is None and pair.precise and not well_supported(
                nearest(pair, [population for population in found if not population.subgroup]), stated):
            # a figure that pins its own N ('12 (18.2%)': 66 only) against a population that one precise
            # figure supports ('18 (27.7%)': 65 only): two figures disagree and nothing says which is wrong
            alternative = Population(fitting_sizes(pair)[0], [pair])
        if alternative is not None:
            found.append(alternative)
    return found


def counted_subgroup(pair: Pair, counted: frozenset[int], found: tuple[int, ...] = (),
                     convention: str | None = None) -> Population | None:
    """A subgroup the text counts as the population of a leftover figure: the count of a count figure that
    this one's count and percentage fit ('72 (82.8%) had TP53 mutations' ... 'including 23 (31.9%) patients
    with TP53 mutations', 23/72; '58 (64%) received the study drug and 52 (90%) completed it', 52/58). A
    share of the patients of another figure is a share of that subgroup, not of the trial. Only a specific
    figure with a count ('1 (1%)' fits any N from 50 to 200), under the convention the abstract's figures
    show; the smallest such subgroup. The figure then fits its population, so no shape judges it.
    Count figures only: an adverse event's share of a subgroup is rare, and the many AE figures of an
    abstract would find a demographic count ('89 (57%) Asian') that a slip happens to fit."""
    if pair.n is None or not pair.specific or not pair.counts_patients:
        return None
    for size in sorted(counted):
        if size > pair.n and size not in found and pair.informative(size) \
                and conventions(pair, size) & ({convention} if convention else {ROUND, TRUNCATE}):
            return Population(size, [pair], convention, subgroup=True)
    return None


def well_supported(population: Population, stated: set[int]) -> bool:
    """Whether a population outweighs one precise figure that disagrees with it: two precise figures, or
    three of any kind, fit it, or two fit it and the text states its size (an arm's)."""
    return (sum(pair.precise for pair in population.support) >= 2 or len(population.support) >= 3
            or (population.size in stated and len(population.support) >= MIN_CLUSTER_SUPPORT))


def nearest(pair: Pair, populations: list[Population]) -> Population:
    """The population whose N is nearest the N a count's own ratio implies; the first (main) one otherwise."""
    sized = [population for population in populations if population.size]
    if not pair.n or pair.scaled <= 0 or not sized:
        return populations[0]
    implied = pair.unit * pair.n / pair.scaled
    return min(sized, key=lambda population: (abs(math.log(population.size / implied)), sized.index(population)))


def other_population(pair: Pair, pairs: list[Pair], stated: set[int], found: tuple[int, ...] = (),
                     convention: str | None = None) -> Population | None:
    """An N that this leftover figure fits together with at least MIN_CLUSTER_SUPPORT other specific figures,
    whichever population those belong to: then the figure may well be one of a population the text does
    not separate (an arm whose figures also fit the whole trial's N), and it is not judged as a slip.
    (The 12 [10%] of a control arm of 126 among figures that fit 128 as well.)

    The populations already ``found`` are not tried again (the figure did not fit one under the rounding
    its figures show). And where such a population's N is a size the text states and N is not, figures
    that fit both are no evidence for N: at least one of them must fit N and not that population's N. Else any slip of a 0-decimal figure would
    find a neighbouring N (157 for "113 (72%)" among figures of a stated 155) that excuses it.

    Where the abstract's figures show its ``convention`` (it rounds, or truncates), only that one is tried:
    "28 [13%]" truncates from 28/204 but rounds from no N near it, so in an abstract that rounds it is no
    figure of the arm of 204."""
    best: tuple[int, bool, int] | None = None
    chosen = None
    for size in candidates([pair], stated):
        ways = conventions(pair, size) & ({convention} if convention else {ROUND, TRUNCATE})
        if size in found or not (pair.informative(size) and ways):
            continue  # the main N is judged by the shapes, under the convention the main figures show
        # the figure and those that share its N round one way (an abstract does not round two ways)
        others = max(([other for other in pairs if other is not pair and other.specific and other.informative(size)
                       and way in conventions(other, size)] for way in sorted(ways)), key=len)
        key = (len(others), size in stated, -size)
        # two precise figures (this one and another) agreeing on one N are a population of their own:
        # "7.1% (3 patients)" and "73.8% (31 patients)" of a subgroup of 42
        enough = len(others) >= MIN_CLUSTER_SUPPORT or (pair.precise and any(other.precise for other in others))
        if size not in stated and any(known in stated and all(fits(other, known) for other in others) for known in found):
            enough = False
        # nor when each of them is a figure of a population the text states (another arm's figures, which
        # fit a neighbouring N as well): the stated populations explain them, and they say nothing of N
        if size not in stated and others and all(any(fits(other, known) for known in stated if known != size) for other in others):
            enough = False
        if enough and (best is None or key > best):
            best, chosen = key, Population(size, [pair, *others], convention)
    return chosen


def add_inferred_denominators(graph: Graph, record: TrialAbstract, base: URIRef, agent: URIRef) -> None:
    """Write the inferred populations of ``record`` into ``graph`` and link every figure without its own N."""
    groups = pairs_of(record, base)
    if not groups:
        return
    activity = URIRef(f"{base}/denominator-inference")
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.wasAssociatedWith, agent))
    stated = stated_sizes(record)
    # subgroups are counted by count figures ('72 (82.8%) had TP53 mutations'); an adverse event's count is
    # patients with an event, rarely a population whose shares are reported (and AE counts are many)
    counted = frozenset(figure.n.value for figure in record.counts if figure.n is not None)
    everything = [pair for pairs in groups for pair in pairs]
    linked: set[URIRef] = set()
    count = 0
    convention = None
    for pairs in groups:
        nodes = []
        populations = clusters(pairs, stated, everything, convention, counted)
        convention = convention or next((population.convention for population in populations if population.convention), None)
        for population in populations:
            node = URIRef(f"{base}/inferred_denominator/{count}")
            count += 1
            if not population.subgroup:
                nodes.append((node, population.size))
            graph.add((node, RDF.type, KG.InferredDenominator))
            graph.add((node, PROV.wasGeneratedBy, activity))
            graph.add((node, KG.supportCount, Literal(len(population.support), datatype=XSD.integer)))
            precise = sum(pair.precise for pair in population.support)
            graph.add((node, KG.preciseSupportCount, Literal(precise, datatype=XSD.integer)))
            if population.size is not None:
                graph.add((node, KG.size, Literal(population.size, datatype=XSD.integer)))
            if population.convention is not None:
                graph.add((node, KG.roundingConvention, KG.RoundHalfUp if population.convention == ROUND else KG.Truncation))
            for pair in population.support:
                graph.add((node, PROV.wasDerivedFrom, pair.iri))
                if pair.iri not in linked and not pair.anchored:
                    graph.add((pair.iri, KG.inferredDenominator, node))
                    linked.add(pair.iri)
        for pair in pairs:
            if pair.iri not in linked and not pair.anchored:
                graph.add((pair.iri, KG.inferredDenominator, nearest_population(pair, nodes)))
                linked.add(pair.iri)


def nearest_population(pair: Pair, nodes: list[tuple[URIRef, int | None]]) -> URIRef:
    """The population a figure that fits none is judged against: the main one, or for a count the one
    whose N is nearest the N its own ratio implies (113 (72%) implies about 157: the group of 155, not an
    arm of 76 that it could not even be a share of)."""
    populations = [Population(size, []) for _, size in nodes]
    return nodes[populations.index(nearest(pair, populations))][0]
