"""Shared machinery of the rule components: pattern files, regex macros, unit tables, spans.

Patterns are data (``<component>/patterns.jsonl``), one row per line in spaCy's row shape plus our
metadata: ``{"id", "label", "pattern", "example", "source"}``. ``pattern`` is either a spaCy Matcher
token list or a regular expression over the Doc's text. Numeric facts need their parts captured by
role (n, pct, value, unit...), which a token pattern cannot name, so most rows are regexes with named
groups; their span boundaries are then snapped to tokens.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spacy.tokens import Doc, Span

from extractors.prefilter import IGNORECASE_LOOKALIKES, Prefiltered, with_start_hint
from kg.errors import PatternFileError

MACRO = re.compile(r"<<([A-Z_]+)>>")


class PatternRow(BaseModel):
    """One line of a ``patterns.jsonl`` file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Unique, stable id; becomes span.id_ and the record value's `rule`.")
    label: str = Field(description="The fact type the row produces (e.g. 'dose-list', 'enrolled').")
    pattern: str | list[dict[str, Any]] = Field(
        description="A regular expression with named groups (macros as <<NAME>>), or a Matcher token list."
    )
    example: str = Field(description="A phrase in the style of real abstracts, written by us, that the row must match.")
    source: str = Field(description="Where the wording convention comes from.")


def data_text(package: str, name: str) -> str:
    """Read a data file shipped inside ``package`` (works from a wheel, an editable install or the tree)."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def data_json(package: str, name: str) -> Any:
    return json.loads(data_text(package, name))


def data_tsv(package: str, name: str) -> list[dict[str, str]]:
    """Rows of a tab-separated file with a header line; lines starting with '#' are comments."""
    lines = [line for line in data_text(package, name).splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(header):
            raise PatternFileError(f"{package}/{name}", number, cells[0], f"expected {len(header)} columns")
        rows.append(dict(zip(header, cells)))
    return rows


def load_patterns(package: str, name: str = "patterns.jsonl") -> list[PatternRow]:
    """Load and validate a pattern file; errors name the file, line and id."""
    where = f"{package}/{name}"
    rows: list[PatternRow] = []
    seen: set[str] = set()
    for number, line in enumerate(data_text(package, name).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise PatternFileError(where, number, "?", f"not JSON: {error.msg}") from None
        row_id = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
        try:
            row = PatternRow.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            raise PatternFileError(where, number, row_id, f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        if row.id in seen:
            raise PatternFileError(where, number, row.id, "duplicate id")
        seen.add(row.id)
        if isinstance(row.pattern, str):
            try:
                compile_regex(row.pattern)
            except (re.error, KeyError) as error:
                raise PatternFileError(where, number, row.id, f"bad regex: {error}") from None
        rows.append(row)
    return rows


# --- macros -----------------------------------------------------------------------------------


@functools.cache
def macros() -> dict[str, str]:
    table = dict(data_json("extractors.lexical", "macros.json")["macros"])
    table["NUMWORD"] = number_word_regex()
    table["UNIT"] = unit_regex()
    table["SCHEDULE"] = data_json("extractors.lexical", "units.json")["schedule_suffix"]
    return table


def expand(pattern: str, depth: int = 0) -> str:
    if depth > 10:
        raise re.error(f"macro recursion too deep in {pattern[:40]}")
    table = macros()
    expanded = MACRO.sub(lambda m: "(?:" + table[m.group(1)] + ")", pattern)
    return expanded if expanded == pattern else expand(expanded, depth + 1)


@functools.cache
def compile_regex(pattern: str) -> re.Pattern[str]:
    """A pattern with its macros expanded, case-insensitive, with a start-character hint for re's search."""
    return with_start_hint(re.compile(expand(pattern), re.IGNORECASE))


# --- numbers ----------------------------------------------------------------------------------


@functools.cache
def number_words() -> dict[str, int]:
    """Every number word 0-99 as written in prose ('forty-one', 'forty one'), derived from the table."""
    table = data_json("extractors.lexical", "number_words.json")
    words = dict(table["units"])
    for ten, ten_value in table["tens"].items():
        words[ten] = ten_value
        for unit, unit_value in table["units"].items():
            if 1 <= unit_value <= 9:
                for joiner in ("-", " ", "\u2010", "\u2013"):
                    words[f"{ten}{joiner}{unit}"] = ten_value + unit_value
    return words


def number_word_regex() -> str:
    """Number words 0-999 ('forty-one', 'two hundred and five') as one alternation, in any case.

    A cheap look-ahead on the first letter keeps the alternation from being tried at most positions, and
    the alternatives are grouped by first letter (see ``by_first_letter``).
    """
    table = data_json("extractors.lexical", "number_words.json")
    small = sorted(table["units"], key=len, reverse=True)
    units = sorted((w for w, v in table["units"].items() if 1 <= v <= 9), key=len, reverse=True)
    tens = sorted(table["tens"], key=len, reverse=True)
    initials = "".join(sorted({w[0] for w in list(table["units"]) + tens}))
    below_hundred = (r"(?:(?:" + "|".join(tens) + r")(?:[- \u2010\u2013](?:" + "|".join(units) + r"))?|"
                     + "|".join(small) + r")")
    # In the order one flat alternation tries them: hundreds, then tens with an optional unit, then small words.
    alternatives = ([(unit, r"[- ]" + table["hundred"] + r"(?:[- ](?:and[- ])?" + below_hundred + r")?") for unit in units]
                    + [(ten, r"(?:[- \u2010\u2013](?:" + "|".join(units) + r"))?") for ten in tens]
                    + [(word, "") for word in small])
    return (r"(?i:\b(?=[" + initials + r"])"
            + by_first_letter([(word[0], re.escape(word[1:]) + tail) for word, tail in alternatives]) + r"\b)")


def words_regex(words: Iterable[str]) -> str:
    """Literal words as one case-insensitive alternation, tried in the given order (put longer words first)."""
    return by_first_letter([(word[0], re.escape(word[1:])) for word in words if word])


def by_first_letter(alternatives: list[tuple[str, str]]) -> str:
    """``(?i:(?:...|...))`` of alternatives given as (first character, regex of the rest), in the given order.

    Case-insensitive literals make re enter every alternative at every position it tries; so the
    alternatives are grouped by their first character, and a group of an ASCII letter opens on a
    case-sensitive class of every character re.IGNORECASE matches to it ('(?-i:[Ss\u017f])'), which re
    tests in one step. Alternatives of different first letters never match at the same position, and
    each group keeps its alternatives' order, so the alternation matches exactly what the flat one does.
    """
    if any(first in IGNORECASE_LOOKALIKES for first, _ in alternatives):
        return "(?i:(?:" + "|".join(re.escape(first) + rest for first, rest in alternatives) + "))"
    groups: dict[str, list[str]] = {}
    for first, rest in alternatives:
        # Characters outside ASCII may match each other case-insensitively ('\u00b5', '\u03bc'): one group, as written.
        key = first.lower() if first.isascii() else ""
        groups.setdefault(key, []).append(re.escape(first) + rest if key == "" else rest)
    branches = []
    for key, rests in groups.items():
        if key == "":
            branches.append("(?:" + "|".join(rests) + ")")
        else:
            spellings = "".join(re.escape(c) for c in sorted(ignorecase_spellings(key)))
            branches.append(f"(?-i:[{spellings}])(?:" + "|".join(rests) + ")")
    return "(?i:(?:" + "|".join(branches) + "))"


def ignorecase_spellings(char: str) -> set[str]:
    """The characters re.IGNORECASE matches to an ASCII character: its two cases and, for 's', 'i' and 'k',
    the non-ASCII look-alikes ('\u017f', '\u0131', '\u0130', '\u212a')."""
    candidates = {char.lower(), char.upper()} | set(IGNORECASE_LOOKALIKES)
    return {c for c in candidates if re.fullmatch(re.escape(char), c, re.IGNORECASE)}


# --- units ------------------------------------------------------------------------------------


@functools.cache
def unit_table() -> list[tuple[str, re.Pattern[str]]]:
    """(canonical unit, full-match regex of its surface forms), most specific first."""
    table = data_json("extractors.lexical", "units.json")
    entries: list[tuple[str, str]] = []
    for per, per_forms in table["per"].items():
        for amount, amount_forms in table["amounts"].items():
            canonical = amount + per
            surface = "(?:" + "|".join(amount_forms) + ")(?:" + "|".join(per_forms) + ")"
            entries.append((canonical, surface))
    for canonical, forms in table["standalone"].items():
        entries.append((canonical, "(?:" + "|".join(forms) + ")"))
    # Longer denominators first so 'mg/kg' is never read as 'mg'.
    entries.sort(key=lambda entry: -len(entry[0]))
    # Unit spellings use only the plain macros (SP, WS), never the derived ones, so no recursion.
    plain = data_json("extractors.lexical", "macros.json")["macros"]
    return [
        (canonical, re.compile(MACRO.sub(lambda m: "(?:" + plain[m.group(1)] + ")", surface), re.IGNORECASE))
        for canonical, surface in entries
    ]


