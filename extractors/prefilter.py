"""Literal prefilters derived from each regex: run a pattern only where a match can start.

Python's ``re`` tries a pattern at every position of the text, and most rows begin with a look-behind
or an alternation that it cannot skip over quickly. Yet almost every row needs some plain words
('evaluable', 'median', '%', 'dose-limiting'...) within a known distance of the match start. This module
reads those words out of the compiled pattern itself (so a row added tomorrow gets its prefilter too),
and ``Prefiltered.finditer`` then

* returns nothing when the text lacks every spelling of one required word, and
* otherwise runs the regex only from start positions that the rarest required word allows, with an
  ``endpos`` far enough past each window that the engine sees exactly what it sees on the whole text.

The matches are those of ``pattern.finditer`` on the whole text, in the same order: a start position is
skipped only when no match can start there, and the engine's result at a start position depends only
on the characters it examines (look-behinds see before ``pos``; ``endpos`` is set past the last
character any path of the pattern can examine, look-aheads included).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

try:  # the stdlib's regex parser; without it every pattern simply runs unfiltered
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover (Python moved its internals)
    sre = sre_parse = None

# A text shorter than this is scanned whole: indexing it would cost more than the scan.
MIN_INDEXED_LENGTH = 200
# Alternative spellings kept per required word ('randomi[sz]ed' is two); more would cost more than it saves.
MAX_SPELLINGS = 24
# Required words kept per pattern, the longest first.
MAX_WORDS = 4
# Windowed scanning pays when it costs less than this share of a plain scan of the text.
MAX_WINDOW_SHARE = 0.5
# A match() or search() call costs about as much as trying a pattern at this many positions.
CALL_COST = 12
# An anchor word may sit anywhere within this many characters of the match start.
MAX_ANCHOR_SPREAD = 160


@dataclass(frozen=True)
class Word:
    """A required literal: one of ``spellings`` (lower case) occurs in every match, starting between
    ``min_offset`` and ``max_offset`` characters after the match start (``max_offset`` None: unbounded)."""

    spellings: frozenset[str]
    min_offset: int
    max_offset: int | None


@dataclass(frozen=True)
class Plan:
    # Words every match holds: a text without one of them has no match.
    words: tuple[Word, ...]
    # Words within a short, known distance of the match start: where a match can start.
    anchors: tuple[Word, ...]
    # Characters right of a start position that any path of the pattern may examine (None: unbounded).
    reach: int | None


# --- reading a pattern ------------------------------------------------------------------------------


def _unbounded(width: int) -> bool:
    return width >= sre.MAXREPEAT


class _Reader:
    """Walks the parsed pattern, collecting required words with their offsets from the match start."""

    def __init__(self, state):
        self.state = state

    def width(self, item) -> tuple[int, int | None]:
        low, high = sre_parse.SubPattern(self.state, [item]).getwidth()
        return low, None if _unbounded(high) else high

    def sequence(self, items, low: int, high: int | None) -> list[Word]:
        words: list[Word] = []
        run: set[str] = {""}
        run_low, run_high = low, high

        def flush() -> None:
            nonlocal run
            if "" not in run:
                # 'pt' in the text is implied by 'pts': keep the shortest of spellings that share a start.
                shortest = {s for s in run if not any(s != t and s.startswith(t) for t in run)}
                words.append(Word(frozenset(shortest), run_low, run_high))
            run = {""}

        for item in items:
            op, av = item
            if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
                continue  # zero width: the characters either side are still adjacent
            strings = self.strings(item)
            if strings is not None and len(run) * len(strings) <= MAX_SPELLINGS:
                if run == {""}:
                    run_low, run_high = low, high
                run = {prefix + string for prefix in run for string in strings}
            else:
                flush()
                words.extend(self.inner(op, av, low, high))
            item_low, item_high = self.width(item)
            low += item_low
            high = None if high is None or item_high is None else high + item_high
        flush()
        return words

    def strings(self, item) -> set[str] | None:
        """Every text the item can match, lower-cased, when it is a short list of ASCII literals; else None."""
        op, av = item
        if op is sre.LITERAL:
            return {chr(av).lower()} if chr(av).isascii() else None
        if op is sre.IN:
            if not av or any(kind is not sre.LITERAL or not chr(code).isascii() for kind, code in av):
                return None
            return {chr(code).lower() for _, code in av}
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return {""}
        if op is sre.SUBPATTERN:
            return self.sequence_strings(av[-1].data)
        if op is sre.BRANCH:
            union: set[str] = set()
            for alternative in av[1]:
                strings = self.sequence_strings(alternative.data)
                if strings is None:
                    return None
                union |= strings
            return union if len(union) <= MAX_SPELLINGS else None
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[1] == 1:
            strings = self.sequence_strings(av[2].data)
            return None if strings is None else strings | ({""} if av[0] == 0 else set())
        return None

    def sequence_strings(self, items) -> set[str] | None:
        result = {""}
        for item in items:
            strings = self.strings(item)
            if strings is None or len(result) * len(strings) > MAX_SPELLINGS:
                return None
            result = {prefix + string for prefix in result for string in strings}
        return result

    def inner(self, op, av, low: int, high: int | None) -> list[Word]:
        """Required words inside a group, an alternation or a repeat that must run at least once."""
        if op is sre.SUBPATTERN:
            return self.sequence(av[-1].data, low, high)
        if op is sre.ATOMIC_GROUP:
            return self.sequence(av.data, low, high)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            return self.sequence(av[2].data, low, high)
        if op is sre.BRANCH:
            # Each alternative must give a word; together they give one word of all their spellings.
            best = []
            for alternative in av[1]:
                found = self.sequence(alternative.data, low, high)
                if not found:
                    return []
                best.append(max(found, key=strength))
            spellings = frozenset().union(*(word.spellings for word in best))
            if len(spellings) > MAX_SPELLINGS:
                return []
            highs = [word.max_offset for word in best]
            return [Word(spellings, min(word.min_offset for word in best),
                         None if None in highs else max(highs))]
        return []

    def lookahead_width(self, items) -> int | None:
        """The widest look-ahead anywhere in the pattern, summed: what they may examine past the match."""
        total = 0
        for op, av in items:
            children = []
            if op in (sre.ASSERT, sre.ASSERT_NOT):
                if av[0] == 1:
                    high = av[1].getwidth()[1]
                    if _unbounded(high):
                        return None
                    total += high
                children = [av[1]]
            elif op is sre.SUBPATTERN:
                children = [av[-1]]
            elif op is sre.ATOMIC_GROUP:
                children = [av]
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                children = [av[2]]
            elif op is sre.BRANCH:
                children = list(av[1])
            elif op is sre.GROUPREF_EXISTS:
                children = [child for child in av[1:] if child is not None]
            for child in children:
                inner = self.lookahead_width(child.data)
                if inner is None:
                    return None
                total += inner
        return total


def strength(word: Word) -> tuple[int, int]:
    """Longer spellings are rarer; fewer of them cost fewer look-ups."""
    return min(map(len, word.spellings)), -len(word.spellings)


def useful(word: Word) -> bool:
    # A single letter or space is in every text; a single '%' or '=' is not.
    return all(len(s) > 1 or not (s.isalnum() or s.isspace()) for s in word.spellings)


@functools.cache
def parsed_pattern(pattern: str, flags: int):
    """The stdlib parser's tree of a pattern, parsed once for the readers of this module (which only read it;
    the compiler parses its own copy). Macro-expanded rows are long, and parsing them was most of the time it
    took to build the pipeline."""
    return sre_parse.parse(pattern, flags)


@functools.cache
def plan_for(pattern: str, flags: int) -> Plan | None:
    if sre_parse is None or flags & re.LOCALE:
        return None
    try:
        parsed = parsed_pattern(pattern, flags)
    except Exception:  # a pattern re compiles but this reader cannot: run it unfiltered
        return None
    reader = _Reader(parsed.state)
    if parsed.getwidth()[0] == 0:
        return None  # a pattern that can match the empty string has no required word
    words = sorted({w for w in reader.sequence(parsed.data, 0, 0) if useful(w)}, key=strength, reverse=True)
    if not words:
        return None
    high = parsed.getwidth()[1]
    lookahead = reader.lookahead_width(parsed.data)
    # +2: a boundary or '$' at the last position examines one character more.
    reach = None if _unbounded(high) or lookahead is None else high + lookahead + 2
    anchors = [w for w in words if w.max_offset is not None and w.max_offset - w.min_offset <= MAX_ANCHOR_SPREAD]
    return Plan(tuple(words[:MAX_WORDS]), tuple(anchors[:MAX_WORDS]), reach)


# --- where a match can start ------------------------------------------------------------------------

try:  # the stdlib's regex compiler, to give a compiled pattern the start-character hint re gives some
    import _sre
    from re import _compiler as sre_compile
except ImportError:  # pragma: no cover
    _sre = sre_compile = None

# Characters that re.IGNORECASE matches to an ASCII letter other than its two cases (a test checks the list
# against every code point).
IGNORECASE_LOOKALIKES = "\u0130\u0131\u017f\u212a"
# A start set with more single characters than this is no use as a hint.
MAX_START_CHARACTERS = 400


class _AnyStart(Exception):
    """The pattern's first character cannot be told (any character, a back-reference, a word character...)."""


class _Starts:
    """The characters a match's first character can be: read from the parsed pattern, case variants included."""

    def __init__(self):
        self.characters: set[int] = set()
        self.categories: set = set()

    def sequence(self, items, ignorecase: bool) -> bool:
        """Add the first characters of a sequence; True when it can match the empty string."""
        for item in items:
            if not self.item(item, ignorecase):
                return False
        return True

    def item(self, item, ignorecase: bool) -> bool:
        op, av = item
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            return True  # zero width: the next item gives the first character
        if op is sre.LITERAL:
            self.literal(av, ignorecase)
            return False
        if op is sre.IN:
            for kind, value in av:
                if kind is sre.LITERAL:
                    self.literal(value, ignorecase)
                elif kind is sre.RANGE and value[1] - value[0] <= MAX_START_CHARACTERS:
                    for code in range(value[0], value[1] + 1):
                        self.literal(code, ignorecase)
                elif kind is sre.CATEGORY and value in (sre.CATEGORY_DIGIT, sre.CATEGORY_SPACE):
                    self.categories.add(value)
                else:  # a negated class, \w, \S, a wide range
                    raise _AnyStart
            return False
        if op is sre.SUBPATTERN:
            _, add_flags, del_flags, pattern = av
            if (add_flags | del_flags) & sre_parse.TYPE_FLAGS:
                raise _AnyStart  # (?a:...) or (?u:...): classes the hint would compile otherwise
            if add_flags & sre.SRE_FLAG_IGNORECASE:
                ignorecase = True
            if del_flags & sre.SRE_FLAG_IGNORECASE:
                ignorecase = False
            return self.sequence(pattern.data, ignorecase)
        if op is sre.ATOMIC_GROUP:
            return self.sequence(av.data, ignorecase)
        if op is sre.BRANCH:
            empty = False
            for alternative in av[1]:
                empty = self.sequence(alternative.data, ignorecase) or empty
            return empty
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _, pattern = av
            return self.sequence(pattern.data, ignorecase) or low == 0
        raise _AnyStart  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS

    def literal(self, code: int, ignorecase: bool) -> None:
        char = chr(code)
        if not ignorecase or char.lower() == char.upper():
            self.characters.add(code)
        elif char.isascii():
            # the two cases, and the non-ASCII letters re.IGNORECASE matches to them ('\u017f' to 's')
            self.characters.update(ord(c) for c in {char.lower(), char.upper()} | set(IGNORECASE_LOOKALIKES)
                                   if re.fullmatch(re.escape(char), c, re.IGNORECASE))
        else:
            raise _AnyStart  # a cased letter outside ASCII: its case-insensitive matches are not listed here
        if len(self.characters) > MAX_START_CHARACTERS:
            raise _AnyStart


