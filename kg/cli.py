"""The ``kg`` command line: parse arguments, call the library, format, and map errors to exit codes.

Exit codes (pySHACL-style): 0 success / conforms; 1 ``kg check`` found violations; 2 usage or input
error with nothing processed (nothing written); 3 some abstracts failed while others were written (3
wins over 1). Every error is one line on stderr, ``kg: error: ...``; this is the only module that
catches.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import click

from kg import __version__
from kg.errors import KgError, OutputError, RecordError, UsageError
from kg.inputs import read_inputs
from kg.pipeline import Abstract, extract_one
from kg.records import TrialAbstract

EXTRACT_FORMATS = ("json", "summary", "turtle", "trig", "nquads")
CHECK_FORMATS = ("text", "json", "turtle")


def say_error(message: str) -> None:
    click.echo(f"kg: error: {message}", err=True)


def say_warning(message: str) -> None:
    click.echo(f"kg: warning: {message}", err=True)


class AtomicOutput:
    """stdout, or a temporary file beside OUT that replaces OUT only when the run wrote something."""

    def __init__(self, path: str):
        self.path = path
        self.temp: str | None = None
        if path == "-":
            self.stream: IO[str] = sys.stdout
            return
        directory = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise OutputError(f"{path}: is a directory")
        try:
            handle, self.temp = tempfile.mkstemp(prefix=".kg-", suffix=".tmp", dir=directory)
        except OSError as error:
            raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
        self.stream = os.fdopen(handle, "w", encoding="utf-8", newline="\n")

    def write(self, text: str) -> None:
        self.stream.write(text)

    def commit(self) -> None:
        if self.temp is None:
            self.stream.flush()
            return
        self.stream.close()
        os.replace(self.temp, self.path)
        self.temp = None

    def abort(self) -> None:
        if self.temp is not None:
            self.stream.close()
            os.unlink(self.temp)
            self.temp = None


@dataclass
class Tally:
    written: int = 0
    failed: int = 0
    violations: int = 0

    def exit_code(self) -> int:
        if self.failed and not self.written:
            return 2
        if self.failed:
            return 3
        return 1 if self.violations else 0


def each_record(paths: list[str], forced_id: str | None, tally: Tally) -> Any:
    """Yield (abstract, record) for every readable abstract; report each failure and go on."""
    seen: set[str] = set()
    for item in read_inputs(paths, forced_id):
        if isinstance(item, RecordError):
            say_error(str(item))
            tally.failed += 1
            continue
        if item.id in seen:
            say_warning(f"{item.path}:{item.line}: duplicate id {item.id} skipped (first wins)")
            continue
        seen.add(item.id)
        try:
            record = extract_one(item)
        except Exception as error:  # isolate one record's failure; reported with its id, exit 3
            say_error(str(RecordError(item.path, item.line, f"extraction failed: {type(error).__name__}: {error}", item.id)))
            tally.failed += 1
            continue
        yield item, record


def run(paths: list[str], forced_id: str | None, output: str, write_one: Callable[[AtomicOutput, Abstract, TrialAbstract, Tally], None],
        finish: Callable[[AtomicOutput, Tally], None] | None = None) -> int:
    out = AtomicOutput(output)
    tally = Tally()
    try:
        for abstract, record in each_record(list(paths), forced_id, tally):
            write_one(out, abstract, record, tally)
            tally.written += 1
        if finish is not None:
            finish(out, tally)
    except BaseException:
        out.abort()
        raise
    code = tally.exit_code()
    if code == 2:
        out.abort()
    else:
        out.commit()
    return code


def json_line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"


# --- shared options ----------------------------------------------------------------------------


def input_options(command: Callable) -> Callable:
    command = click.argument("paths", nargs=-1, required=True, metavar="PATH...")(command)
    command = click.option("--id", "forced_id", metavar="ID",
                           help="Id of the one abstract read from a .txt file or stdin (default: file stem, or 'stdin').")(command)
    return command


def output_option(command: Callable) -> Callable:
    return click.option("-o", "--output", default="-", metavar="OUT", show_default=True,
                        help="Write here instead of stdout; replaced only after a successful run.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """trial-kg: clinical-trial abstracts to records, RDF and a SHACL consistency report.

    PATH is a .txt file (one abstract), a .jsonl file of {"id", "text", "title"?} records, or - for stdin.

    Exit codes: 0 success or conforms; 1 violations found; 2 usage or input error, nothing written;
    3 some abstracts failed while others were written.
    """


@cli.command()
@input_options
@click.option("--format", "fmt", type=click.Choice(EXTRACT_FORMATS), default="json", show_default=True,
              help="json: records with spans; summary: SUMMARY.md's flat view; turtle (one abstract), trig, nquads: RDF.")
@output_option
def extract(paths: tuple[str, ...], forced_id: str | None, fmt: str, output: str) -> int:
    """Extract the facts of each abstract, one JSON line per abstract in input order (or RDF)."""
    from kg.rdf import serialise
    from kg.summary import summarise

    buffered: list[TrialAbstract] = []

    def write_one(out: AtomicOutput, abstract: Abstract, record: TrialAbstract, tally: Tally) -> None:
        if fmt == "json":
            out.write(json_line(record.model_dump(mode="json")))
        elif fmt == "summary":
            out.write(json_line(summarise(record)))
        elif fmt == "turtle":
            buffered.append(record)
            if len(buffered) > 1:
                raise UsageError("--format turtle holds one abstract; use --format trig or nquads for several")
        else:
            out.write(serialise([record], fmt))

    def finish(out: AtomicOutput, tally: Tally) -> None:
        if fmt == "turtle" and buffered:
            out.write(serialise(buffered, "turtle"))

    return run(list(paths), forced_id, output, write_one, finish)


@cli.command()
@input_options
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="text: one line per result; json: one line per abstract; turtle: the sh:ValidationReport (one abstract).")
@output_option
def check(paths: tuple[str, ...], forced_id: str | None, fmt: str, output: str) -> int:
    """Validate each abstract against the SHACL shapes; exit 1 if any has a Violation."""
    from kg.rdf import record_graph
    from kg.shacl import validate

    reports = []

    def write_one(out: AtomicOutput, abstract: Abstract, record: TrialAbstract, tally: Tally) -> None:
        conforms, results, report = validate(record_graph(record))
        if not conforms:
            tally.violations += 1
        if fmt == "json":
            out.write(json_line({"id": record.id, "conforms": conforms,
                                 "violations": [result.model_dump() for result in results]}))
        elif fmt == "text":
            for result in results:
                spans = ", ".join(f"{'' if s.field == 'text' else s.field + ':'}{s.start}-{s.end}" for s in result.spans)
                out.write(f"{record.id}: {result.severity} {result.shape}: {result.message} [{spans}]\n")
            if conforms:
                out.write(f"{record.id}: conforms\n")
        else:
            reports.append(report)
            if len(reports) > 1:
                raise UsageError("--format turtle holds one report; use --format json for several abstracts")

    def finish(out: AtomicOutput, tally: Tally) -> None:
        if fmt == "turtle" and reports:
            out.write(reports[0].serialize(format="turtle"))

    return run(list(paths), forced_id, output, write_one, finish)


@cli.command()
@input_options
@output_option
def report(paths: tuple[str, ...], forced_id: str | None, output: str) -> int:
    """Write one self-contained HTML page: each abstract with its values highlighted, its facts and its SHACL results.

    Violations are shown in the page, not in the exit code (0 unless an abstract failed).
    """
    from kg.report import build_section, render_page

    sections = []

    def write_one(out: AtomicOutput, abstract: Abstract, record: TrialAbstract, tally: Tally) -> None:
        sections.append(build_section(len(sections) + 1, abstract, record))

    def finish(out: AtomicOutput, tally: Tally) -> None:
        if sections:
            out.write(render_page(sections))

    return run(list(paths), forced_id, output, write_one, finish)


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--id", "forced_id", metavar="ID",
              help="Id of the one abstract read from a .txt file or stdin (default: file stem, or 'stdin').")
@click.option("--kind", type=click.Choice(("drug-ae", "trial-drug", "drug-drug")), required=True,
              help="drug-ae: drug -> adverse event weighted by grade >= 3 %; trial-drug: bipartite; drug-drug: combinations.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Export the graph: .graphml (GraphML) or .json (node-link JSON); replaced only after success.")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="K",
              help="Print the K strongest edges as a table (default: 20 when no -o is given).")
def graph(paths: tuple[str, ...], forced_id: str | None, kind: str, output: str | None, top: int | None) -> int:
    """Build a network across abstracts and export it, or print its strongest edges."""
    from kg.graph import TrialFacts, build_graph, edge_table, export, export_format

    fmt = export_format(output) if output else None
    trials: list[TrialFacts] = []

    def write_one(out: AtomicOutput, abstract: Abstract, record: TrialAbstract, tally: Tally) -> None:
        trials.append(TrialFacts.from_record(record))

    def finish(out: AtomicOutput, tally: Tally) -> None:
        network = build_graph(kind, trials)
        if fmt is not None:
            out.write(export(network, fmt))
        if fmt is None or top is not None:
            click.echo(edge_table(network, kind, top or 20), nl=False)

    return run(list(paths), forced_id, output or "-", write_one, finish)


def main(argv: list[str] | None = None) -> int:
    # A closed stdout pipe ends kg as it ends any Unix filter: by SIGPIPE, silently.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        code = cli.main(args=argv, prog_name="kg", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.ctx.get_help() if error.ctx else str(error), err=True)
        return 2
    except click.UsageError as error:
        # click lists a missing Choice option's choices one per line; the error stays one line.
        say_error(" ".join(error.format_message().split()))
        return 2
    except click.exceptions.Abort:
        say_error("aborted")
        return 2
    except click.ClickException as error:
        say_error(error.format_message())
        return 2
    except KgError as error:
        say_error(str(error))
        return 2
    except KeyboardInterrupt:
        return 130
    if isinstance(code, int):
        return code
    return 0


def entry_point() -> None:
    sys.exit(main())
