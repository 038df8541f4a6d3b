"""The HTML report (``kg report``): where every number came from, what it became, and what fails to add up.

One self-contained page (inline CSS, no script, no external resource) with a section per abstract:

- the abstract (and title) drawn in spaCy's displaCy *span* style, every extracted value underlined and
  labelled by kind (dose, DLT, AE, response, rate, population; drugs and trial facts too);
- the facts in the layout of the summary format (SUMMARY.md), each value a link to its highlight;
- the SHACL results of ``kg.shacl.validate``, each with its message and links to the values it involves,
  which are also marked in the text;
- the tool version and the data cut-off the abstract states.

A view of the records and of the validation report, never a second extractor or checker.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.displacy.render import SpanRenderer
from spacy.util import escape_html

from kg import __version__
from kg.errors import KgError
from kg.pipeline import Abstract
from kg.records import Extracted, Record, TrialAbstract
from kg.shacl import ShapeResult

# Kinds of value, in legend order, with displaCy-palette colours (spaCy's DEFAULT_LABEL_COLORS).
KINDS: dict[str, tuple[str, str]] = {
    "DOSE": ("#7aecec", "dose level or RP2D: amount and unit"),
    "DLT": ("#ff8197", "dose-limiting toxicity: total, per dose level, events"),
    "AE": ("#feca74", "adverse-event figure: term, grade, %, n"),
    "RESP": ("#9cc9cc", "response: best-response count (CR, PR, SD, PD...) or a responder"),
    "RATE": ("#c887fb", "response rate: ORR, DCR, CBR"),
    "POP": ("#bfeeb7", "population: enrolled, evaluable, arms, age, prior therapy, cycles, other n (x%)"),
    "DRUG": ("#aa9cfc", "drug a dose belongs to"),
    "TRIAL": ("#e4e7d2", "NCT id, phase, design, data cut-off"),
}
TRIAL_FIELDS = {"nct_ids", "phases", "designs", "data_cutoff"}
RATE_FIELDS = {"orr", "dcr", "cbr"}
PATH_PART = re.compile(r"([a-z_][a-z0-9_]*)")


def kind_of(path: str) -> str:
    """The highlight kind of a record value, from its path in the record.

    >>> [kind_of(p) for p in ("doses[0].drug", "rp2d[0].value", "dlt.by_dose[1].value", "dlt.total",
    ...                       "efficacy.dcr", "arms[0].efficacy.partial_response", "arms[0].n", "ae[2].pct")]
    ['DRUG', 'DOSE', 'DOSE', 'DLT', 'RATE', 'RESP', 'POP', 'AE']
    """
    names = PATH_PART.findall(path)
    top, last = names[0], names[-1]
    if top in TRIAL_FIELDS:
        return "TRIAL"
    if last == "drug":
        return "DRUG"
    if top in ("doses", "rp2d") or (top == "dlt" and last in ("value", "unit")):
        return "DOSE"
    if top == "dlt":
        return "DLT"
    if top == "ae":
        return "AE"
    if top == "responders":
        return "RESP"
    if "efficacy" in names and last != "evaluable":
        return "RATE" if last in RATE_FIELDS or "category_rates" in names else "RESP"
    return "POP"


def record_values(record: Record, path: str = "") -> Iterator[tuple[str, Extracted]]:
    """Every extracted value of a record with its path (``doses[0].value``), in field order."""
    for name in type(record).model_fields:
        value = getattr(record, name)
        items = [(f"{name}[{i}]", item) for i, item in enumerate(value)] if isinstance(value, list) else [(name, value)]
        for step, item in items:
            where = f"{path}.{step}" if path else step
            if isinstance(item, Extracted):
                yield where, item
            elif isinstance(item, Record):
                yield from record_values(item, where)


@dataclass
class Highlight:
    """One highlighted stretch of text; several record values may share it (a dose repeated as RP2D)."""

    field: str
    start: int
    end: int
    anchor: str
    kinds: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    owners: dict[str, set[str]] = field(default_factory=dict)  # kind -> paths of the records the values belong to
    flagged: bool = False

    def add(self, path: str, extracted: Extracted) -> None:
        kind = kind_of(path)
        if kind not in self.kinds:
            self.kinds.append(kind)
        self.owners.setdefault(kind, set()).add(path.rsplit(".", 1)[0] if "." in path else path)
        self.uses.append(f"{kind} {path} = {extracted.value} (rule {extracted.rule})")


@dataclass
class Section:
    """One abstract of the report: its texts, record, highlights and SHACL results."""

    number: int
    abstract: Abstract
    record: TrialAbstract
    conforms: bool
    results: list[ShapeResult]
    highlights: dict[tuple[str, int, int], Highlight]
    shown: set[int] = field(default_factory=set)  # id() of the values the facts table has linked
    fact_ids: set[str] = field(default_factory=set)  # highlights whose first facts link carries id f-<anchor>
    unchecked: str | None = None  # why the shapes could not run on this abstract, if they could not

    @property
    def anchor(self) -> str:
        return f"abstract-{self.number}"

    def source(self, field_name: str) -> str:
        return (self.abstract.title or "") if field_name == "title" else self.abstract.text

    def highlight(self, extracted: Extracted) -> Highlight | None:
        return self.highlights.get((extracted.field, extracted.start, extracted.end))


def make_section(number: int, abstract: Abstract, record: TrialAbstract, conforms: bool,
                 results: list[ShapeResult]) -> Section:
    highlights: dict[tuple[str, int, int], Highlight] = {}
    for path, extracted in record_values(record):
        if extracted.end <= extracted.start:
            continue
        key = (extracted.field, extracted.start, extracted.end)
        if key not in highlights:
            anchor = f"a{number}-{extracted.field}-{extracted.start}-{extracted.end}"
            highlights[key] = Highlight(extracted.field, extracted.start, extracted.end, anchor)
        highlights[key].add(path, extracted)
    for result in results:
        if result.severity == "Violation":
            for span in result.spans:
                if (span.field, span.start, span.end) in highlights:
                    highlights[(span.field, span.start, span.end)].flagged = True
    return Section(number, abstract, record, conforms, results, highlights)


# --- the text in displaCy's span style --------------------------------------------------------------


class AnchoredSpanRenderer(SpanRenderer):
    """displaCy's span renderer (its templates, colours and stacking of overlapping spans), with two changes.

    Each token is followed by the whitespace that follows it in the text, where displaCy puts one space
    after every token ("86.21%" stays "86.21%", a line break stays a line break); and the tokens of a
    highlight carry an element with the highlight's id (the facts table links to it), its class and a
    tooltip of the record values it holds.
    """

    def __init__(self, options: dict[str, Any], whitespace: list[str], wrappers: list[tuple[str, str, str]]):
        super().__init__(options)
        self.whitespace = whitespace
        self.wrappers = wrappers

    def _render_markup(self, per_token_info: list[dict[str, Any]]) -> str:
        markup = []
        for index, token in enumerate(per_token_info):
            entities = sorted(token["entities"], key=lambda entity: entity["render_slot"])
            text = escape_html(token["text"])
            if entities:
                total_height = self.top_offset + self.span_label_offset + self.offset_step * (len(entities) - 1)
                inner = self.span_template.strip().format(
                    text=text, span_slices=self._get_span_slices(entities),
                    span_starts=self._get_span_starts(entities), total_height=total_height)
                opening, extra, closing = self.wrappers[index]
                text = f"{opening}{extra}{inner}{closing}" if opening else inner
            markup.append(text + whitespace_html(self.whitespace[index]))
        return "".join(markup)


def whitespace_html(space: str) -> str:
    breaks = space.count("\n")
    return "<br>" * min(breaks, 2) + "\n" if breaks else (" " if space else "")


def tokens_of(text: str, cuts: set[int]) -> tuple[str, list[tuple[int, int]], list[str]]:
    """Split the text at whitespace and at every highlight boundary: (leading space, token offsets, whitespace after each)."""
    bounds = sorted(cuts | {0, len(text)})
    offsets: list[tuple[int, int]] = []
    for low, high in zip(bounds, bounds[1:]):
        offsets.extend((low + m.start(), low + m.end()) for m in re.finditer(r"\S+", text[low:high]))
    following = [text[end:offsets[i + 1][0]] if i + 1 < len(offsets) else text[end:] for i, (_, end) in enumerate(offsets)]
    leading = text[:offsets[0][0]] if offsets else text
    return leading, offsets, following


def render_text(section: Section, field_name: str) -> str:
    """The field's text as displaCy span markup, every highlight of that field drawn."""
    text = section.source(field_name)
    spans = sorted((h for h in section.highlights.values() if h.field == field_name), key=lambda h: (h.start, -h.end))
    spans = [h for h in spans if h.end <= len(text)]
    leading, offsets, following = tokens_of(text, {h.start for h in spans} | {h.end for h in spans})
    starts = {start: index for index, (start, _) in enumerate(offsets)}
    ends = {end: index + 1 for index, (_, end) in enumerate(offsets)}
    drawn: list[dict[str, Any]] = []
    covering: list[list[Highlight]] = [[] for _ in offsets]
    for h in spans:
        first, last = starts.get(h.start), ends.get(h.end)
        if first is None or last is None or last <= first:
            continue  # a span that does not fall on token boundaries (only whitespace): nothing to draw
        for kind in h.kinds:
            drawn.append({"start_token": first, "end_token": last, "label": kind, "owners": h.owners[kind]})
        for index in range(first, last):
            covering[index].append(h)
    data = joined(drawn)
    wrappers = [token_wrapper(hs, offsets[i][0], section.fact_ids) for i, hs in enumerate(covering)]
    renderer = AnchoredSpanRenderer({"colors": {kind: colour for kind, (colour, _) in KINDS.items()}},
                                    following, wrappers)
    markup = renderer.render([{"text": text, "tokens": [text[a:b] for a, b in offsets], "spans": data}])
    return escape_html(leading.strip()) + markup


