"""Pure functions that turn the surface text of a span into a value. No spaCy here: unit-tested alone."""

from __future__ import annotations

import datetime as dt
import re

from extractors.engine import canonical_unit, number_words

__all__ = ["canonical_unit", "parse_number", "decimals", "parse_grade", "parse_phase", "parse_date", "normalise_term"]

_MINUS = str.maketrans({"\u2212": "-", "\u00b7": ".", "\u2009": "", "\u202f": "", "\u00a0": "", ",": ""})
_DIGITS = re.compile(r"-?\d+(?:\.\d+)?")
# Cell and unit counts: '2 × 10^6', '5 × 10⁶', '5 × 106' (a superscript lost in the source), '1.5e9'.
_POWER = re.compile(r"(?P<mantissa>\d+(?:\.\d+)?)(?:\s*[×xX]\s*10\^?\s*(?P<exponent>\d{1,2})|e(?P<e>\d{1,2}))")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def parse_number(text: str) -> int | float | None:
    """A number as the text writes it: digits (with a Lancet middle dot) or English words.

    Integers stay integers and decimals stay floats, so "6.0" is 6.0 and "79" is 79.

    >>> parse_number("0\u00b774"), parse_number("Forty-one"), parse_number("Two hundred eighty-five"), parse_number("6.0")
    (0.74, 41, 285, 6.0)
    >>> parse_number("2 \u00d7 10^6"), parse_number("5 \u00d7 106"), parse_number("1.5e9")
    (2000000, 5000000, 1500000000)
    """
    cleaned = text.strip().translate(_MINUS)
    if _DIGITS.fullmatch(cleaned):
        return float(cleaned) if "." in cleaned else int(cleaned)
    power = _POWER.fullmatch(cleaned.translate(_SUPERSCRIPTS))
    if power:
        value = float(power["mantissa"]) * 10 ** int(power["exponent"] or power["e"])
        return int(value) if value.is_integer() else value
    word = text.strip().lower()
    for dash in ("\u2010", "\u2013"):
        word = word.replace(dash, "-")
    if "hundred" in word:
        head, _, rest = word.partition("hundred")
        hundreds = number_words().get(head.strip(" -"))
        rest = rest.strip(" -")
        rest = rest[4:] if rest.startswith("and ") or rest.startswith("and-") else rest
        tail = number_words().get(rest) if rest else 0
        return None if hundreds is None or tail is None else hundreds * 100 + tail
    return number_words().get(word)


def decimals(text: str) -> int:
    """How many decimals the text wrote: the rounding a percentage must be checked at.

    >>> decimals("86.21"), decimals("79"), decimals("0\u00b774")
    (2, 0, 2)
    """
    cleaned = text.strip().translate(_MINUS)
    return len(cleaned.split(".", 1)[1]) if "." in cleaned else 0


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
_GRADE_NUMBER = re.compile(r"\b([1-5]|iii|iv|ii|i|v)\b", re.IGNORECASE)


def parse_grade(text: str) -> str:
    """CTCAE grade group as SUMMARY.md writes it: 'any', '1'..'5', '>=3', '3-4'.

    >>> [parse_grade(t) for t in ["\u2265 grade 3", "grade 3/4", "Gr 4", "any grade", "grade 3 or higher", "G3", "Gr3+"]]
    ['>=3', '3-4', '4', 'any', '>=3', '3', '>=3']
    """
    lowered = text.lower()
    if "any" in lowered or "all grade" in lowered:
        return "any"
    if lowered.strip() in {"serious", "high grade"}:
        return ">=3"
    numbers = [_ROMAN.get(found.lower(), found) for found in _GRADE_NUMBER.findall(re.sub(r"(?<=[a-z])(?=\d)", " ", lowered))]
    if not numbers:
        return "any"
    if re.search(r"\u2265|>=|> =|\u2267|greater than or equal|or (?:higher|above|greater|more|worse)|\+", lowered):
        return ">=" + numbers[0]
    if len(numbers) >= 2:
        return f"{numbers[0]}-{numbers[-1]}"
    return numbers[0]


_PHASE = re.compile(r"(i{1,3}|iv|[1-4])\s*([ab])?", re.IGNORECASE)


