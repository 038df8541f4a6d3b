"""Networks across trials (``kg graph``): drug -> adverse event, trial <-> drug, drug -- drug.

The graphs are views of the records, never a second extractor. Every graph is built from
``TrialFacts``, the few facts per trial that the networks need, read from the summary view
(SUMMARY.md) of a record, so a gold summary file or a store query gives the same graph as the records:

- a trial's drugs are the drugs of its dose levels, RP2Ds and DLT dose levels, in order of first mention
  (the records name a drug only where the text gives it a dose);
- its toxicities are the adverse-event figures of a grade group whose lowest grade is 3 or more
  (``3``, ``4``, ``>=3``, ``3-4``...) with a stated percentage; a term's figure in a trial is the largest
  such percentage (a ``3`` and a ``4`` figure are not added: the text may count a patient in both), and
  the term ``any`` (all events together) is not a toxicity.

Node ids carry their kind (``drug:paclitaxel``, ``ae:neutropenia``, ``trial:<id>``) so that a drug and
an event of the same name stay two nodes; the name is the node's ``label``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from kg.errors import UsageError
from kg.records import TrialAbstract
from kg.summary import summarise

Kind = Literal["drug-ae", "trial-drug", "drug-drug"]
KINDS: tuple[Kind, ...] = ("drug-ae", "trial-drug", "drug-drug")
EXPORT_SUFFIXES = {".graphml": "graphml", ".json": "json"}
LOWEST_GRADE = re.compile(r"^(?:>=)?([1-5])")


def lowest_grade(group: str | None) -> int | None:
    """The lowest CTCAE grade a grade group covers: ``'3-4'`` -> 3, ``'>=3'`` -> 3, ``'any'`` -> None.

    >>> [lowest_grade(g) for g in ("3", ">=3", "3-4", "2-3", "any", None)]
    [3, 3, 3, 2, None, None]
    """
    match = LOWEST_GRADE.match(group or "")
    return int(match.group(1)) if match else None


def number_text(value: float | int) -> str:
    """A number as a person writes it: 3 not 3.0, 2.5 as 2.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class TrialFacts:
    """What the networks need of one trial."""

    id: str
    drugs: tuple[str, ...]
    doses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rp2d: dict[str, tuple[str, ...]] = field(default_factory=dict)
    toxicities: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_summary(cls, summary: dict[str, Any]) -> TrialFacts:
        """From SUMMARY.md's flat view (``kg extract --format summary``, or a gold file)."""
        drugs: list[str] = []
        doses: dict[str, list[str]] = {}
        rp2d: dict[str, list[str]] = {}
        dlt = summary.get("dlt") or {}
        for group, target in ((summary.get("doses") or [], doses), (summary.get("rp2d") or [], rp2d),
                              (dlt.get("by_dose") or [], None)):
            for item in group:
                drug = item["drug"]
                if drug not in drugs:
                    drugs.append(drug)
                if target is not None:
                    label = f"{number_text(item['value'])} {item['unit']}"
                    if label not in target.setdefault(drug, []):
                        target[drug].append(label)
        toxicities: dict[str, float] = {}
        for figure in summary.get("ae") or []:
            grade = lowest_grade(figure.get("grade"))
            if grade is None or grade < 3 or figure.get("pct") is None or figure["term"] == "any":
                continue
            toxicities[figure["term"]] = max(float(figure["pct"]), toxicities.get(figure["term"], 0.0))
        return cls(id=summary["id"], drugs=tuple(drugs), doses={d: tuple(v) for d, v in doses.items()},
                   rp2d={d: tuple(v) for d, v in rp2d.items()}, toxicities=toxicities)

    @classmethod
    def from_record(cls, record: TrialAbstract) -> TrialFacts:
        return cls.from_summary(summarise(record))


def drug_ae_graph(trials: Iterable[TrialFacts]) -> nx.DiGraph:
    """Drug -> adverse event, one edge per pair seen in a trial that gives the drug a dose.

    Edge ``weight``: the mean over trials of the term's grade >= 3 percentage; ``max_pct`` the largest;
    ``trials`` how many trials; ``trial_ids`` their ids joined by ``;``. A combination's toxicities go to
    each of its drugs: an abstract does not say which drug caused an event.
    """
    graph = nx.DiGraph(kind="drug-ae")
    seen: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for trial in trials:
        if not trial.toxicities:
            continue
        for drug in trial.drugs:
            graph.add_node(f"drug:{drug}", label=drug, kind="drug")
            for term, pct in trial.toxicities.items():
                graph.add_node(f"ae:{term}", label=term, kind="adverse_event")
                seen.setdefault((drug, term), []).append((trial.id, pct))
    for (drug, term), figures in seen.items():
        pcts = [pct for _, pct in figures]
        graph.add_edge(f"drug:{drug}", f"ae:{term}", weight=round(sum(pcts) / len(pcts), 2), max_pct=max(pcts),
                       trials=len(figures), trial_ids=";".join(sorted({trial_id for trial_id, _ in figures})))
    return graph


