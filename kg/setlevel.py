"""The WHERE clause of a shape's SELECT, rewritten so that Oxigraph evaluates it well over a whole store.

``kg.storecheck`` checks each abstract's graph alone by running a constraint's WHERE clause inside
``GRAPH ?kgGraph { ... }``. Oxigraph evaluates such a group as a loop: for every focus node it looks
each further triple pattern up in the on-disk index, one random read per pattern and node (tens of
microseconds each at 10k abstracts), where reading the whole of one predicate's triples is about one
microsecond per triple. So the same group is written here as its elements joined at the top level:

* each triple pattern becomes a sub-select ``{ SELECT ?kgGraph ?vars WHERE { GRAPH ?kgGraph { s p o } } }``,
  which Oxigraph reads in one scan and joins by hashing on the shared variables (the graph among them);
* ``FILTER NOT EXISTS { triple patterns }`` becomes ``MINUS`` over the same patterns, a hash anti-join;
  this is exact here because the body is a basic graph pattern sharing ``?kgGraph`` with the row
  (SPARQL 1.1, section 8.3: the two differ only when the body has no shared variable or filters on the
  row's variables);
* every other pattern (OPTIONAL, UNION, MINUS, a nested group) is wrapped in its own
  ``GRAPH ?kgGraph``, and the body of every ``EXISTS`` in a FILTER or BIND expression too, so it is still
  matched in the row's graph only;
* FILTER and BIND stay where they are.

``GRAPH ?g { A . B }`` is the join of ``GRAPH ?g { A }`` and ``GRAPH ?g { B }`` (the graph variable is
shared), so the results are those of the plain form; a test runs both over a store and compares them.
A clause this module cannot read (a blank node, a collection, SERVICE, a triple with a variable
predicate, which as a scan of its own would read the whole store) is left in the plain form: ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<iri><[^\s<>"{}|^`\\]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<number>[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<pname>(?:[A-Za-z][\w\-.]*)?:(?:[\w\-]|\.(?=[\w\-]))*|[A-Za-z_][\w\-]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.|/^*+?!=<>@-])
""", re.VERBOSE)

GRAPH_VAR = "?kgGraph"
ELEMENT_KEYWORDS = {"FILTER", "BIND", "OPTIONAL", "MINUS", "GRAPH", "SERVICE", "VALUES"}


class Unsupported(Exception):
    """A construct this module does not rewrite; the caller keeps the plain form."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    spaced: bool = True  # whitespace or a comment before it in the source (kept: 'COALESCE(' is not 'COALESCE (')


def tokenize(text: str) -> list[Token]:
    tokens, position, spaced = [], 0, False
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:
            raise Unsupported(f"cannot read {text[position:position + 20]!r}")
        if match.lastgroup == "space":
            spaced = True
        else:
            tokens.append(Token(match.lastgroup, match.group(), spaced))
            spaced = False
        position = match.end()
    return tokens


def closing(tokens: list[Token], start: int) -> int:
    """Index of the token closing the bracket opened at ``start``."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    depth = 0
    for index in range(start, len(tokens)):
        text = tokens[index].text if tokens[index].kind == "punct" else ""
        if text in pairs:
            depth += 1
        elif text in pairs.values():
            depth -= 1
            if depth == 0:
                return index
    raise Unsupported("unbalanced brackets")


def keyword(token: Token) -> str:
    return token.text.upper() if token.kind == "pname" else ""


def text_of(tokens: list[Token]) -> str:
    return "".join((" " if token.spaced and index else "") + token.text for index, token in enumerate(tokens))


def variables(tokens: list[Token]) -> list[str]:
    found: list[str] = []
    for token in tokens:
        name = "?" + token.text[1:] if token.kind == "var" else None
        if name and name not in found:
            found.append(name)
    return found


def elements(tokens: list[Token]) -> list[tuple[str, list[Token]]]:
    """The top-level elements of a group's body: (kind, tokens); kind is 'triples' or a keyword or 'group'."""
    found, index = [], 0
    while index < len(tokens):
        token, word = tokens[index], keyword(tokens[index])
        if token.kind == "punct" and token.text == ".":
            index += 1
            continue
        if word in ("FILTER", "BIND"):
            start = index + 1
            if keyword(tokens[start]) == "NOT":
                start += 1
            if keyword(tokens[start]) == "EXISTS":
                start += 1
            elif tokens[start].kind == "pname" and tokens[start + 1].text == "(":
                start += 1  # FILTER regex(...)
            end = closing(tokens, start)
            found.append((word, tokens[index:end + 1]))
            index = end + 1
        elif word in ("OPTIONAL", "MINUS"):
            end = closing(tokens, index + 1)
            found.append((word, tokens[index:end + 1]))
            index = end + 1
        elif word in ("GRAPH", "SERVICE", "VALUES"):
            raise Unsupported(word)
        elif token.kind == "punct" and token.text == "{":
            end = closing(tokens, index)
            while end + 1 < len(tokens) and keyword(tokens[end + 1]) == "UNION":
                end = closing(tokens, end + 2)
            found.append(("group", tokens[index:end + 1]))
            index = end + 1
        else:
            end = index
            while end < len(tokens) and not (keyword(tokens[end]) in ELEMENT_KEYWORDS
                                             or (tokens[end].kind == "punct" and tokens[end].text in "{}")):
                end += 1
            found.append(("triples", tokens[index:end]))
            index = end
    return found


