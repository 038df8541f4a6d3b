"""kg load / query / check --store on an embedded Oxigraph store, with corpus abstracts and the seed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.query import named_queries
from kg.storecheck import REPORT_SUFFIX
from tests.conftest import SEED, corpus_records
from tests.helpers import run

# Corpus records each named query has something to say about (ids, never their text).
SAMPLE_IDS = (
    "doi:10.1056/NEJMoa1917239",  # phase 1, an arm with DCR 88.1% and grade 3-4 TRAEs in 11.6%
    "aacr2025:CT262",             # RP2D camonsertib 80 mg; lunresertib AEs
    "doi:10.1200/JCO.23.01720",   # NCT03547973, also named by the next one
    "doi:10.1200/JCO.22.02835",
)


@pytest.fixture(scope="module")
def sample_jsonl(tmp_path_factory) -> Path:
    records = corpus_records("oncology_early_phase.jsonl")
    seed = SEED.read_text(encoding="utf-8")
    # The seed with its DCR and one AE percentage changed: rows for the two "disagrees" queries.
    mutated = seed.replace("86.21%", "88.21%").replace("97.44%", "96.44%")
    assert mutated.count("88.21%") == 1 and mutated.count("96.44%") == 1
    rows = [{"id": i, "text": records[i]["text"], "title": records[i].get("title")} for i in SAMPLE_IDS]
    rows += [{"id": "seed", "text": seed}, {"id": "seed-mutated", "text": mutated}]
    path = tmp_path_factory.mktemp("sample") / "sample.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(sample_jsonl, tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("store") / "kg")
    assert main(["load", str(sample_jsonl), "--store", directory]) == 0
    return directory


def query_csv(capsys, store: str, *argv: str) -> list[dict[str, str]]:
    code, out, err = run(capsys, "query", "--store", store, "--format", "csv", *argv)
    assert (code, err) == (0, "")
    return list(csv.DictReader(io.StringIO(out)))


def quad_count(store: str) -> tuple[int, int]:
    found = ox.Store.read_only(store).query(
        "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }")
    row = next(iter(found))
    return int(row["n"].value), int(row["graphs"].value)


def data_quads(store: str) -> list[str]:
    """The store's quads outside the validation reports, as sorted N-Quads lines."""
    lines = ox.Store.read_only(store).dump(format=ox.RdfFormat.N_QUADS).decode().splitlines()
    return sorted(line for line in lines if not line.rstrip(" .").endswith(f"{REPORT_SUFFIX}>"))


# --- load -----------------------------------------------------------------------------------------


def test_load_gives_one_named_graph_per_abstract_and_its_report(store):
    quads, graphs = quad_count(store)
    names = list(ox.Store.read_only(store).named_graphs())
    reports = sorted(g.value for g in names if g.value.endswith(REPORT_SUFFIX))
    assert graphs == 2 * (len(SAMPLE_IDS) + 2)
    assert reports == sorted(g.value + REPORT_SUFFIX for g in names if not g.value.endswith(REPORT_SUFFIX))
    assert quads > 500


def test_loading_again_replaces_the_graphs(store, sample_jsonl, tmp_path, capsys):
    before = quad_count(store)
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(store, copy)
    assert main(["load", str(sample_jsonl), "--store", str(copy)]) == 0
    assert main(["load", str(SEED), "--store", str(copy)]) == 0
    assert quad_count(str(copy)) == before


def test_trig_made_by_extract_loads_the_same_quads_as_the_text(tmp_path, capsys):
    trig = tmp_path / "seed.trig"
    assert main(["extract", str(SEED), "--format", "trig", "-o", str(trig)]) == 0
    from_text, from_trig = str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["load", str(SEED), "--store", from_text]) == 0
    assert main(["load", str(trig), "--store", from_trig]) == 0
    dump = [data_quads(d) for d in (from_text, from_trig)]
    assert len(dump[0]) > 300
    assert dump[0] == dump[1]


def test_load_without_a_store_is_a_usage_error(capsys):
    code, out, err = run(capsys, "load", str(SEED))
    assert (code, out, err) == (2, "", "kg: error: kg load needs --store DIR or --endpoint URL\n")


