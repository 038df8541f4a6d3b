"""What real abstracts throw at the extractors, each case in our own words (issue 4's list)."""

from __future__ import annotations

import pytest

from kg.pipeline import Abstract, extract_one
from kg.summary import summarise


def summary_of(text: str, title: str | None = None) -> dict:
    return summarise(extract_one(Abstract(id="case", text=text, title=title)))


def test_numbers_as_words():
    summary = summary_of("Forty-one patients were enrolled. Ten (28%) had received prior ICI.")
    assert summary["enrolled"] == 41
    assert summary["counts"] == [{"what": "prior ici", "n": 10, "pct": 28}]


def test_n_equals():
    assert summary_of("Patients (n = 20) were treated with zorvatinib.")["enrolled"] == 20


@pytest.mark.parametrize("text, n, pct", [
    ("Grade 3 rash occurred in 4 of 40 patients (10%).", 4, 10),
    ("Grade 3 or higher adverse events occurred in 12/40 (30%) patients.", 12, 30),
    ("Grade 3 or higher adverse events occurred in 30% (12/40) of patients.", 12, 30),
])
def test_figure_notations(text, n, pct):
    figures = summary_of(text)["ae"]
    assert len(figures) == 1
    assert (figures[0]["n"], figures[0]["pct"]) == (n, pct)


def test_dose_list_with_one_unit():
    doses = summary_of("Zorvatinib was given at 0.6, 1.8, 3.6, 4.8, 5.6 and 6.4 mg/kg every 3 weeks.")["doses"]
    assert [d["value"] for d in doses] == [0.6, 1.8, 3.6, 4.8, 5.6, 6.4]
    assert {d["unit"] for d in doses} == {"mg/kg"} and {d["drug"] for d in doses} == {"zorvatinib"}


def test_dose_range_is_its_two_ends():
    doses = summary_of("Patients received zorvatumab 0.3-10 mg/kg weekly.")["doses"]
    assert [(d["value"], d["unit"]) for d in doses] == [(0.3, "mg/kg"), (10, "mg/kg")]


@pytest.mark.parametrize("written, unit", [
    ("75 mg/m2", "mg/m2"), ("75 mg/m\u00b2", "mg/m2"), ("75 mg/m(2)", "mg/m2"), ("5 \u00b5g/kg", "ug/kg"),
    ("200 mg", "mg"), ("400 mg/d", "mg"), ("60 Gy", "gy"),
])
def test_units(written, unit):
    subject = "radiotherapy" if unit == "gy" else "zorvatinib"
    doses = summary_of(f"Patients received {subject} {written} on day 1.")["doses"]
    assert [(d["drug"], d["unit"]) for d in doses] == [(subject, unit)]


def test_carboplatin_auc():
    doses = summary_of("Carboplatin AUC 5 was given every 3 weeks.")["doses"]
    assert doses == [{"drug": "carboplatin", "value": 5, "unit": "auc"}]


@pytest.mark.parametrize("written, grade", [
    ("grade >= 3", ">=3"), ("\u2265 grade 3", ">=3"), ("grade 3/4", "3-4"), ("G3", "3"), ("Gr 4", "4"),
    ("grade 3 or higher", ">=3"),
])
def test_grade_notations(written, grade):
    figures = summary_of(f"The most common {written} adverse events were neutropenia (20%) and rash (10%).")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("neutropenia", grade, 20), ("rash", grade, 10)]


def test_orr_with_confidence_interval():
    rates = summary_of("The ORR was 32.8% (95% CI, 25.9 to 40.3) in 120 patients.")["rates"]
    assert rates == {"ORR": 32.8, "DCR": None}


def test_per_arm_rates():
    summary = summary_of("ORRs were 40% with zorvatinib and 20% with docetaxel.")
    assert summary["rates"]["ORR"] is None
    assert [(arm["arm"], arm["rates"]["ORR"]) for arm in summary["arms"]] == [("zorvatinib", 40), ("docetaxel", 20)]


def test_negated_dlt_is_a_total_of_zero():
    summary = summary_of("No DLT was observed at any dose level of zorvatinib.")
    assert summary["dlt"] == {"total": 0, "by_dose": [], "events": []}