def unit_regex() -> str:
    # A unit ends at a word boundary or at punctuation ('mg/kg)' or 'mg,'), never inside a word ('mgs'),
    # and never where a concentration or exposure goes on ('ng/mL', 'mg/dL', 'ug*h/mL', 'ug\u00b7h/mL').
    return ("(?:" + "|".join(pattern.pattern for _, pattern in unit_table())
            + r")(?![A-Za-z])(?![ ]?[\u00b7*\u22c5\u00d7 ][ ]?h(?:r|ours?)?\b|[ ]?/[ ]?(?:m?l|dl|h|hr|min)\b)")


def canonical_unit(surface: str) -> str | None:
    """The canonical spelling of a dose unit as SUMMARY.md writes it.

    >>> canonical_unit("mg/m(2)"), canonical_unit("\u00b5g/kg"), canonical_unit("Gy")
    ('mg/m2', 'ug/kg', 'gy')
    """
    text = surface.strip()
    for canonical, pattern in unit_table():
        if pattern.fullmatch(text):
            return canonical
    return None


# --- sentences --------------------------------------------------------------------------------

@functools.cache
def sentence_end() -> re.Pattern[str]:
    """A sentence (or ';'-clause) boundary; abbreviations in lexical/abbreviations.json end none."""
    abbreviations = data_json("extractors.lexical", "abbreviations.json")["no_sentence_end"]
    return re.compile(r"(?<=[.!?;])" + "".join(f"(?<!\\b{re.escape(a)})" for a in abbreviations)
                      + r"\s+(?=[A-Z(\[0-9])|\n+")


def doc_text(doc: Doc) -> str:
    """Doc.text, read once per Doc: spaCy joins every token anew on each access of Doc.text."""
    extensions = doc._  # a new accessor object on every 'doc._'
    text = extensions.kg_text
    if text is None:
        text = extensions.kg_text = doc.text
    return text


BRACKET = re.compile(r"[()\[\]]")


@functools.lru_cache(maxsize=8)
def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Sentence (or ';'-clause) character ranges. Abstracts are terse; a rule-based split is enough.

    A ';' inside brackets ('(18/87; 95% CI, 12.7 to 30.7)') separates items, not clauses.
    """
    bounds, start = [], 0
    brackets = [(m.start(), m.group()) for m in BRACKET.finditer(text)]
    depth, index = 0, 0
    for match in sentence_end().finditer(text):
        while index < len(brackets) and brackets[index][0] < match.start():
            depth = depth + 1 if brackets[index][1] in "([" else max(0, depth - 1)
            index += 1
        if depth and text[match.start() - 1:match.start()] == ";":
            continue
        bounds.append((start, match.start()))
        start = match.end()
        if "\n" in match.group():
            depth = 0  # a new paragraph closes whatever the last one left open
    bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if e > s]


@functools.cache
def section_headings() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """How a background section opens, and the heading that ends it (lexical/sections.json)."""
    sections = data_json("extractors.lexical", "sections.json")
    return compile_regex(sections["background_opens"]), compile_regex(sections["background_ends"])


@functools.lru_cache(maxsize=64)
def background_end(text: str) -> int:
    """Where the background section of a structured abstract ends (0 when it has none)."""
    opens, ends = section_headings()
    if not opens.match(text):
        return 0
    heading = ends.search(text)
    return heading.start() if heading is not None else 0


def sentence_of(bounds: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in bounds:
        if start <= position < end:
            return start, end
    return bounds[-1] if bounds else (0, 0)


# --- spans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One role of one fact: characters [start, end) of the Doc's text."""

    role: str
    start: int
    end: int


@dataclass(frozen=True)
class Fact:
    """A fact found by a rule: its type, the rule id and its parts."""

    kind: str
    rule: str
    parts: tuple[Part, ...]


def group_parts(match: re.Match[str], skip: Iterable[str] = ()) -> list[Part]:
    """The named groups of a match as parts. A trailing digit marks another spelling of the same role
    (Python's re allows a group name once per pattern), so 'n2' is the role 'n'."""
    parts = []
    for name, value in match.groupdict().items():
        if value is None or name in skip:
            continue
        start, end = match.span(name)
        parts.append(Part(name.rstrip("0123456789"), start, end))
    return parts


def store_facts(doc: Doc, key: str, facts: Iterable[Fact]) -> None:
    """Write facts to ``doc.spans[key]``: label = role, id_ = rule id, kb_id_ = '<kind>#<n>'.

    Span groups are what survives ``Doc.to_bytes`` in ``nlp.pipe(n_process=...)``; the records are
    rebuilt from them after the pipeline.
    """
    spans: list[Span] = []
    for number, fact in enumerate(facts):
        fact_key = f"{fact.kind}#{number}"
        for part in fact.parts:
            span = doc.char_span(part.start, part.end, label=part.role, kb_id=fact_key, alignment_mode="expand")
            if span is None:
                continue
            span.id_ = fact.rule
            spans.append(span)
    doc.spans[key] = spans