def test_selectors_carry_their_sentence(store, capsys):
    rows = query_csv(capsys, store, "--name", "abstract-values", "--bind", "id=seed")
    dcr = [row for row in rows if row["property"] == "diseaseControlRate"]
    assert len(dcr) == 1
    assert dcr[0]["exact"] == "86.21" and dcr[0]["rule"] and dcr[0]["field"] == "text"
    assert "86.21%" in dcr[0]["sentence"] and dcr[0]["sentence"].endswith(".")
    assert len(rows) > 50


# --- named competency queries ------------------------------------------------------------------


def test_there_are_at_least_ten_documented_named_queries():
    queries = named_queries()
    assert len(queries) >= 10
    for query in queries.values():
        assert query.title and len(query.description) > 40, query.name
        assert "GRAPH ?abstract" in query.text, query.name


def test_every_named_query_returns_rows_on_the_sample(store, capsys):
    empty = []
    for name in named_queries():
        rows = query_csv(capsys, store, "--name", name, "--bind", "drug=lunresertib", "--bind", "id=seed") \
            if name in ("ae-by-drug", "abstract-values") else query_csv(capsys, store, "--name", name)
        if not rows:
            empty.append(name)
    assert empty == []


def test_phase1_high_dcr_low_toxicity_quotes_its_sentences(store, capsys):
    rows = query_csv(capsys, store, "--name", "phase1-dcr-low-toxicity")
    hits = [row for row in rows if row["id"] == "doi:10.1056/NEJMoa1917239"]
    assert len(hits) >= 1
    assert {(row["dcr"], row["grade3Pct"]) for row in hits} == {("88.1", "11.6")}
    assert "88.1% (52 patients) had disease control" in hits[0]["dcrSentence"]
    assert all("11.6%" in row["grade3Sentence"] for row in hits)
    assert all(float(row["dcr"]) >= 80 and float(row["grade3Pct"]) < 20 for row in rows)


def test_rp2d_by_drug(store, capsys):
    rows = {(row["drug"], row["dose"], row["unit"]): row for row in query_csv(capsys, store, "--name", "rp2d-by-drug")}
    assert "aacr2025:CT262" in rows[("camonsertib", "80", "mg")]["ids"].split()
    assert sorted(rows[("lvgn6051", "3", "mg/kg")]["ids"].split()) == ["seed", "seed-mutated"]


def test_stated_dcr_disagreeing_with_counts(store, capsys):
    rows = query_csv(capsys, store, "--name", "dcr-disagrees")
    assert [(r["id"], r["dcr"], r["pr"], r["sd"], r["evaluable"], r["expected"]) for r in rows] == [
        ("seed-mutated", "88.21", "2", "23", "29", "86.21")]
    assert "88.21%" in rows[0]["sentence"]


def test_percentage_disagreeing_with_n_of_n(store, capsys):
    rows = [r for r in query_csv(capsys, store, "--name", "percentage-disagrees") if r["id"].startswith("seed")]
    assert [(r["id"], r["n"], r["N"], r["pct"], r["expected"]) for r in rows] == [("seed-mutated", "38", "39", "96.44", "97.44")]


def test_ae_percentages_across_trials_of_one_drug(store, capsys):
    rows = query_csv(capsys, store, "--name", "ae-by-drug", "--bind", "drug=lunresertib")
    assert rows and {row["drug"] for row in rows} == {"lunresertib"}
    anemia = [row for row in rows if row["term"] == "anemia"]
    assert len(anemia) == 1 and anemia[0]["abstracts"] == "1" and anemia[0]["maxPct"] == "26.9"


def test_dlt_events_and_trials_in_several_abstracts(store, capsys):
    dlt = {row["term"]: row for row in query_csv(capsys, store, "--name", "dlt-events")}
    assert dlt["thrombocytopenia"]["abstracts"] == "2"  # the seed and its mutated twin
    nct = {row["nct"]: row for row in query_csv(capsys, store, "--name", "nct-in-several-abstracts")}
    assert sorted(nct["NCT03547973"]["ids"].split()) == ["doi:10.1200/JCO.22.02835", "doi:10.1200/JCO.23.01720"]


