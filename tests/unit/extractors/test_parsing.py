"""Pure parsing functions, without a pipeline."""

from __future__ import annotations

import doctest

import pytest

import extractors.engine
import extractors.parsing
from extractors.parsing import canonical_unit, decimals, parse_date, parse_grade, parse_number, parse_phase


@pytest.mark.parametrize("module", [extractors.parsing, extractors.engine], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("text, expected", [
    ("41", 41), ("6.0", 6.0), ("0\u00b774", 0.74), ("Forty-one", 41), ("ten", 10), ("twenty one", 21),
    ("1,000", 1000), ("\u22122.5", -2.5), ("many", None),
])
def test_parse_number(text, expected):
    value = parse_number(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text, expected", [("86.21", 2), ("79", 0), ("6.0", 1), ("0\u00b774", 2)])
def test_decimals(text, expected):
    assert decimals(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("mg/kg", "mg/kg"), ("mg/m2", "mg/m2"), ("mg/m\u00b2", "mg/m2"), ("mg/m(2)", "mg/m2"), ("mg / m2", "mg/m2"),
    ("\u00b5g/kg", "ug/kg"), ("mcg/kg", "ug/kg"), ("mg", "mg"), ("Gy", "gy"), ("AUC", "auc"), ("g/m2", "g/m2"),
    ("mg per kg", "mg/kg"), ("furlongs", None),
])
def test_canonical_unit(text, expected):
    assert canonical_unit(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("\u2265 grade 3", ">=3"), ("grade \u22653", ">=3"), ("grade 3/4", "3-4"), ("grade 3 or 4", "3-4"), ("G3", "3"),
    ("Gr 4", "4"), ("grade 3 or higher", ">=3"), ("any grade", "any"), ("grade III/IV", "3-4"), ("grade 1-2", "1-2"),
])
def test_parse_grade(text, expected):
    assert parse_grade(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("phase 1b", ["1b"]), ("Phase I/II", ["1", "2"]), ("phase Ib/II", ["1b", "2"]), ("phase 2a", ["2a"]),
    ("phase III", ["3"]),
])
def test_parse_phase(text, expected):
    assert parse_phase(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Jan 22, 2024", "2024-01-22"), ("22 January 2024", "2024-01-22"), ("2023-11-30", "2023-11-30"),
    ("Sept. 5, 2022", "2022-09-05"), ("February 30, 2024", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected
