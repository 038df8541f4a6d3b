"""The sentence around a value: the ``oa:prefix`` and ``oa:suffix`` of its TextQuoteSelector.

W3C Web Annotation (https://www.w3.org/TR/annotation-model/#text-quote-selector) gives a quote the text
immediately before and after it. kg makes them the rest of the value's sentence, so a query returns
"the sentence each number came from" as ``CONCAT(prefix, exact, suffix)`` without the abstract text in
the store. The splitter is deliberately plain (abstracts are edited prose): a sentence ends at ``.``,
``!`` or ``?`` followed by white space and a capital, digit or opening bracket, unless the word before
is a known abbreviation or an initial, and at every line break (section headings, list items).

>>> text = "We enrolled 39 pts (median age 63, vs. 61). DCR was 86.21% in 29 pts. Grade 3 AEs: 10%."
>>> start = text.index("86.21"); sentence_context(text, start, start + 5)
('DCR was ', '% in 29 pts.')
>>> start = text.index("61"); sentence_context(text, start, start + 2)
('We enrolled 39 pts (median age 63, vs. ', ').')
"""

from __future__ import annotations

import bisect
import functools
import re

# Never more than this many characters on either side: a run-on "sentence" (a table flattened into
# text) would otherwise put the whole abstract into every selector.
MAX_SIDE = 300
# Words that a period follows inside a sentence; units and "pts" also end sentences, so they are not here.
ABBREVIATIONS = frozenset({"vs", "e.g", "i.e", "al", "approx", "ca", "fig", "figs", "no", "nos", "dr", "ref", "incl", "cf"})
END = re.compile(r"([.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n")
WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


@functools.lru_cache(maxsize=64)
def sentence_starts(text: str) -> tuple[int, ...]:
    """Offsets where a sentence begins (always 0)."""
    starts = [0]
    for match in END.finditer(text):
        if match.group(1) == ".":
            word = WORD_BEFORE.search(text, 0, match.start())
            if word is not None:
                token = word.group(1).lower()
                if token in ABBREVIATIONS or len(token) == 1:
                    continue
        starts.append(match.end())
    return tuple(starts)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """[begin, finish) of the sentence holding text[start:end], white space trimmed."""
    starts = sentence_starts(text)
    index = bisect.bisect_right(starts, start) - 1
    begin = starts[index]
    # A value that straddles a boundary (it should not) keeps its own span whole.
    following = bisect.bisect_right(starts, max(start, end - 1))
    finish = starts[following] if following < len(starts) else len(text)
    while begin < start and text[begin].isspace():
        begin += 1
    while finish > end and text[finish - 1].isspace():
        finish -= 1
    return begin, finish


def sentence_context(text: str, start: int, end: int) -> tuple[str, str]:
    """(prefix, suffix): the value's sentence before and after it, each at most ``MAX_SIDE`` characters."""
    begin, finish = sentence_bounds(text, start, end)
    return text[max(begin, start - MAX_SIDE):start], text[end:min(finish, end + MAX_SIDE)]
