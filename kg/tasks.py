"""The per-abstract work of each batch command, as module-level functions a process pool or dask can ship.

Each takes the command's options first (bound with ``functools.partial``) and the ``Abstract`` last,
and returns what the writer needs: the formatted output, a check outcome, the abstract's N-Quads. The
heavy part (extraction, RDF, pySHACL) thus runs in the workers and the writer only writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kg.pipeline import Abstract, extract_one
from kg.records import TrialAbstract


def texts_of(abstract: Abstract) -> dict[str, str | None]:
    return {"text": abstract.text, "title": abstract.title}


def json_line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"


def extract_formatted(fmt: str, abstract: Abstract) -> str | TrialAbstract:
    """``kg extract``'s output for one abstract; the record itself for turtle, which is written once at the end."""
    record = extract_one(abstract)
    if fmt == "json":
        return json_line(record.model_dump(mode="json"))
    if fmt == "summary":
        from kg.summary import summarise

        return json_line(summarise(record))
    if fmt in ("trig", "nquads"):
        from kg.rdf import serialise

        return serialise([record], fmt, [texts_of(abstract)])
    return record


@dataclass(frozen=True)
class CheckOutcome:
    """``kg check``'s verdict on one abstract (the report graph as Turtle only when asked for)."""

    id: str
    conforms: bool
    results: list
    report_turtle: str | None = None


def check_outcome(keep_report: bool, abstract: Abstract) -> CheckOutcome:
    from kg.rdf import record_graph
    from kg.shacl import validate

    record = extract_one(abstract)
    conforms, results, report = validate(record_graph(record))
    return CheckOutcome(record.id, conforms, results, report.serialize(format="turtle") if keep_report else None)
