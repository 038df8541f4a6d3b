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


@pytest.mark.parametrize("text, value", [
    ("Carboplatin AUC 5 was given every 3 weeks.", 5),
    ("Patients received zorvatinib plus carboplatin at AUC 6.", 6),  # the full stop ends the sentence
    ("Zorvatinib was combined with carboplatin area under the concentration curve 5.", 5),
    ("Carboplatin (area under the curve [AUC] 4) was given on day 1.", 4),
])
def test_carboplatin_auc(text, value):
    assert summary_of(text)["doses"] == [{"drug": "carboplatin", "value": value, "unit": "auc"}]


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


def test_unicode_hyphen_range_and_hyphenated_radiation_name():
    # U+2010 between two doses, and a radiation name whose words a hyphen joins (doi:10.1200/JCO.22.01662).
    doses = summary_of("Then external-beam radiation (64.8\u201072 Gy) was given to the pelvis.")["doses"]
    assert [(d["drug"], d["value"], d["unit"]) for d in doses] == [
        ("external-beam radiation", 64.8, "gy"), ("external-beam radiation", 72, "gy")]


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
    ("Zorvatinib (60mg/m2 or 85mg/m2) was given on day 1.", [(60, "mg/m2"), (85, "mg/m2")]),
    ("Radiotherapy was given in 2-Gy fractions.", [(2, "gy")]),
    ("Zorvatinib 1,000 mg/m(2)/d was infused for 4 days.", [(1000, "mg/m2")]),
    ("Patients received zorvatumab 60 microg/kg weekly.", [(60, "ug/kg")]),
])
def test_units_written_against_numbers_hyphens_and_thousands(text, expected):
    assert [(d["value"], d["unit"]) for d in summary_of(text)["doses"]] == expected


def test_the_end_of_a_day_range_is_no_dose():
    doses = summary_of("Zorvatinib was given on days 1-3 and 8-10 and 60mg/m2 irinotecan on days 1 and 8.")["doses"]
    assert [(d["drug"], d["value"]) for d in doses] == [("irinotecan", 60)]


def test_code_name_with_a_letter_before_its_digits():
    doses = summary_of("QRZ-A1811 was given at doses from 1.0 to 8.0 mg/kg every 3 weeks.")["doses"]
    assert {d["drug"] for d in doses} == {"qrz-a1811"}


def test_a_grade_number_is_no_count():
    figures = summary_of("Twelve patients were treated. Most adverse events were grade 1 (61.2%) or grade 2 (29.6%).")["ae"]
    assert [(f["term"], f["grade"], f["pct"], f["n"]) for f in figures] == [("any", "1", 61.2, None), ("any", "2", 29.6, None)]


def test_an_arm_or_a_remark_between_term_and_figure():
    figures = summary_of("The most common grade 3 or worse adverse events were anaemia (7 [15%] vs 9 [18%]) and "
                         "hypertension in the combination group (10 [21%] vs 0).")["ae"]
    assert ("hypertension", ">=3", 21) in [(f["term"], f["grade"], f["pct"]) for f in figures]
    figures = summary_of("All-grade ocular events (events of special interest) occurred in 51 (67%) patients.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("ocular events", "any", 67)]


def test_an_event_opening_a_later_sentence_with_its_grade_after_it():
    figures = summary_of("Grade 3 adverse events were rare. Neuropathy of grade 2 or above was less frequent with "
                         "zorvatinib (41 [21%] patients) than with placebo (70 [34%] patients).")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("neuropathy", ">=2", 21), ("neuropathy", ">=2", 34)]


def test_grade_labels_inside_the_bracket_of_an_earlier_clause_event():
    figures = summary_of("Grade 3/4 adverse events were more frequent with zorvatinib (64/97 [66%]) than with placebo "
                         "(45/97 [46%]); but neuropathy was similar (all grades, 72/97 [74%] vs 64/97 [66%]; grade 3/4, "
                         "7/97 [7%] vs 3/97 [3%]).")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures if f["term"] == "neuropathy"] == [
        ("neuropathy", "any", 74), ("neuropathy", "any", 66), ("neuropathy", "3-4", 7), ("neuropathy", "3-4", 3)]


def test_grades_paired_with_the_figures_either_side_of_versus():
    figures = summary_of("The most common adverse events of any grade versus grade 3 or 4 were nausea "
                         "(151 [80.7%] v 11 [5.9%]) and fatigue (96 [51.3%] v 12 [6.4%]).")["ae"]
    assert sorted((f["term"], f["grade"], f["pct"]) for f in figures) == [
        ("fatigue", "3-4", 6.4), ("fatigue", "any", 51.3), ("nausea", "3-4", 5.9), ("nausea", "any", 80.7)]


def test_a_figure_restated_in_the_conclusions_is_one_figure():
    figures = summary_of("Fifteen patients (11.6%) had grade 3 or 4 adverse events. "
                         "Conclusions: grade 3 or 4 adverse events occurred in 11.6% of the patients.")["ae"]
    assert [(f["grade"], f["pct"], f["n"]) for f in figures] == [("3-4", 11.6, 15)]


def test_a_count_with_its_share_achieving_a_response_is_a_rate():
    summary = summary_of("Eight patients (40%; 95% CI, 19% to 64%) achieved a complete or partial response.")
    assert summary["rates"]["ORR"] == 40


def test_two_rates_sharing_one_percent_sign():
    arms = summary_of("ORR was 9 and 3% in arms A and B, respectively (P=0.33).")["arms"]
    assert [a["rates"]["ORR"] for a in arms] == [9, 3]


