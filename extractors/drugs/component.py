"""kg_drugs: drug mentions recognised by rule, never by a list of one trial's drugs.

Four sources, in order of trust: sponsor code names (letters then digits), WHO INN stems (-mab,
-nib, -platin...), a small lexicon of old cytotoxics whose names carry no stem, and the text's own
definitions ("X, an oral PKMYT1 inhibitor" makes X a drug; "lunresertib (lunre)" makes "lunre" the
same drug). Every mention of a recognised name is a span in ``doc.spans["kg_drugs"]`` whose
``kb_id_`` is the drug's canonical name (the INN where the text pairs an INN with a code).
"""

from __future__ import annotations

import functools
import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors.engine import data_tsv, doc_text, load_patterns, regex_rows, words_regex
from extractors.prefilter import with_start_hint

PACKAGE = "extractors.drugs"
SPAN_KEY = "kg_drugs"

# Words that end in a drug stem but are not drugs in abstracts.
NOT_DRUGS = frozenset({"stat", "tide", "cel", "gene", "vir", "deg", "cept", "concept", "except", "accept",
                       "intercept", "peptide", "nucleotide", "oligonucleotide", "polypeptide", "tide",
                       "excel", "parallel", "vessel", "marcel", "antigene", "oncogene", "transgene",
                       "cancel", "channel", "model", "level", "travel", "panel", "label", "novel",
                       "hotel", "gravel", "angel", "hydrogel", "morsel", "carousel", "tinnitus"})


@functools.cache
def stem_regex() -> re.Pattern[str]:
    stems = sorted((row["stem"] for row in data_tsv(PACKAGE, "stems.tsv")), key=len, reverse=True)
    # Stems grouped by first letter: re tries the alternation at every letter it backs off from the word's
    # end, and a group whose letter differs fails in one step. A stem is lower-case letters and must end the
    # word, so which stem matches never changes the span.
    groups: dict[str, list[str]] = {}
    for stem in stems:
        groups.setdefault(stem[0], []).append(re.escape(stem[1:]))
    alternation = "|".join(re.escape(first) + "(?:" + "|".join(rests) + ")" for first, rests in groups.items())
    # An optional short hyphenated prefix keeps formulations whole: 'nab-paclitaxel'.
    return with_start_hint(re.compile(r"\b(?:[A-Za-z]{2,4}-)?[A-Za-z][a-z]{2,}(?:" + alternation + r")\b"))


@functools.cache
def lexicon_regex() -> re.Pattern[str]:
    names = sorted((row["name"] for row in data_tsv(PACKAGE, "lexicon.tsv")), key=len, reverse=True)
    return re.compile(r"(?<![\w-])" + words_regex(names) + r"(?![\w-])", re.IGNORECASE)


def key(name: str) -> str:
    """A name without case, spaces or hyphens: 'RMC-9805', 'RMC 9805' and 'rmc9805' are one code."""
    return re.sub(r"[\W_]+", "", name.lower())


def find_drug_names(text: str, rows) -> tuple[dict[str, str], list[tuple[int, int, str]]]:
    """Pure part of the component: (alias -> canonical name, [(start, end, canonical)]) for a text."""
    found: list[tuple[int, int, str, str]] = []  # start, end, surface, rule
    for match in stem_regex().finditer(text):
        if match.group().lower() not in NOT_DRUGS:
            found.append((match.start(), match.end(), match.group(), "drug-inn-stem"))
    for match in lexicon_regex().finditer(text):
        found.append((match.start(), match.end(), match.group(), "drug-lexicon"))
    aliases: dict[str, str] = {}
    surfaces: set[str] = set()
    for row, pattern in rows:
        if row.label != "drug":
            continue
        for match in pattern.finditer(text):
            start, end = match.span("drug")
            found.append((start, end, match.group("drug"), row.id))
    # A name the text taught once ('Zoldonrasib, an oral G12D inhibitor') is a drug wherever it appears.
    defined = {surface for _, _, surface, rule in found if rule == "drug-defined-as-agent"}
    if defined:
        taught = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(defined, key=len, reverse=True)))
                            + r")(?![\w-])", re.IGNORECASE)
        found.extend((m.start(), m.end(), m.group(), "drug-defined-as-agent") for m in taught.finditer(text))
    mentions = with_formulation(text, merge_adjacent(text, resolve_overlaps(found)), rows)
    for row, pattern in rows:
        if row.label != "alias":
            continue
        for match in pattern.finditer(text):
            short = key(match.group("short"))
            # The long form is the drug mention that ends right before the bracket, however many words it
            # has: 'pegylated liposomal doxorubicin (PLD)', 'sacituzumab govitecan (SG)', 'AMG 757'.
            bracket = match.start("short") - 1
            owner = max((m for m in mentions if bracket - 2 <= m[1] <= bracket), key=lambda m: m[1] - m[0], default=None)
            if owner is not None and short != key(owner[2]) and not short.isdigit():
                aliases[short] = owner[2].lower()
                surfaces.add(match.group("short"))
    if aliases:
        alias_regex = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(surfaces, key=len, reverse=True)))
                                 + r")(?![\w-])", re.IGNORECASE)
        found.extend((m.start(), m.end(), m.group(), "drug-abbreviation-definition") for m in alias_regex.finditer(text))
        mentions = merge_adjacent(text, resolve_overlaps(found))
    return aliases, [(start, end, aliases.get(key(surface), surface.lower()), rule) for start, end, surface, rule in mentions]


def with_formulation(text: str, mentions: list[tuple[int, int, str, str]], rows) -> list[tuple[int, int, str, str]]:
    """A mention preceded by its formulation takes it into its name: 'nanoliposomal irinotecan'."""
    formulations = [pattern for row, pattern in rows if row.label == "formulation"]
    extended = []
    for start, end, surface, rule in mentions:
        for pattern in formulations:
            found = pattern.search(text, max(0, start - 40), start)
            if found is not None and not any(m[0] < start and m[1] > found.start() for m in mentions):
                start, surface = found.start(), text[found.start():end]
                break
        extended.append((start, end, surface, rule))
    return extended


def resolve_overlaps(found: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Leftmost, then longest, mention wins where two rules matched overlapping text."""
    mentions: list[tuple[int, int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for start, end, surface, rule in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]))):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        mentions.append((start, end, surface, rule))
    return mentions


def merge_adjacent(text: str, mentions: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Two drug words with only a space between are one name: 'trastuzumab deruxtecan', 'lisocabtagene maraleucel'."""
    merged: list[tuple[int, int, str, str]] = []
    for start, end, surface, rule in mentions:
        if merged and text[merged[-1][1]:start] == " ":
            previous = merged.pop()
            merged.append((previous[0], end, text[previous[0]:end], previous[3]))
        else:
            merged.append((start, end, surface, rule))
    return merged


class DrugRecognizer:
    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.rows = regex_rows(load_patterns(PACKAGE))

    def __call__(self, doc: Doc) -> Doc:
        _, mentions = find_drug_names(doc_text(doc), self.rows)
        spans = []
        for start, end, canonical, rule in mentions:
            span = doc.char_span(start, end, label="drug", kb_id=canonical, alignment_mode="expand")
            if span is not None:
                span.id_ = rule
                spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc


@Language.factory("kg_drugs", assigns=["doc.spans"], requires=[], default_config={})
def make_drug_recognizer(nlp: Language, name: str) -> DrugRecognizer:
    return DrugRecognizer(nlp, name)

