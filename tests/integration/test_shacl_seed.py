"""SHACL on the seed: it conforms; a changed DCR or percentage is a Violation quoting the numbers."""

from __future__ import annotations

import pytest

from kg.pipeline import Abstract, extract_one
from kg.rdf import record_graph
from kg.shacl import validate


def check(text: str):
    return validate(record_graph(extract_one(Abstract(id="seed", text=text))))


def test_seed_conforms(seed_text):
    conforms, results, _ = check(seed_text)
    assert conforms is True
    assert [r for r in results if r.severity == "Violation"] == []


def test_mutated_dcr_is_a_violation_quoting_the_numbers_with_spans(seed_text):
    mutated = seed_text.replace("86.21%", "88.21%")
    assert mutated != seed_text
    conforms, results, _ = check(mutated)
    assert conforms is False
    assert len(results) == 1
    result = results[0]
    assert (result.shape, result.severity) == ("DcrMatchesCountsShape", "Violation")
    assert result.message == "DCR 88.21% stated, but 2 PR + 23 SD of 29 evaluable give 86.21%"
    quoted = {mutated[s.start:s.end] for s in result.spans}
    assert quoted == {"88.21", "2", "23", "29"}
    assert mutated[result.spans[1].start - 10:result.spans[1].end + 1].endswith("was 88.21%")


@pytest.mark.parametrize("original, changed, shape", [
    ("(79%)", "(75%)", "PercentageMatchesCountShape"),
    ("(97.44%)", "(97.54%)", "PercentageMatchesCountShape"),
    ("24 pts (61.54%)", "24 pts (60.54%)", "PercentageMatchesCountShape"),
])
def test_mutated_percentage_is_a_violation(seed_text, original, changed, shape):
    conforms, results, _ = check(seed_text.replace(original, changed))
    assert conforms is False
    # A pair no whole N can give is also reported as such (the figure's N may be only inferred).
    assert shape in [r.shape for r in results]
    assert {r.shape for r in results} <= {shape, "CountPercentageAttainableShape"}
    assert all(changed.split("(")[-1].rstrip("%)") in r.message for r in results)


def test_truncated_percentage_is_accepted(seed_text):
    # 38/39 = 97.435..: 97.44 rounded, 97.43 truncated; abstracts use both conventions.
    conforms, _, _ = check(seed_text.replace("(97.44%)", "(97.43%)"))
    assert conforms is True