@pytest.mark.parametrize("text, category, pct", [
    ("There was one partial response (8.3%) among twelve patients.", "PR", 8.3),
    ("Complete response (CR) was achieved in 10 (41.7%) out of 25 patients.", "CR", 41.7),
])
def test_a_category_share_written_after_the_category(text, category, pct):
    summary = summary_of(text)
    rates = [summary["rates"]] + [a["rates"] for a in summary["arms"]]
    assert any(r.get(category) == pct for r in rates)


@pytest.mark.parametrize("text, expected", [
    ("The trial goes on with zorvatinib as monotherapy at a RP2D of 6.5 mg/m2 every 2 weeks.", [("zorvatinib", 6.5)]),
    ("Zorvatinib was escalated. Dose level 6.5 mg/m2 every 2 weeks was selected as a RP2D.", [("zorvatinib", 6.5)]),
    ("The recommended dosages for phase II trials are 35 mg/m2/day zorvatinib and 800 mg/m2/day fluorouracil.",
     [("zorvatinib", 35), ("fluorouracil", 800)]),
])
def test_rp2d_phrasings(text, expected):
    assert [(d["drug"], d["value"]) for d in summary_of(text)["rp2d"]] == expected


def test_a_count_that_had_a_graded_event():
    figures = summary_of("Five patients (12.5%) experienced grade 3-4 neurologic events.")["ae"]
    assert [(f["term"], f["grade"], f["pct"], f["n"]) for f in figures] == [("neurologic events", "3-4", 12.5, 5)]


