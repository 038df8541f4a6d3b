"""kg report: the HTML page of highlights, facts and SHACL results, checked as markup and in headless Chromium."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kg import __version__
from kg.pipeline import Abstract, extract_one
from tests.conftest import ROOT, SEED
from tests.helpers import extracted_values, run
from tests.integration.chromium import Chromium, find_chromium

ARTEFACTS = ROOT / "tests" / "artefacts"
# The README's mutation: DCR 88.21% where 2 PR + 23 SD of 29 evaluable give 86.21%.
DCR_SPANS = ("text-1999-2001", "text-2055-2060", "text-2067-2068", "text-2076-2078")
DCR_MESSAGE = "DCR 88.21% stated, but 2 PR + 23 SD of 29 evaluable give 86.21%"


class Page(HTMLParser):
    """What a test needs of the markup: elements by id (tag, classes, first text), links, and tags seen."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, dict] = {}
        self.links: list[tuple[str, set[str]]] = []
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.waiting: list[str] = []  # ids whose first text is not read yet
        self.results: list[dict] = []  # the SHACL results listed: classes, text, chip links
        self.in_results = False
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        self.attributes.update(found)
        classes = set((found.get("class") or "").split())
        if "id" in found:
            assert found["id"] not in self.ids, f"duplicate id {found['id']}"
            self.ids[found["id"]] = {"tag": tag, "classes": classes, "text": None}
            self.waiting.append(found["id"])
        if tag == "a" and (found.get("href") or "").startswith("#"):
            self.links.append((found["href"][1:], classes))
            if "chip" in classes and self.results:
                self.results[-1]["chips"].append(found["href"][1:])
        if tag == "ol" and "results" in classes:
            self.in_results = True
        if tag == "li" and "result" in classes:
            self.results.append({"classes": classes, "text": "", "chips": []})

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self.in_results = False

    def handle_data(self, data: str) -> None:
        if self.results and self.in_results:
            self.results[-1]["text"] += data
        if data.strip():
            for anchor in self.waiting:
                self.ids[anchor]["text"] = data.strip()
            self.waiting = []


@pytest.fixture(scope="module")
def mutated_seed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "mutated.txt"
    text = SEED.read_text(encoding="utf-8")
    assert text.count("86.21%") == 1
    path.write_text(text.replace("86.21%", "88.21%"), encoding="utf-8")
    return path


def report_of(capsys, tmp_path: Path, *inputs: Path) -> tuple[int, str, str]:
    out = tmp_path / "report.html"
    code, stdout, err = run(capsys, "report", *map(str, inputs), "-o", str(out))
    assert stdout == ""
    return code, out.read_text(encoding="utf-8") if out.exists() else "", err


def seed_spans() -> dict[tuple[str, int, int], str]:
    """Every located value of the seed's record: (field, start, end) -> its text."""
    record = extract_one(Abstract(id="seed", text=SEED.read_text(encoding="utf-8"))).model_dump(mode="json")
    values = [value for _, value in extracted_values(record)]
    assert len(values) > 50
    return {(v["field"], v["start"], v["end"]): v["text"] for v in values if v["end"] > v["start"]}


# --- the markup ------------------------------------------------------------------------------------


def test_report_highlights_every_value_of_the_seed_at_its_characters(capsys, tmp_path, seed_text):
    code, markup, err = report_of(capsys, tmp_path, SEED)
    page = Page(markup)
    spans = seed_spans()

    assert (code, err) == (0, "")
    highlights = {anchor: element for anchor, element in page.ids.items() if anchor.startswith("a1-")}
    assert len(highlights) == len(spans)
    for (field, start, end), text in spans.items():
        element = highlights[f"a1-{field}-{start}-{end}"]
        assert seed_text[start:end] == text
        assert element["text"] == text.split()[0], (start, end)  # the highlight's first token, as written


def test_report_every_value_of_the_facts_links_to_its_highlight(capsys, tmp_path):
    _, markup, _ = report_of(capsys, tmp_path, SEED)
    page = Page(markup)

    value_links = {target for target, classes in page.links if "v" in classes}
    assert value_links == {f"a1-{f}-{s}-{e}" for f, s, e in seed_spans()}
    assert [target for target, _ in page.links if target not in page.ids] == []
    # and back: each highlight links to the first facts link of its value, which carries the id f-<highlight>
    back = {target for target, classes in page.links if "kg-hl" in classes}
    assert back == {f"f-{anchor}" for anchor in value_links}
    assert all(page.ids[f"f-{anchor}"]["tag"] == "a" for anchor in value_links)