def trial_drug_graph(trials: Iterable[TrialFacts]) -> nx.Graph:
    """Trials and drugs, bipartite (node ``bipartite`` 0 for trials, 1 for drugs; networkx's convention).

    Edge ``weight``: how many dose levels the trial states for the drug (at least 1); ``doses`` and
    ``rp2d`` list them (``"1 mg/kg; 2 mg/kg"``).
    """
    graph = nx.Graph(kind="trial-drug")
    for trial in trials:
        if not trial.drugs:
            continue
        graph.add_node(f"trial:{trial.id}", label=trial.id, kind="trial", bipartite=0)
        for drug in trial.drugs:
            graph.add_node(f"drug:{drug}", label=drug, kind="drug", bipartite=1)
            doses = trial.doses.get(drug, ())
            graph.add_edge(f"trial:{trial.id}", f"drug:{drug}", weight=max(1, len(doses)), doses="; ".join(doses),
                           rp2d="; ".join(trial.rp2d.get(drug, ())))
    return graph


def drug_drug_graph(trials: Iterable[TrialFacts]) -> nx.Graph:
    """Drugs given together: an edge for each pair of drugs of one trial, weighted by how many trials pair them.

    Only drugs of some combination are nodes; a single-drug trial adds nothing.
    """
    graph = nx.Graph(kind="drug-drug")
    pairs: dict[tuple[str, str], set[str]] = {}
    for trial in trials:
        drugs = sorted(set(trial.drugs))
        for i, first in enumerate(drugs):
            for second in drugs[i + 1:]:
                pairs.setdefault((first, second), set()).add(trial.id)
    for (first, second), trial_ids in sorted(pairs.items()):
        for drug in (first, second):
            graph.add_node(f"drug:{drug}", label=drug, kind="drug")
        graph.add_edge(f"drug:{first}", f"drug:{second}", weight=len(trial_ids), trials=len(trial_ids),
                       trial_ids=";".join(sorted(trial_ids)))
    return graph


BUILDERS = {"drug-ae": drug_ae_graph, "trial-drug": trial_drug_graph, "drug-drug": drug_drug_graph}


def build_graph(kind: str, trials: Iterable[TrialFacts]) -> nx.Graph:
    if kind not in BUILDERS:
        raise UsageError(f"unknown graph kind {kind!r}; choose one of {', '.join(KINDS)}")
    return BUILDERS[kind](trials)


# --- export ------------------------------------------------------------------------------------


def export_format(path: str) -> str:
    """``graphml`` or ``json`` from the output file's suffix."""
    suffix = path[path.rfind("."):].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix not in EXPORT_SUFFIXES:
        raise UsageError(f"{path}: cannot tell the export format from the suffix; use .graphml (GraphML) "
                         "or .json (node-link JSON)")
    return EXPORT_SUFFIXES[suffix]


def to_graphml(graph: nx.Graph) -> str:
    return "\n".join(nx.generate_graphml(graph)) + "\n"


def to_node_link_json(graph: nx.Graph) -> str:
    """networkx's node-link JSON (``nodes``, ``edges``), keys sorted so the same graph gives the same bytes."""
    return json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def export(graph: nx.Graph, fmt: str) -> str:
    return to_graphml(graph) if fmt == "graphml" else to_node_link_json(graph)


# --- the table of strongest edges ----------------------------------------------------------------

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "drug-ae": (("drug", "source"), ("adverse event", "target"), ("grade>=3 % (mean)", "weight"),
                ("max %", "max_pct"), ("trials", "trials")),
    "trial-drug": (("trial", "source"), ("drug", "target"), ("dose levels", "weight"), ("doses", "doses"),
                   ("rp2d", "rp2d")),
    "drug-drug": (("drug", "source"), ("drug", "target"), ("trials", "weight"), ("trial ids", "trial_ids")),
}


def strongest_edges(graph: nx.Graph, top: int | None) -> list[dict[str, Any]]:
    """Edges by weight, strongest first (ties by name); each with its end labels and attributes."""
    rows = []
    for source, target, data in graph.edges(data=True):
        if graph.nodes[source].get("kind") == "drug" and graph.nodes[target].get("kind") == "trial":
            source, target = target, source  # a bipartite edge reads trial -> drug
        elif (not graph.is_directed() and graph.nodes[source].get("kind") == graph.nodes[target].get("kind")
              and graph.nodes[source]["label"] > graph.nodes[target]["label"]):
            source, target = target, source  # a pair of drugs reads in name order, whatever the node order
        rows.append({**data, "source": graph.nodes[source]["label"], "target": graph.nodes[target]["label"]})
    rows.sort(key=lambda row: (-row["weight"], row["source"], row["target"]))
    return rows if top is None else rows[:top]


