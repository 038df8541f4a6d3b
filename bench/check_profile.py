"""Where `kg check --store`'s time goes when it runs the shapes over the whole store: one line per constraint.

    .venv/bin/python bench/check_profile.py --store DIR [--repeat 3] [--json] [--plain] [--pyshacl-sample 100]

Opens the store read-only (make one with `bench/scale.py --abstracts 10000 --store DIR`), runs each
SPARQL constraint's set-level query (``kg.storecheck.constraints``, as ``run_constraints`` runs them)
--repeat times, reading every solution, and prints the best time of each with its number of solutions,
slowest first, then the total. Figures depend on the machine's load: quote `uptime` with them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def profile(store, repeat: int = 1, plain: bool = False) -> list[dict]:
    """[{constraint, seconds, rows}] for every constraint, in the order the check runs them; ``plain``:
    each WHERE body as the shape states it, inside GRAPH ?kgGraph (the form before kg/setlevel.py)."""
    from kg.shacl import local_name
    from kg.storecheck import constraints, has_subclasses

    subclasses = has_subclasses(store)
    found = []
    for constraint in constraints(subclasses=subclasses, plain=plain):
        best, rows = float("inf"), 0
        for _ in range(repeat):
            started = time.perf_counter()
            rows = sum(1 for _ in store.query(constraint.query))
            best = min(best, time.perf_counter() - started)
        found.append({"constraint": local_name(constraint.node), "seconds": round(best, 3), "rows": rows})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--repeat", type=int, default=1, help="runs per constraint; the best is kept")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--plain", action="store_true", help="the WHERE bodies as the shapes state them (no kg/setlevel.py)")
    parser.add_argument("--pyshacl-sample", type=int, default=0,
                        help="also time pySHACL on this many source abstracts and print the throughput ratio")
    args = parser.parse_args()

    from kg.store import LocalStore

    found = profile(LocalStore(args.store), args.repeat, args.plain)
    if args.json:
        print(json.dumps(found, indent=2))
        return
    for row in sorted(found, key=lambda r: -r["seconds"]):
        print(f"{row['seconds']:8.3f} s {row['rows']:7d} rows  {row['constraint']}")
    total = sum(r["seconds"] for r in found)
    print(f"{total:8.3f} s total, {len(found)} constraints")
    if args.pyshacl_sample:
        from scale import CORPUS, pyshacl_s_per_abstract

        from kg.vocab import KG

        abstracts = int(next(iter(LocalStore(args.store).query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?g a <{KG.TrialAbstract}> }} }}")))["n"].value)
        pyshacl_s = pyshacl_s_per_abstract(CORPUS / "oncology_early_phase.jsonl", args.pyshacl_sample)
        print(f"{abstracts} abstracts: {1000 * total / abstracts:.3f} ms each; pySHACL {1000 * pyshacl_s:.2f} ms each; "
              f"{pyshacl_s / (total / abstracts):.1f}x pySHACL's throughput")


if __name__ == "__main__":
    main()