def test_report_seed_conforms_and_states_version_and_cutoff(capsys, tmp_path):
    _, markup, _ = report_of(capsys, tmp_path, SEED)

    assert '<p class="ok">Conforms: no SHACL result.</p>' in markup
    assert f"trial-kg {__version__}" in markup
    start = SEED.read_text(encoding="utf-8").index("Jan 22, 2024")  # the record's data_cutoff
    cutoff = f"a1-text-{start}-{start + len('Jan 22, 2024')}"
    assert Page(markup).ids[cutoff]["text"] == "Jan"
    assert f'data cut-off <a class="v" href="#{cutoff}"' in markup and ">2024-01-22</a>" in markup


def test_report_lists_the_violation_of_the_mutated_seed_with_its_numbers(capsys, tmp_path, mutated_seed):
    code, markup, err = report_of(capsys, tmp_path, mutated_seed)
    page = Page(markup)

    assert (code, err) == (0, "")  # the page shows violations; the exit code does not
    dcr = [r for r in page.results if "DcrMatchesCountsShape" in r["text"]]
    assert len(dcr) == 1 and "violation" in dcr[0]["classes"]
    assert DCR_MESSAGE in dcr[0]["text"]
    assert dcr[0]["chips"] == [f"a1-{span}" for span in DCR_SPANS]
    assert [page.ids[target]["text"] for target in dcr[0]["chips"]] == ["29", "88.21", "2", "23"]
    flagged = sorted(anchor for anchor, element in page.ids.items()
                     if "kg-flag" in element["classes"] and not anchor.startswith("f-"))
    assert sorted(a for a in page.ids if a.startswith("f-") and "kg-flag" in page.ids[a]["classes"]) == [
        f"f-{anchor}" for anchor in flagged]  # the facts show the same values in red
    in_violations = {chip for r in page.results if "violation" in r["classes"] for chip in r["chips"]}
    assert flagged == sorted(in_violations) and set(dcr[0]["chips"]) <= in_violations


def test_report_of_several_abstracts_has_contents_and_distinct_ids(capsys, tmp_path, mutated_seed):
    code, markup, _ = report_of(capsys, tmp_path, SEED, mutated_seed)
    page = Page(markup)  # asserts that no id repeats

    assert code == 0
    assert '<nav class="toc">' in markup
    assert [target for target, _ in page.links if target.startswith("abstract-")] == ["abstract-1", "abstract-2"]
    assert {"abstract-1", "abstract-2", "a1-text-2055-2060", "a2-text-2055-2060"} <= page.ids.keys()
    assert ">conforms</span>" in markup and re.search(r">\d+ violations?</span>", markup)


def test_report_is_self_contained(capsys, tmp_path, mutated_seed):
    _, markup, _ = report_of(capsys, tmp_path, mutated_seed)
    page = Page(markup)

    assert page.tags.isdisjoint({"script", "link", "img", "iframe", "object"})
    assert "src" not in page.attributes
    assert "url(" not in markup and "@import" not in markup
    assert all(target for target, _ in page.links)  # every link stays in the page


def test_report_missing_input_exits_2_and_writes_nothing(capsys, tmp_path):
    missing = tmp_path / "absent.txt"

    code, markup, err = report_of(capsys, tmp_path, missing)

    assert (code, markup) == (2, "")
    assert err == f"kg: error: {missing}: no such file\n"
    assert list(tmp_path.iterdir()) == []


def test_report_writes_the_good_abstracts_when_one_fails(capsys, tmp_path, seed_text):
    batch = tmp_path / "two.jsonl"
    batch.write_text(json.dumps({"id": "good", "text": seed_text}) + "\nnot json\n", encoding="utf-8")

    code, markup, err = report_of(capsys, tmp_path, batch)

    assert code == 3
    assert err == f"kg: error: {batch}:2: malformed JSON: Expecting value (column 1)\n"
    assert markup.count('<section class="abstract"') == 1 and "good" in markup


# --- in a real browser -------------------------------------------------------------------------------

DOM_CHECKS = """(() => {
  const highlights = [...document.querySelectorAll('.kg-hl[id]')];
  const flagged = [...document.querySelectorAll('.kg-hl.kg-flag[id]')];
  const violation = [...document.querySelectorAll('.result.violation')].find(e => e.innerText.includes('DcrMatchesCountsShape'));
  return {
    highlights: highlights.length,
    laidOut: highlights.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length,
    firstTokens: Object.fromEntries(highlights.map(e => [e.id, e.querySelector('span').firstChild.textContent.trim()])),
    labels: [...new Set([...document.querySelectorAll('.abstract-text .kg-hl span span span')].map(e => e.textContent.trim()))].sort(),
    dangling: [...document.querySelectorAll('a[href^="#"]')].filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length,
    violation: violation ? violation.innerText : null,
    chips: violation ? [...violation.querySelectorAll('a.chip')].map(a => a.getAttribute('href')) : [],
    flagged: flagged.map(e => e.id).sort(),
    inViolations: [...new Set([...document.querySelectorAll('.result.violation a.chip')].map(a => a.getAttribute('href').slice(1)))].sort(),
    flagShadow: flagged.length ? getComputedStyle(flagged[0]).boxShadow : null,
  };
})()"""