def test_abbreviation_defined_in_the_text_names_the_drug():
    doses = summary_of("Zorvasertib (ZRV), an oral kinase inhibitor, was studied; ZRV 80 mg daily was well tolerated.")["doses"]
    assert doses == [{"drug": "zorvasertib", "value": 80, "unit": "mg"}]


def test_middle_dot_decimals():
    summary = summary_of("The objective response rate was 41\u00b77% in 36 evaluable patients.")
    assert summary["rates"]["ORR"] == 41.7


def test_thin_and_no_break_spaces_and_unicode_minus():
    summary = summary_of("Zorvatinib 1\u00a0mg/kg to 3\u2009mg/kg was given; the DCR was 75\u202f%.")
    assert [d["value"] for d in summary["doses"]] == [1, 3]
    assert summary["rates"]["DCR"] == 75


def test_en_dash_range():
    summary = summary_of("The median age was 61 years (range 34\u201379).")
    assert summary["age"] == {"median": 61, "min": 34, "max": 79}


def test_spaces_around_punctuation_as_in_ohsumed():
    summary = summary_of("Twenty patients were treated . There were 2 complete responses and 5 partial responses ( 35 % ) .")
    assert summary["enrolled"] == 20
    assert (summary["responses"]["CR"], summary["responses"]["PR"]) == (2, 5)


def test_fact_stated_only_in_the_title():
    summary = summary_of("Patients with advanced solid tumours were treated.",
                         title="A phase I/II trial of zorvatinib (NCT01234567)")
    assert summary["phases"] == ["1", "2"] and summary["nct_ids"] == ["NCT01234567"]


def test_pathological_complete_response_is_not_a_recist_response():
    summary = summary_of("After surgery, 12 patients had a pathological complete response and 3 had a PR.")
    assert summary["responses"]["CR"] is None and summary["responses"]["PR"] == 3


def test_cr_pr_counts():
    summary = summary_of("Among 30 evaluable patients there were 2 CRs, 7 PRs and 11 SD.")
    assert summary["responses"] == {"CR": 2, "PR": 7, "SD": 11, "PD": None}
    assert summary["evaluable"] == 30


def test_number_words_in_the_hundreds():
    assert summary_of("Two hundred eighty-five patients were enrolled.")["enrolled"] == 285


def test_grades_paired_with_figures_respectively():
    figures = summary_of("Grade 3 and 4 adverse events occurred in 42% and 25% of patients, respectively.")["ae"]
    assert [(f["grade"], f["pct"]) for f in figures] == [("3", 42), ("4", 25)]


def test_a_grade_group_is_not_split_by_respectively():
    figures = summary_of("Grade 3/4 toxicities included neutropenia (15.8% v 20.0%) in the A and B groups, respectively.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("neutropenia", "3-4", 15.8), ("neutropenia", "3-4", 20.0)]


def test_rates_compared_in_brackets_are_arm_values():
    summary = summary_of("The rate of overall response was higher with zorvatinib than with placebo (62.5% vs. 40.1%; P<0.001).")
    assert sorted(arm["rates"]["ORR"] for arm in summary["arms"]) == [40.1, 62.5]


def test_second_figure_of_the_same_term_in_another_arm():
    figures = summary_of("Adverse events were similar, except febrile neutropenia, which was reported in 10% of "
                         "the high-dose arm compared with 3% of the other arms.")["ae"]
    assert [(f["term"], f["pct"]) for f in figures] == [("febrile neutropenia", 10), ("febrile neutropenia", 3)]


def test_a_grade_written_after_an_earlier_figure_qualifies_the_next():
    figures = summary_of("The most frequent adverse events were nausea (44%) and the most common grade \u22653 "
                         "adverse event was neutropenia (22.2%).")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("nausea", "any", 44), ("neutropenia", ">=3", 22.2)]