def start_characters(pattern: str, flags: int) -> _Starts | None:
    """The characters any match of the pattern starts with; None when they cannot be told or any will do."""
    if sre_parse is None:
        return None
    try:
        parsed = parsed_pattern(pattern, flags)
    except Exception:  # a pattern re compiles but this reader cannot
        return None
    flags |= parsed.state.flags
    if flags & (re.LOCALE | re.DEBUG) or parsed.getwidth()[0] == 0:
        return None  # LOCALE: case depends on the locale; width 0: a match can be empty, anywhere
    if parsed.data and parsed.data[0] == (sre.AT, sre.AT_BEGINNING):
        return None  # '^...': re already tries the first position only
    starts = _Starts()
    try:
        if starts.sequence(parsed.data, bool(flags & re.IGNORECASE)):
            return None
    except _AnyStart:
        return None
    return starts


def with_start_hint(compiled: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern, compiled with the set of characters its matches start with in its search hint.

    re's search skips along the text to the next character a match can start with when the pattern opens
    on a literal or a plain character class; a pattern that opens on a look-behind, a case-insensitive
    letter or an alternation is instead tried at every position. This reads the start set from the
    parsed pattern and writes it into the compiled code's info block, where re keeps that hint: the
    search then tries exactly the positions whose character is in the set, and as a match can start at no
    other, it finds the same matches. ``match`` and ``fullmatch`` never read the hint.
    """
    if sre_compile is None or not isinstance(compiled.pattern, str):
        return compiled
    return _start_hinted(compiled) or compiled


@functools.cache
def _start_hinted(compiled: re.Pattern[str]) -> re.Pattern[str] | None:
    """with_start_hint's pattern, once per pattern: compile_regex hints a row and Prefiltered hints it again."""
    starts = start_characters(compiled.pattern, compiled.flags)
    return None if starts is None else hinted(compiled, starts)


@functools.cache
def _compiled_code(pattern: str, flags: int):
    """(parsed tree, flags, re's code) of a pattern, once per pattern: a row is hinted for its whole start set
    and again for a split's digit alternatives (the code list is only read)."""
    parsed = sre_parse.parse(pattern, flags)
    flags |= parsed.state.flags
    return parsed, flags, sre_compile._code(parsed, flags)


def hinted(compiled: re.Pattern[str], starts: _Starts) -> re.Pattern[str] | None:
    """The pattern compiled with ``starts`` as its search hint: its search tries only positions whose character
    is one of them. None where re found a hint of its own or this Python's internals differ."""
    try:
        parsed, flags, code = _compiled_code(compiled.pattern, compiled.flags)
        if code[0] != sre.INFO or code[2] & (sre.SRE_INFO_PREFIX | sre.SRE_INFO_CHARSET | sre.SRE_INFO_LITERAL):
            return None  # re found its own hint
        charset = [(sre.LITERAL, c) for c in sorted(starts.characters)] + [(sre.CATEGORY, c) for c in sorted(starts.categories)]
        charset, _ = sre_compile._optimize_charset(charset)
        info = [sre.INFO, 0, sre.SRE_INFO_CHARSET, code[3], code[4]]
        sre_compile._compile_charset(charset, flags, info)
        info[1] = len(info) - 1
        groupindex = parsed.state.groupdict
        indexgroup = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        result = _sre.compile(compiled.pattern, flags, info + code[1 + code[1]:], parsed.state.groups - 1,
                              groupindex, tuple(indexgroup))
    except Exception:  # another Python's internals: keep the plain pattern
        return None
    if result.flags != compiled.flags or result.groupindex != compiled.groupindex or result.groups != compiled.groups:
        return None
    return result


# --- matches that open on a word or on a digit --------------------------------------------------------

# Spellings kept for the words a pattern's word alternatives open on ('one', 'two', ... 'ninety': 28).
MAX_LEAD_SPELLINGS = 64


@dataclass(frozen=True)
class Split:
    """Where a pattern's matches start, for a pattern that opens on an alternation such as a count
    ('\\d{1,6}' or a number word): its other alternatives start on few characters (digits), and every match
    opened by a word alternative starts with one of a few words ('one', 'twenty'...)."""

    others: re.Pattern[str] | None  # the pattern, hinted to the other alternatives' start characters (None: none)
    lead: frozenset[str]  # lower case; every match starting elsewhere starts with one of them
    word_start: bool  # the word alternatives open on '\\b': a lead word counts only where no word character precedes it


def _opening_alternatives(items, ignorecase: bool):
    """The alternatives of the alternation a match's first character comes from, with the case flag in force
    there; None when the pattern does not open on an alternation every match goes through."""
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero width: the next item gives the first character
        if op is sre.SUBPATTERN:
            _, add_flags, del_flags, pattern = av
            if (add_flags | del_flags) & sre_parse.TYPE_FLAGS or pattern.getwidth()[0] == 0:
                return None
            if add_flags & sre.SRE_FLAG_IGNORECASE:
                ignorecase = True
            if del_flags & sre.SRE_FLAG_IGNORECASE:
                ignorecase = False
            return _opening_alternatives(pattern.data, ignorecase)
        if op is sre.BRANCH:
            return av[1], ignorecase
        return None
    return None


def _opens_on_boundary(items) -> bool:
    """Whether a sequence asserts '\\b' before its first character."""
    for op, av in items:
        if op is sre.AT and av is sre.AT_BOUNDARY:
            return True
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        if op is sre.SUBPATTERN and not (av[1] | av[2]) & sre_parse.TYPE_FLAGS and av[-1].getwidth()[0] > 0:
            return _opens_on_boundary(av[-1].data)
        return False
    return False


def _lead_item(item) -> tuple[set[str] | None, bool]:
    """(lower-case strings one of which the item's match opens with, whether they are the whole match)."""
    op, av = item
    if op is sre.LITERAL:
        return ({_folded(av)}, True) if _folded(av).isascii() else (None, False)
    if op is sre.IN:
        if not av or any(kind is not sre.LITERAL or not _folded(code).isascii() for kind, code in av):
            return None, False
        return {_folded(code) for _, code in av}, True
    if op is sre.SUBPATTERN:
        if (av[1] | av[2]) & sre_parse.TYPE_FLAGS:
            return None, False
        return _lead(av[-1].data)
    if op is sre.BRANCH:
        union: set[str] = set()
        whole = True
        for alternative in av[1]:
            strings, complete = _lead(alternative.data)
            if strings is None:
                return None, False
            union |= strings
            whole = whole and complete
        return union, whole
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
        strings, complete = _lead(av[2].data)
        return strings, complete and av[0] == av[1] == 1
    return None, False


def _folded(code: int) -> str:
    """A character as the text index folds it: lower case, the ignore-case look-alikes ASCII ('\u017f' is 's')."""
    return chr(code).translate(_FOLD).lower()


def _lead(items) -> tuple[set[str] | None, bool]:
    """The strings one of which every match of a sequence opens with (None: none can be told; never ''),
    and whether they are whole matches."""
    result = {""}
    for item in items:
        if item[0] in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero width: the characters either side are still adjacent
        strings, whole = _lead_item(item)
        if strings is None:
            break
        grown = {prefix + string for prefix in result for string in strings}
        if len(grown) > MAX_LEAD_SPELLINGS:
            break
        result = grown
        if not whole:
            break
    else:
        return (None, False) if "" in result else (result, True)
    return (None, False) if "" in result else (result, False)


def split_for(compiled: re.Pattern[str]) -> Split | None:
    """The pattern's split starts, when it opens on an alternation of which some alternatives may start on a
    letter but each of those opens with one of a few words of two letters or more."""
    if sre_compile is None or not isinstance(compiled.pattern, str):
        return None
    try:
        parsed = parsed_pattern(compiled.pattern, compiled.flags)
    except Exception:  # a pattern re compiles but this reader cannot
        return None
    flags = compiled.flags | parsed.state.flags
    if flags & (re.LOCALE | re.DEBUG) or parsed.getwidth()[0] == 0:
        return None
    found = _opening_alternatives(parsed.data, bool(flags & re.IGNORECASE))
    if found is None:
        return None
    alternatives, ignorecase = found
    others, lead = _Starts(), set()
    # Under re.ASCII '\\b' sees other word characters than str.isalnum does: no word-start filter then.
    word_start = not flags & re.ASCII
    try:
        for alternative in alternatives:
            if alternative.getwidth()[0] == 0:
                return None
            own = _Starts()
            try:
                own.sequence(alternative.data, ignorecase)
                on_letters = any(chr(code).isalpha() for code in own.characters)
            except _AnyStart:
                own, on_letters = None, True
            if on_letters:
                words, _ = _lead(alternative.data)
                if words is not None and min(map(len, words)) >= 2:
                    lead |= words
                    word_start = word_start and _opens_on_boundary(alternative.data) and all(
                        word[0].isalnum() for word in words)
                    continue
                if own is None:
                    return None
            others.characters |= own.characters
            others.categories |= own.categories
            if len(others.characters) > MAX_START_CHARACTERS:
                return None
    except _AnyStart:
        return None
    if not lead or len(lead) > MAX_LEAD_SPELLINGS:
        return None
    # 'seventeen' in the text is implied by 'seven': keep the shortest of spellings that share a start.
    lead = {s for s in lead if not any(s != t and s.startswith(t) for t in lead)}
    if not others.characters and not others.categories:
        return Split(None, frozenset(lead), word_start)
    pattern = hinted(compiled, others)
    return None if pattern is None else Split(pattern, frozenset(lead), word_start)


# --- the text side ----------------------------------------------------------------------------------

# IGNORECASE_LOOKALIKES are folded to their ASCII letter so the folded text has the same length and holds
# a required word wherever the pattern could match it.
_FOLD = str.maketrans(dict(zip(IGNORECASE_LOOKALIKES, "iisk")))
_LOOKALIKE = re.compile(f"[{IGNORECASE_LOOKALIKES}]")


class TextIndex:
    """A text folded to lower case (same length), and where each required word occurs in it."""

    def __init__(self, text: str):
        folded = text.lower()
        if len(folded) != len(text) or (not text.isascii() and _LOOKALIKE.search(text)):
            # Rare: a look-alike, or a character whose lower case is longer ('\u0130'): fold one by one.
            folded = "".join(c.lower() if c.isascii() else c for c in text.translate(_FOLD))
        self.folded = folded
        # Per word (its spellings): in the text at all, how often, and where. Rows share words, so each
        # is computed once per text, and only as far as some row needs it.
        self.found: dict[frozenset[str], bool] = {}
        self.counts: dict[frozenset[str], int] = {}
        self.positions: dict[frozenset[str] | tuple[frozenset[str], str], list[int]] = {}

    def present(self, spellings: frozenset[str]) -> bool:
        found = self.found.get(spellings)
        if found is None:
            folded = self.folded
            found = self.found[spellings] = any(spelling in folded for spelling in spellings)
        return found

    def count(self, spellings: frozenset[str]) -> int:
        count = self.counts.get(spellings)
        if count is None:
            count = self.counts[spellings] = sum(map(self.folded.count, spellings))
        return count

    def occurrences(self, spellings: frozenset[str]) -> list[int]:
        """Sorted start offsets of every spelling of a word."""
        found = self.positions.get(spellings)
        if found is None:
            found, find = [], self.folded.find
            for spelling in spellings:
                at = find(spelling)
                while at >= 0:
                    found.append(at)
                    at = find(spelling, at + 1)
            found.sort()
            self.positions[spellings] = found
        return found


    def word_starts(self, spellings: frozenset[str], text: str) -> list[int]:
        """Sorted start offsets of the spellings where no word character (re's '\\w') precedes them."""
        key = (spellings, "word start")
        found = self.positions.get(key)
        if found is None:
            found = self.positions[key] = [at for at in self.occurrences(spellings)
                                           if at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")]
        return found


@functools.lru_cache(maxsize=8)
def text_index(text: str) -> TextIndex:
    return TextIndex(text)


class Prefiltered:
    """A compiled pattern with the same ``finditer``/``search`` results, run only where a match can start."""

    __slots__ = ("pattern", "plan", "required", "anchors", "split")

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = with_start_hint(pattern)
        self.plan = plan_for(pattern.pattern, pattern.flags)
        # (spellings, first offset, last offset or None, shortest spelling): plain tuples, read on every call.
        self.required = () if self.plan is None else tuple(
            (w.spellings, w.min_offset, w.max_offset, min(map(len, w.spellings))) for w in self.plan.words)
        self.anchors = () if self.plan is None else tuple(
            (w.spellings, w.min_offset, w.max_offset, min(map(len, w.spellings))) for w in self.plan.anchors)
        self.split = split_for(pattern)

    def __getattr__(self, name: str):
        return getattr(self.pattern, name)

    def __repr__(self) -> str:
        return f"Prefiltered({self.pattern!r})"

    def match(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return self.pattern.match(string, pos, len(string) if endpos is None else endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return self.pattern.fullmatch(string, pos, len(string) if endpos is None else endpos)

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return next(self.finditer(string, pos, endpos), None)

    def finditer(self, string: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        length = len(string)
        endpos = length if endpos is None else max(0, min(endpos, length))
        pos = max(0, pos)
        if (not self.required and self.split is None) or length < MIN_INDEXED_LENGTH or pos >= endpos:
            return self.pattern.finditer(string, pos, endpos)
        index = text_index(string)
        whole = pos == 0 and endpos == length
        for spellings, first, _, shortest in self.required:
            if whole:
                if not index.present(spellings):
                    return iter(())  # a required word is missing: no match anywhere
                continue
            found = index.occurrences(spellings)
            at = bisect.bisect_left(found, pos + first)
            if at == len(found) or found[at] > endpos - shortest:
                return iter(())
        windows = self.windows(index, pos, endpos, whole) if self.anchors else None
        if windows is not None:
            return self.scan(string, windows, endpos)
        if self.split is not None:
            return self.scan_split(string, index, pos, endpos)
        return self.pattern.finditer(string, pos, endpos)

    def windows(self, index: TextIndex, pos: int, endpos: int, whole: bool) -> list[tuple[int, int]] | None:
        """The start positions worth trying, as merged [first, last] ranges; None when a plain scan is cheaper."""
        best, best_cost = None, (endpos - pos) * MAX_WINDOW_SHARE
        per_position = self.plan.reach is None  # one match() per start position, else one search() per window
        for anchor in self.anchors:
            spellings, first, last, shortest = anchor
            if whole:
                count = index.count(spellings)
            else:
                found = index.occurrences(spellings)
                count = bisect.bisect_right(found, endpos - shortest) - bisect.bisect_left(found, pos + first)
            spread = last - first + 1
            cost = count * spread * CALL_COST if per_position else count * (spread + CALL_COST)
            if cost < best_cost:
                best, best_cost = anchor, cost
        if best is None:
            return None
        spellings, first, last, shortest = best
        found = index.occurrences(spellings)
        windows: list[tuple[int, int]] = []
        for at in found[bisect.bisect_left(found, pos + first):bisect.bisect_right(found, endpos - shortest)]:
            start, end = max(pos, at - last), min(endpos - 1, at - first)
            if windows and start <= windows[-1][1] + 1:
                if end > windows[-1][1]:
                    windows[-1] = (windows[-1][0], end)
            elif start <= end:
                windows.append((start, end))
        return windows

    def scan(self, string: str, windows: list[tuple[int, int]], endpos: int) -> Iterator[re.Match[str]]:
        """What finditer yields, trying only the windows' start positions (each window in text order)."""
        reach, cursor = self.plan.reach, 0
        if reach is None:
            match = self.pattern.match
            for first, last in windows:
                start = max(first, cursor)
                while start <= last:
                    found = match(string, start, endpos)
                    if found is None:
                        start += 1
                    else:
                        yield found
                        cursor = start = found.end()  # never empty: the pattern needs a word
            return
        search = self.pattern.search
        for first, last in windows:
            start = max(first, cursor)
            while start <= last:
                # The engine never looks past start + reach, so this endpos changes nothing for starts <= last.
                found = search(string, start, min(endpos, last + reach))
                if found is None or found.start() > last:
                    break
                yield found
                cursor = start = found.end()

    def scan_split(self, string: str, index: TextIndex, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        """What finditer yields, from two kinds of start: the other alternatives' start characters, which the
        hinted pattern's search skips to, and the places where a lead word of the word alternatives occurs.

        At each step the next match is the leftmost of the two searches' first results, as a match can start
        nowhere else; a match at a given place is the same whichever search tries it.
        """
        split = self.split
        others, match = split.others, self.pattern.match
        starts = index.word_starts(split.lead, string) if split.word_start else index.occurrences(split.lead)
        at = bisect.bisect_left(starts, pos)
        cursor = pos
        pending = others.search(string, cursor, endpos) if others is not None else None
        while True:
            limit = pending.start() if pending is not None else endpos
            found = None
            while at < len(starts) and starts[at] < limit:
                found = match(string, starts[at], endpos)
                at += 1
                if found is not None:
                    break
            if found is None:
                if pending is None:
                    return
                found = pending
            yield found
            cursor = found.end()  # never empty: the pattern needs a character
            at = bisect.bisect_left(starts, cursor, at)
            if pending is not None and pending.start() < cursor:
                pending = others.search(string, cursor, endpos)
