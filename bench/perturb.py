"""How well `kg check` finds arithmetic slips, measured by planting them in the gold abstracts.

For every gold fact whose relation the text states (SUMMARY.md format, fixtures/gold/):
  * an n (x%) figure (adverse events and other counts): its n and its percentage;
  * a response rate with the best-response counts it is made of and its evaluable N (the trial's or an
    arm's): the rate and each count,
the fact's own literal is found in the text by its value (next to its partner: the n beside its %, a
count beside its category, a rate beside its name) and changed by +2 and by -2 units of its last
written digit (79 -> 81 and 77, 97.44 -> 97.46 and 97.42, six -> eight and four). +-1 is avoided because
it can land on the other rounding convention (97.44 rounded is 97.43 truncated); +-2 never does for a
single value, though a count of a large population can still round to the same percentage.

Each mutated abstract goes through the real command line, `kg check --format json`, in worker
processes; a mutation is detected when a Violation appears that the unmutated abstract did not have.
A mutation kg does not catch is a miss, never dropped; each miss is given its cause:
  extraction   kg's records of the unmutated text lack the fact (or the partner it needs),
  lost         the fact is read from the original text but not from the mutated one,
  consistent   the mutated value still fits the N kg used at the text's rounding (no rule can see it),
               or the change removed a Violation of the unmutated abstract (it repaired a slip the text
               prints: CT016's 4 PR + 20 SD against a DCR of 68.8% of 32, mutated to 2 PR),
  other-population  it fits another population size the text states, so the shapes take it for a
               figure of that population (two arms of similar size, a 0-decimal percentage),
  warning      only a Warning appeared (the inferred N had weak evidence),
  no-evidence  no shape had the population to judge it (a lone figure whose N the text never states),
  no-shape     anything else: the fact and its N were there and no shape fired.
False alarms: Violations on the unmutated abstracts, abstracts with gold `inconsistencies` excepted.

Usage: python bench/perturb.py [--jobs 2] [--json OUT] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "oncology_early_phase.jsonl"
GOLD = ROOT / "fixtures" / "gold"

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
CATEGORY_WORDS = {
    "CR": r"\bCRs?\b|complete (?:response|remission)s?",
    "PR": r"\bPRs?\b|partial (?:response|remission)s?",
    "SD": r"\bSDs?\b|stable disease",
    "PD": r"\bPDs?\b|progressive disease|disease progression",
}
RATE_WORDS = {
    "ORR": r"\bORRs?\b|objective response|overall response|response rate|\bRR\b|responded|responses?",
    "DCR": r"\bDCRs?\b|disease control",
    "CBR": r"\bCBRs?\b|clinical benefit",
}
RATE_COUNTS = {"ORR": ("CR", "PR"), "DCR": ("CR", "PR", "SD"), "CBR": ()}
WINDOW = 80  # characters between a literal and its partner


@dataclass
class Literal:
    start: int
    end: int
    text: str


@dataclass
class Mutation:
    abstract: str
    kind: str  # pair-pct, pair-n, rate, rate-count
    fact: str  # readable description of the gold fact
    literal: Literal
    replacement: str
    direction: int
    stated_n: int | None = None  # the N the text states next to the pair ("38 out of 39 (97.44%)"), if any
    id: str = ""
    detected: bool = False
    at_literal: bool = False
    new_violations: list[str] = field(default_factory=list)
    new_warnings: list[str] = field(default_factory=list)
    repaired: bool = False  # a Violation of the unmutated abstract is gone from the mutated one
    cause: str = ""


# --- finding a value in the text --------------------------------------------------------------------


def number_surfaces(value: float | int) -> list[str]:
    """Ways the text may write a gold number: 20 -> 20, 20.0; 0.74 -> 0.74, 0·74; 6 -> six."""
    forms = []
    if isinstance(value, int) or float(value).is_integer():
        whole = int(value)
        forms += [str(whole), f"{whole}.0", f"{whole}.00"]
    else:
        text = format(Decimal(str(value)).normalize(), "f")
        forms += [text, text + "0"]
    forms += [form.replace(".", "\u00b7") for form in forms if "." in form]
    return forms


def find_numbers(text: str, value: float | int, percent: bool) -> list[Literal]:
    found = []
    for surface in number_surfaces(value):
        tail = r"\s?%" if percent else r""
        pattern = r"(?<![\d.\u00b7,])" + re.escape(surface) + r"(?![\d]|[.\u00b7,]\d)" + f"(?={tail})"
        found += [Literal(m.start(), m.end(), m.group(0)) for m in re.finditer(pattern, text)]
    if not percent and isinstance(value, int) and 0 <= value < len(WORDS):
        found += [Literal(m.start(), m.end(), m.group(0))
                  for m in re.finditer(r"\b" + WORDS[value] + r"\b", text, re.IGNORECASE)]
    return sorted({(f.start, f.end): f for f in found}.values(), key=lambda f: f.start)


def distance(a: Literal, b: Literal) -> int:
    return max(a.start, b.start) - min(a.end, b.end)


def nearest(candidates: list[Literal], anchors: list[Literal]) -> Literal | None:
    """The candidate closest to any anchor, within WINDOW characters."""
    best = None
    for candidate in candidates:
        for anchor in anchors:
            if anchor.start == candidate.start:
                continue
            gap = distance(candidate, anchor)
            if 0 <= gap <= WINDOW and (best is None or gap < best[0]):
                best = (gap, candidate)
    return None if best is None else best[1]


def pattern_literals(text: str, pattern: str) -> list[Literal]:
    return [Literal(m.start(), m.end(), m.group(0)) for m in re.finditer(pattern, text, re.IGNORECASE)]


# --- mutating a literal -----------------------------------------------------------------------------


def mutate(literal: Literal, direction: int, percent: bool) -> str | None:
    """The literal changed by `direction` x 2 units of its last digit, written the same way; None if invalid."""
    word = literal.text.lower()
    if word in WORDS:
        value = WORDS.index(word) + 2 * direction
        if not 0 <= value < len(WORDS):
            return None
        new = WORDS[value]
        return new.capitalize() if literal.text[0].isupper() else new
    match = re.match(r"(\d+)(?:([.\u00b7])(\d+))?(\s?%)?$", literal.text)
    if match is None:
        return None
    whole, separator, fraction, suffix = match.groups()
    places = len(fraction or "")
    scaled = int(whole + (fraction or "")) + 2 * direction
    if scaled < 0 or (percent and scaled > 100 * 10 ** places):
        return None
    digits = str(scaled).rjust(places + 1, "0")
    body = digits[:-places] + separator + digits[-places:] if places else digits
    return body + (suffix or "")


# --- the facts of a gold annotation ------------------------------------------------------------------


def pair_mutations(abstract: str, text: str, figure: dict, kind: str) -> tuple[list[Mutation], str | None]:
    n, pct = figure.get("n"), figure.get("pct")
    label = figure.get("term") or figure.get("what")
    fact = f"{kind} {label!r} {figure.get('grade', '')} n={n} pct={pct}".replace("  ", " ")
    pcts = find_numbers(text, pct, percent=True)
    ns = find_numbers(text, n, percent=False)
    pct_literal = nearest(pcts, ns)
    n_literal = nearest(ns, [pct_literal]) if pct_literal is not None else None
    if pct_literal is None or n_literal is None:
        return [], fact
    stated = stated_denominator(text, n_literal, pct_literal, pct)
    found = []
    for literal, what, percent in ((pct_literal, "pair-pct", True), (n_literal, "pair-n", False)):
        for direction in (1, -1):
            replacement = mutate(literal, direction, percent)
            if replacement is not None:
                found.append(Mutation(abstract, what, fact, literal, replacement, direction, stated))
    return found, None


def stated_denominator(text: str, n_literal: Literal, pct_literal: Literal, pct: float) -> int | None:
    """The N the text writes beside an n (x%) pair: "38 out of 39 pts (97.44%)", "six [10%] of 101",
    "77% (22/30)". Only an N that roughly gives the percentage counts (not "of 2 doses")."""
    start, end = min(n_literal.start, pct_literal.start), max(n_literal.end, pct_literal.end)
    window = text[start:end + 30]
    for match in re.finditer(r"(?:\bof|\bout of|/)\s*(?:the\s+|all\s+)?(\d[\d,]*)", window):
        size = int(match.group(1).replace(",", ""))
        if size > 0 and abs(100 * n_literal_value(n_literal) / size - pct) <= 5:
            return size
    return None


def n_literal_value(literal: Literal) -> int:
    word = literal.text.lower()
    return WORDS.index(word) if word in WORDS else int(re.sub(r"\D", "", literal.text))


def rate_mutations(abstract: str, text: str, owner: str, responses: dict, rates: dict, evaluable: int | None
                   ) -> tuple[list[Mutation], list[str]]:
    found, unlocated = [], []
    for name, parts in RATE_COUNTS.items():
        rate = rates.get(name)
        counts = {part: responses.get(part) for part in parts}
        if rate is None or evaluable is None or not parts or counts.get("PR") is None:
            continue  # the relation is stated only with the evaluable N and the counts it is made of
        if name == "DCR" and counts.get("SD") is None:
            continue
        fact = f"{owner} {name}={rate} of {evaluable} with " + ", ".join(f"{k}={v}" for k, v in counts.items() if v is not None)
        rate_literal = nearest(find_numbers(text, rate, percent=True), pattern_literals(text, RATE_WORDS[name]))
        if rate_literal is None:
            unlocated.append(fact + " (rate)")
        else:
            for direction in (1, -1):
                replacement = mutate(rate_literal, direction, True)
                if replacement is not None:
                    found.append(Mutation(abstract, "rate", fact, rate_literal, replacement, direction))
        for part, value in counts.items():
            if value is None:
                continue
            literal = nearest(find_numbers(text, value, percent=False), pattern_literals(text, CATEGORY_WORDS[part]))
            if literal is None:
                unlocated.append(fact + f" ({part} count)")
                continue
            for direction in (1, -1):
                replacement = mutate(literal, direction, False)
                if replacement is not None:
                    found.append(Mutation(abstract, "rate-count", fact + f" [{part}]", literal, replacement, direction))
    return found, unlocated


def mutations_of(gold: dict, text: str) -> tuple[list[Mutation], list[str]]:
    found: list[Mutation] = []
    unlocated: list[str] = []
    for kind, figures in (("ae", gold.get("ae", [])), ("count", gold.get("counts", []))):
        for figure in figures:
            if figure.get("n") is None or figure.get("pct") is None:
                continue
            made, missing = pair_mutations(gold["id"], text, figure, kind)
            found += made
            if missing:
                unlocated.append(missing)
    made, missing = rate_mutations(gold["id"], text, "trial", gold.get("responses") or {}, gold.get("rates") or {},
                                   gold.get("evaluable"))
    found += made
    unlocated += missing
    for arm in gold.get("arms", []):
        made, missing = rate_mutations(gold["id"], text, f"arm {arm.get('arm')!r}", arm.get("responses") or {},
                                       arm.get("rates") or {}, arm.get("n"))
        found += made
        unlocated += missing
    # one mutation per literal position and replacement (a literal shared by two facts is changed once)
    unique = {}
    for mutation in found:
        unique.setdefault((mutation.literal.start, mutation.replacement), mutation)
    return list(unique.values()), unlocated


# --- running kg ------------------------------------------------------------------------------------


def run_kg(command: str, records: list[dict], jobs: int, fmt: str) -> dict[str, dict]:
    """`kg <command> --format <fmt>` over the records, split across `jobs` processes; one JSON line per id."""
    chunks = [records[i::jobs] for i in range(jobs)]
    with tempfile.TemporaryDirectory() as tmp:
        processes = []
        for index, chunk in enumerate(chunks):
            if not chunk:
                continue
            path = Path(tmp) / f"chunk{index}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")
            processes.append(subprocess.Popen([sys.executable, "-m", "kg", command, str(path), "--format", fmt],
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT))
        output = {}
        for process in processes:
            stdout, stderr = process.communicate()
            if process.returncode not in (0, 1):
                raise SystemExit(f"kg {command} failed ({process.returncode}): {stderr}")
            for line in stdout.splitlines():
                item = json.loads(line)
                output[item["id"]] = item
    return output


def findings(result: dict, severity: str) -> Counter:
    return Counter(f"{r['shape']}: {r['message']}" for r in result.get("violations", []) if r["severity"] == severity)


def spans_cover(result: dict, message: str, literal: Literal) -> bool:
    for r in result.get("violations", []):
        if f"{r['shape']}: {r['message']}" == message:
            if any(s["start"] <= literal.start < s["end"] for s in r["spans"]):
                return True
    return False


# --- classification of misses -----------------------------------------------------------------------


def figures_of(record: dict) -> list[dict]:
    return [*record.get("ae", []), *record.get("counts", [])]


def value(extracted: dict | None):
    return None if extracted is None else extracted["value"]


def has_pair(record: dict, n, pct) -> bool:
    return any(value(f.get("n")) == n and value(f.get("pct")) is not None and float(value(f["pct"])) == float(pct)
               for f in figures_of(record))


def summaries(record: dict) -> list[dict]:
    found = [record["efficacy"]] if record.get("efficacy") else []
    found += [arm["efficacy"] for arm in record.get("arms", []) if arm.get("efficacy")]
    return found


RATE_FIELDS = {"ORR": "orr", "DCR": "dcr", "CBR": "cbr"}
COUNT_FIELDS = {"CR": "complete_response", "PR": "partial_response", "SD": "stable_disease", "PD": "progressive_disease"}


def has_rate_relation(record: dict, fact: str) -> bool:
    name, rate = re.search(r"(ORR|DCR|CBR)=([\d.]+)", fact).groups()
    for summary in summaries(record):
        if value(summary.get(RATE_FIELDS[name])) is not None and float(value(summary[RATE_FIELDS[name]])) == float(rate):
            if summary.get("evaluable") and summary.get("partial_response"):
                return True
    return False


def fits_any(n: int, pct_text: str, sizes: set[int]) -> bool:
    from kg.infer import Pair, fits, scaled_percentage

    scaled = scaled_percentage(pct_text)
    return scaled is not None and any(fits(Pair(None, n, *scaled), size) for size in sizes if size > 0)


@dataclass
class Populations:
    """What kg's graph of the unmutated abstract knew: each figure's N (its own, or the inferred one) by
    (n, pct), and the population sizes the text states."""

    by_figure: dict[tuple[int, float], int]
    stated: set[int]


def populations(record: dict) -> Populations:
    from rdflib import Graph

    from kg.rdf import record_graph
    from kg.records import TrialAbstract
    from kg.vocab import KG

    graph: Graph = record_graph(TrialAbstract.model_validate(record))
    by_figure = {}
    for figure in set(graph.subjects(KG.percentage, None)):
        n, pct = graph.value(figure, KG.count), graph.value(figure, KG.percentage)
        inferred = graph.value(figure, KG.inferredDenominator)
        size = graph.value(inferred, KG.size) if inferred is not None else graph.value(figure, KG.denominator)
        if n is not None and size is not None:
            by_figure[(int(n), float(pct))] = int(size)
    stated = {value(record.get("enrolled"))} | {value(p["n"]) for p in record.get("enrolled_parts", [])}
    stated |= {value(s.get("evaluable")) for s in summaries(record)} | {value(a.get("n")) for a in record.get("arms", [])}
    stated |= {value(f["denominator"]) for f in figures_of(record)
               if f.get("denominator") and f["denominator"]["rule"] != "denominator-treated-population"}
    return Populations(by_figure, {s for s in stated if s})


def classify(mutation: Mutation, original: dict, mutated: dict | None, known: Populations) -> str:
    if mutation.detected:
        return "detected"
    if mutation.kind.startswith("pair"):
        n, pct = re.search(r"n=(\d+) pct=([\d.]+)", mutation.fact).groups()
        n, pct = int(n), float(pct)
        if not has_pair(original, n, pct):
            return "extraction"
        new_n, pct_text = n, str(pct)
        if mutation.kind == "pair-n":
            new_n = WORDS.index(mutation.replacement.lower()) if mutation.replacement.isalpha() else int(mutation.replacement)
        else:
            pct_text = mutation.replacement.rstrip("% ").replace("\u00b7", ".")
        if mutated is not None and not has_pair(mutated, new_n, float(pct_text)):
            return "lost"
        if mutation.new_warnings:
            return "warning"
        size = known.by_figure.get((n, pct))
        if size is not None and fits_any(new_n, pct_text, {size}):
            return "consistent"
        if fits_any(new_n, pct_text, known.stated - {size}):
            return "other-population"
        return "no-evidence"
    if not has_rate_relation(original, mutation.fact):
        return "extraction"
    if mutation.new_warnings:
        return "warning"
    if mutation.repaired:
        return "consistent"
    return "no-shape"


# --- main ------------------------------------------------------------------------------------------


def load() -> tuple[dict[str, dict], dict[str, dict]]:
    gold = {}
    for path in sorted(GOLD.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        gold[record["id"]] = record
    texts = {}
    with CORPUS.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["id"] in gold:
                texts[record["id"]] = record
    return gold, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", dest="json_out", help="write every mutation and its outcome here")
    parser.add_argument("--limit", type=int, help="only the first N gold abstracts (for a quick look)")
    args = parser.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"corpus absent: {CORPUS}")
    gold, texts = load()
    ids = sorted(gold)[: args.limit] if args.limit else sorted(gold)
    started = time.perf_counter()

    originals = [{"id": i, "title": texts[i].get("title"), "text": texts[i]["text"]} for i in ids]
    checked = run_kg("check", originals, args.jobs, "json")
    records = run_kg("extract", originals, args.jobs, "json")

    mutations: list[Mutation] = []
    unlocated: list[tuple[str, str]] = []
    for i in ids:
        made, missing = mutations_of(gold[i], texts[i]["text"])
        for index, mutation in enumerate(made):
            mutation.id = f"{i}#m{index}"
        mutations += made
        unlocated += [(i, fact) for fact in missing]
    variants = []
    for m in mutations:
        text = texts[m.abstract]["text"]
        variants.append({"id": m.id, "title": texts[m.abstract].get("title"),
                         "text": text[: m.literal.start] + m.replacement + text[m.literal.end:]})
    mutated_checks = run_kg("check", variants, args.jobs, "json")
    mutated_records = run_kg("extract", variants, args.jobs, "json")
    elapsed = time.perf_counter() - started

    known = {i: populations(records[i]) for i in ids if i in records}
    for m in mutations:
        before, after = checked.get(m.abstract, {}), mutated_checks.get(m.id, {})
        new = findings(after, "Violation") - findings(before, "Violation")
        m.new_violations = sorted(new)
        m.new_warnings = sorted(findings(after, "Warning") - findings(before, "Warning"))
        m.detected = bool(new)
        m.repaired = bool(findings(before, "Violation") - findings(after, "Violation"))
        m.at_literal = any(spans_cover(after, message, m.literal) for message in new)
        m.cause = classify(m, records.get(m.abstract, {}), mutated_records.get(m.id), known.get(m.abstract, Populations({}, set())))

    report(gold, ids, checked, mutations, unlocated, elapsed)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps([asdict(m) for m in mutations], indent=1, ensure_ascii=False),
                                       encoding="utf-8")


def report(gold: dict, ids: list[str], checked: dict, mutations: list[Mutation], unlocated: list, elapsed: float) -> None:
    total = len(mutations)
    detected = sum(m.detected for m in mutations)
    print(f"# kg check on planted slips ({len(ids)} gold abstracts, {elapsed:.0f} s with the command line)\n")
    print(f"mutations: {total}; detected (a new Violation): {detected} = {100 * detected / max(total, 1):.1f}%; "
          f"of those, the Violation's spans include the changed literal: {sum(m.at_literal for m in mutations)}")
    by_kind = Counter(m.kind for m in mutations)
    for kind in sorted(by_kind):
        hit = sum(m.detected for m in mutations if m.kind == kind)
        print(f"  {kind:<11} {hit:>4}/{by_kind[kind]:<4} {100 * hit / by_kind[kind]:.1f}%")
    explicit = [m for m in mutations if m.kind == "rate" or m.kind == "rate-count" or m.stated_n is not None]
    hit = sum(m.detected for m in explicit)
    print(f"  of which the text states every number of the relation (n, N and %; rate, counts and N): "
          f"{hit}/{len(explicit)} = {100 * hit / max(len(explicit), 1):.1f}%")
    implicit = [m for m in mutations if m.kind.startswith("pair") and m.stated_n is None]
    hit = sum(m.detected for m in implicit)
    print(f"  n (x%) pairs whose N the text leaves implicit: {hit}/{len(implicit)} = {100 * hit / max(len(implicit), 1):.1f}%")
    causes = Counter(m.cause for m in mutations if not m.detected)
    print("\nmisses by cause: " + ", ".join(f"{cause} {count}" for cause, count in causes.most_common()))
    causes = Counter(m.cause for m in explicit if not m.detected)
    print("misses with every number stated, by cause: " + ", ".join(f"{c} {k}" for c, k in causes.most_common()))
    print(f"facts whose literal could not be found in the text (no mutation made): {len(unlocated)}")

    clean = [i for i in ids if not gold[i].get("inconsistencies")]
    alarms = {i: [r for r in checked.get(i, {}).get("violations", []) if r["severity"] == "Violation"] for i in clean}
    flagged = [i for i in clean if alarms[i]]
    print(f"\nfalse alarms: {len(flagged)} of {len(clean)} unmutated abstracts without gold inconsistencies "
          f"= {100 * len(flagged) / max(len(clean), 1):.1f}% ({sum(len(v) for v in alarms.values())} Violations)")
    for i in flagged:
        for r in alarms[i]:
            print(f"  {i}: {r['shape']}: {r['message']}")
    inconsistent = [i for i in ids if gold[i].get("inconsistencies")]
    print(f"\ngold inconsistencies: {len(inconsistent)} abstracts; flagged by kg (any Violation):")
    for i in inconsistent:
        found = [r for r in checked.get(i, {}).get("violations", []) if r["severity"] == "Violation"]
        print(f"  {i}: {'; '.join(r['shape'] + ': ' + r['message'] for r in found) or 'NOT FLAGGED'}")
        for note in gold[i]["inconsistencies"]:
            print(f"      gold: {note}")
    print("\nmisses:")
    for m in mutations:
        if not m.detected:
            print(f"  [{m.cause}] {m.abstract}: {m.fact}: {m.literal.text!r} -> {m.replacement!r}"
                  + (f"  (warning: {m.new_warnings[0]})" if m.new_warnings else ""))
    print("\nnot locatable:")
    for i, fact in unlocated:
        print(f"  {i}: {fact}")


if __name__ == "__main__":
    main()