def test_an_abbreviated_term_with_a_qualifier_after_its_bracket():
    figures = summary_of("Grade 3 and 4 treatment-related adverse events (TRAEs) during neoadjuvant treatment "
                         "occurred in 42% and 25%, respectively.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("any", "3", 42), ("any", "4", 25)]


@pytest.mark.parametrize("text, phases", [
    ("Zorvatinib was active in a phase 1-2 study. In this phase 3 trial, we randomly assigned 500 patients.", ["3"]),
    ("This trial combined a phase I dose-finding stage with a phase II randomized stage.", ["1", "2"]),
    ("A phase 1 trial of zorvatinib. The recommended phase 2 dose was 200 mg.", ["1"]),
])
def test_the_trials_own_phase(text, phases):
    assert summary_of(text)["phases"] == phases


def test_an_nct_number_with_a_space():
    assert summary_of("This is a phase 1 trial (NCT 01234567) of zorvatinib.")["nct_ids"] == ["NCT01234567"]


@pytest.mark.parametrize("text, responses", [
    ("Of 32 evaluable patients, four partial responses (PRs) (2 confirmed and 2 unconfirmed PRs) were observed.",
     {"PR": 4}),
    ("Complete or partial responses were observed for one of 19 evaluable children.", {}),
    ("Molecular responses were seen in 2/2 patients with PR and 8/9 patients with SD.", {}),
])
def test_what_is_no_best_response_count(text, responses):
    summary = summary_of(text)
    found = {k: v for r in [summary["responses"]] + [a["responses"] for a in summary["arms"]] for k, v in r.items() if v}
    assert found == responses


def test_a_grade_in_its_own_bracket_and_one_that_belongs_to_an_earlier_bracket():
    figures = summary_of("Cytokine release syndrome was reported in 61% of patients (grade 3/4, 1%; grade 5, 0), "
                         "neurologic events in 31% (grade 3/4, 9%), and hypertension in 18% (grade 1-2).")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [
        ("cytokine release syndrome", "any", 61), ("cytokine release syndrome", "3-4", 1),
        ("neurologic events", "any", 31), ("neurologic events", "3-4", 9), ("hypertension", "1-2", 18)]


def test_results_cited_in_the_background_are_not_the_trials():
    summary = summary_of("Background: Zorvatinib gave an ORR of 40% in a phase 1 trial, with grade 3 rash in 10%. "
                         "Methods: Patients received zorvatinib. Results: The ORR was 25%; grade 3 rash occurred in 5%.")
    assert summary["rates"]["ORR"] == 25
    assert [(f["term"], f["pct"]) for f in summary["ae"]] == [("rash", 5)]


def test_a_threshold_in_a_rate_definition_is_no_rate():
    summary = summary_of("Endpoints were the molecular response rate (MRR; >=50% decline in ctDNA) and safety.")
    assert summary["rates"] == {"ORR": None, "DCR": None} and summary["arms"] == []


def test_a_dose_given_to_each_of_the_drugs_before_it():
    doses = summary_of("Six courses of methotrexate (MTX) and cytarabine (Ara-C) (1 g/m2 each) were added.")["doses"]
    assert sorted((d["drug"], d["value"], d["unit"]) for d in doses) == [("cytarabine", 1, "g/m2"), ("methotrexate", 1, "g/m2")]


@pytest.mark.parametrize("name", ["floxuridine", "streptozocin", "venetoclax", "lurbinectedin", "cladribine"])
def test_agents_without_a_common_stem_are_drugs(name):
    assert [d["drug"] for d in summary_of(f"Patients received {name} 10 mg/m2 on day 1.")["doses"]] == [name]


@pytest.mark.parametrize("text", [
    "Dosing was reduced to 25 mg/d in 46 patients (43%) due to grade 3/4 adverse events.",
    "Common adverse events were rash and fatigue; 9% of patients discontinued therapy.",
])
def test_what_is_no_adverse_event_figure(text):
    assert summary_of(text)["ae"] == []


def test_grades_paired_with_the_figures_either_side_of_and():
    figures = summary_of("The most common adverse events (all grade and grade 3-4) were blurred vision (41% and 6%) "
                         "and nausea (29% and 0%).")["ae"]
    assert sorted((f["term"], f["grade"], f["pct"]) for f in figures) == [
        ("blurred vision", "3-4", 6), ("blurred vision", "any", 41), ("nausea", "3-4", 0), ("nausea", "any", 29)]


def test_a_treatment_is_no_event_term():
    figures = summary_of("Grade 3-4 adverse events related to zorvatinib or RT were observed in 3/32 (9.4%) and "
                         "13/20 (65%) patients, respectively.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("any", "3-4", 9.4), ("any", "3-4", 65)]


def test_shares_of_responders_included_in_a_rate_are_no_rates():
    summary = summary_of("The ORR was 16.7% (95% CI, 6 to 35), including 2 (6.7%) complete responders and 3 (10%) "
                         "partial responders.")
    assert summary["rates"]["ORR"] == 16.7 and summary["arms"] == []


@pytest.mark.parametrize("text, expected", [
    ("Patients received MIBG 18 mCi/kg on day 1. Arm B received vincristine; vincristine was weekly.", [("mibg", 18)]),
    ("Zorvatinib started at 80 mg/day with weekly escalation per 40 mg increment to 160 mg/day.",
     [("zorvatinib", 80), ("zorvatinib", 160)]),
])
def test_an_agent_named_by_its_acronym_and_a_step_that_is_no_dose(text, expected):
    assert [(d["drug"], d["value"]) for d in summary_of(text)["doses"]] == expected


def test_a_rate_list_ends_where_a_category_figure_begins():
    summary = summary_of("The disease control rates for zorvatinib and placebo were 30.6% and 43.1%, respectively, "
                         "with partial responses in seven (13.0%) patients.")
    assert [a["rates"]["DCR"] for a in summary["arms"]] == [30.6, 43.1]


def test_a_radiolabelled_agent_its_dlt_count_and_an_rp2d_after_a_negated_mtd():
    summary = summary_of("Patients received 177Lu-QRZ-12 at seven dose levels. One patient (1 of 22; 4.5%) experienced "
                         "DLT in cohort 6 (80 KBq/kg); MTD was not reached, and RP2D was the highest dose level "
                         "(93.3 KBq/kg).")
    assert [(d["drug"], d["value"], d["unit"]) for d in summary["doses"]] == [
        ("177lu-qrz-12", 80, "kbq/kg"), ("177lu-qrz-12", 93.3, "kbq/kg")]
    assert [(d["value"], d["n"]) for d in summary["dlt"]["by_dose"]] == [(80, 1)]
    assert [d["value"] for d in summary["rp2d"]] == [93.3]


def test_a_day_number_before_a_dose_list_is_no_dose():
    doses = summary_of("Zorvatumab was given at 1 mg/kg on days 1 and 4, then 15 mg/kg once on day 8 and 30 mg/kg weekly.")["doses"]
    assert [d["value"] for d in doses] == [1, 15, 30]


@pytest.mark.parametrize("text, total, events", [
    ("Two patients experienced DLTs (grade 3 rash and grade 4 neutropenia).", 2, [("rash", "3"), ("neutropenia", "4")]),
    ("Three DLTs were observed: grade 3 rash, grade 3 fatigue and grade 4 neutropenia.", 3,
     [("rash", "3"), ("fatigue", "3"), ("neutropenia", "4")]),
    ("Two patients had a DLT.", 2, []),
])
def test_dlt_totals_and_events(text, total, events):
    dlt = summary_of(text)["dlt"]
    assert dlt["total"] == total and [(e["term"], e["grade"]) for e in dlt["events"]] == events


def test_figures_written_n_equals_in_their_own_bracket():
    figures = summary_of("Grade >=3 TRAEs occurred in 12 patients (30%); the most common were neutropenia "
                         "(n = 5, 12.5%) and anemia (n = 3, 7.5%).")["ae"]
    assert [(f["term"], f["grade"], f["pct"], f["n"]) for f in figures] == [
        ("any", ">=3", 30, 12), ("neutropenia", ">=3", 12.5, 5), ("anemia", ">=3", 7.5, 3)]


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


def test_phases_named_in_a_background_section_are_earlier_trials():
    summary = summary_of("BACKGROUND: Zorvatinib was active in the phase 1-1b part of a phase 1-2 study. "
                         "METHODS: In a registrational phase 2 cohort, we gave zorvatinib 600 mg twice daily.")
    assert summary["phases"] == ["2"]


def test_the_end_of_a_grade_range_is_no_count():
    figures = summary_of("Majority of the adverse events were grade 0-1 (83.8%), with no treatment-related death.")["ae"]
    assert [f["n"] for f in figures] == [None]


def test_a_response_count_with_its_own_n_stays_a_count_for_the_shapes():
    record = extract_one(Abstract(id="case", text="Complete response (CR) was achieved in 10 (41.7%) out of 25 patients."))
    assert [(c.n.value, c.pct.value, c.denominator.value) for c in record.counts] == [(10, 41.7, 25)]


def test_a_rate_named_after_its_values():
    summary = summary_of("The ORR and DCR were higher with the combination (23.53% vs 11.76% for ORR, P < .01; and "
                         "58.82% vs 35.29% for DCR, P < .01).")
    rates = [a["rates"] for a in summary["arms"]] + [summary["rates"]]
    assert {r["ORR"] for r in rates if r["ORR"] is not None} == {23.53, 11.76}
    assert all(r["DCR"] not in (23.53, 11.76) for r in rates)


def test_one_figure_for_each_event_of_a_list():
    # 'in N pts each' gives every listed event the figure (aacr2025:CT016 writes its grade as 'Grade (G)3').
    figures = summary_of("Grade (G)3 TRAEs were vomiting, rash and increased ALT in 3 pts each (6.1%) "
                         "as well as fatigue and anemia in 1 pt each (2.0%).")["ae"]
    assert sorted((f["term"], f["grade"], f["n"], f["pct"]) for f in figures) == [
        ("anemia", "3", 1, 2.0), ("fatigue", "3", 1, 2.0), ("increased alt", "3", 3, 6.1),
        ("rash", "3", 3, 6.1), ("vomiting", "3", 3, 6.1)]


def test_rp2d_of_a_combination_with_a_day_schedule_between_the_drugs():
    rp2d = summary_of("The RP2D was set at 150mg zorvatinib on days 1-3 and 8-10 and 75mg/m2 gemcitabine on days 1 and 8.")["rp2d"]
    assert [(d["drug"], d["value"], d["unit"]) for d in rp2d] == [("zorvatinib", 150, "mg"), ("gemcitabine", 75, "mg/m2")]


def test_graded_and_serious_events_take_their_figures_in_turn():
    figures = summary_of("Grade 3-5 treatment-related AEs and serious AEs occurred in 30% and 12% of patients, "
                         "respectively.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [
        ("any", "3-5", 30), ("serious adverse events", "any", 12)]


def test_a_bare_share_of_patients_with_a_graded_event():
    figures = summary_of("Thirty patients were treated. 40% developed grade 4 toxicity.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("any", "4", 40)]


def test_immune_related_events_are_not_all_events():
    figures = summary_of("Immune-related adverse events occurred in 8 of 40 patients (20%).")["ae"]
    assert [(f["term"], f["pct"]) for f in figures] == [("immune-related adverse events", 20)]


def test_of_inside_an_event_name_does_not_cut_it():
    figures = summary_of("Toxicities included loss of appetite (30%) and fever without evidence of infection (12%).")["ae"]
    assert [(f["term"], f["pct"]) for f in figures] == [("loss of appetite", 30), ("fever without evidence of infection", 12)]


def test_an_event_sentence_after_an_adverse_event_sentence_needs_no_cue_word():
    figures = summary_of("Grade 3 AEs occurred in 10 (25%) patients. Pneumonitis occurred in only two (5%) patients. "
                         "Responses occurred in 8 (20%) patients.")["ae"]
    assert [(f["term"], f["n"], f["pct"]) for f in figures] == [("any", 10, 25), ("pneumonitis", 2, 5)]


def test_reported_ends_the_words_before_an_event():
    figures = summary_of("Patients (n = 51) reported grade 1-2 nausea (39.2%) and diarrhea (29.4%).")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("nausea", "1-2", 39.2), ("diarrhea", "1-2", 29.4)]


def test_a_list_of_grades_with_their_shares():
    # pmc:PMC2360567 writes 'X-related toxicity was WHO grade 1 (..%), 2 (..%), and 3 (..%)'.
    figures = summary_of("Zorvatinib-related toxicity was grade 1 (30%), 2 (50%), and 3 (20%).")["ae"]
    assert [(f["term"], f["grade"], f["n"], f["pct"]) for f in figures] == [
        ("any", "1", None, 30), ("any", "2", None, 50), ("any", "3", None, 20)]


def test_the_drug_an_event_is_put_down_to_is_not_part_of_its_name():
    figures = summary_of("Adverse events included nausea (20%) and cetuximab-related rash (15%).")["ae"]
    assert [(f["term"], f["pct"]) for f in figures] == [("nausea", 20), ("rash", 15)]


def test_a_toxicity_scale_name_before_a_grade_is_not_the_term():
    figures = summary_of("Common toxicity criteria grade 3/4 neutropenia (40% v 5%) was more frequent with zorvatinib.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("neutropenia", "3-4", 40), ("neutropenia", "3-4", 5)]


@pytest.mark.parametrize("text", [
    "The RP2D of zorvatinib was 400 mg/m2 once daily (max 600 mg/d) with food.",
    "Dexamethasone was allowed up to 4 mg daily. Patients received zorvatinib 400 mg/m2 daily.",
    "Zorvatinib was given at 400 mg/m2 daily; one patient (cumulative zorvatinib dose, 750 mg/m2) had cardiac changes.",
])
def test_a_cap_or_a_cumulative_dose_is_no_dose_level(text):
    assert [d["value"] for d in summary_of(text)["doses"]] == [400]


def test_responses_with_a_confidence_interval_in_their_bracket():
    summary = summary_of("Nine of 30 (30%; 95% CI, 15% to 49%) assessable patients demonstrated radiologically confirmed "
                         "responses. There were four (13%; 95% CI, 4% to 31%) centrally confirmed complete responses.")
    assert summary["rates"]["ORR"] == 30
    assert summary["responses"]["CR"] == 4


def test_dlt_events_after_a_clause_on_when_they_were_seen():
    dlt = summary_of("DLTs observed during dose escalation were grade 4 neutropenia and elevated bilirubin.")["dlt"]
    assert [(e["term"], e["grade"]) for e in dlt["events"]] == [("neutropenia", "4"), ("elevated bilirubin", None)]


@pytest.mark.parametrize("text, orr", [
    ("Only three patients achieved a response (15 per cent).", 15),
    ("The response rate was 8.9 percent with zorvatinib.", 8.9),
    ("At this analysis, 40 (50%) of 80 patients had an objective response (95% CI, 39 to 61).", 50),
])
def test_response_rates_in_words_and_with_the_count_first(text, orr):
    assert summary_of(text)["rates"]["ORR"] == orr


def test_adverse_event_shares_written_per_cent():
    figures = summary_of("Toxicities included nausea (12 per cent) and fatigue (8 percent).")["ae"]
    assert [(f["term"], f["pct"]) for f in figures] == [("nausea", 12), ("fatigue", 8)]


def test_a_drug_named_as_patient_history_owns_no_dose():
    doses = summary_of("Patients received zorvatumab 1,000 mg or 500 mg. Four of 9 rituximab-refractory patients "
                       "responded in the 1,000-mg group.")["doses"]
    assert {d["drug"] for d in doses} == {"zorvatumab"}


def test_an_event_seen_in_a_share_of_patients():
    figures = summary_of("The most common adverse events were infusion reactions (IRs) seen in 70% of patients.")["ae"]
    assert [(f["term"], f["pct"]) for f in figures] == [("infusion reactions", 70)]


@pytest.mark.parametrize("text, trial, subgroups", [
    ("The ORR was 60% (95% CI, 45 to 74). Among treatment-naive patients, the ORR was 70%, and in previously "
     "treated patients, it was 50%.", 60, [("treatment-naive patients", 70), ("previously treated patients", 50)]),
    ("In all patients, the ORR was 40% (n = 90). In patients with high tumour expression (n = 30), the ORR was 55%.",
     40, [("patients with high tumour expression", 55)]),
    ("The ORR was 40% with zorvatinib and 20% with placebo.", None, [("zorvatinib", 40), (None, 20)]),
])
def test_a_rate_for_a_subgroup_is_not_the_trial_rate(text, trial, subgroups):
    summary = summary_of(text)
    assert summary["rates"]["ORR"] == trial
    assert [(arm["arm"], arm["rates"]["ORR"]) for arm in summary["arms"]] == subgroups


def test_equal_counts_of_two_arms_in_one_sentence_are_both_kept():
    summary = summary_of("Four complete responses (CR) and 10 partial responses (PR) were seen with A, and four CR "
                         "and 12 PR with B. Four patients had a complete response.")
    assert sorted(arm["responses"]["CR"] for arm in summary["arms"] if arm["responses"]["CR"]) == [4, 4]

def arm_sizes(text: str) -> list[tuple[str, int]]:
    return [(arm["arm"], arm["n"]) for arm in summary_of(text)["arms"] if arm["n"] is not None]


@pytest.mark.parametrize("text, expected", [
    ("Patients were randomly assigned to zorvatinib (n = 64) or to docetaxel (n = 62).",
     [("zorvatinib", 64), ("docetaxel", 62)]),
    ("The trial enrolled 200 patients (n = 101, zorvatinib plus docetaxel; n = 99, docetaxel alone).",
     [("zorvatinib plus docetaxel", 101), ("docetaxel alone", 99)]),
    ("Of 150 patients screened, 130 were randomly allocated: 66 (51%) to the zorvatinib group and 64 (49%) to the "
     "placebo group.", [("zorvatinib", 66), ("placebo", 64)]),
    ("52 patients were randomly assigned to receive zorvatinib (27 at 100 mg daily and 25 at 200 mg daily); "
     "26 patients were randomly assigned to receive placebo.",
     [("zorvatinib", 52), ("100 mg daily", 27), ("200 mg daily", 25), ("placebo", 26)]),
    ("Of 90 treated patients, 61 received zorvatinib and 29 received docetaxel.", [("zorvatinib", 61), ("docetaxel", 29)]),
    # A dash lost in the source leaves the first size against the verb (doi:10.1016/S0140-6736(20)32292-3).
    ("Of 400 patients screened, 330 were randomly allocated-166 (50%) to the zorvatinib group and 164 (50%) to the "
     "placebo group-and all were treated.", [("zorvatinib", 166), ("placebo", 164)]),
    ("In all, 80 patients were randomly assigned: 41 to zorvatinib plus docetaxel and 39 to single-agent docetaxel.",
     [("zorvatinib plus docetaxel", 41), ("single-agent docetaxel", 39)]),
    ("A total of 90 patients (50 with melanoma, 25 with NSCLC, and 15 with other tumours) were treated.",
     [("melanoma", 50), ("nsclc", 25), ("other tumours", 15)]),
])
def test_arm_sizes_are_read_with_their_arm(text, expected):
    assert arm_sizes(text) == expected


@pytest.mark.parametrize("text", [
    "120 patients were randomly assigned to receive zorvatinib or placebo.",  # a choice, not one arm
    "80 patients were randomly assigned to receive zorvatinib (40 mg daily) or placebo.",
    "Patients (n = 40) were enrolled.",                                        # the whole trial
    "Grade 3 neutropenia (n = 5, 12.5%) was seen in the first cycle.",         # a figure's own bracket
])
def test_what_is_not_an_arm_size(text):
    assert arm_sizes(text) == []


def test_a_total_split_into_arms_in_brackets_is_the_enrolment():
    summary = summary_of("Results: 300 patients were randomly assigned to receive the ZV (n = 151) or DX (n = 149) regimen.")
    assert summary["enrolled"] == 300
    assert [(arm["arm"], arm["n"]) for arm in summary["arms"]] == [("zv", 151), ("dx", 149)]


def test_an_arm_larger_than_the_enrolment_read_is_left_out():
    # one of the two readings is wrong and nothing says which; the arm would give figures a wrong N
    assert arm_sizes("A total of 40 patients were treated. The zorvatinib cohort (n = 52) was closed early.") == []
    assert arm_sizes("A total of 60 patients were treated. The zorvatinib cohort (n = 52) was closed early.") == [
        ("zorvatinib cohort", 52)]


def test_a_size_with_its_own_arm_label_is_not_the_enrolment():
    summary = summary_of("High-risk patients (n = 30) were assigned to intensified therapy.")
    assert summary["enrolled"] is None
    assert arm_sizes("High-risk patients (n = 30) were assigned to intensified therapy.") == [("high-risk patients", 30)]


@pytest.mark.parametrize("text", [
    "Results: 24 patients were enrolled in the first cohort and 24 more in the expansion cohort.",
    "Results: responses were seen for the 18 patients treated with zorvatinib in the second stage.",
])
def test_one_cohort_or_subgroup_is_not_the_enrolment(text):
    assert summary_of(text)["enrolled"] is None


@pytest.mark.parametrize("text, n", [
    ("The full analysis set consisted of 44 patients.", 44),
    ("Nine of 31 (29%; 95% CI, 14% to 48%) assessable patients had a partial response.", 31),
    # a bracket that holds its own bracket
    ("Nine of 30 (30%; 95% confidence interval [CI], 15% to 49%) assessable patients responded to zorvatinib.", 30),
])
def test_evaluable_population_named_as_a_set_or_after_a_count(text, n):
    assert summary_of(text)["evaluable"] == n


@pytest.mark.parametrize("written, values", [
    ("at 2 × 10^6 or 5 × 10⁶ CAR T cells/kg", [2_000_000, 5_000_000]),
    ("at 1e9 & 1.5e9 CAR NK cells/dose", [1_000_000_000, 1_500_000_000]),
    ("at 0·2 × 106 cells per kg", [200_000]),  # a superscript lost in the source
])
def test_cell_doses_carry_their_power_of_ten(written, values):
    doses = summary_of(f"Patients received tisagenlecleucel {written} in this phase 1 trial.")["doses"]
    assert [(d["value"], d["unit"]) for d in doses] == [(v, "cells") for v in values]


def test_a_count_of_cells_is_no_dose():
    assert summary_of("Tisagenlecleucel was given; 20 cells were counted per field.")["doses"] == []


def test_dose_selected_for_expansion_is_the_rp2d():
    summary = summary_of("Zorvatinib was escalated from 1 to 4 mg/kg; 3 mg/kg was selected for expansion (n = 30).")
    assert summary["rp2d"] == [{"drug": "zorvatinib", "value": 3, "unit": "mg/kg"}]


def test_one_patient_with_listed_dlts_counts_each_once():
    text = "One patient from the 2.5 mg/kg cohort of zorvatinib had DLTs (hepatitis and rash)."
    dlt = summary_of(text)["dlt"]
    # SUMMARY.md: the total as the text counts it, here patients.
    assert dlt["total"] == 1
    assert [(e["term"], e["n"]) for e in dlt["events"]] == [("hepatitis", 1), ("rash", 1)]
    # One patient, two DLTs: the record keeps the patient apart from a count of DLTs, which the events
    # (1 + 1) would contradict.
    record = extract_one(Abstract(id="case", text=text)).dlt
    assert record.total is None and record.patients.value == 1


@pytest.mark.parametrize("text, patients", [
    ("Two patients experienced DLTs (grade 3 rash and grade 4 neutropenia).", 2),
    ("DLTs occurred in 3 patients treated with zorvatinib.", 3),
])
def test_patients_with_a_dlt_are_no_dlt_count(text, patients):
    record = extract_one(Abstract(id="case", text=text)).dlt
    assert record.total is None and record.patients.value == patients
    assert summary_of(text)["dlt"]["total"] == patients


def test_a_duration_is_not_a_patient_count():
    assert summary_of("The aim was the response at 12 weeks of patients treated with zorvatinib.")["enrolled"] is None


def test_a_percentage_written_in_words():
    figures = summary_of("Twenty-five percent of patients developed grade 4 toxicity on zorvatinib.")["ae"]
    assert [(f["grade"], f["pct"]) for f in figures] == [("4", 25)]


@pytest.mark.parametrize("text, n", [
    ("RESULTS: Forty-two adults with relapsed myeloma (n = 20 in part A) were enrolled.", 42),
    ("As of 2 May 2024, 9 pts with a median age of 58 years (range 40, 77) were treated with zorvatinib.", 9),
])
def test_enrolment_sentence_that_describes_the_patients_before_its_verb(text, n):
    assert summary_of(text)["enrolled"] == n


@pytest.mark.parametrize("text", [
    "Sixteen patients (80%) treated with zorvatinib improved.",  # a share: a figure, not the enrolment
    "The response rate in untreated patients was 31% (19 of 62 patients).",  # a subgroup figure's N
    "The last four patients received a higher dose of zorvatinib.",  # a subset of the trial
])
def test_a_figure_or_a_subset_is_not_the_enrolment(text):
    assert summary_of(text)["enrolled"] is None


def test_arm_shares_of_the_randomised_total_are_arm_sizes():
    summary = summary_of("Overall, 61 patients were randomized (30 [49.2%] in the zorvatinib arm and 31 [50.8%] "
                         "in the placebo arm).")
    assert summary["enrolled"] == 61
    assert [(arm["arm"], arm["n"]) for arm in summary["arms"]] == [("zorvatinib", 30), ("placebo", 31)]


def test_a_randomised_split_with_the_verb_after_the_first_count_gives_arms_not_the_enrolment():
    summary = summary_of("In all, 705 patients were randomly assigned to receive zorvatinib and 699 to receive placebo.")
    assert summary["enrolled"] is None
    assert [(arm["arm"], arm["n"]) for arm in summary["arms"]] == [("zorvatinib", 705), ("placebo", 699)]


def test_an_evaluable_n_of_one_group_is_not_the_trials():
    summary = summary_of("Pain progression occurred in 174 (28%) of 625 evaluable patients in the zorvatinib group.")
    assert summary["evaluable"] is None


def test_a_number_is_no_word_between_a_count_and_its_patients():
    summary = summary_of("Dose interruptions were needed by visit 3 in 33 patients (30.8%).")
    assert [(f["n"], f["pct"]) for f in summary["counts"]] == [(33, 30.8)]


def test_both_figures_of_one_bracket_take_the_grade_written_before_it():
    summary = summary_of("Grade 3 or higher events included rash (13% vs. 4%) and any grade of myalgia (8% vs. 47%).")
    assert [(f["term"], f["grade"], f["pct"]) for f in summary["ae"]] == [
        ("rash", ">=3", 13), ("rash", ">=3", 4), ("myalgia", "any", 8), ("myalgia", "any", 47)]


def test_the_second_arms_figure_after_a_long_arm_name_keeps_the_term():
    summary = summary_of("Adverse events of any grade led to discontinuation in 34 (62%) of 55 patients in the zorvatinib "
                         "plus zorvatumab group and seven (13%) of 56 in the zorvatinib group.")
    assert [(f["term"], f["n"], f["pct"]) for f in summary["ae"]] == [
        ("led to discontinuation", 34, 62), ("led to discontinuation", 7, 13)]


def test_figures_paired_by_a_slash_take_the_grades_of_a_slash_pair_in_turn():
    summary = summary_of("Grade 3/4 events occurred in 12 (30.0%)/2 (5.0%) patients with zorvatinib and 9 (22.5%)/1 (2.5%) "
                         "with placebo.")
    assert sorted((f["grade"], f["n"], f["pct"]) for f in summary["ae"]) == [
        ("3", 9, 22.5), ("3", 12, 30.0), ("4", 1, 2.5), ("4", 2, 5.0)]


@pytest.mark.parametrize("text, best, growth", [
    ("One patient had progressive disease with a 24% increase in the sum of diameters.", "PD", 24),
    ("1 melanoma patient had a 15% increase in tumour size, rated as PD.", "PD", 15),
])
def test_a_patients_tumour_growth_with_progression(text, best, growth):
    responders = extract_one(Abstract(id="case", text=text)).responders
    assert [(r.best.value, r.growth_pct.value) for r in responders] == [(best, growth)]


@pytest.mark.parametrize("text, responses, orr", [
    ("There were no complete or partial responses with zorvatinib.", {"CR": 0, "PR": 0}, None),
    ("In cohort B, documented complete or PR was not observed.", {"CR": 0, "PR": 0}, None),
    ("No major responses were seen in this trial.", {"CR": 0, "PR": 0}, None),
    ("No patient achieved a complete response.", {"CR": 0}, None),
    ("No objective responses were observed in the 12 patients.", {}, 0),
])
def test_a_negated_response_counts_zero(text, responses, orr):
    summary = summary_of(text)
    assert {k: v for k, v in summary["responses"].items() if v is not None} == responses
    assert summary["rates"]["ORR"] == orr


@pytest.mark.parametrize("text", [
    "No other major responses were noted.",  # beyond the ones already counted
    "Surgery followed if a chemotherapy CR was not achieved.",  # a condition, not a result
    "Two patients had no response to their prior therapy.",
])
def test_what_is_no_negated_response(text):
    summary = summary_of(text)
    assert all(v is None for v in summary["responses"].values()) and summary["rates"]["ORR"] is None


def test_a_response_count_out_of_its_population():
    summary = summary_of("In part 3, 13 out of 20 (65%) patients achieved SD with zorvatinib.")
    assert summary["responses"]["SD"] == 13


def test_a_negated_response_of_one_cohort_is_not_the_trials():
    summary = summary_of("Stable disease was seen in 4 patients. There were no responses among the six patients in cohort 2.")
    assert summary["rates"]["ORR"] is None and all(arm["rates"]["ORR"] is None for arm in summary["arms"])


def test_haematological_response_categories():
    summary = summary_of("Five of 9 evaluable patients achieved composite complete remission (cCR) with zorvatinib "
                         "(4 CRs, 1 CRh). Two patients had CRi and one had MLFS.")
    assert {k: v for k, v in summary["responses"].items() if v is not None} == {"cCR": 5, "CR": 4, "CRh": 1, "CRi": 2,
                                                                                 "MLFS": 1}
    record = extract_one(Abstract(id="case", text="Two patients had CRh."))
    assert [(c.category.value, c.n.value) for c in record.efficacy.other_categories] == [("CRh", 2)]


def test_a_range_of_rates_is_no_rate_of_this_trial():
    # 'response rates of 25% to 35%' sums up earlier trials; a trial states one rate per arm
    summary = summary_of("Platinum regimens are active, with response rates of 25% to 35% in advanced disease.")
    assert summary["rates"]["ORR"] is None and summary["arms"] == []
    changed = summary_of("Zorvatinib improved the complete response rate from 8% to 24%.")
    assert sorted(arm["rates"]["CR"] for arm in changed["arms"]) == [8, 24]


def test_leucovorin_abbreviated_owns_its_dose():
    doses = summary_of("Patients received UFT 250 mg/m2 on days 1-14 and LV 90 mg on days 1-14.")["doses"]
    assert {"drug": "lv", "value": 90, "unit": "mg"} in doses and {"drug": "uft", "value": 90, "unit": "mg"} not in doses


@pytest.mark.parametrize("text, expected", [
    ("Patients received nanoliposomal zorvatecan (120 mg/m2, equivalent to 100 mg/m2 of zorvatecan base).",
     [("nanoliposomal zorvatecan", 120)]),  # a formulation is part of the name; an equivalent is no other dose
    ("Patients then received trastuzumab emtansine, 3.6 mg/kg, every 3 weeks.", [("trastuzumab emtansine", 3.6)]),
])
def test_formulations_and_payloads_belong_to_the_drug_name(text, expected):
    assert [(d["drug"], d["value"]) for d in summary_of(text)["doses"]] == expected


def test_rates_the_design_assumes_are_no_results():
    summary = summary_of("The primary end point was the ORR (threshold ORR, 15%; expected ORR, 40%). The ORR was 36.4%.")
    assert summary["rates"]["ORR"] == 36.4 and summary["arms"] == []


def test_subgroups_named_after_their_rates_with_brackets_between():
    summary = summary_of("ORRs were 63% for patients with untreated melanoma (cohort A; n = 40; follow-up 20.8 months), "
                         "61% for patients with prior adjuvant therapy (cohort B; n = 18, 9.7 months).")
    assert [(arm["arm"], arm["rates"]["ORR"]) for arm in summary["arms"]] == [
        ("patients with untreated melanoma", 63), ("patients with prior adjuvant therapy", 61)]


def test_responders_count_their_category_and_a_study_conducted_in_n_enrols_n():
    summary = summary_of("A phase II study of zorvatinib was conducted in 32 patients with penile cancer. The ORR was "
                         "16.7%, including 2 (6.7%) complete responders and 3 (10%) partial responders.")
    assert summary["enrolled"] == 32
    assert (summary["responses"]["CR"], summary["responses"]["PR"]) == (2, 3)


def test_arms_offered_as_either_or():
    arms = summary_of("Patients were randomly assigned to either group A (n=101) or group B (n=99).")["arms"]
    assert [(arm["arm"], arm["n"]) for arm in arms] == [("group a", 101), ("group b", 99)]


def test_respectively_pairs_listed_events_before_grades():
    figures = summary_of("Grade 3 and 4 neutropenia and febrile neutropenia occurred in 8 (12%) patients and 5 (8%) "
                         "patients, respectively.")["ae"]
    assert [(f["term"], f["grade"], f["pct"]) for f in figures] == [("neutropenia", "3-4", 12),
                                                                   ("febrile neutropenia", "3-4", 8)]


def test_a_figure_whose_clause_runs_long_keeps_its_first_words_as_label():
    # no clause end within 60 characters of the figure: the figure is still read, with its N
    summary = summary_of("9/12 (75%) patients achieved a tumour-specific T cell response to their own driver mutation as "
                         "measured by serial assays, with a median rise of ninefold.")
    assert [(c["n"], c["pct"]) for c in summary["counts"]] == [(9, 75)]
    assert summary["counts"][0]["what"].startswith("patients achieved a tumour-specific t cell response")


def test_a_rate_with_its_n_of_n_patients_and_an_arm_inside_the_bracket_are_counts():
    summary = summary_of("The overall pCR rate was 58% (29 of 50 patients). ORRs were 21.8% (drug A, 19/87; 95% CI, 13 to 31) "
                         "and 18.2% (docetaxel, 16/88; 95% CI, 11 to 28).")
    assert [(c["what"], c["n"], c["pct"]) for c in summary["counts"]] == [
        ("the overall pcr rate", 29, 58), ("orrs", 19, 21.8), ("docetaxel", 16, 18.2)]


def test_a_survival_curve_estimate_beside_its_n_of_n_is_no_count():
    summary = summary_of("The actuarial incidence of grade 2 proctitis in the study arm was 24.1% (5 of 22 patients) "
                         "compared to 33.3% (8 of 25 patients) in controls.")
    assert summary["counts"] == []


def test_a_count_written_against_its_verb_by_a_hyphen():
    counts = summary_of("Of 510 patients screened, 420 were randomly allocated-214 (51%) to the A group and 206 (49%) "
                        "to the B group. Patients with COVID-19 (5%) were excluded.")["counts"]
    assert [(c["n"], c["pct"]) for c in counts] == [(214, 51), (206, 49)]


def test_arm_sizes_after_the_regimen_in_its_bracket():
    arms = summary_of("Patients were randomly assigned (1:1) to zanotinib (600 mg orally twice daily, 3-week cycles; n = 91) "
                      "or docetaxel (75 mg/m2 every 3 weeks; n = 90). At data cutoff (March 2, 2023; median follow-up "
                      "8 months; N = 181), 40 had died.")["arms"]
    assert [(arm["arm"], arm["n"]) for arm in arms] == [("zanotinib", 91), ("docetaxel", 90)]
