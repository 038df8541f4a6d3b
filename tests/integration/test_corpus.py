"""The whole shared corpus: every record extracted, none lost, every value's span exact."""

from __future__ import annotations

import json

import pytest

from kg.pipeline import Abstract, extract_one
from tests.conftest import corpus_file
from tests.helpers import extracted_values


@pytest.mark.slow
@pytest.mark.parametrize("name", ["oncology_early_phase.jsonl", "rct_abstracts.jsonl"])
def test_every_value_of_the_corpus_has_an_exact_span(name):
    path = corpus_file(name)
    records = values = 0
    bad = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            record = extract_one(Abstract(id=row["id"], text=row["text"], title=row.get("title")))
            records += 1
            for where, value in extracted_values(record.model_dump(mode="json")):
                values += 1
                source = row["title"] if value["field"] == "title" else row["text"]
                if source[value["start"]:value["end"]] != value["text"]:
                    bad.append((row["id"], where, value))
    expected = sum(1 for _ in path.open(encoding="utf-8"))
    assert records == expected
    assert values > records  # the run extracted something from most abstracts
    assert bad == []
