"""Where `kg check --store`'s time goes when it runs the shapes over the whole store: one line per constraint.

    .venv/bin/python bench/check_profile.py --store DIR [--repeat 3] [--json]

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


def profile(store, repeat: int = 1) -> list[dict]:
    """[{constraint, seconds, rows}] for every constraint, in the order the check runs them."""
    from rdflib.namespace import RDFS

    from kg.shacl import local_name
    from kg.storecheck import constraints

    subclasses = bool(store.query(f"ASK {{ GRAPH ?g {{ ?s <{RDFS.subClassOf}> ?o }} }}"))
    found = []
    for constraint in constraints(subclasses=subclasses):
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
    args = parser.parse_args()

    from kg.store import LocalStore

    found = profile(LocalStore(args.store), args.repeat)
    if args.json:
        print(json.dumps(found, indent=2))
        return
    for row in sorted(found, key=lambda r: -r["seconds"]):
        print(f"{row['seconds']:8.3f} s {row['rows']:7d} rows  {row['constraint']}")
    print(f"{sum(r['seconds'] for r in found):8.3f} s total, {len(found)} constraints")


if __name__ == "__main__":
    main()