PATH_OPERATORS = {"|", "/"}
PATH_MODIFIERS = {"*", "+", "?"}


def split_path(tokens: list[Token], start: int) -> int:
    """Index just after the predicate (an IRI, 'a', a variable or a property path) starting at ``start``."""
    index = start
    while True:
        while tokens[index].text in ("^", "!"):
            index += 1
        if tokens[index].text == "(":
            index = closing(tokens, index) + 1
        elif tokens[index].kind in ("iri", "pname", "var"):
            index += 1
        else:
            raise Unsupported(f"predicate {tokens[index].text}")
        while index < len(tokens) and tokens[index].kind == "punct" and tokens[index].text in PATH_MODIFIERS:
            index += 1
        if index < len(tokens) and tokens[index].kind == "punct" and tokens[index].text in PATH_OPERATORS:
            index += 1
            continue
        return index


def term_end(tokens: list[Token], start: int) -> int:
    """Index just after the subject or object term starting at ``start``."""
    token = tokens[start]
    if token.kind in ("iri", "var", "number") or (token.kind == "pname" and token.text != "a"):
        return start + 1
    if token.kind == "string":
        if start + 1 < len(tokens) and tokens[start + 1].text == "@":
            return start + 3
        if start + 1 < len(tokens) and tokens[start + 1].text == "^^":
            return start + 3
        return start + 1
    if token.kind == "punct" and token.text == "-" and start + 1 < len(tokens) and tokens[start + 1].kind == "number":
        return start + 2
    raise Unsupported(f"term {token.text}")  # blank nodes, collections


def triples(tokens: list[Token]) -> list[tuple[list[Token], list[Token], list[Token]]]:
    """(subject, predicate, object) token lists of a triples block, its ';' and ',' lists expanded."""
    found, index = [], 0
    while index < len(tokens):
        if tokens[index].text == ".":
            index += 1
            continue
        subject_end = term_end(tokens, index)
        subject = tokens[index:subject_end]
        index = subject_end
        while True:
            predicate_end = split_path(tokens, index)
            predicate = tokens[index:predicate_end]
            index = predicate_end
            while True:
                object_end = term_end(tokens, index)
                found.append((subject, predicate, tokens[index:object_end]))
                index = object_end
                if index < len(tokens) and tokens[index].text == ",":
                    index += 1
                    continue
                break
            if index < len(tokens) and tokens[index].text == ";":
                index += 1
                if index < len(tokens) and tokens[index].text in (".", ";"):
                    continue
                if index >= len(tokens):
                    break
                continue
            break
        if index < len(tokens) and tokens[index].text != ".":
            raise Unsupported(f"after a triple: {tokens[index].text}")
    return found


def scan(subject: list[Token], predicate: list[Token], obj: list[Token]) -> str:
    """One triple pattern as a sub-select that Oxigraph reads in one scan and hash-joins."""
    if any(token.kind == "var" for token in predicate):
        raise Unsupported("a variable predicate would scan the whole store")
    pattern = subject + predicate + obj
    projected = " ".join([GRAPH_VAR] + variables(pattern))
    return f"{{ SELECT {projected} WHERE {{ GRAPH {GRAPH_VAR} {{ {text_of(pattern)} }} }} }}"


def branches(tokens: list[Token]) -> list[list[Token]]:
    """The bodies of ``{ A } UNION { B } ...`` (or of a lone ``{ A }``)."""
    found, index = [], 0
    while index < len(tokens):
        end = closing(tokens, index)
        found.append(tokens[index + 1:end])
        index = end + 2  # past '}' and 'UNION'
    return found


def bound_vars(body: list[Token]) -> set[str]:
    """Variables every solution of the group ``body`` binds: those of its triple patterns, and those
    every branch of a UNION binds (OPTIONAL, BIND and sub-selects are not counted: they may leave one
    unbound)."""
    found: set[str] = set()
    for kind, tokens in elements(body):
        if kind == "triples":
            found |= set(variables(tokens))
        elif kind == "group":
            found |= set.intersection(*(bound_vars(branch) for branch in branches(tokens)))
    return found