def parse_phase(text: str) -> list[str]:
    """Phase labels of a phase mention: 'phase Ib/II' gives ['1b', '2'].

    >>> parse_phase("phase 1b"), parse_phase("Phase I/II"), parse_phase("phase 2a")
    (['1b'], ['1', '2'], ['2a'])
    """
    body = re.sub(r"^phases?\s*", "", text.strip(), flags=re.IGNORECASE)
    phases = []
    for number, letter in _PHASE.findall(body):
        digit = _ROMAN.get(number.lower(), number)
        phases.append(digit + (letter or "").lower())
    return phases


_MONTHS = {name: index for index, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def parse_date(text: str) -> str | None:
    """ISO date of 'Jan 22, 2024', '22 January 2024' or '2024-01-22'; a month alone gives 'YYYY-MM'.

    >>> parse_date("Jan 22, 2024"), parse_date("22 January 2024"), parse_date("March 2023")
    ('2024-01-22', '2024-01-22', '2023-03')
    """
    cleaned = text.strip().replace(",", " ").replace(".", " ")
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", cleaned)
    if iso:
        year, month, day = map(int, iso.groups())
    else:
        words = cleaned.lower().split()
        month = next((_MONTHS[w[:3]] for w in words if w[:3] in _MONTHS and not w.isdigit()), None)
        numbers = [int(w) for w in words if w.isdigit()]
        year = next((n for n in numbers if n > 1900), None)
        day = next((n for n in numbers if n <= 31), None)
        if month is None or year is None:
            return None
        if day is None:
            return f"{year:04d}-{month:02d}"
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def normalise_term(text: str) -> str:
    """Lower case, single spaces: the comparable form of a drug name, AE term or label."""
    return " ".join(text.lower().split())


def phase_spans(text: str) -> list[tuple[str, int, int]]:
    """Each phase named in a phase mention with its offsets in ``text``: '1b/2' gives ('1b',0,2), ('2',3,4).

    >>> phase_spans("Ib/II")
    [('1b', 0, 2), ('2', 3, 5)]
    """
    found = []
    for match in re.finditer(r"(iv|i{1,3}|[1-4])([ab])?(?![a-z0-9])", text, re.IGNORECASE):
        found.append((_ROMAN.get(match.group(1).lower(), match.group(1)) + (match.group(2) or "").lower(),
                      match.start(), match.end()))
    return found


_CATEGORIES = (
    ("uPR", r"^upr"), ("MR", r"^(?:mr|minor)"), ("CRh", r"^crh\b"), ("CRi", r"^cri\b"),
    ("cCR", r"^(?:ccr|composite)"), ("MLFS", r"^(?:mlfs|morphologic)"), ("CR", r"^(?:cr|complete)"), ("PR", r"^(?:pr(?!ogress)|partial)"),
    ("SD", r"^(?:sd|stable)"), ("PD", r"^(?:pd|progress)"),
)


def response_category(text: str) -> str | None:
    """RECIST best-response category of a mention.

    >>> response_category("partial responses"), response_category("SD"), response_category("uPRs")
    ('PR', 'SD', 'uPR')
    >>> response_category("progressive disease")
    'PD'
    """
    lowered = text.strip().lower()
    for category, pattern in _CATEGORIES:
        if re.match(pattern, lowered):
            return category
    return None


def rate_name(text: str) -> str | None:
    """ORR, DCR or CBR for a rate mention ('objective response rate', 'OR', 'disease control'); CR or PR
    for the rate of one category ('complete response rate').

    >>> rate_name("disease control rate"), rate_name("ORRs"), rate_name("rate of complete response or better")
    ('DCR', 'ORR', 'CR')
    """
    lowered = text.strip().lower()
    if len(lowered) <= 4:
        lowered = lowered.rstrip("s")  # 'ORRs', 'DCRs'
    category = re.search(r"\b(complete|partial)\s+(?:response|remission)", lowered)
    if category and not re.search(r"complete\s+(?:or|and|/)\s+partial|partial\s+(?:or|and|/)\s+complete", lowered):
        return "CR" if category.group(1) == "complete" else "PR"
    if "control" in lowered or lowered == "dcr":
        return "DCR"
    if "benefit" in lowered or lowered == "cbr":
        return "CBR"
    if "respon" in lowered or lowered in {"orr", "or"}:
        return "ORR"
    return None
