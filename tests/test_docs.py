"""Docs are checked, not hoped for: generated pages are fresh, every command is documented, and every
``console`` example in README.md and docs/*.md runs and prints what the page says it prints."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import ROOT

DOCS = ROOT / "docs"


def load_generator():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = load_generator()


# --- generated pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(generate.PAGES), ids=sorted(generate.PAGES))
def test_docs_generated_page_is_fresh(page):
    expected = generate.PAGES[page]()
    committed = (DOCS / page).read_text(encoding="utf-8") if (DOCS / page).exists() else ""

    assert committed == expected, f"docs/{page} is stale: run `.venv/bin/python docs/generate.py` and commit it"


def test_docs_cli_reference_is_what_kg_help_prints(monkeypatch, capsys):
    """The generator's help is the real ``kg <command> --help`` of an 80-column terminal."""
    from kg.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = generate.all_commands()
    assert len(commands) >= 5

    for path, _ in commands:
        code = main([*path.split()[1:], "--help"])
        out = capsys.readouterr().out
        assert code == 0
        assert f"## `{path}`\n\n```text\n{out.rstrip()}\n```\n" in reference, path


# --- every command documented ------------------------------------------------------------------------


def command_names() -> list[str]:
    return [path.split(" ", 1)[1] for path, _ in generate.all_commands()[1:]]


@pytest.mark.parametrize("name", command_names(), ids=command_names())
def test_docs_every_command_has_help_a_page_and_a_readme_row(name):
    context = dict(generate.all_commands())[f"kg {name}"]
    page = DOCS / f"{name.replace(' ', '-')}.md"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert (context.command.help or "").strip(), f"kg {name} has no help text"
    assert page.exists(), f"kg {name} has no page: write docs/{page.name} with a tested console example"
    assert f"$ kg {name}" in page.read_text(encoding="utf-8"), f"docs/{page.name} runs no `kg {name}` example"
    assert f"| `kg {name}" in readme, f"README.md's command table has no row for kg {name}"


# --- console examples --------------------------------------------------------------------------------


def console_examples() -> list[tuple[str, int, list[tuple[str, str]]]]:
    """(file, block number, [(command, expected output)]) for every ```console block."""
    found = []
    for path in generate.example_pages():
        blocks = generate.CONSOLE_BLOCK.findall(path.read_text(encoding="utf-8"))
        for number, block in enumerate(blocks, start=1):
            found.append((str(path.relative_to(ROOT)), number, generate.console_steps(block)))
    return found


EXAMPLES = console_examples()


def test_docs_readme_has_console_examples():
    assert any(name == "README.md" and steps for name, _, steps in EXAMPLES)


# README's examples are in the quick tier; the pages' (some thirty kg runs) in the full one, which CI runs.
@pytest.mark.parametrize("name, number, steps", [
    pytest.param(n, i, steps, id=f"{n}#{i}", marks=() if n == "README.md" else pytest.mark.slow)
    for n, i, steps in EXAMPLES])
def test_docs_console_example_prints_what_the_page_shows(name, number, steps):
    assert steps, f"{name} console block {number} holds no command"

    for command, expected in steps:
        assert generate.run_example(command) == expected.rstrip("\n"), (
            f"{name} console block {number}: $ {command}\n(if the new output is right: "
            "`.venv/bin/python docs/generate.py --examples`, then read the diff)")
