"""The spine on the user's own abstract: every fact, with its span, in records and summary."""

from __future__ import annotations

import pytest

from kg.pipeline import Abstract, extract_one
from kg.summary import summarise
from tests.helpers import extracted_values, lookup


@pytest.fixture(scope="module")
def seed_record(seed_text):
    return extract_one(Abstract(id="seed", text=seed_text))


def test_seed_summary_equals_the_hand_written_summary(seed_record, seed_expected):
    assert summarise(seed_record) == seed_expected["summary"]


@pytest.mark.parametrize("key", ["nct_ids", "phases", "designs", "enrolled", "enrolled_parts", "evaluable", "age",
                                 "doses", "rp2d", "dlt", "responses", "rates", "ae", "counts", "prior_therapies",
                                 "cycles", "data_cutoff", "responders"])
def test_seed_summary_field(seed_record, seed_expected, key):
    assert summarise(seed_record)[key] == seed_expected["summary"][key]


def test_seed_every_value_has_a_valid_span(seed_record, seed_text):
    values = list(extracted_values(seed_record.model_dump(mode="json")))
    assert len(values) > 100
    for path, value in values:
        assert seed_text[value["start"]:value["end"]] == value["text"], path
        assert value["rule"], path


@pytest.mark.parametrize("path", sorted(__import__("json").loads(
    (__import__("pathlib").Path(__file__).parents[2] / "fixtures/abstracts/seed.expected.json").read_text())["spans"]))
def test_seed_value_has_the_expected_span(seed_record, seed_expected, seed_text, path):
    expected = seed_expected["spans"][path]
    assert seed_text[expected["start"]:expected["end"]] == expected["text"]
    value = lookup(seed_record.model_dump(mode="json"), path)
    assert (value["start"], value["end"], value["text"]) == (expected["start"], expected["end"], expected["text"])


def test_seed_greater_than_ten_percent_is_a_threshold_not_a_figure(seed_record):
    assert 10 not in [figure.pct.value for figure in seed_record.ae if figure.pct is not None]


def test_seed_term_percentages_refer_to_all_treated_patients(seed_record):
    thrombocytopenia = next(f for f in seed_record.ae if f.term.value == "thrombocytopenia")
    assert thrombocytopenia.denominator.value == 39
    assert thrombocytopenia.denominator.rule == "denominator-treated-population"


def test_seed_drugs_come_from_rules_not_a_list(seed_record):
    rules = {dose.drug.value: dose.drug.rule for dose in seed_record.doses}
    assert rules == {"lvgn6051": "drug-code-name", "anlotinib": "drug-inn-stem"}


def test_title_values_carry_the_title_field():
    record = extract_one(Abstract(id="t", text="Patients were treated. No numbers here.",
                                  title="A phase 1b study of zorvatinib (NCT01234567)"))
    assert [(p.value, p.field) for p in record.phases] == [("1b", "title")]
    nct = record.nct_ids[0]
    assert (nct.value, nct.field, nct.start, nct.end) == ("NCT01234567", "title", 32, 43)
