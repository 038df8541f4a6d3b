"""Store scale: a store of --abstracts abstracts made by re-keying corpus records, and what it costs.

    .venv/bin/python bench/scale.py [--abstracts 100000] [--source oncology_early_phase.jsonl] [--store DIR]

Extracts the source corpus file once (with its sentences, as `kg load` does), then loads copies of its
abstracts under new ids (`<id>~<k>`) until the store holds --abstracts abstracts, and measures: load
time, disk size, peak RSS of this process (the loader, the queries and the check), `kg check --store`
time, and each named competency query's time (results fully read). Prints one JSON object, with a
linear extrapolation to 1M abstracts for load, disk, check and the corpus-wide aggregates.

The store check's throughput is compared with `kg check`'s per-abstract path (pySHACL on one abstract's
graph), timed in the same run on --pyshacl-sample source abstracts: check_store_vs_pyshacl is how many
times more abstracts per second the store check validates (issue 6 asks for >= 100). `kg load` validates
each batch on its way in and stores the reports, which `kg check --store` reads: check_store_s is that
read, validate_at_load_s the validation's share of the load (validate_vs_pyshacl its throughput against
pySHACL), and check_store_full_s the shapes' queries run over the whole store, as `kg check --store` does
when a report is missing or stale (skip it with --no-full-check).

The default source is the early-phase file: its abstracts are the densest in facts (about 260 quads
each, against about 30 for the RCT file), so this is the store's worst case per abstract.
Targets at 100k (issue 6): selective queries < 1 s, aggregates < 10 s, peak RSS < 2 GB, check < 3 min.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus"
# Named queries that pick a few abstracts (bound to an id or a drug); the others scan the corpus.
SELECTIVE = {"abstract-values": ["id=seed~7"], "ae-by-drug": ["drug=lunresertib"]}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: str) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


def base_abstracts(source: Path) -> list[tuple[str, bytes]]:
    """(id, N-Quads) of every source abstract that extracts, plus the seed."""
    from kg.batch import process
    from kg.errors import RecordError
    from kg.inputs import read_inputs
    from kg.store import abstract_nquads

    items = list(read_inputs([str(source), str(ROOT / "fixtures" / "abstracts" / "seed.txt")]))
    found = []
    for item, result in process(items, abstract_nquads, jobs=len(os.sched_getaffinity(0))):
        if not isinstance(item, RecordError):
            found.append((item.id, result[1]))
    return found


def pyshacl_s_per_abstract(source: Path, sample: int) -> float:
    """Seconds per abstract of the per-abstract path (pySHACL), as bench/throughput.py times it."""
    from kg.errors import RecordError
    from kg.inputs import read_inputs
    from kg.pipeline import extract_one
    from kg.rdf import record_graph
    from kg.shacl import validate

    graphs = []
    for item in read_inputs([str(source)]):
        if len(graphs) >= sample:
            break
        try:
            graphs.append(record_graph(extract_one(item)))
        except RecordError:  # an abstract that fails extraction is not a check figure
            continue
    validate(graphs[0])  # warm up: shapes parsed, queries prepared
    started = time.perf_counter()
    for graph in graphs:
        validate(graph)
    return (time.perf_counter() - started) / len(graphs)


def result_key(result) -> tuple:
    """A store check result with the parts of each GROUP_CONCAT list ('(a + b)') in sorted order."""
    message = re.sub(r"\(([^()]*\+[^()]*)\)", lambda m: "(" + " + ".join(sorted(m.group(1).split(" + "))) + ")",
                     result.result.message)
    return (result.graph, result.focus, result.result.shape, result.result.severity, message,
            tuple((s.field, s.start, s.end) for s in result.result.spans))


def note(message: str) -> None:
    """One progress line on stderr, so a long run shows where it is (stdout keeps only the JSON)."""
    print(f"scale: {time.strftime('%H:%M:%S')} {message} (load average {os.getloadavg()[0]:.2f})",
          file=sys.stderr, flush=True)


def time_queries(reader) -> dict:
    """Seconds, CPU seconds, rows and kind of every named competency query (results fully read)."""
    from kg.query import named_queries, with_bindings

    query_s = {}
    for name, query in named_queries().items():
        text = with_bindings(query.text, SELECTIVE.get(name, []))
        started = time.perf_counter()
        cpu = time.process_time()
        rows = sum(1 for _ in reader.query(text))
        query_s[name] = {"seconds": round(time.perf_counter() - started, 3),
                         "cpu_s": round(time.process_time() - cpu, 3), "rows": rows,
                         "kind": "selective" if name in SELECTIVE or name == "phase1-dcr-low-toxicity" else "aggregate"}
        note(f"query {name}: {query_s[name]}")
    return query_s


def rekeyed(record_id: str, nquads: bytes, copy: int) -> tuple[str, bytes]:
    from kg.rdf import abstract_iri

    iri = str(abstract_iri(record_id)).encode()
    new_id = f"{record_id}~{copy}"
    data = nquads.replace(b"<" + iri, b"<" + iri + f"~{copy}".encode())
    literal = json.dumps(record_id, ensure_ascii=False).encode()
    data = data.replace(b"#abstractId> " + literal, b"#abstractId> " + json.dumps(new_id, ensure_ascii=False).encode())
    return str(abstract_iri(new_id)), data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=100_000)
    parser.add_argument("--source", default="oncology_early_phase.jsonl")
    parser.add_argument("--store", default=None, help="Store directory (default: a temporary one, removed after)")
    parser.add_argument("--pyshacl-sample", type=int, default=100, help="Abstracts timed on the pySHACL path")
    parser.add_argument("--no-full-check", action="store_true", help="Skip timing the check run over the whole store")
    parser.add_argument("--queries-only", action="store_true",
                        help="Only time the named queries on an existing --store (no load, no check)")
    args = parser.parse_args()
    if args.queries_only:
        from kg.store import LocalStore

        print(json.dumps({"load_average_start": [round(x, 2) for x in os.getloadavg()],
                          "queries": time_queries(LocalStore(args.store)),
                          "load_average_end": [round(x, 2) for x in os.getloadavg()]}, indent=2))
        return

    from kg.store import LocalStore, Loader
    from kg.storecheck import check_store

    load_start = [round(x, 2) for x in os.getloadavg()]
    rss = {}  # peak RSS of this process after each phase: which phase set the peak
    started = time.perf_counter()
    base = base_abstracts(CORPUS / args.source)
    extract_s = time.perf_counter() - started
    rss["extract"] = round(peak_rss_mb(), 1)
    note(f"extracted {len(base)} base abstracts in {extract_s:.1f} s")
    directory = args.store or tempfile.mkdtemp(prefix="kg-scale-")
    shutil.rmtree(directory, ignore_errors=True)
    store = LocalStore(directory, writable=True)
    loader = Loader(store)
    started = time.perf_counter()
    count, copy, quads_bytes = 0, 0, 0
    while count < args.abstracts:
        for record_id, nquads in base:
            if count >= args.abstracts:
                break
            graph, data = rekeyed(record_id, nquads, copy)
            loader.add([graph], data)
            quads_bytes += len(data)
            count += 1
            if count % 10_000 == 0:
                note(f"loaded {count} abstracts in {time.perf_counter() - started:.0f} s")
        copy += 1
    loader.flush()
    store.store.flush()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    store.store.optimize()
    optimize_s = time.perf_counter() - started
    quads = len(store.store)
    disk = disk_mb(directory)
    del store
    rss["load"] = round(peak_rss_mb(), 1)
    note(f"load {load_s:.1f} s (validation {loader.validate_s:.1f} s), optimize {optimize_s:.1f} s, "
         f"disk {disk:.0f} MB, {quads} quads, peak RSS {rss['load']} MB")

    reader = LocalStore(directory)
    started = time.perf_counter()
    results = list(check_store(reader))
    check_s = time.perf_counter() - started
    rss["check_stored"] = round(peak_rss_mb(), 1)
    note(f"kg check --store (reports) {check_s:.2f} s, {len(results)} results")
    query_s = time_queries(reader)
    rss["queries"] = round(peak_rss_mb(), 1)
    full_s, by_constraint = None, None
    if not args.no_full_check:
        started = time.perf_counter()
        full = list(check_store(reader, stored=False))
        full_s = time.perf_counter() - started
        rss["check_full"] = round(peak_rss_mb(), 1)
        note(f"full set-level check {full_s:.1f} s, {len(full)} results")
        # Equal up to the order of GROUP_CONCAT's parts in a message, which SPARQL leaves to the engine.
        assert sorted(map(result_key, full)) == sorted(map(result_key, results)), "stored reports differ from the shapes"
        from check_profile import profile

        by_constraint = {row["constraint"]: row["seconds"] for row in sorted(profile(reader), key=lambda r: -r["seconds"])}


    pyshacl_s = pyshacl_s_per_abstract(CORPUS / args.source, args.pyshacl_sample)
    factor = 1_000_000 / count
    report = {
        "abstracts": count,
        "source": args.source,
        "base_abstracts": len(base),
        "quads": quads,
        "quads_per_abstract": round(quads / count, 1),
        "nquads_bytes": quads_bytes,
        "extract_base_s": round(extract_s, 1),
        "load_s": round(load_s, 1),
        "load_abstracts_per_s": round(count / load_s, 1),
        "optimize_s": round(optimize_s, 1),
        "disk_mb": round(disk, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_mb_after": rss,
        "load_average_start_end": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "check_store_s": round(check_s, 2),
        "check_store_results": len(results),
        "check_store_ms_per_abstract": round(1000 * check_s / count, 4),
        "pyshacl_ms_per_abstract": round(1000 * pyshacl_s, 2),
        "check_store_vs_pyshacl": round(pyshacl_s / (check_s / count), 1),
        "validate_at_load_s": round(loader.validate_s, 1),
        "validate_vs_pyshacl": round(pyshacl_s / (loader.validate_s / count), 1),
        "check_store_full_s": None if full_s is None else round(full_s, 1),
        "check_store_full_vs_pyshacl": None if full_s is None else round(pyshacl_s / (full_s / count), 1),
        "check_store_full_s_by_constraint": by_constraint,
        "queries": query_s,
        "extrapolated_1M": {
            "load_s": round(load_s * factor), "disk_gb": round(disk * factor / 1024, 1),
            "check_store_s": round(check_s * factor),
            "validate_at_load_s": round(loader.validate_s * factor),
            "aggregates_s": {n: round(q["seconds"] * factor, 1) for n, q in query_s.items() if q["kind"] == "aggregate"},
        },
    }
    print(json.dumps(report, indent=2))
    if args.store is None:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
