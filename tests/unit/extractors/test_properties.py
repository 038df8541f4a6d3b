"""Property tests: any text, random or mutated, gives records without an exception and with exact spans."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.pipeline import Abstract, extract_one
from tests.conftest import SEED
from tests.helpers import extracted_values

SEED_TEXT = SEED.read_text(encoding="utf-8")
ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
FRAGMENTS = st.sampled_from(["mg/kg", " (", "%) ", "grade \u22653 ", "DLT", " 3+3 ", "n = ", "\u00b7", "\u2212",
                             "\u2009", " of ", "ORR ", " vs ", "[", "]", "phase Ib/II", "NCT0", "Forty-one "])


def spans_are_exact(text: str, title: str | None = None) -> None:
    record = extract_one(Abstract(id="prop", text=text, title=title))
    for _, value in extracted_values(record.model_dump(mode="json")):
        source = title if value["field"] == "title" else text
        assert source[value["start"]:value["end"]] == value["text"]


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=400), st.one_of(st.none(), st.text(alphabet=ALPHABET, max_size=80)))
def test_random_text(text, title):
    spans_are_exact(text, title or None)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.text(alphabet="0123456789.,% ()", max_size=6),
                          st.text(alphabet=ALPHABET, max_size=8)), min_size=1, max_size=60))
def test_fragments_of_trial_prose(pieces):
    spans_are_exact("".join(pieces))


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(SEED_TEXT) - 1), st.integers(min_value=1, max_value=40),
       st.text(alphabet=ALPHABET, max_size=20))
def test_mutated_seed(position, length, insert):
    spans_are_exact(SEED_TEXT[:position] + insert + SEED_TEXT[position + length:])
