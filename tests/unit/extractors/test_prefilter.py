"""The prefilter finds exactly the matches of the plain regex, for every row of every pattern file."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import build_pipeline
from extractors.prefilter import MIN_INDEXED_LENGTH, Prefiltered
from tests.conftest import SEED, corpus_file

SEED_TEXT = SEED.read_text(encoding="utf-8")


def all_rows() -> list[tuple[str, Prefiltered]]:
    return [(row.id, pattern) for _, component in build_pipeline().pipeline
            for row, pattern in getattr(component, "rows", [])]


ROWS = all_rows()
EXAMPLES = [row.example for _, component in build_pipeline().pipeline for row, _ in getattr(component, "rows", [])]


def same_matches(prefiltered: Prefiltered, text: str, pos: int = 0, endpos: int | None = None) -> None:
    """The prefiltered pattern (start hint and literal prefilter) finds what re's own compilation finds."""
    end = len(text) if endpos is None else endpos
    compiled = re.compile(prefiltered.pattern.pattern, prefiltered.pattern.flags)
    plain = [(m.span(), m.groupdict()) for m in compiled.finditer(text, pos, end)]
    assert [(m.span(), m.groupdict()) for m in prefiltered.finditer(text, pos, endpos)] == plain
    assert [(m.span(), m.groupdict()) for m in prefiltered.pattern.finditer(text, pos, end)] == plain
    first = compiled.search(text, pos, end)
    found = prefiltered.search(text, pos, endpos)
    assert (found and found.span()) == (first and first.span())


def test_words_come_from_the_pattern_with_their_offsets():
    plan = Prefiltered(re.compile(r"\bmedian\s+age\s*(?:was|of)\s*(?P<n>\d+)", re.IGNORECASE)).plan
    words = {word.spellings: (word.min_offset, word.max_offset) for word in plan.words}
    assert words[frozenset({"median"})] == (0, 0)
    assert words[frozenset({"age"})] == (7, None)  # after '\s+': any distance
    assert plan.reach is None


def test_alternatives_and_optional_letters_become_spellings():
    plan = Prefiltered(re.compile(r"(?:Patients?|pts?) were randomi[sz]ed", re.IGNORECASE)).plan
    assert plan.words[0].spellings == {f"{who} were randomi{letter}ed"
                                       for who in ("patient", "patients", "pt", "pts") for letter in "sz"}


def test_a_pattern_that_can_match_nothing_has_no_plan():
    assert Prefiltered(re.compile(r"(?:dose)?", re.IGNORECASE)).plan is None
    assert Prefiltered(re.compile(r"\d+")).plan is None


def test_a_text_without_a_required_word_is_skipped_whole():
    pattern = Prefiltered(re.compile(r"\bevaluable\b", re.IGNORECASE))
    text = "x" * MIN_INDEXED_LENGTH + " none here"
    assert list(pattern.finditer(text)) == []
    assert [m.span() for m in pattern.finditer(text + " Evaluable")] == [(len(text) + 1, len(text) + 10)]


@pytest.mark.parametrize("letter, lookalike", [("s", "\u017f"), ("i", "\u0131"), ("i", "\u0130"), ("k", "\u212a")])
def test_letters_that_ignorecase_matches_to_ascii_are_folded(letter, lookalike):
    # re.IGNORECASE matches 'ſ' to 's', 'ı' and 'İ' to 'i', the Kelvin sign to 'k': so must the prefilter.
    word = {"s": "dose", "i": "limiting", "k": "kinase"}[letter]
    pattern = Prefiltered(re.compile(word, re.IGNORECASE))
    padding = "\u00b5" * MIN_INDEXED_LENGTH + "\u0130" * 3  # non-ASCII, with a character whose lower case is longer
    same_matches(pattern, padding + word.replace(letter, lookalike) + " and " + word.upper())


@pytest.mark.parametrize("row_id, pattern", ROWS, ids=[row_id for row_id, _ in ROWS])
def test_every_row_matches_as_the_plain_regex_on_the_seed_and_the_examples(row_id, pattern):
    examples = " ".join(EXAMPLES)
    for text in (SEED_TEXT, examples, examples.upper(), examples.replace(" ", "\u00a0")):
        same_matches(pattern, text)
        for start, end in ((0, len(text) // 2), (len(text) // 3, len(text)), (101, 499), (350, 360)):
            same_matches(pattern, text, start, end)


FRAGMENTS = st.sampled_from(EXAMPLES + [" (", "%) ", ". ", "; ", " of ", "\u2009", "\u0131", "\u017f", "\n"])


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.text(alphabet="0123456789 .,%()=/", max_size=8)), min_size=10, max_size=40),
       st.integers(min_value=-5, max_value=3000), st.one_of(st.none(), st.integers(min_value=-5, max_value=3000)))
