"""Accuracy of `kg extract --format summary` on the gold annotations (fixtures/gold/), tuple by tuple.

Prints precision, recall and F1 per tuple type of SUMMARY.md and micro-averaged, then the misses
(gold tuples kg did not give) and the spurious tuples. Usage: python bench/accuracy.py [--quiet]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.evaluation import Score  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "oncology_early_phase.jsonl"


def load_gold() -> dict[str, dict]:
    gold = {}
    for path in sorted((ROOT / "fixtures" / "gold").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        gold[record["id"]] = record
    return gold


def predict(ids: set[str]) -> dict[str, dict]:
    """Run the real command line on the gold records, as a user would."""
    with CORPUS.open(encoding="utf-8") as handle, tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "gold.jsonl"
        with batch.open("w", encoding="utf-8") as out:
            for line in handle:
                record = json.loads(line)
                if record["id"] in ids:
                    out.write(json.dumps({"id": record["id"], "title": record.get("title"), "text": record["text"]}) + "\n")
        result = subprocess.run([sys.executable, "-m", "kg", "extract", str(batch), "--format", "summary"],
                                capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"kg extract failed ({result.returncode}): {result.stderr}")
    return {summary["id"]: summary for summary in map(json.loads, result.stdout.splitlines())}


def score() -> Score:
    gold = load_gold()
    predicted = predict(set(gold))
    result = Score()
    for record_id, annotation in gold.items():
        result.add(record_id, annotation, predicted.get(record_id, {}))
    return result


def main() -> None:
    if not CORPUS.exists():
        raise SystemExit(f"corpus absent: {CORPUS}")
    result = score()
    print(result.table())
    if "--quiet" not in sys.argv:
        print("\nmisses (in gold, not in kg):")
        for record_id, item in result.misses:
            print(f"  {record_id}: {item}")
        print("\nspurious (in kg, not in gold):")
        for record_id, item in result.spurious:
            print(f"  {record_id}: {item}")


if __name__ == "__main__":
    main()