# --- query contract ----------------------------------------------------------------------------


def test_json_and_csv_are_the_sparql_results_formats(store, capsys):
    code, out, _ = run(capsys, "query", "--store", store, "--format", "json", "-e",
                       "SELECT ?id WHERE { ?a <https://w3id.org/trial-kg/ns#abstractId> ?id } ORDER BY ?id LIMIT 2")
    assert code == 0
    data = json.loads(out)
    assert data["head"]["vars"] == ["id"]
    assert [b["id"] for b in data["results"]["bindings"]] == [
        {"type": "literal", "value": "aacr2025:CT262"}, {"type": "literal", "value": "doi:10.1056/NEJMoa1917239"}]
    code, out, _ = run(capsys, "query", "--store", store, "--format", "csv", "-e",
                       "SELECT ?id WHERE { ?a <https://w3id.org/trial-kg/ns#abstractId> ?id } ORDER BY ?id LIMIT 1")
    assert out == "id\r\naacr2025:CT262\r\n"


def test_query_file_and_table(store, tmp_path, capsys):
    path = tmp_path / "count.rq"
    path.write_text("SELECT (COUNT(DISTINCT ?a) AS ?abstracts) WHERE { ?a a <https://w3id.org/trial-kg/ns#TrialAbstract> }\n")
    code, out, err = run(capsys, "query", "--store", store, str(path))
    assert (code, err) == (0, "")
    assert out.splitlines() == ["abstracts", "---------", "6", "(1 row)"]


def test_a_wrong_query_is_one_line_with_the_parser_position(store, capsys):
    code, out, err = run(capsys, "query", "--store", store, "-e", "SELECT ?x WHERE {\n  ?x ?y\n}")
    assert (code, out) == (2, "")
    assert err == "kg: error: bad SPARQL query: error at 3:1: expected one of LATERAL, SERVICE, [_]\n" or (
        err.startswith("kg: error: bad SPARQL query: error at 3:") and len(err.splitlines()) == 1)


def test_updates_are_refused_unless_allowed(store, tmp_path, capsys):
    update = "DELETE WHERE { GRAPH ?g { ?s <https://w3id.org/trial-kg/ns#rule> ?o } }"
    code, out, err = run(capsys, "query", "--store", store, "-e", update)
    assert (code, out) == (2, "")
    assert err == "kg: error: this is a SPARQL update; kg query refuses updates unless --allow-update is given\n"
    import shutil

    copy = str(tmp_path / "copy")
    shutil.copytree(store, copy)
    before, _ = quad_count(copy)
    assert main(["query", "--store", copy, "--allow-update", "-e", update]) == 0
    after, _ = quad_count(copy)
    assert 0 < after < before


def test_query_on_a_missing_store_is_an_input_error(tmp_path, capsys):
    code, out, err = run(capsys, "query", "--store", str(tmp_path / "none"), "-e", "ASK {}")
    assert (code, out) == (2, "")
    assert err == f"kg: error: {tmp_path / 'none'}: no store here; make one with `kg load PATH... --store DIR`\n"
    assert not (tmp_path / "none").exists()


def test_unknown_named_query(store, capsys):
    code, _, err = run(capsys, "query", "--store", store, "--name", "nope")
    assert (code, err) == (2, "kg: error: no query named 'nope'; `kg query --list` shows them\n")


# --- store-level check -------------------------------------------------------------------------


def test_store_check_equals_pyshacl_per_abstract(store, sample_jsonl, capsys):
    from kg.inputs import read_inputs
    from kg.pipeline import extract_one
    from kg.rdf import record_graph
    from kg.shacl import validate

    code, out, err = run(capsys, "check", "--store", store, "--format", "json")
    assert code == 1, err
    by_store = {row["id"]: row["violations"] for row in map(json.loads, out.splitlines())}
    by_pyshacl = {}
    for abstract in read_inputs([str(sample_jsonl)]):
        _, results, _ = validate(record_graph(extract_one(abstract)))
        if results:
            by_pyshacl[abstract.id] = [result.model_dump() for result in results]
    assert "seed-mutated" in by_pyshacl
    assert set(by_store) == set(by_pyshacl)
    for key in by_pyshacl:
        ordering = lambda r: (r["shape"], r["message"], json.dumps(r["spans"]))  # noqa: E731
        assert sorted(by_store[key], key=ordering) == sorted(by_pyshacl[key], key=ordering), key