def test_every_row_matches_as_the_plain_regex_on_shuffled_examples(pieces, pos, endpos):
    text = "".join(pieces)
    for _, pattern in ROWS:
        same_matches(pattern, text, pos, endpos)


@pytest.mark.slow
def test_every_row_matches_as_the_plain_regex_on_corpus_texts():
    with corpus_file("rct_abstracts.jsonl").open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for index, line in enumerate(handle) if index % 50 == 0]
    with corpus_file("oncology_early_phase.jsonl").open(encoding="utf-8") as handle:
        texts += [json.loads(line)["text"] for index, line in enumerate(handle) if index % 10 == 0]
    for text in texts:
        for _, pattern in ROWS:
            same_matches(pattern, text)


# --- alternations grouped by first letter -----------------------------------------------------------

WORDS = ["cisplatin", "cis", "Carboplatin", "5-FU", "\u00b5-opioid", "\u03bcg-dose", "stereotactic", "SBRT", "sbrt boost",
         "irinotecan", "kinase", "x"]
PROSE = ("Cisplatin and CIS were given; \u017ftereotactic SBRT boost, \u0130rinotecan, \u212ainase, 5-FU, \u039c-opioid "
         "(\u00b5-opioid), \u03bcg-dose; carboplatinum cisx sbrt-x x.")


@pytest.mark.parametrize("words", [WORDS, sorted(WORDS, key=len, reverse=True), WORDS[:4]])
def test_words_regex_matches_what_the_flat_alternation_matches(words):
    from extractors.engine import words_regex

    flat = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])", re.IGNORECASE)
    grouped = re.compile(r"(?<![\w-])" + words_regex(words) + r"(?![\w-])", re.IGNORECASE)
    for text in (PROSE, PROSE.upper(), PROSE.lower(), " ".join(words)):
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in flat.finditer(text)]


def test_number_words_match_whole_in_any_case():
    from extractors.engine import compile_regex, number_words
    from extractors.parsing import parse_number

    pattern = compile_regex(r"<<NUMWORD>>")
    for word, value in list(number_words().items()) + [("two hundred and five", 205), ("Nine-hundred ninety-nine", 999)]:
        for written in (word, word.upper(), word.title(), word.replace("s", "\u017f")):
            match = pattern.fullmatch(written)
            assert match is not None, written
            assert parse_number(written.replace("\u017f", "s")) == value
    assert [m.group() for m in pattern.finditer("someone often took tenth; Forty-one, ten and Two hundred")] == \
        ["Forty-one", "ten", "Two hundred"]


# --- the start-character hint -----------------------------------------------------------------------


def test_the_ignorecase_lookalikes_are_every_non_ascii_character_matching_an_ascii_letter():
    from extractors.prefilter import IGNORECASE_LOOKALIKES

    everything = "".join(chr(code) for code in range(128, 0x110000) if not 0xD800 <= code <= 0xDFFF)
    assert set(re.findall("[a-z]", everything, re.IGNORECASE)) == set(IGNORECASE_LOOKALIKES)


def test_a_pattern_opening_on_a_look_behind_gets_the_characters_its_matches_start_with():
    from extractors.prefilter import start_characters, with_start_hint

    starts = start_characters(r"(?<![\d.])(?:grade|g)\s*\d|\bstage", re.IGNORECASE)
    assert {chr(c) for c in starts.characters} == {"g", "G", "s", "S", "\u017f"}
    plain = re.compile(r"(?<![\d.])(?:grade|g)\s*\d|\bstage", re.IGNORECASE)
    hinted = with_start_hint(plain)
    assert hinted is not plain and hinted.pattern == plain.pattern
    text = "a grade 3, \u017ftage 2, G2 and 4.g5; STAGE"
    assert [m.span() for m in hinted.finditer(text)] == [m.span() for m in plain.finditer(text)] != []


@pytest.mark.parametrize("pattern", [r"(?:x)?y*", r".abc", r"[^a]bc", r"(?:a|.)b", r"^abc", r"\w+"])
def test_no_hint_where_any_character_or_the_empty_string_may_start_a_match(pattern):
    from extractors.prefilter import start_characters

    assert start_characters(pattern, re.IGNORECASE) is None