def cell(value: Any, key: str = "") -> str:
    if key == "trial_ids":  # the table names three; the export keeps them all
        ids = str(value).split(";")
        return "; ".join(ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")
    return number_text(value) if isinstance(value, float) else str(value)


def edge_table(graph: nx.Graph, kind: str, top: int | None) -> str:
    """The strongest edges as an aligned text table with a header line (nothing but the header if none)."""
    columns = COLUMNS[kind]
    rows = [[cell(row.get(key, ""), key) for _, key in columns] for row in strongest_edges(graph, top)]
    header = [title for title, _ in columns]
    widths = [max(len(text) for text in column) for column in zip(header, *rows)]
    numeric = [all(re.fullmatch(r"[\d.]+", row[i]) for row in rows) and rows for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        parts = [text.rjust(width) if numeric[i] else text.ljust(width) for i, (text, width) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip() + "\n"

    return line(header) + "".join(line(row) for row in rows)


# --- from a store ------------------------------------------------------------------------------------

KG_NS = "https://w3id.org/trial-kg/ns#"
# The dose levels (with the list each sits in, for the order of first mention) and the AE figures with a
# percentage, of every abstract graph. Internal to the graph view; the named, documented competency
# queries live in kg/queries/.
STORE_DOSES = f"""PREFIX kg: <{KG_NS}>
SELECT ?id ?list ?dose ?drug ?value ?unit WHERE {{
  GRAPH ?g {{
    ?abstract kg:abstractId ?id .
    {{ ?abstract kg:hasDoseLevel ?dose . BIND ("doses" AS ?list) }}
    UNION {{ ?abstract kg:recommendedPhase2Dose ?dose . BIND ("rp2d" AS ?list) }}
    UNION {{ ?abstract kg:hasDltSummary/kg:hasDltAtDose ?dose . BIND ("dlt" AS ?list) }}
    ?dose kg:drugName ?drug ; kg:doseValue ?value ; kg:doseUnit ?unit .
  }}
}}"""
STORE_AES = f"""PREFIX kg: <{KG_NS}>
SELECT ?id ?figure ?term ?grade ?pct WHERE {{
  GRAPH ?g {{
    ?abstract kg:abstractId ?id ; kg:hasAdverseEventFigure ?figure .
    ?figure kg:eventTerm ?term ; kg:percentage ?pct .
    OPTIONAL {{ ?figure kg:gradeGroup ?grade }}
  }}
}}"""
LIST_ORDER = {"doses": 0, "rp2d": 1, "dlt": 2}
INDEX = re.compile(r"/(\d+)$")


def labels_of(table: str) -> dict[str, str]:
    """IRI -> label of a vocabulary table; where two labels share an IRI ('5', '>=5'), the first."""
    from kg.rdf import vocab_table

    labels: dict[str, str] = {}
    for label, iri in vocab_table(table).items():
        labels.setdefault(str(iri), label)
    return labels


def number(literal: str) -> float | int:
    value = float(literal)
    return int(value) if value.is_integer() and "." not in literal else value


def position(iri: str) -> int:
    match = INDEX.search(iri)
    return int(match.group(1)) if match else 0


def trials_from_store(store: Any) -> list[TrialFacts]:
    """The TrialFacts of every abstract in a store (anything whose ``query(sparql)`` gives pyoxigraph
    solutions: ``kg.store``'s stores), in abstract-id order: the same facts as from the records."""
    units, grades = labels_of("units"), labels_of("grades")
    summaries: dict[str, dict[str, Any]] = {}

    def summary(record_id: str) -> dict[str, Any]:
        return summaries.setdefault(record_id, {"id": record_id, "doses": [], "rp2d": [], "dlt": {"by_dose": []}, "ae": []})

    rows = [(s["id"].value, s["list"].value, s["dose"].value, s["drug"].value, s["value"].value, s["unit"].value)
            for s in store.query(STORE_DOSES)]
    for record_id, group, dose, drug, value, unit in sorted(rows, key=lambda r: (r[0], LIST_ORDER[r[1]], position(r[2]))):
        item = {"drug": drug, "value": number(value), "unit": units.get(unit, unit.rsplit("#", 1)[-1])}
        target = summary(record_id)
        (target["dlt"]["by_dose"] if group == "dlt" else target[group]).append(item)
    figures = [(s["id"].value, s["figure"].value, s["term"].value, s["grade"].value if s["grade"] else None,
                s["pct"].value) for s in store.query(STORE_AES)]
    for record_id, figure, term, grade, pct in sorted(figures, key=lambda r: (r[0], position(r[1]))):
        summary(record_id)["ae"].append({"term": term, "grade": grades.get(grade or "", "any"), "pct": float(pct)})
    return [TrialFacts.from_summary(summaries[key]) for key in sorted(summaries)]
