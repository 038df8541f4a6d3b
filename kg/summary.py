"""The flat summary view of a record (``kg extract --format summary``), exactly as SUMMARY.md defines it.

A view, never a second extractor: every number here is a record value, unchanged.
"""

from __future__ import annotations

from typing import Any

from kg.records import Dose, Extracted, ResponseSummary, SummaryStatistics, TrialAbstract

CATEGORIES = (("CR", "complete_response"), ("PR", "partial_response"), ("SD", "stable_disease"),
              ("PD", "progressive_disease"))
RATES = (("ORR", "orr"), ("DCR", "dcr"))


def value(extracted: Extracted | None) -> Any:
    return None if extracted is None else extracted.value


def dose(item: Dose) -> dict[str, Any]:
    return {"drug": item.drug.value, "value": item.value.value, "unit": item.unit.value}


def stats(item: SummaryStatistics | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    if item is None:
        return None
    return {key: value(getattr(item, key)) for key in keys}


def responses(summary: ResponseSummary | None) -> dict[str, Any]:
    result = {name: value(getattr(summary, attr)) if summary else None for name, attr in CATEGORIES}
    for extra in summary.other_categories if summary else []:
        result[extra.category.value] = extra.n.value
    return result


def rates(summary: ResponseSummary | None) -> dict[str, Any]:
    result = {name: value(getattr(summary, attr)) if summary else None for name, attr in RATES}
    if summary is not None and summary.cbr is not None:
        result["CBR"] = summary.cbr.value
    for category_rate in summary.category_rates if summary else []:
        result.setdefault(category_rate.category.value, category_rate.pct.value)
    return result


def summarise(record: TrialAbstract) -> dict[str, Any]:
    efficacy = record.efficacy
    return {
        "id": record.id,
        "nct_ids": [e.value for e in record.nct_ids],
        "phases": [e.value for e in record.phases],
        "designs": [e.value for e in record.designs],
        "enrolled": value(record.enrolled),
        "enrolled_parts": [{"part": p.part.value, "n": p.n.value} for p in record.enrolled_parts],
        "evaluable": value(efficacy.evaluable) if efficacy else None,
        "age": stats(record.age, ("median", "min", "max")),
        "doses": [dose(d) for d in record.doses],
        "rp2d": [dose(d) for d in record.rp2d],
        "dlt": None if record.dlt is None else {
            # SUMMARY.md: the total as the text counts it, DLTs or patients with one.
            "total": value(record.dlt.total) if record.dlt.total is not None else value(record.dlt.patients),
            "by_dose": [dict(dose(d), n=d.n.value) for d in record.dlt.by_dose],
            "events": [{"term": e.term.value, "grade": value(e.grade), "n": value(e.n)} for e in record.dlt.events],
        },
        "responses": responses(efficacy),
        "rates": rates(efficacy),
        "arms": [{"arm": value(a.arm), "n": value(a.n), "responses": responses(a.efficacy), "rates": rates(a.efficacy)}
                 for a in record.arms],
        "ae": [{"term": a.term.value, "grade": value(a.grade) or "any", "pct": value(a.pct), "n": value(a.n)}
               for a in record.ae],
        "counts": [{"what": c.what.value, "n": value(c.n), "pct": value(c.pct)} for c in record.counts],
        "prior_therapies": stats(record.prior_therapies, ("median", "min", "max")),
        "cycles": stats(record.cycles, ("median", "mean", "min", "max")),
        "data_cutoff": value(record.data_cutoff),
        "responders": [{"best": r.best.value, "histology": value(r.histology), "shrinkage_pct": value(r.shrinkage_pct),
                        "week": value(r.week), "cycles": value(r.cycles)} for r in record.responders],
    }