def iter_facts(doc: Doc, key: str) -> Iterator[tuple[str, str, dict[str, list[Span]]]]:
    """Read facts back from a span group: (kind, rule, {role: [spans]}) in document order."""
    grouped: dict[str, dict[str, list[Span]]] = {}
    rules: dict[str, str] = {}
    for span in doc.spans.get(key, []):
        grouped.setdefault(span.kb_id_, {}).setdefault(span.label_, []).append(span)
        rules[span.kb_id_] = span.id_
    for fact_key, roles in grouped.items():
        yield fact_key.split("#", 1)[0], rules[fact_key], roles


def regex_rows(rows: list[PatternRow]) -> list[tuple[PatternRow, Prefiltered]]:
    """Each regex row with its compiled pattern, prefiltered by the words the pattern itself requires."""
    return [(row, Prefiltered(compile_regex(row.pattern))) for row in rows if isinstance(row.pattern, str)]


def overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < taken_end and taken_start < end for taken_start, taken_end in taken)


class RuleComponent:
    """Base of the regex rule components: match -> resolve -> set annotations.

    ``find`` runs every regex row of the component's pattern file over the text; a match whose
    anchor overlaps an earlier match of the same label is dropped, so rows earlier in the file (the
    more specific ones) win. Subclasses override ``resolve`` to relate a match to its context.
    """

    package: str = ""
    span_key: str = ""
    # Labels of the rows ``find`` runs as facts; None runs every row but the gate. A component that also
    # reads rows by name (``row_pattern``) for context names its few fact labels here, so a new context
    # row needs no line of code beyond the one that reads it.
    fact_labels: frozenset[str] | None = None
    # Components of results (responses, adverse events) skip a structured abstract's background section.
    skips_background: bool = False

    def __init__(self, nlp, name: str):
        self.name = name
        self.rows = regex_rows(load_patterns(self.package))

    @functools.cached_property
    def _first_row_of_label(self) -> dict[str, Prefiltered]:
        first: dict[str, Prefiltered] = {}
        for row, pattern in self.rows:
            first.setdefault(row.label, pattern)
        return first

    def row_pattern(self, label: str) -> Prefiltered:
        """The (first) row of a label, for context rows a component reads by name (read per match: a lookup)."""
        return self._first_row_of_label[label]

    def matches(self, text: str, label: str) -> Iterator[tuple[PatternRow, re.Match[str]]]:
        for row, pattern in self.rows:
            if row.label == label:
                for match in pattern.finditer(text):
                    yield row, match

    @functools.cached_property
    def fact_rows(self) -> list[tuple[PatternRow, Prefiltered, str]]:
        """The rows ``find`` runs (fact rows, never the gate), each with the label its matches claim."""
        return [(row, pattern, row.label.split("/")[0]) for row, pattern in self.rows
                if row.label != "gate" and (self.fact_labels is None or row.label in self.fact_labels)]

    @functools.cached_property
    def gates(self) -> list[Prefiltered]:
        return [pattern for row, pattern in self.rows if row.label == "gate"]

    def find(self, doc: Doc) -> list[Fact]:
        facts: list[Fact] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        for row, pattern, claims in self.fact_rows:
            for match in pattern.finditer(self.text):
                claimed = taken.setdefault(claims, [])
                if overlaps(match.start(), match.end(), claimed):
                    continue
                resolved = self.resolve(doc, row, match)
                if resolved:
                    claimed.append(match.span())
                    facts.extend(resolved)
        return facts

    def resolve(self, doc: Doc, row: PatternRow, match: re.Match[str]) -> list[Fact]:
        return [Fact(row.label, row.id, tuple(group_parts(match)))]

    def __call__(self, doc: Doc) -> Doc:
        self.text = doc_text(doc)
        # A 'gate' row states what every row of the component needs; a text without it is skipped whole.
        if any(not pattern.search(self.text) for pattern in self.gates):
            doc.spans[self.span_key] = []
            return doc
        facts = self.find(doc)
        if self.skips_background:
            # Results cited in a background section are earlier trials', not this one's.
            cited_until = background_end(self.text)
            facts = [f for f in facts if min((p.start for p in f.parts), default=0) >= cited_until]
        facts = sorted(facts, key=lambda fact: min((p.start for p in fact.parts), default=0))
        store_facts(doc, self.span_key, facts)
        return doc