def test_a_list_head_grade_covers_every_item():
    figures = summary_of("The most common adverse events were grade 1-2 fatigue (65% vs 53%) and urinary frequency (40% vs 49%).")["ae"]
    assert {(f["term"], f["grade"]) for f in figures} == {("fatigue", "1-2"), ("urinary frequency", "1-2")}


def test_a_sentence_opening_on_the_event_names_its_figures():
    figures = summary_of("Grade 3 or greater anemia was more frequent with zorvatinib (15.3%; placebo, 1.7%).")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("anemia", ">=3", 15.3), ("anemia", ">=3", 1.7)]


@pytest.mark.parametrize("text", ["12/30 (40%) patients had a PSA decline of 50% or more.",
                                  "A PSA decline was seen in 40% (12/30) of patients.",
                                  "Overall, 12 of 30 patients (40%) had a PSA decline."])
def test_count_figures_keep_their_own_denominator(text):
    record = extract_one(Abstract(id="case", text="A total of 45 patients were treated. " + text))
    assert [(c.n.value, c.pct.value, c.denominator.value) for c in record.counts] == [(12, 40, 30)]


@pytest.mark.parametrize("text", ["Response was seen in nine of 20 assessable lesions.",
                                  "The records of 48 patients treated between 1963 and 1989 were analyzed.",
                                  "201 patients were analysed for KRAS mutation."])
def test_what_is_not_an_evaluable_population(text):
    assert summary_of(text)["evaluable"] is None


def test_a_count_takes_the_population_its_sentence_opens_with():
    record = extract_one(Abstract(id="case", text="A total of 120 patients were treated. Of 112 patients with "
                                                 "measurable disease, 48 (42.9%) had a confirmed response."))
    assert [(c.n.value, c.pct.value, c.denominator.value) for c in record.counts] == [(48, 42.9, 112)]


def test_dlt_count_at_a_dose_keeps_its_cohort_size():
    record = extract_one(Abstract(id="case", text="Zorvatinib was escalated. 1 of 6 patients experienced a DLT at "
                                                  "the zorvatinib 6 mg/kg level."))
    assert [(d.value.value, d.n.value, d.cohort.value) for d in record.dlt.by_dose] == [(6, 1, 6)]


@pytest.mark.parametrize("text, expected", [
    # bare n (x%) whose N the text leaves implicit (issue 5: the shapes infer it)
    ("Seven patients (14%) discontinued treatment.", [(7, 14, None)]),
    ("Four (2.1%) and three (3.1%) patients died in the two arms, respectively.", [(4, 2.1, None), (3, 3.1, None)]),
    ("In the subgroup with melanoma, 32.2% (19 patients) had disease control.", [(19, 32.2, None)]),
    ("Deaths: 4 (8%).", [(4, 8, None)]),
    # the N in a bracket with a confidence interval, or after the bracket
    ("Fourteen of 36 (39%; 95% CI, 23% to 55%) assessable patients had a response.", [(14, 39, 36)]),
    ("Responses were seen in 26 (36%) of 73 patients.", [(26, 36, 73)]),
    ("One patient (1 of 22; 4.5%) had a transient rise in bilirubin.", [(1, 4.5, 22)]),
    ("Target inhibition was seen in 75% pts (9/12).", [(9, 75, 12)]),
    # the N of 'n of N (x%)' is never a count of its own
    ("Of the cohort, 26 of 67 (39%) had a KRAS mutation.", [(26, 39, 67)]),
    ("Responses at 9 months (17 of 22 [77%] vs 12 of 26 [46%]) favoured the combination.", [(17, 77, 22), (12, 46, 26)]),
])
def test_bare_and_bracketed_count_figures(text, expected):
    record = extract_one(Abstract(id="case", text=text))
    found = [(c.n.value, c.pct.value, c.denominator.value if c.denominator is not None else None) for c in record.counts]
    assert found == expected


@pytest.mark.parametrize("text", ["Performance status was ECOG 1 (60%) or 2 (40%).",
                                  "Most patients were in cohort 2 (45%).",
                                  "Patients had received 1 or 2 (70%) prior lines."])
def test_a_category_number_before_a_percentage_is_no_count(text):
    assert extract_one(Abstract(id="case", text=text)).counts == []