def test_store_check_text_names_abstract_shape_and_spans(store, capsys):
    code, out, _ = run(capsys, "check", "--store", store)
    assert code == 1
    assert ("seed-mutated: Violation DcrMatchesCountsShape: DCR 88.21% stated, but 2 PR + 23 SD of 29 evaluable "
            "give 86.21% [") in out


def test_check_store_and_paths_together_is_a_usage_error(store, capsys):
    code, out, err = run(capsys, "check", str(SEED), "--store", store)
    assert (code, out, err) == (2, "", "kg: error: give PATH... or --store/--endpoint, not both\n")


def test_a_bad_rdf_file_stops_the_load_before_any_write(tmp_path, capsys):
    bad = tmp_path / "bad.trig"
    bad.write_text('GRAPH <https://w3id.org/trial-kg/abstract/x> { <x:s> <x:p> "unterminated }\n', encoding="utf-8")
    code, out, err = run(capsys, "load", str(bad), "--store", str(tmp_path / "store"))
    assert (code, out) == (2, "")
    assert err.startswith(f"kg: error: {bad}: not valid TriG: ") and len(err.splitlines()) == 1
    assert not (tmp_path / "store").exists()


def test_store_check_follows_subclasses_when_the_data_declares_them(store, tmp_path, capsys):
    """With an rdfs:subClassOf triple in a graph, an instance of a subclass is a focus node (SHACL 2.1.3.3)."""
    import shutil

    copy = str(tmp_path / "copy")
    shutil.copytree(store, copy)
    graph = "https://w3id.org/trial-kg/abstract/seed"
    update = (f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:SubFigure> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
              "<https://w3id.org/trial-kg/ns#AdverseEventFigure> . <urn:x:figure> a <urn:x:SubFigure> ; "
              "<https://w3id.org/trial-kg/ns#percentage> 150 . } }")
    assert main(["query", "--store", copy, "--allow-update", "-e", update]) == 0
    code, out, _ = run(capsys, "check", "--store", copy)
    assert code == 1
    assert "seed: Violation PercentageInRangeShape: 150% is more than all patients (100%) []" in out


def test_stored_reports_equal_the_shapes_run_over_the_whole_store(store):
    """kg load validated each abstract on its way in; kg check --store reads those reports, and they hold
    exactly what the set-level queries find when run over the store."""
    from kg.store import LocalStore
    from kg.storecheck import check_store, stored_results

    local = LocalStore(store)
    assert stored_results(local) is not None
    stored, full = list(check_store(local)), list(check_store(local, stored=False))
    assert any(r.abstract_id == "seed-mutated" and r.result.shape == "DcrMatchesCountsShape" for r in full)
    assert stored == full


def test_a_store_loaded_from_trig_has_no_report_and_is_checked_in_full(sample_jsonl, tmp_path, capsys):
    from kg.store import LocalStore
    from kg.storecheck import stored_results

    trig, from_text, from_trig = tmp_path / "sample.trig", str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["extract", str(sample_jsonl), "--format", "trig", "-o", str(trig)]) == 0
    assert main(["load", str(sample_jsonl), "--store", from_text]) == 0
    assert main(["load", str(trig), "--store", from_trig]) == 0
    assert stored_results(LocalStore(from_trig)) is None
    by_text, by_trig = run(capsys, "check", "--store", from_text), run(capsys, "check", "--store", from_trig)
    assert by_text[0] == 1 and "seed-mutated: Violation DcrMatchesCountsShape" in by_text[1]
    assert by_text == by_trig
    # loading the text over the TriG replaces each graph and writes its report
    assert main(["load", str(sample_jsonl), "--store", from_trig]) == 0
    assert stored_results(LocalStore(from_trig)) is not None