def joined(drawn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Draw as one span the touching values of one record and kind ("10" and "mg" of a dose: one DOSE label)."""
    result: list[dict[str, Any]] = []
    for span in sorted(drawn, key=lambda s: (s["label"], s["start_token"], s["end_token"])):
        last = result[-1] if result else None
        if (last is not None and last["label"] == span["label"] and last["end_token"] == span["start_token"]
                and last["owners"] & span["owners"]):
            last["end_token"] = span["end_token"]
            last["owners"] = last["owners"] | span["owners"]
        else:
            result.append(dict(span))
    return [{"start_token": s["start_token"], "end_token": s["end_token"], "label": s["label"]} for s in result]


def token_wrapper(highlights: list[Highlight], token_start: int, fact_ids: set[str]) -> tuple[str, str, str]:
    """The element around one highlighted token: the id of the highlight it starts, its class, its tooltip,
    and a link back to the value's row in the facts table (what the number became)."""
    if not highlights:
        return "", "", ""
    starting = [h for h in highlights if h.start == token_start]
    classes = "kg-hl" + (" kg-flag" if any(h.flagged for h in highlights) else "")
    tooltip = html.escape("\n".join(use for h in highlights for use in h.uses))
    anchor = f' id="{starting[0].anchor}"' if starting else ""
    extra = "".join(f'<span class="kg-anchor" id="{h.anchor}"></span>' for h in starting[1:])
    target = next((h.anchor for h in starting + highlights if h.anchor in fact_ids), None)
    if target is None:
        return f'<span{anchor} class="{classes}" title="{tooltip}">', extra, "</span>"
    return f'<a{anchor} class="{classes}" href="#f-{target}" title="{tooltip}">', extra, "</a>"


# --- the facts table, in the summary layout -------------------------------------------------------


def link(section: Section, extracted: Extracted | None, fact: bool = True) -> str:
    """A record value as a link to its highlight, coloured by its kind; an em dash when not stated.

    The facts table's first link to a highlight carries the id ``f-<highlight>``, which the highlight links
    back to; other links (the header's) do not."""
    if extracted is None:
        return '<span class="none">—</span>'
    section.shown.add(id(extracted))
    shown = html.escape(str(extracted.value))
    h = section.highlight(extracted)
    if h is None:
        return f'<span class="v">{shown}</span>'
    colour = KINDS[h.kinds[0]][0]
    flag = " kg-flag" if h.flagged else ""
    title = html.escape(f"{extracted.text!r} at {extracted.field} {extracted.start}-{extracted.end}, rule {extracted.rule}")
    fact_id = ""
    if fact and h.anchor not in section.fact_ids:
        section.fact_ids.add(h.anchor)
        fact_id = f' id="f-{h.anchor}"'
    return f'<a{fact_id} class="v{flag}" href="#{h.anchor}" style="--kind: {colour}" title="{title}">{shown}</a>'


def links(section: Section, values: list[Extracted]) -> str:
    return ", ".join(link(section, v) for v in values) if values else '<span class="none">—</span>'


def table(section: Section, headers: tuple[str, ...], rows: list[tuple[Extracted | None, ...]]) -> str:
    if not rows:
        return '<span class="none">—</span>'
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{link(section, cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="sub"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def keyed(section: Section, pairs: list[tuple[str | Extracted, Extracted | None]]) -> str:
    """'name value' pairs; a name read from the text (a category such as 'uPR') is a link of its own."""
    shown = [(link(section, name) if isinstance(name, Extracted) else f'<span class="k">{name}</span>')
             + f" {link(section, value)}" for name, value in pairs if value is not None]
    return " · ".join(shown) if shown else '<span class="none">—</span>'


def responses_cell(section: Section, summary: Any) -> str:
    if summary is None:
        return '<span class="none">—</span>'
    pairs: list[tuple[str | Extracted, Extracted | None]] = [
        ("CR", summary.complete_response), ("PR", summary.partial_response), ("SD", summary.stable_disease),
        ("PD", summary.progressive_disease)]
    pairs += [(c.category, c.n) for c in summary.other_categories]
    return keyed(section, pairs)


def rates_cell(section: Section, summary: Any) -> str:
    if summary is None:
        return '<span class="none">—</span>'
    pairs: list[tuple[str | Extracted, Extracted | None]] = [("ORR", summary.orr), ("DCR", summary.dcr), ("CBR", summary.cbr)]
    pairs += [(c.category, c.pct) for c in getattr(summary, "category_rates", [])]
    return keyed(section, pairs)


def stats_cell(section: Section, stats: Any, keys: tuple[str, ...] = ("median", "mean", "min", "max")) -> str:
    if stats is None:
        return '<span class="none">—</span>'
    return keyed(section, [(key, getattr(stats, key)) for key in keys])


def facts_rows(section: Section) -> list[tuple[str, str]]:
    """(summary key, cell markup) in SUMMARY.md's order."""
    r = section.record
    efficacy, dlt = r.efficacy, r.dlt
    return [
        ("nct_ids", links(section, r.nct_ids)),
        ("phases", links(section, r.phases)),
        ("designs", links(section, r.designs)),
        ("enrolled", link(section, r.enrolled)),
        ("enrolled_parts", table(section, ("part", "n"), [(p.part, p.n) for p in r.enrolled_parts])),
        ("evaluable", link(section, efficacy.evaluable if efficacy else None)),
        ("age", stats_cell(section, r.age, ("median", "min", "max"))),
        ("doses", table(section, ("drug", "value", "unit"), [(d.drug, d.value, d.unit) for d in r.doses])),
        ("rp2d", table(section, ("drug", "value", "unit"), [(d.drug, d.value, d.unit) for d in r.rp2d])),
        ("dlt", '<span class="none">—</span>' if dlt is None else
         f'<span class="k">total</span> {link(section, dlt.total)} '
         f'<span class="k">patients</span> {link(section, dlt.patients)}'
         + table(section, ("drug", "value", "unit", "n", "of"),
                 [(d.drug, d.value, d.unit, d.n, getattr(d, "cohort", None)) for d in dlt.by_dose])
         + table(section, ("event", "grade", "n"), [(e.term, e.grade, e.n) for e in dlt.events])),
        ("responses", responses_cell(section, efficacy)),
        ("rates", rates_cell(section, efficacy)),
        ("arms", arms_cell(section)),
        ("ae", table(section, ("term", "grade", "pct", "n", "of"),
                     [(a.term, a.grade, a.pct, a.n, a.denominator) for a in r.ae])),
        ("counts", table(section, ("what", "n", "pct", "of"), [(c.what, c.n, c.pct, c.denominator) for c in r.counts])),
        ("prior_therapies", stats_cell(section, r.prior_therapies, ("median", "min", "max"))),
        ("cycles", stats_cell(section, r.cycles)),
        ("data_cutoff", link(section, r.data_cutoff)),
        ("responders", table(section, ("best", "histology", "shrinkage %", "week", "cycles"),
                             [(p.best, p.histology, p.shrinkage_pct, p.week, p.cycles) for p in r.responders])),
    ]


def arms_cell(section: Section) -> str:
    arms = section.record.arms
    if not arms:
        return '<span class="none">—</span>'
    rows = "".join(f"<tr><td>{link(section, a.arm)}</td><td>{link(section, a.n)}</td>"
                   f"<td>{responses_cell(section, a.efficacy)}</td><td>{rates_cell(section, a.efficacy)}</td></tr>"
                   for a in arms)
    return ('<table class="sub"><thead><tr><th>arm</th><th>n</th><th>responses</th><th>rates</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def facts_html(section: Section) -> str:
    """The facts table; values of fields the layout does not know yet follow under ``other``, never dropped."""
    cells = facts_rows(section)
    rest = [(path, e) for path, e in record_values(section.record) if id(e) not in section.shown]
    if rest:
        cells.append(("other", '<table class="sub"><tbody>' + "".join(
            f"<tr><td><code>{html.escape(path)}</code></td><td>{link(section, e)}</td></tr>" for path, e in rest)
            + "</tbody></table>"))
    rows = "".join(f'<tr><th scope="row"><code>{key}</code></th><td>{cell}</td></tr>' for key, cell in cells)
    return f'<table class="facts">{rows}</table>'


# --- SHACL results ----------------------------------------------------------------------------------


def results_html(section: Section) -> str:
    if section.unchecked:
        return f'<p class="unchecked">Not checked: {html.escape(section.unchecked)}</p>'
    if not section.results:
        return '<p class="ok">Conforms: no SHACL result.</p>'
    items = []
    for result in section.results:
        chips = []
        for span in result.spans:
            h = section.highlights.get((span.field, span.start, span.end))
            text = html.escape(section.source(span.field)[span.start:span.end])
            if h is None:
                chips.append(f'<span class="chip">{text}</span>')
            else:
                chips.append(f'<a class="chip" href="#{h.anchor}" style="--kind: {KINDS[h.kinds[0]][0]}" '
                             f'title="{html.escape(h.uses[0])}">{text}</a>')
        items.append(f'<li class="result {result.severity.lower()}"><span class="sev">{result.severity}</span> '
                     f'<code>{html.escape(result.shape)}</code><p class="msg">{html.escape(result.message)}</p>'
                     f'<p class="involves">involves {" ".join(chips) or "no located value"}</p></li>')
    return f'<ol class="results">{"".join(items)}</ol>'


def status(section: Section) -> tuple[str, str]:
    if section.unchecked:
        return "warn", "not checked"
    violations = sum(1 for r in section.results if r.severity == "Violation")
    if violations:
        return "bad", f"{violations} violation{'s' if violations > 1 else ''}"
    others = len(section.results)
    return ("warn", f"conforms, {others} warning{'s' if others > 1 else ''}") if others else ("good", "conforms")


# --- the page ------------------------------------------------------------------------------------------


def section_html(section: Section) -> str:
    state, label = status(section)
    cutoff = section.record.data_cutoff
    title = section.abstract.title
    facts = facts_html(section)  # first: the text links each highlight back to its row
    title_html = f'<div class="title-text">{render_text(section, "title")}</div>' if title else ""
    return f"""
<section class="abstract" id="{section.anchor}">
  <header class="abstract-head">
    <h2><span class="id">{html.escape(section.record.id)}</span> <span class="badge {state}">{label}</span></h2>
    <p class="meta">data cut-off {link(section, cutoff, fact=False) if cutoff else '<span class="none">not stated</span>'}
      · {len(section.highlights)} highlighted values · extracted by trial-kg {__version__}</p>
  </header>
  <div class="columns">
    <div class="text-column">
      <h3>Abstract</h3>
      {title_html}
      <div class="abstract-text">{render_text(section, "text")}</div>
    </div>
    <div class="side-column">
      <h3>SHACL consistency</h3>
      {results_html(section)}
      <h3>Facts <small>(summary format; each value links to its highlight)</small></h3>
      {facts}
    </div>
  </div>
</section>"""


def legend_html() -> str:
    items = "".join(f'<li><span class="swatch" style="background: {colour}"></span><b>{kind}</b> {html.escape(what)}</li>'
                    for kind, (colour, what) in KINDS.items())
    return f'<ul class="legend">{items}<li><span class="swatch flag"></span><b>in a violation</b></li></ul>'


def contents_html(sections: list[Section]) -> str:
    rows = []
    for s in sections:
        state, label = status(s)
        rows.append(f'<li><a href="#{s.anchor}">{html.escape(s.record.id)}</a> <span class="badge {state}">{label}</span></li>')
    return f'<nav class="toc"><h2>Contents</h2><ol>{"".join(rows)}</ol></nav>'


def render_page(sections: list[Section]) -> str:
    """The whole report: one page, no external resources."""
    many = len(sections) > 1
    heading = f"{len(sections)} abstracts" if many else html.escape(sections[0].record.id)
    body = "".join(section_html(s) for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="trial-kg {__version__}">
<title>trial-kg report: {heading}</title>
<style>{CSS}</style>
</head>
<body>
<header class="page-head">
  <h1>trial-kg report <span class="sub-title">{heading}</span></h1>
  <p class="meta">trial-kg {__version__} · values underlined in the text by kind; click a value in the facts to
  jump to where it was read, and a highlight to jump to its fact; hover a highlight for the record fields it
  fills and the rule that read it.</p>
  {legend_html()}
</header>
{contents_html(sections) if many else ""}
<main>{body}</main>
<footer>Generated by trial-kg {__version__}. The facts are read by rules; check each against the text.</footer>
</body>
</html>
"""


CSS = """
:root { --ink: #1d2330; --muted: #5f6b7a; --line: #e3e7ee; --bad: #c62828; --good: #2e7d32; --warn: #b26a00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f6f7f9;
  font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
.page-head { background: #fff; border-bottom: 1px solid var(--line); padding: 1rem 2rem .6rem; }
h1 { margin: 0; font-size: 1.35rem; }
.sub-title { color: var(--muted); font-weight: 500; margin-left: .5rem; }
.meta { color: var(--muted); margin: .25rem 0; font-size: .9rem; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; padding: 0; margin: .5rem 0 0;
  font-size: .8rem; color: var(--muted); }
.legend b { color: var(--ink); margin-right: .25rem; }
.swatch { display: inline-block; width: .9rem; height: .55rem; border-radius: 2px; margin-right: .35rem; vertical-align: middle; }
.swatch.flag { background: rgba(198, 40, 40, .16); outline: 2px solid var(--bad); }
.toc { background: #fff; margin: 1rem 2rem 0; padding: .6rem 1.2rem; border: 1px solid var(--line); border-radius: 8px; }
.toc h2 { font-size: 1rem; margin: .2rem 0; }
.toc ol { margin: .3rem 0; columns: 2; }
main { padding: 0 2rem 1rem; }
.abstract { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 1rem 0; padding: .8rem 1.4rem 1.2rem; }
.abstract-head h2 { font-size: 1.15rem; margin: .2rem 0; display: flex; align-items: center; gap: .6rem; }
.badge { font-size: .75rem; font-weight: 600; padding: .1rem .5rem; border-radius: 999px; color: #fff; }
.badge.good { background: var(--good); } .badge.bad { background: var(--bad); } .badge.warn { background: var(--warn); }
.columns { display: grid; grid-template-columns: minmax(0, 1.35fr) minmax(380px, 1fr); gap: 1.6rem; }
@media (max-width: 1000px) { .columns { grid-template-columns: 1fr; } }
h3 { font-size: .95rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: .9rem 0 .4rem; }
h3 small { text-transform: none; letter-spacing: 0; font-weight: 400; }
.title-text { font-size: 1.05rem; margin-bottom: .6rem; border-bottom: 1px dashed var(--line); }
.abstract-text .spans, .title-text .spans { font-size: 15px; }
.kg-hl { scroll-margin-top: 40vh; border-radius: 3px; }
a.kg-hl { color: inherit; text-decoration: none; }
a.v:target { outline: 3px solid #1a73e8; outline-offset: 1px; background: #e8f0fe; }
a.v { scroll-margin-top: 30vh; }
.kg-hl:target { outline: 3px solid #1a73e8; outline-offset: 1px; background: #e8f0fe; }
.kg-anchor { scroll-margin-top: 40vh; }
.kg-hl.kg-flag { background: rgba(198, 40, 40, .13); box-shadow: 0 0 0 2px var(--bad); }
.side-column { font-size: .9rem; }
/* The facts stay in view while the text scrolls to the value a link points at. */
@media (min-width: 1001px) {
  .side-column { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto; padding-right: .3rem; }
}
.results { list-style: none; padding: 0; margin: 0; }
.result { border-left: 4px solid var(--bad); background: #fdf3f3; padding: .4rem .7rem; margin: .4rem 0; border-radius: 4px; }
.result.warning { border-color: var(--warn); background: #fff8ec; }
.result.info { border-color: #1a73e8; background: #eef4fd; }
.result .sev { font-weight: 700; color: var(--bad); margin-right: .3rem; }
.result.warning .sev { color: var(--warn); }
.result .msg { margin: .2rem 0; }
.result .involves { margin: .2rem 0; color: var(--muted); }
.ok { color: var(--good); font-weight: 600; margin: .3rem 0; }
.unchecked { color: var(--warn); font-weight: 600; margin: .3rem 0; }
.chip, a.v { display: inline-block; text-decoration: none; color: var(--ink); border-bottom: 3px solid var(--kind, #ddd);
  padding: 0 .15rem; line-height: 1.25; }
.chip { background: #fff; border: 1px solid var(--line); border-bottom: 3px solid var(--kind, #ddd); border-radius: 3px;
  font-weight: 600; padding: 0 .3rem; }
a.v:hover, .chip:hover { background: #eef3ff; }
a.v.kg-flag { background: rgba(198, 40, 40, .13); box-shadow: 0 0 0 1px var(--bad); border-radius: 2px; }
.none { color: #a3abb7; }
table { border-collapse: collapse; }
.facts { width: 100%; }
.facts > tbody > tr > th, .facts > tr > th { text-align: left; vertical-align: top; padding: .3rem .6rem .3rem 0;
  white-space: nowrap; font-weight: 400; width: 1%; }
.facts > tbody > tr > td, .facts > tr > td { padding: .3rem 0; border-top: 1px solid var(--line); vertical-align: top; }
.facts > tbody > tr > th, .facts > tr > th { border-top: 1px solid var(--line); }
.facts code { color: #37474f; font-size: .85rem; }
.k { color: var(--muted); font-size: .8rem; margin-right: .15rem; }
.sub { margin: .15rem 0 .3rem; font-size: .85rem; }
.sub th { text-align: left; color: var(--muted); font-weight: 500; padding: 0 .7rem .1rem 0; border-bottom: 1px solid var(--line); }
.sub td { padding: .1rem .7rem .1rem 0; }
footer { color: var(--muted); font-size: .8rem; padding: 0 2rem 2rem; }
"""


def build_section(number: int, abstract: Abstract, record: TrialAbstract) -> Section:
    """Validate the record with the shapes and prepare its section."""
    from kg.rdf import record_graph
    from kg.shacl import validate

    try:
        conforms, results, _ = validate(record_graph(record))
    except KgError as error:  # the abstract is still shown, with why it is not checked
        section = make_section(number, abstract, record, False, [])
        section.unchecked = str(error)
        return section
    return make_section(number, abstract, record, conforms, results)