def group(body: list[Token], bound: frozenset[str] = frozenset()) -> str:
    """A group's body with every pattern matched in ``?kgGraph`` (see the module's docstring).
    ``bound``: variables every row binds before this group (``?this`` at the top level)."""
    parts, tail, so_far = [], [], set(bound)
    items = elements(body)
    later = [set() for _ in items]  # variables the elements after each one may bind
    for index in range(len(items) - 2, -1, -1):
        later[index] = later[index + 1] | set(variables(items[index + 1][1]))
    for index, (kind, tokens) in enumerate(items):
        if kind == "triples":
            parts.extend(scan(*triple) for triple in triples(tokens))
            so_far |= set(variables(tokens))
        elif kind == "FILTER" and [keyword(t) for t in tokens[1:3]] == ["NOT", "EXISTS"] \
                and (minus := bgp_minus(tokens[4:-1])) is not None:
            # A FILTER holds for the whole group, a MINUS for what precedes it: here the same, when every
            # variable the body shares with the group is bound already and no later element binds it.
            own = set(variables(tokens))
            if own & later[index] or not (own & (so_far | later[index])) <= so_far:
                tail.append(minus)
            else:
                parts.append(minus)
        elif kind in ("FILTER", "BIND"):
            parts.append(text_of_exists(tokens))
        elif kind in ("OPTIONAL", "MINUS"):
            inner = tokens[2:-1]
            if all(kind_ == "triples" for kind_, _ in elements(inner)):
                parts.append(f"{kind} {{ {' '.join(scan(*t) for _, part in elements(inner) for t in triples(part))} }}")
            else:  # a FILTER inside may read the enclosing row's variables: match it as it is
                parts.append(f"{kind} {in_graph(tokens[1:])}")
        else:  # a group, or a UNION of groups: each branch is a group of its own
            parts.append(" UNION ".join("{ " + group(branch) + " }" for branch in branches(tokens)))
            so_far |= set.intersection(*(bound_vars(branch) for branch in branches(tokens)))
    return "\n    ".join(parts + tail)


def text_of_exists(tokens: list[Token]) -> str:
    """A FILTER or BIND with the body of each ``EXISTS { }`` matched in the row's graph. (Joining a
    sub-select of the body once instead, on the variables it shares with the row, gives the same results
    but was slower here: each such sub-select reads the whole store, where the rows that reach an EXISTS
    are few, about 4,000 at 10k abstracts.)"""
    parts, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        space = " " if token.spaced and index else ""
        if keyword(token) == "EXISTS" and index + 1 < len(tokens) and tokens[index + 1].text == "{":
            end = closing(tokens, index + 1)
            parts.append(f"{space}EXISTS {in_graph(tokens[index + 1:end + 1])}")
            index = end + 1
        else:
            parts.append(space + token.text)
            index += 1
    return "".join(parts)


def in_graph(tokens: list[Token]) -> str:
    """A group ``{ ... }`` (its braces included in ``tokens``) as ``{ GRAPH ?kgGraph { ... } }``."""
    return f"{{ GRAPH {GRAPH_VAR} {{ {text_of(tokens[1:-1])} }} }}"


def bgp_minus(body: list[Token]) -> str | None:
    """``FILTER NOT EXISTS { body }`` as a MINUS when the body is triple patterns, and FILTER NOT EXISTS of
    triple patterns in turn; None otherwise. A body of triple patterns only becomes scans; one holding a
    negation of its own is matched as one group in ``?kgGraph``, its inner negation a MINUS inside it
    (Virtuoso 7.2 cannot compile a MINUS nested in a MINUS of sub-selects: SP031)."""
    inner = negated_bgp(body)
    if inner is None:
        return None
    if all(kind == "triples" for kind, _ in elements(body)):
        return "MINUS { " + " ".join(scan(*t) for _, part in elements(body) for t in triples(part)) + " }"
    return f"MINUS {{ GRAPH {GRAPH_VAR} {{ {inner} }} }}"


def negated_bgp(body: list[Token]) -> str | None:
    """The triple patterns of ``body`` with each ``FILTER NOT EXISTS { triple patterns }`` in it written as
    MINUS, or None when the body holds anything else or a negation shares no variable with the patterns
    around it (where MINUS and NOT EXISTS differ: SPARQL 1.1, section 8.3)."""
    items = elements(body)
    own = {name for kind, element in items if kind == "triples" for name in variables(element)}
    parts = []
    for kind, element in items:
        if kind == "triples":
            triples(element)  # raises Unsupported on a term this module cannot read
            parts.append(text_of(element))
        elif kind == "FILTER" and [keyword(t) for t in element[1:3]] == ["NOT", "EXISTS"]:
            nested = negated_bgp(element[4:-1])
            if nested is None or not set(variables(element[4:-1])) & own:
                return None
            parts.append(f"MINUS {{ {nested} }}")
        else:
            return None
    return " ".join(parts) if parts else None


def store_level(where: str, target: str) -> str:
    """The body of the set-level WHERE for one constraint: ``target`` (patterns on ?this, which may hold a
    UNION) joined with the shape's WHERE body ``where``, both matched in ``?kgGraph``. Raises
    ``Unsupported`` when ``where`` holds a construct this module does not rewrite."""
    focus = f"{{ SELECT DISTINCT {GRAPH_VAR} ?this WHERE {{ GRAPH {GRAPH_VAR} {{ {target} }} }} }}"
    return focus + "\n    " + group(tokenize(where), frozenset({"?this"}))