FOLLOW_LINK = """(() => {
  document.querySelector('.facts a.v[href="#a1-text-2055-2060"]').click();
  const target = document.querySelector(':target');
  const box = target.getBoundingClientRect();
  return {hash: location.hash, target: target.id, inView: box.top >= 0 && box.bottom <= window.innerHeight,
          outline: getComputedStyle(target).outlineStyle};
})()"""


FOLLOW_BACK = """(() => {
  document.getElementById('a1-text-2055-2060').click();
  const target = document.querySelector(':target');
  const box = target.getBoundingClientRect();
  return {hash: location.hash, inView: box.top >= 0 && box.bottom <= window.innerHeight, text: target.textContent};
})()"""


def chromium_binary() -> str:
    binary = find_chromium()
    if binary:
        return binary
    if os.geteuid() == 0 or os.environ.get("CI"):
        pytest.fail("chromium is absent: install the Debian package (apt-get install chromium); .ci/run does so in CI")
    pytest.skip("chromium is absent and this user cannot install it: the browser test needs the Debian package chromium")


@pytest.mark.slow
def test_report_in_headless_chromium(capsys, tmp_path, mutated_seed, seed_text):
    binary = chromium_binary()
    _, markup, _ = report_of(capsys, tmp_path, mutated_seed)
    page_path = tmp_path / "report.html"
    spans = seed_spans()
    ARTEFACTS.mkdir(exist_ok=True)
    screenshot = ARTEFACTS / "report-mutated-seed.png"
    screenshot.unlink(missing_ok=True)

    with Chromium(binary) as browser:
        browser.open(page_path.as_uri())
        dom = browser.evaluate(DOM_CHECKS)
        followed = browser.evaluate(FOLLOW_LINK)
        back = browser.evaluate(FOLLOW_BACK)
        browser.evaluate("window.scrollTo(0, 0)")
        width, height = browser.screenshot(str(screenshot))

    assert dom["highlights"] == dom["laidOut"] == len(spans)
    mutated_text = mutated_seed.read_text(encoding="utf-8")
    assert dom["firstTokens"] == {f"a1-{f}-{s}-{e}": mutated_text[s:e].split()[0] for f, s, e in spans}
    assert dom["labels"] == ["AE", "DLT", "DOSE", "DRUG", "POP", "RATE", "RESP", "TRIAL"]
    assert dom["dangling"] == 0
    assert [line for line in dom["violation"].splitlines() if line][:2] == ["Violation DcrMatchesCountsShape", DCR_MESSAGE]
    assert dom["chips"] == [f"#a1-{span}" for span in DCR_SPANS]
    assert dom["flagged"] == dom["inViolations"] and {f"a1-{span}" for span in DCR_SPANS} <= set(dom["flagged"])
    assert "rgb(198, 40, 40)" in dom["flagShadow"]
    assert followed == {"hash": "#a1-text-2055-2060", "target": "a1-text-2055-2060", "inView": True, "outline": "solid"}
    assert back == {"hash": "#f-a1-text-2055-2060", "inView": True, "text": "88.21"}
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert width >= 1200 and height > 1000


def test_report_shows_an_abstract_the_shapes_cannot_check_and_says_why(seed_text):
    from kg.records import TrialAbstract
    from kg.report import build_section, render_page

    abstract = Abstract(id="seed", text=seed_text)
    dumped = extract_one(abstract).model_dump(mode="json")
    dumped["doses"][0]["unit"]["value"] = "furlongs"  # a unit ontology/vocab/units.tsv has no IRI for
    record = TrialAbstract.model_validate(dumped)

    section = build_section(1, abstract, record)
    markup = render_page([section])

    assert section.unchecked == "ontology/vocab/units.tsv has no IRI for 'furlongs'"
    assert "<p class=\"unchecked\">Not checked: ontology/vocab/units.tsv has no IRI for &#x27;furlongs&#x27;</p>" in markup
    assert ">not checked</span>" in markup
    assert len(section.highlights) == len(seed_spans())  # the text and facts are shown all the same


def test_report_doctests():
    import doctest

    import kg.report

    result = doctest.testmod(kg.report)
    assert result.attempted >= 1 and result.failed == 0


def test_report_file_gets_the_mode_of_a_new_file(capsys, tmp_path):
    previous = os.umask(0o022)
    try:
        code, markup, _ = report_of(capsys, tmp_path, SEED)
    finally:
        os.umask(previous)

    assert code == 0 and markup
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
