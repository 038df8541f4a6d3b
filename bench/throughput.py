"""Extraction throughput: abstracts/s per core of `kg extract --format summary`, against bare tokenisation.

    .venv/bin/python bench/throughput.py [--limit 1000] [--runs 3]

Reads the JSONL files of ../shared/corpus/ (a sample of --limit abstracts, taken evenly across them),
then, each warmed up and as the median of --runs runs:

* `kg extract --format summary` in one process, and with --jobs 2 (per core = rate / 2);
* `spacy.blank("en")` tokenising the same texts and titles, in the same process;
* `kg check`'s per-abstract path (pySHACL on one abstract's graph), in seconds per abstract.

Targets (issue 6): >= 200 abstracts/s/core, ratio to bare tokenisation <= 10. Prints one JSON object,
with the machine's load average before and after (the figures mean little on a busy machine) and the
figures also from CPU time: of this process for one job, and of the parent and its workers for --jobs 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus"


def sample(limit: int) -> list[dict]:
    files = sorted(CORPUS.glob("*.jsonl"))
    if not files:
        sys.exit(f"no corpus at {CORPUS}")
    per_file = [[json.loads(line) for line in f.open(encoding="utf-8") if line.strip()] for f in files]
    total = sum(map(len, per_file))
    picked = []
    for rows in per_file:  # the same share of each file
        share = max(1, round(limit * len(rows) / total))
        step = max(1, len(rows) // share)
        picked += rows[::step][:share]
    return [{"id": r["id"], "text": r["text"], "title": r.get("title")} for r in picked[:limit]]


def workers_cpu() -> float:
    """CPU seconds of the worker processes that have ended, read from the fork server that reaped them
    (its children's times in /proc); 0 where there is no fork server or no /proc."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime + cstime


def timed(function, runs: int, parts: dict | None = None) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds of this process and its ended workers (the CPU figure says
    less about a busy machine's neighbours). ``parts`` gets the median CPU seconds of each side apart:
    this process (reading, sending, writing) and the workers."""
    function()  # warm-up
    times, cpu_times, parent_times, worker_times = [], [], [], []
    for _ in range(runs):
        start, cpu_start, workers_start = time.perf_counter(), time.process_time(), workers_cpu()
        function()
        times.append(time.perf_counter() - start)
        parent_times.append(time.process_time() - cpu_start)
        worker_times.append(workers_cpu() - workers_start)
        cpu_times.append(parent_times[-1] + worker_times[-1])
    if parts is not None:
        parts.update(parent=statistics.median(parent_times), workers=statistics.median(worker_times))
    return statistics.median(times), statistics.median(cpu_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--check-sample", type=int, default=100)
    args = parser.parse_args()

    import spacy

    from kg.cli import main as kg

    records = sample(args.limit)
    work = tempfile.mkdtemp(prefix="kg-bench-")
    path = os.path.join(work, "sample.jsonl")
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    out = os.path.join(work, "out.jsonl")
    n = len(records)

    def extract(jobs: int):
        return lambda: kg(["extract", path, "--format", "summary", "-o", out, "--jobs", str(jobs), "--no-progress"])

    blank = spacy.blank("en")
    texts = [r["text"] for r in records] + [r["title"] for r in records if r["title"]]

    def tokenise():
        for _ in blank.pipe(texts):
            pass

    load_before = os.getloadavg()
    single, single_cpu = timed(extract(1), args.runs)
    double_parts: dict = {}
    double, double_cpu = timed(extract(2), args.runs, double_parts)
    bare, bare_cpu = timed(tokenise, args.runs)
    load_after = os.getloadavg()

    from kg.inputs import read_inputs
    from kg.pipeline import extract_one
    from kg.rdf import record_graph
    from kg.shacl import validate

    graphs = []
    for item in list(read_inputs([path]))[: args.check_sample]:
        try:
            graphs.append(record_graph(extract_one(item)))
        except Exception:  # an abstract that fails extraction is not a check figure
            continue
    validate(graphs[0])
    start = time.perf_counter()
    for graph in graphs:
        validate(graph)
    check_per_abstract = (time.perf_counter() - start) / len(graphs)

    result = {
        "abstracts": n,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "extract_1_job_per_s": round(n / single, 1),
        "extract_2_jobs_per_s": round(n / double, 1),
        "extract_2_jobs_per_s_per_core": round(n / double / 2, 1),
        "blank_tokenise_per_s": round(n / bare, 1),
        "ratio_extract_to_blank": round(single / bare, 1),
        # The same two figures from this process's CPU time, which other work on the machine disturbs less.
        "extract_1_job_per_cpu_s": round(n / single_cpu, 1),
        "ratio_extract_to_blank_cpu": round(single_cpu / bare_cpu, 1),
        "extract_1_job_cpu_ms_per_abstract": round(1000 * single_cpu / n, 2),
        # --jobs 2 from the CPU time of the parent and both workers: abstracts per CPU-second, which is what
        # each core gives when no other work shares it (per core = this figure when both cores are ours).
        "extract_2_jobs_cpu_ms_per_abstract": round(1000 * double_cpu / n, 2),
        "extract_2_jobs_per_cpu_s": round(n / double_cpu, 1) if double_cpu else None,
        # Of which this process (reading, pickling, writing) and the workers. The workers start with the
        # pipeline built but no text seen, where the one-job runs reuse a process whose caches (spaCy's
        # tokenizer cache above all) the warm-up filled with these very texts.
        "extract_2_jobs_parent_cpu_ms_per_abstract": round(1000 * double_parts["parent"] / n, 3),
        "extract_2_jobs_workers_cpu_ms_per_abstract": round(1000 * double_parts["workers"] / n, 2),
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "check_pyshacl_s_per_abstract": round(check_per_abstract, 4),
        "check_sample": len(graphs),
        "targets": {"per_core": 200, "ratio": 10},
    }
    print(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)  # the sample and the last output


if __name__ == "__main__":
    main()
