"""kg.infer: the N that percentages without their own N refer to, as the graph records it."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import PROV

from kg.build import TREATED_POPULATION_RULE
from kg.infer import ROUND, TRUNCATE, Pair, best_size, clusters, conventions, scaled_percentage
from kg.rdf import abstract_iri, record_graph
from kg.records import AdverseEventFigure, CountFigure, Extracted, TrialAbstract
from kg.vocab import KG


def pair(n: int | None, pct: str, counts_patients: bool = False) -> Pair:
    return Pair(URIRef(f"urn:x:{n}-{pct}"), n, *scaled_percentage(pct), counts_patients=counts_patients)


@pytest.mark.parametrize("text, expected", [("86.21", (8621, 2)), ("79", (79, 0)), ("0\u00b774", (74, 2)), ("6.0", (60, 1))])
def test_infer_scaled_percentage_keeps_the_text_precision(text, expected):
    assert scaled_percentage(text) == expected


@pytest.mark.parametrize("n, pct, size, expected", [
    (38, "97.44", 39, {ROUND}),            # 97.436 rounds to 97.44
    (38, "97.43", 39, {TRUNCATE}),         # and truncates to 97.43
    (20, "40", 50, {ROUND, TRUNCATE}),     # exact
    (31, "75", 39, set()),                 # 79.49
    (None, "43.59", 39, {ROUND}),          # 17/39
    (None, "43.69", 39, set()),            # no k/39
])
def test_infer_conventions_of_a_figure(n, pct, size, expected):
    assert conventions(pair(n, pct), size) == expected


def test_infer_best_size_is_the_n_most_figures_fit_preferring_a_stated_one():
    # Arrange: the seed's pairs (N = 39 enrolled) and one figure of another population
    pairs = [pair(31, "79"), pair(20, "51"), pair(24, "61.54"), pair(None, "43.59"), pair(None, "12.82"), pair(3, "10")]
    # Act
    population = best_size(pairs, stated={39})
    # Assert
    assert population.size == 39
    assert [p.n for p in population.support] == [31, 20, 24, None, None]
    assert population.convention == ROUND  # 61.54 and 43.59 fit 39 only rounded


def test_infer_clusters_find_a_second_arm_of_two_figures():
    arm_a = [pair(26, "13"), pair(31, "16"), pair(22, "11"), pair(77, "39")]  # 195 patients
    arm_b = [pair(41, "34"), pair(61, "51")]                                   # 120 patients
    found = clusters(arm_a + arm_b, stated={195, 120})
    assert [(c.size, len(c.support)) for c in found] == [(195, 4), (120, 2)]


def extracted(value, text=None, rule="r") -> Extracted:
    return Extracted(value=value, start=0, end=len(text or str(value)), text=text or str(value), rule=rule)


def test_infer_graph_links_every_figure_without_its_own_n():
    # Arrange
    treated = extracted(39, rule=TREATED_POPULATION_RULE)
    record = TrialAbstract(
        id="t", enrolled=extracted(39),
        ae=[AdverseEventFigure(term=extracted("any"), n=extracted(38), pct=extracted(97.44, "97.44"), denominator=extracted(39)),
            AdverseEventFigure(term=extracted("rash"), n=extracted(24), pct=extracted(61.54, "61.54"), denominator=treated)],
        counts=[CountFigure(what=extracted("ecog 1"), n=extracted(31), pct=extracted(79, "79"), denominator=treated),
                CountFigure(what=extracted("ici"), n=extracted(20), pct=extracted(75, "75"), denominator=treated)])
    base = abstract_iri("t")
    # Act
    graph = record_graph(record)
    # Assert
    node = URIRef(f"{base}/inferred_denominator/0")
    assert graph.value(node, KG.size).toPython() == 39
    assert graph.value(node, KG.supportCount).toPython() == 2
    assert graph.value(node, KG.roundingConvention) == KG.RoundHalfUp
    assert set(graph.objects(node, PROV.wasDerivedFrom)) == {URIRef(f"{base}/ae/1"), URIRef(f"{base}/counts/0")}
    linked = {s for s in graph.subjects(KG.inferredDenominator, node)}
    assert linked == {URIRef(f"{base}/ae/1"), URIRef(f"{base}/counts/0"), URIRef(f"{base}/counts/1")}
    assert graph.value(URIRef(f"{base}/ae/0"), KG.inferredDenominator) is None  # its phrase states N = 39


def test_infer_a_term_reported_twice_is_judged_in_its_own_group():
    # Arrange: "stomatitis (18 [9%] of 202 ...), diarrhoea (15 [7%] vs 2 [2%]), anaemia (8 [4%] vs 1 [1%]),
    # fatigue (7 [3%] vs 1 [1%])": the second mentions are the placebo arm's (98 patients, never stated)
    def ae(term, n, pct, own=None):
        return AdverseEventFigure(term=extracted(term), grade=extracted(">=3"), n=extracted(n), pct=extracted(pct, str(pct)),
                                  denominator=extracted(own) if own else extracted(250, rule=TREATED_POPULATION_RULE))
    record = TrialAbstract(id="rct", enrolled=extracted(300), ae=[
        ae("stomatitis", 18, 9, own=202), ae("diarrhoea", 15, 7), ae("diarrhoea", 2, 2), ae("anaemia", 8, 4),
        ae("anaemia", 1, 1), ae("fatigue", 7, 3), ae("fatigue", 1, 1)])
    base = abstract_iri("rct")
    # Act
    graph = record_graph(record)
    # Assert: the arm of 202 and the placebo arm are two inferred populations
    first = graph.value(URIRef(f"{base}/ae/1"), KG.inferredDenominator)
    second = graph.value(URIRef(f"{base}/ae/2"), KG.inferredDenominator)
    assert first != second
    assert graph.value(first, KG.size).toPython() == 202
    assert {graph.value(URIRef(f"{base}/ae/{i}"), KG.inferredDenominator) for i in (2, 4, 6)} == {second}


@pytest.mark.parametrize("n, pct, expected", [
    (73, "56.6", True),    # only 73/129
    (31, "79", True),      # only 31/39
    (4, "4", False),       # 4/89 ... 4/114
    (144, "72", False),    # 144/198 ... 144/201
    (None, "43.59", False),
])
def test_infer_a_precise_figure_fits_at_most_two_sizes(n, pct, expected):
    assert pair(n, pct).precise is expected


def test_infer_two_precise_figures_of_a_subgroup_are_a_population_of_their_own():
    # Arrange: "73 (56.6%) had AEs, 15 (11.6%) grade 3-4" of 129; a subgroup of 42 (never stated) with
    # "7.1% (3 patients) responded" in one group and "73.8% (31 patients)" in another (a repeated label)
    main = [pair(73, "56.6"), pair(15, "11.6"), pair(3, "7.1")]
    other_group = [pair(31, "73.8")]
    # Act
    found = clusters(main, stated={129}, everything=main + other_group)
    # Assert: the leftover 3 (7.1%) gets the subgroup's N, so no shape judges it against 129
    assert [(c.size, len(c.support)) for c in found] == [(129, 2), (42, 2)]


def test_infer_graph_records_how_many_supporting_figures_pin_n_down():
    treated = extracted(129, rule=TREATED_POPULATION_RULE)
    record = TrialAbstract(id="p", enrolled=extracted(129), counts=[
        CountFigure(what=extracted("any ae"), n=extracted(73), pct=extracted(56.6, "56.6"), denominator=treated),
        CountFigure(what=extracted("men"), n=extracted(4), pct=extracted(3, "3"), denominator=treated)])
    graph = record_graph(record)
    node = URIRef(f"{abstract_iri('p')}/inferred_denominator/0")
    assert graph.value(node, KG.supportCount).toPython() == 2
    assert graph.value(node, KG.preciseSupportCount).toPython() == 1


def test_infer_a_precise_figure_against_one_precise_figure_keeps_its_own_n():
    # Arrange: "18 patients (27.7%) in arm A and 12 (18.2%) in arm B": 65 and 66, only 65 stated
    pairs = [pair(18, "27.7"), pair(12, "18.2")]
    # Act
    found = clusters(pairs, stated={65})
    # Assert: one figure against one, nothing says which is wrong: each keeps the N it pins down
    assert [(c.size, [p.n for p in c.support]) for c in found] == [(65, [18]), (66, [12])]


def test_infer_figures_of_another_stated_arm_do_not_excuse_a_slip():
    # Arrange: arm A of 60 ("12 (20%)", "30 (50%)", "45 (75%)") and a slip "29 (49%)" (29/60 = 48.3%); arm B of
    # 58 has figures that fit 59 as well, as 29 (49%) does
    arm_a = [pair(12, "20"), pair(30, "50"), pair(45, "75"), pair(29, "49")]
    arm_b = [pair(14, "24"), pair(20, "34"), pair(24, "41")]
    # Act
    found = clusters(arm_a, stated={60, 58}, everything=arm_a + arm_b)
    # Assert: arm B's figures are explained by 58, so 59 is no population and the slip is left to the shapes
    assert [(c.size, [p.n for p in c.support]) for c in found] == [(60, [12, 30, 45])]


def test_infer_a_population_needs_one_rounding_convention():
    # Arrange: arms of 36 ("26 (72%)", "2 (6%)") and 71 ("8 (11%)", "24 (34%)"), both stated, and a slip
    # "46 (67%)" (46/71 = 64.8%): 69 fits it rounded and 8 (11%) and 24 (34%) only truncated
    pairs = [pair(8, "11"), pair(24, "34"), pair(46, "67"), pair(26, "72"), pair(2, "6")]
    # Act
    found = clusters(pairs, stated={71, 36, 38, 33})
    # Assert: 69 is no population (nor 68 of the slip alone: a stated arm that two figures fit outweighs it)
    assert [(c.size, [p.n for p in c.support]) for c in found] == [(36, [26, 2]), (71, [8, 24])]


def test_infer_a_leftover_is_given_another_arm_only_under_the_abstracts_rounding():
    # Arrange: an abstract that rounds (arm A of 195: "31 (16%)", "22 (11%)", "41 (21%)", "47 (24%)"), a slip
    # "28 (13%)" in arm A (28/195 = 14.4%), and arm B's figures of 204 ("20 (10%)", "70 (34%)", "62 (30%)"):
    # 28/204 = 13.7% truncates to 13% but rounds to 14%
    arm_a = [pair(31, "16"), pair(22, "11"), pair(41, "21"), pair(47, "24"), pair(28, "13")]
    arm_b = [pair(20, "10"), pair(70, "34"), pair(62, "30")]
    # Act
    found = clusters(arm_a, stated={195, 204}, everything=arm_a + arm_b)
    # Assert: the slip is not taken for a figure of arm B, and is left to the shapes against 195
    assert [(c.size, [p.n for p in c.support]) for c in found] == [(195, [31, 22, 41, 47])]


def test_infer_a_share_of_a_counted_subgroup_takes_that_subgroup_as_its_population():
    # Arrange: 87 enrolled ("72 (82.8%) had mutation X", "30 (34.5%) had anaemia", "28 (32.2%) achieved CR")
    # and "including 23 (31.9%) patients with mutation X": 23/72, not 23/87 (26.4%)
    pairs = [pair(72, "82.8", True), pair(30, "34.5", True), pair(28, "32.2", True), pair(23, "31.9", True)]
    # Act
    found = clusters(pairs, stated={87}, counted=frozenset({72, 30, 28, 23}))
    # Assert
    assert [(c.size, [p.n for p in c.support]) for c in found] == [(87, [72, 30, 28]), (72, [23])]


def test_infer_a_slip_that_fits_no_counted_subgroup_stays_with_the_main_population():
    # Arrange: the same abstract with a slip "23 (33.9%)": 23/72 = 31.9%, and no count fits 33.9%
    pairs = [pair(72, "82.8", True), pair(30, "34.5", True), pair(28, "32.2", True), pair(23, "33.9", True)]
    # Act
    found = clusters(pairs, stated={87}, counted=frozenset({72, 30, 28, 23}))
    # Assert: no population of its own, so the shapes judge it against 87
    assert [(c.size, [p.n for p in c.support]) for c in found] == [(87, [72, 30, 28])]


def test_infer_an_adverse_event_figure_is_not_given_a_counted_subgroup():
    # Arrange: "89 (57%) were Asian", and an AE slip "15 (17%)" of 76 that happens to fit 89 (15/89 = 16.9%)
    pairs = [pair(30, "39"), pair(23, "30"), pair(10, "13"), pair(15, "17")]
    # Act
    found = clusters(pairs, stated={76}, counted=frozenset({89}))
    # Assert: the slip is left to the shapes against 76
    assert [(c.size, [p.n for p in c.support]) for c in found] == [(76, [30, 23, 10])]


def test_infer_a_figure_whose_n_its_sentence_gives_is_evidence_but_keeps_its_n():
    # Arrange: two figures took N = 52 from their sentence ('(N = 52) ... 17 (33%), and 31 (60%)'); a third
    # figure states none
    from kg.build import SENTENCE_POPULATION_RULE

    sentence = extracted(52, rule=SENTENCE_POPULATION_RULE)
    treated = extracted(61, rule=TREATED_POPULATION_RULE)
    record = TrialAbstract(
        id="s", enrolled=extracted(61),
        counts=[CountFigure(what=extracted("cr"), n=extracted(17), pct=extracted(33, "33"), denominator=sentence),
                CountFigure(what=extracted("pr"), n=extracted(31), pct=extracted(60, "60"), denominator=sentence),
                CountFigure(what=extracted("sd"), n=extracted(9), pct=extracted(17, "17"), denominator=treated)])
    base = abstract_iri("s")
    # Act
    graph = record_graph(record)
    # Assert: the third figure's N is 52, which the two anchored figures support; they keep their own N
    node = graph.value(URIRef(f"{base}/counts/2"), KG.inferredDenominator)
    assert graph.value(node, KG.size).toPython() == 52
    assert set(graph.objects(node, PROV.wasDerivedFrom)) == {URIRef(f"{base}/counts/{i}") for i in range(3)}
    assert graph.value(URIRef(f"{base}/counts/0"), KG.inferredDenominator) is None
    assert graph.value(URIRef(f"{base}/counts/1"), KG.inferredDenominator) is None