ATOMS = st.sampled_from(["a", "b", "S", "k", "\u017f", "\u212a", "\u00b5", "1", "%", " ", ".", r"\d", r"\s", r"\w", "[a-c]",
                         "[0-9%]", "[^a]", r"\.", "(?<![\\d.])", "(?<=[a ])", "(?=b)", "(?!a)", r"\b", "^", "$", "(?i:k)",
                         "(?-i:S)", "(?:)"])


@st.composite
def regexes(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            alternatives = draw(st.lists(regexes(depth + 1), min_size=1, max_size=3))
            part = "(?:" + "|".join(alternatives) + ")"
        else:
            part = draw(ATOMS)
        parts.append(part + draw(st.sampled_from(["", "", "?", "*", "+", "{0,2}", "{1,3}?"])))
    return "".join(parts)


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(regexes(), st.sampled_from([0, re.IGNORECASE]),
       st.text(alphabet="abkSsK\u017f\u212a\u00b5\u039c1 %.;x", max_size=40), st.integers(0, 5), st.integers(0, 45))
def test_a_hinted_pattern_finds_what_the_plain_one_finds(pattern, flags, text, pos, endpos):
    from extractors.prefilter import with_start_hint

    try:
        plain = re.compile(pattern, flags)
    except re.error:
        return
    hinted = with_start_hint(plain)
    assert [(m.span(), m.groups()) for m in hinted.finditer(text, pos, endpos)] == \
        [(m.span(), m.groups()) for m in plain.finditer(text, pos, endpos)]
    assert hinted.groupindex == plain.groupindex and hinted.pattern == plain.pattern


# --- matches that open on a count: digits, or a number word -----------------------------------------

COUNT_PROSE = ("Often none of the tenants saw it: twenty-one (12%) patients, Forty patients and \u017fix patients; "
               "one-third of 210 patients were treated, 3 patients, ten patients at 1.5 mg; seventeen patients\u00a0"
               "in 2019 and 7 of 9 patients; TEN PATIENTS, tenfold, phone, 12patients, _one patients, caf\u00e9one "
               "patients, x-two patients, (eight patients), twelve\u2009patients.")


def test_a_count_splits_its_starts_into_digits_and_number_words():
    from extractors.engine import compile_regex
    from extractors.prefilter import split_for

    compiled = compile_regex(r"(?<![\d.,])(?P<n><<COUNT>>)<<SP>>patients")
    split = split_for(re.compile(compiled.pattern, compiled.flags))
    assert split is not None and split.word_start
    assert {"one", "two", "ten", "twenty", "forty", "six"} <= split.lead
    assert "sixteen" not in split.lead  # implied by 'six'
    assert split.others is not None and split.others.match("3 patients").group() == "3 patients"


@pytest.mark.parametrize("pattern", [r"(?<![\d.,])(?P<n><<COUNT>>)<<SP>>patients", r"(?:<<NUMWORD>>|\d+)<<SP>>patients",
                                     r"<<NUMWORD>><<WS>>patients"])
def test_a_split_pattern_finds_what_the_plain_regex_finds(pattern):
    from extractors.engine import compile_regex

    compiled = compile_regex(pattern)
    prefiltered = Prefiltered(re.compile(compiled.pattern, compiled.flags))
    assert prefiltered.split is not None
    text = COUNT_PROSE + " " + COUNT_PROSE.upper()
    assert len(text) > MIN_INDEXED_LENGTH
    assert len(list(prefiltered.finditer(text))) > 10
    same_matches(prefiltered, text)
    for start, end in ((0, 80), (35, 400), (60, len(text)), (7, 8)):
        same_matches(prefiltered, text, start, end)


def test_no_split_where_a_word_alternative_opens_on_no_known_word():
    from extractors.prefilter import split_for

    assert split_for(re.compile(r"(?:\d+|[a-z]+) patients", re.IGNORECASE)) is None
    assert split_for(re.compile(r"\d+ patients")) is None  # no alternation: the start hint is enough
    # under re.ASCII, '\b' sees a word start after 'é', which str.isalnum does not: every occurrence counts
    ascii_split = split_for(re.compile(r"(?:\d+|\bone) patients", re.ASCII | re.IGNORECASE))
    assert ascii_split is not None and not ascii_split.word_start
    text = "caf\u00e9one patients and one patients " + "x" * MIN_INDEXED_LENGTH
    same_matches(Prefiltered(re.compile(r"(?:\d+|\bone) patients", re.ASCII | re.IGNORECASE)), text)
