"""kg.build: a figure without its own N takes its sentence's one stated population, read from real text."""

from __future__ import annotations

import pytest

from kg.build import SENTENCE_POPULATION_RULE, TREATED_POPULATION_RULE
from kg.pipeline import Abstract, extract_one

OPENING = "In this single-arm phase 2 study, 61 patients were enrolled. "


def counts_of(text: str):
    return extract_one(Abstract("t", OPENING + text)).counts


def test_build_a_figure_after_a_subgroup_size_takes_it_as_its_n():
    # Arrange: the subgroup's size stands before the figures, in their sentence
    text = "Among operated patients (n = 40), 13 patients (33%) had tumour downstaging and 24 (60%) had nodal clearance."
    # Act
    counts = counts_of(text)
    # Assert
    assert [(c.n.value, c.denominator.value, c.denominator.rule) for c in counts] == [
        (13, 40, SENTENCE_POPULATION_RULE), (24, 40, SENTENCE_POPULATION_RULE)]


def test_build_a_slip_after_a_subgroup_size_still_takes_it():
    # Arrange: 13/40 = 32.5%, written as 35%: near enough to be this population's figure
    counts = counts_of("Among operated patients (n = 40), 13 patients (35%) had tumour downstaging.")
    # Assert: the shapes then judge 13/40 against the stated 35%
    assert [(c.denominator.value, c.denominator.rule) for c in counts] == [(40, SENTENCE_POPULATION_RULE)]


@pytest.mark.parametrize("text", [
    # a figure far from n / N is another population's
    "Among operated patients (n = 40), 13 patients (80%) had tumour downstaging.",
    # two sizes in the sentence: nothing says which one the figure's is
    "Drug A (n = 30) or drug B (n = 31) was given; 10 patients (33%) had tumour downstaging.",
])
def test_build_no_sentence_population_where_the_sentence_does_not_give_one(text):
    counts = counts_of(text)
    assert counts and all(c.denominator is None or c.denominator.rule == TREATED_POPULATION_RULE for c in counts)


def ae_of(text: str):
    return extract_one(Abstract("t", "In this randomised trial, 95 patients were assigned to drug A or drug B. " + text)).ae


def test_build_a_comparison_takes_each_column_n_from_its_first_term():
    # Arrange: the first term gives each arm's N; the next terms list the same two arms
    text = ("Grade 3 events were nausea (8 [17%] of 47 patients with drug A vs 4 [8%] of 48 with drug B) "
            "and anaemia (6 [13%] vs 10 [21%]).")
    # Act
    ae = ae_of(text)
    # Assert
    assert [(f.term.value, f.n.value, f.denominator.value) for f in ae] == [
        ("nausea", 8, 47), ("nausea", 4, 48), ("anaemia", 6, 47), ("anaemia", 10, 48)]
    assert {f.denominator.rule for f in ae[2:]} == {"denominator-column-population"}


def test_build_a_column_is_counted_by_its_vs_not_by_its_figures():
    # Arrange: the first column of the second term is empty ('none')
    text = ("Grade 3 events were rash (5 [11%] of 45 with drug A vs 7 [14%] of 50 with drug B) "
            "and neutropenia (none vs 9 [18%]).")
    # Act
    ae = ae_of(text)
    # Assert: 9 is the second column's, of 50
    assert [(f.n.value, f.denominator.value) for f in ae if f.term.value == "neutropenia"] == [(9, 50)]


ARMS = ("In this randomised phase 2 trial, 110 patients were assigned to zanotinib (n = 72) or placebo (n = 38). "
        "Serious adverse events occurred in 25 (35%) patients in the zanotinib group and 14 ({placebo}%) patients in "
        "the placebo group. At the time of analysis, 47 (65%) patients in the zanotinib group and 27 (71%) of those "
        "in the placebo group had progressive disease.")


def arm_denominators(text: str) -> list[tuple[int, int | None]]:
    from kg.build import ARM_POPULATION_RULE

    record = extract_one(Abstract("t", text))
    return [(f.n.value, f.denominator.value if f.denominator is not None and f.denominator.rule == ARM_POPULATION_RULE
             else None) for f in [*record.ae, *record.counts]]


def test_build_a_figure_named_for_an_arm_takes_the_arms_stated_size():
    # 14 (37%) and 27 (71%) of the placebo group's 38 pin that size down for each other; 25 (35%) has 47 (65%),
    # which fits 72 alone; 47 (65%) has only 25 (35%), which fits 71 as well, so it stays unanchored
    assert arm_denominators(ARMS.format(placebo="37")) == [(25, 72), (14, 38), (47, None), (27, 38)]


def test_build_a_slip_in_a_figure_named_for_an_arm_is_a_violation():
    from kg.rdf import record_graph
    from kg.shacl import validate

    record = extract_one(Abstract("t", ARMS.format(placebo="41")))
    conforms, results, _ = validate(record_graph(record))
    assert not conforms
    assert [r.message for r in results if r.severity == "Violation"] == [
        "41% stated for 14 of 38, but 14/38 = 37% at the text's rounding"]


def test_build_an_arm_whose_treated_patients_are_fewer_gives_its_figures_no_n():
    # 41/57 is 71.9%, not 74.5%: the figures count the 55 treated, and no figure of the arm fits 57
    text = ("Patients were randomly assigned to drug A (n = 60) or drug B (n = 57). Among treated patients (A 60, B 55), "
            "there were 37 (61.7%) deaths in the drug A group and 41 (74.5%) in the drug B group.")
    assert [d for _, d in arm_denominators(text)] == [None, None]
