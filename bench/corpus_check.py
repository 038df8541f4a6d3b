"""`kg check` over the whole shared corpus: time, abstracts flagged, and a sample of them to read.

Runs the real command line, `kg check FILE... --format json --jobs N`, over every JSONL file of
../shared/corpus, then prints the wall time, how many abstracts have a Violation (and a Warning), the
Violations by shape, and a fixed random sample of flagged abstracts with each Violation's message and
the sentence around its spans, for a person to judge genuine or not. Outside CI: it takes minutes.

Usage: python bench/corpus_check.py [--jobs 2] [--sample 20] [--seed 5] [--out checks.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def excerpt(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start) + 2, start - 160, 0)
    right = text.find(". ", end)
    right = min(right + 1 if right != -1 else len(text), end + 160)
    return " ".join(text[left:right].split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", help="keep kg's JSON lines here")
    args = parser.parse_args()
    files = sorted(CORPUS.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"corpus absent: {CORPUS}")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kg", "check", *map(str, files), "--format", "json",
                             "--jobs", str(args.jobs), "--no-progress"], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1, 3):
        raise SystemExit(f"kg check failed ({result.returncode}): {result.stderr[-2000:]}")
    if args.out:
        Path(args.out).write_text(result.stdout, encoding="utf-8")
    checks = [json.loads(line) for line in result.stdout.splitlines()]
    texts = {}
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                texts[record["id"]] = record
    violations = {c["id"]: [r for r in c["violations"] if r["severity"] == "Violation"] for c in checks}
    warnings = {c["id"]: [r for r in c["violations"] if r["severity"] == "Warning"] for c in checks}
    flagged = sorted(i for i, v in violations.items() if v)
    failures = [line for line in result.stderr.splitlines() if line.startswith("kg: error:")]
    print(f"# kg check over {', '.join(f.name for f in files)}\n")
    print(f"abstracts checked: {len(checks)} (failed: {len(failures)}); wall time {elapsed:.0f} s with --jobs {args.jobs} "
          f"({1000 * elapsed / max(len(checks), 1):.0f} ms per abstract)")
    print(f"flagged (a Violation): {len(flagged)} = {100 * len(flagged) / max(len(checks), 1):.1f}%; "
          f"with a Warning only: {sum(1 for i in warnings if warnings[i] and not violations[i])}")
    by_file = Counter()
    for i in flagged:
        by_file[next((f.name for f in files if i in ids_of(f)), "?")] += 1
    print("flagged by file: " + ", ".join(f"{name} {count}" for name, count in by_file.items()))
    shapes = Counter(r["shape"] for v in violations.values() for r in v)
    print("Violations by shape: " + ", ".join(f"{s} {n}" for s, n in shapes.most_common()))
    warned = Counter(r["shape"] for v in warnings.values() for r in v)
    print("Warnings by shape: " + ", ".join(f"{s} {n}" for s, n in warned.most_common()))
    sample = random.Random(args.seed).sample(flagged, min(args.sample, len(flagged)))
    print(f"\n## {len(sample)} flagged abstracts (random sample, seed {args.seed})\n")
    for number, i in enumerate(sample, 1):
        text = texts[i]["text"]
        print(f"{number}. {i}")
        for r in violations[i]:
            print(f"   {r['shape']}: {r['message']}")
            for span in r["spans"]:
                if span["field"] == "text":
                    print(f"     [{span['start']}-{span['end']}] {text[span['start']:span['end']]!r}: ...{excerpt(text, span['start'], span['end'])}...")
        print()


_IDS: dict[Path, set[str]] = {}


def ids_of(path: Path) -> set[str]:
    if path not in _IDS:
        with path.open(encoding="utf-8") as handle:
            _IDS[path] = {json.loads(line)["id"] for line in handle}
    return _IDS[path]


if __name__ == "__main__":
    main()
