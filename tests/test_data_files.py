"""Integrity of every pattern, lexicon and vocabulary file: the data is code, so it is tested as code."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from extractors.engine import PatternRow, compile_regex, data_tsv, load_patterns, unit_table

COMPONENT_PACKAGES = ["extractors.trial", "extractors.drugs", "extractors.population", "extractors.doses",
                      "extractors.dlt", "extractors.adverse_events", "extractors.recist"]
VOCAB_TABLES = ["units", "phases", "designs", "responses", "grades"]


def all_rows() -> list[tuple[str, int, PatternRow]]:
    rows = []
    for package in COMPONENT_PACKAGES:
        for number, row in enumerate(load_patterns(package), start=1):
            rows.append((package, number, row))
    return rows


ROWS = all_rows()


def test_there_are_patterns():
    assert len(ROWS) >= 50


@pytest.mark.parametrize("package, number, row", ROWS, ids=[f"{p}:{r.id}" for p, _, r in ROWS])
def test_example_is_matched_by_its_own_pattern(package, number, row):
    assert isinstance(row.pattern, str)
    assert compile_regex(row.pattern).search(row.example), f"{package}/patterns.jsonl:{number}: {row.id} misses its example"


@pytest.mark.parametrize("package", COMPONENT_PACKAGES)
def test_pattern_file_is_canonical_json_lines(package):
    text = resources.files(package).joinpath("patterns.jsonl").read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        row = json.loads(line)
        assert list(row) == ["id", "label", "pattern", "example", "source"], f"{package}:{number} key order"
        assert row["source"].strip(), f"{package}:{number}: {row['id']} names no source"


def test_ids_are_unique_across_components():
    ids = [row.id for _, _, row in ROWS]
    assert len(ids) == len(set(ids))


def test_every_derived_unit_has_an_iri():
    vocab = {row["label"] for row in vocab_rows("units")}
    assert {canonical for canonical, _ in unit_table()} <= vocab


def vocab_rows(table: str) -> list[dict[str, str]]:
    return data_tsv("kg.ontology", f"vocab/{table}.tsv")


@pytest.mark.parametrize("table", VOCAB_TABLES)
def test_vocab_table_has_unique_labels_and_a_source_per_code(table):
    rows = vocab_rows(table)
    labels = [row["label"] for row in rows]
    assert len(rows) >= 5 and len(labels) == len(set(labels))
    for row in rows:
        assert row["iri"].startswith(("http://purl.obolibrary.org/obo/", "https://w3id.org/trial-kg/ns#")), row
        assert row["source"].strip(), row


@pytest.mark.parametrize("name", ["stems.tsv", "lexicon.tsv"])
def test_drug_tables_have_unique_keys_and_sources(name):
    rows = data_tsv("extractors.drugs", name)
    keys = [next(iter(row.values())) for row in rows]
    assert len(keys) == len(set(keys))
    assert all(row["source"].strip() for row in rows)


def test_drug_stems_are_lower_case_letters():
    # The stem regex (extractors/drugs/component.py) groups stems by first letter; that keeps its matches
    # only because a stem is lower-case letters that must end the word.
    bad = [row["stem"] for row in data_tsv("extractors.drugs", "stems.tsv") if not re.fullmatch("[a-z]+", row["stem"])]
    assert bad == []


def test_a_malformed_pattern_file_names_file_line_and_id(tmp_path, monkeypatch):
    import extractors.engine as engine
    from kg.errors import PatternFileError

    lines = '{"id": "ok", "label": "x", "pattern": "a", "example": "a", "source": "s"}\n' \
            '{"id": "bad", "label": "x", "pattern": "a", "example": "a", "source": "s", "colour": "red"}\n'
    monkeypatch.setattr(engine, "data_text", lambda package, name: lines)
    with pytest.raises(PatternFileError, match=r"^pkg/patterns.jsonl:2: colour: Extra inputs are not permitted \(id bad\)$"):
        engine.load_patterns("pkg")


def test_every_grade_group_the_parser_can_give_has_an_iri():
    from extractors.parsing import parse_grade

    labels = {row["label"] for row in vocab_rows("grades")}
    produced = {parse_grade(text) for text in
                [f"grade {a}" for a in range(1, 6)] + [f"grade \u2265{a}" for a in range(1, 6)]
                + [f"grade {a}-{b}" for a in range(1, 6) for b in range(a + 1, 6)] + ["any grade"]}
    assert len(produced) == 21
    assert produced - labels == set()


def components_with_context_rows():
    from extractors.engine import RuleComponent

    found = []
    for package in COMPONENT_PACKAGES:
        module = __import__(f"{package}.component", fromlist=["component"])
        for component in vars(module).values():
            if isinstance(component, type) and issubclass(component, RuleComponent) and component.fact_labels is not None:
                found.append((package, module, component))
    return found


@pytest.mark.parametrize("package, module, component", components_with_context_rows(),
                         ids=[c.__name__ for _, _, c in components_with_context_rows()])
def test_every_context_row_is_read_by_its_component(package, module, component):
    # A row that is neither a fact row nor the gate runs only where the component asks for it by label;
    # a label its code never names is a row that does nothing.
    source = resources.files(package).joinpath("component.py").read_text(encoding="utf-8")
    unread = sorted({row.label for row in load_patterns(package)
                     if row.label != "gate" and row.label not in component.fact_labels
                     and f'"{row.label}"' not in source})
    assert unread == [], f"{package}: rows whose label the component never reads: {unread}"
