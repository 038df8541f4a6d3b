"""Tuple-level scoring of summaries against gold annotations, as SUMMARY.md defines it.

Each of these is one tuple: an NCT id; a phase; enrolled; evaluable; a dose (drug, value, unit); an RP2D
(drug, value, unit); the DLT total; a DLT event (term, grade, n); a response (category, n); a rate (name,
value); an AE figure with a stated pct (term, grade, pct). Responses and rates count over the abstract
and its arms alike. Names are compared lower-cased without punctuation, numbers by value.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

TUPLE_TYPES = ("nct", "phase", "enrolled", "evaluable", "dose", "rp2d", "dlt_total", "dlt_event", "response",
               "rate", "ae")


def name(text: Any) -> str:
    """>>> name("Nab-Paclitaxel"), name("AST increased")
    ('nabpaclitaxel', 'astincreased')
    """
    return re.sub(r"[\W_]+", "", str(text).lower()) if text is not None else ""


def number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return str(value)


def tuples(summary: dict[str, Any]) -> Counter:
    found: Counter = Counter()
    for nct in summary.get("nct_ids") or []:
        found[("nct", str(nct).upper())] += 1
    for phase in summary.get("phases") or []:
        found[("phase", str(phase).lower())] += 1
    for key in ("enrolled", "evaluable"):
        if summary.get(key) is not None:
            found[(key, number(summary[key]))] += 1
    for key in ("doses", "rp2d"):
        kind = "dose" if key == "doses" else "rp2d"
        for dose in summary.get(key) or []:
            found[(kind, name(dose.get("drug")), number(dose.get("value")), str(dose.get("unit")).lower())] += 1
    dlt = summary.get("dlt") or {}
    if dlt.get("total") is not None:
        found[("dlt_total", number(dlt["total"]))] += 1
    for event in dlt.get("events") or []:
        found[("dlt_event", name(event.get("term")), str(event.get("grade")), number(event.get("n")))] += 1
    groups = [summary] + list(summary.get("arms") or [])
    for group in groups:
        for category, n in (group.get("responses") or {}).items():
            if n is not None:
                found[("response", category, number(n))] += 1
        for rate, value in (group.get("rates") or {}).items():
            if value is not None:
                found[("rate", rate, number(value))] += 1
    for figure in summary.get("ae") or []:
        if figure.get("pct") is not None:
            found[("ae", name(figure.get("term")), str(figure.get("grade") or "any"), number(figure["pct"]))] += 1
    return found


def drug_names(summary: dict[str, Any]) -> set[str]:
    """The drugs an abstract doses (its doses and RP2Ds), compared as names are: how well drugs are recognised."""
    return {name(dose.get("drug")) for key in ("doses", "rp2d") for dose in summary.get(key) or [] if dose.get("drug")}


@dataclass
class Score:
    true_positive: Counter = field(default_factory=Counter)
    false_positive: Counter = field(default_factory=Counter)
    false_negative: Counter = field(default_factory=Counter)
    misses: list[tuple[str, tuple]] = field(default_factory=list)
    spurious: list[tuple[str, tuple]] = field(default_factory=list)
    # Drug recognition, apart from the tuple types: (found and right, found, in gold).
    drugs: list[int] = field(default_factory=lambda: [0, 0, 0])

    def add(self, record_id: str, gold: dict[str, Any], predicted: dict[str, Any]) -> None:
        expected, got = tuples(gold), tuples(predicted)
        for item in (expected & got).elements():
            self.true_positive[item[0]] += 1
        for item in (expected - got).elements():
            self.false_negative[item[0]] += 1
            self.misses.append((record_id, item))
        for item in (got - expected).elements():
            self.false_positive[item[0]] += 1
            self.spurious.append((record_id, item))
        gold_drugs, found_drugs = drug_names(gold), drug_names(predicted)
        self.drugs[0] += len(gold_drugs & found_drugs)
        self.drugs[1] += len(found_drugs)
        self.drugs[2] += len(gold_drugs)

    def prf(self, kinds: Iterable[str] | None = None) -> tuple[float, float, float, int]:
        kinds = list(kinds) if kinds is not None else list(TUPLE_TYPES)
        tp = sum(self.true_positive[k] for k in kinds)
        fp = sum(self.false_positive[k] for k in kinds)
        fn = sum(self.false_negative[k] for k in kinds)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, tp + fn

    def table(self) -> str:
        lines = [f"{'type':<10} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}"]
        for kind in TUPLE_TYPES:
            p, r, f, n = self.prf([kind])
            lines.append(f"{kind:<10} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}")
        p, r, f, n = self.prf()
        lines.append(f"{'micro':<10} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}")
        right, found, gold = self.drugs
        p, r = (right / found if found else 1.0), (right / gold if gold else 1.0)
        f = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(f"{'(drugs)':<10} {p:6.3f} {r:6.3f} {f:6.3f} {gold:5d}  dosed drug names per abstract, not in micro")
        return "\n".join(lines)
