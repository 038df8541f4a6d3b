"""The ``kg`` command line: parse arguments, call the library, format, and map errors to exit codes.

Exit codes (pySHACL-style): 0 success / conforms; 1 ``kg check`` found violations; 2 usage or input
error with nothing processed (nothing written); 3 some abstracts failed while others were written (3
wins over 1). Every error is one line on stderr, ``kg: error: ...``; this is the only module that
catches.
"""

from __future__ import annotations

import contextlib
import functools
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
from kg.batch import Batch, Task, process
from kg.errors import InputError, KgError, OutputError, RecordError, UsageError
from kg.inputs import read_inputs
from kg.progress import Progress, count_abstracts
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
        self.finished = False  # committed or aborted: a second commit or abort does nothing
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
        # mkstemp makes the file 0600; the output gets the mode any new file gets here (0644 under umask 022),
        # so a report can be served or shared like a file written directly.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(handle, 0o666 & ~mask)
        self.stream = os.fdopen(handle, "w", encoding="utf-8", newline="\n")

    def write(self, text: str) -> None:
        self.stream.write(text)

    def write_bytes(self, data: bytes) -> None:
        self.stream.flush()
        target = self.stream.buffer if hasattr(self.stream, "buffer") else None
        if target is None:  # a text stream without bytes (pytest's capture): decode
            self.stream.write(data.decode("utf-8"))
        else:
            target.write(data)
            target.flush()

    def commit(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self.temp is None:
            self.stream.flush()
            return
        self.stream.close()
        try:
            os.replace(self.temp, self.path)
        except OSError as error:
            # The folder changed under the run (removed, made read-only): say so, leave nothing behind.
            with contextlib.suppress(OSError):
                os.unlink(self.temp)
            raise OutputError(f"{self.path}: cannot write: {error.strerror or error}") from None
        finally:
            self.temp = None

    def abort(self) -> None:
        self.finished = True
        if self.temp is not None:
            self.stream.close()
            os.unlink(self.temp)
            self.temp = None

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, kind, error, trace) -> None:
        # An exception leaves nothing behind; a normal end publishes what was written (unless aborted).
        if kind is not None:
            self.abort()
        else:
            self.commit()


@dataclass
class Tally:
    written: int = 0
    failed: int = 0
    violations: int = 0
    read: int = 0

    def exit_code(self) -> int:
        if self.failed and not self.written:
            return 2
        if self.failed:
            return 3
        return 1 if self.violations else 0


def each_record(paths: list[str], forced_id: str | None, tally: Tally, task: Task = extract_one,
                batch: Batch | None = None, progress: Progress | None = None) -> Any:
    """Yield (abstract, task result) for every readable abstract in input order; report each failure and go on.

    The task (by default the record) runs here, or in ``batch.jobs`` worker processes, or on a dask cluster.
    """
    batch = batch or Batch()
    progress = progress or Progress(show=False)
    seen: set[str] = set()

    def unique() -> Any:
        for item in read_inputs(paths, forced_id):
            if not isinstance(item, RecordError):
                if item.id in seen:
                    tally.read += 1
                    progress.advance()
                    progress.echo(f"kg: warning: {item.path}:{item.line}: duplicate id {item.id} skipped (first wins)")
                    continue
                seen.add(item.id)
            yield item

    for item, result in process(unique(), task, batch.jobs, batch.scheduler):
        tally.read += 1
        progress.advance()
        if isinstance(item, RecordError):  # reported with its id, exit 3 at the end
            progress.echo(f"kg: error: {item}")
            tally.failed += 1
            continue
        yield item, result


def run(paths: list[str], forced_id: str | None, output: str, write_one: Callable[[AtomicOutput, Abstract, Any, Tally], None],
        finish: Callable[[AtomicOutput, Tally], None] | None = None, task: Task = extract_one,
        batch: Batch | None = None) -> int:
    """Read, run ``task`` on each abstract (default: extraction, so write_one gets the record), write, finish."""
    batch = batch or Batch()
    progress = Progress(batch.show_progress(), count_abstracts(paths) if batch.show_progress() else None)
    tally = Tally()
    with AtomicOutput(output) as out:
        try:
            for abstract, result in each_record(list(paths), forced_id, tally, task, batch, progress):
                write_one(out, abstract, result, tally)
                tally.written += 1
            if finish is not None:
                finish(out, tally)
        except BaseException:
            progress.close()
            raise
        progress.close(f"kg: {tally.read} read, {tally.written} written, {tally.failed} failed, {progress.seconds:.1f} s")
        code = tally.exit_code()
        if code == 2:
            out.abort()  # nothing processed: nothing written
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


def batch_options(command: Callable) -> Callable:
    """--jobs, --progress and --scheduler, handed to the command as one ``batch`` argument."""

    @functools.wraps(command)
    def with_batch(*args: Any, jobs: int, progress: bool | None, scheduler: str | None, **kwargs: Any) -> Any:
        return command(*args, batch=Batch(jobs=jobs, scheduler=scheduler, progress=progress), **kwargs)

    with_batch = click.option("--scheduler", metavar="ADDRESS", default=None,
                              help="Extract on this dask.distributed scheduler (tcp://host:8786) instead of locally.")(with_batch)
    with_batch = click.option("--progress/--no-progress", default=None,
                              help="Progress bar and a summary line on stderr (default: when stderr is a terminal).")(with_batch)
    with_batch = click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
                              help="Worker processes; output order and bytes are those of a single process.")(with_batch)
    return with_batch


@dataclass(frozen=True)
class StoreSpec:
    """Where the graphs are: --store DIR, or --endpoint URL (with the other endpoints and the user)."""

    store: str | None = None
    endpoint: str | None = None
    update_endpoint: str | None = None
    gsp_endpoint: str | None = None
    user: str | None = None

    @property
    def given(self) -> bool:
        return self.store is not None or self.endpoint is not None

    def open(self, writable: bool = False) -> Any:
        from kg.endpoint import Endpoints
        from kg.store import open_store

        if self.endpoint is None and (self.update_endpoint or self.gsp_endpoint or self.user):
            raise UsageError("--update-endpoint, --gsp-endpoint and --user go with --endpoint URL")
        endpoints = Endpoints.derive(self.endpoint, self.update_endpoint, self.gsp_endpoint, self.user) \
            if self.endpoint is not None else None
        return open_store(self.store, endpoints, writable)


def store_options(command: Callable) -> Callable:
    """--store DIR or --endpoint URL (+ --update-endpoint, --gsp-endpoint, --user), as one ``where`` argument."""

    @functools.wraps(command)
    def with_store(*args: Any, store: str | None, endpoint: str | None, update_endpoint: str | None,
                   gsp_endpoint: str | None, user: str | None, **kwargs: Any) -> Any:
        return command(*args, where=StoreSpec(store, endpoint, update_endpoint, gsp_endpoint, user), **kwargs)

    for option in reversed([
        click.option("--store", metavar="DIR", help="An embedded Oxigraph store (a directory)."),
        click.option("--endpoint", metavar="URL", help="A SPARQL query endpoint instead of --store."),
        click.option("--update-endpoint", metavar="URL",
                     help="SPARQL update endpoint (default: /query -> /update, Oxigraph's layout; else the query URL)."),
        click.option("--gsp-endpoint", metavar="URL",
                     help="Graph Store Protocol endpoint (default: /query -> /store; else load by SPARQL update)."),
        click.option("--user", metavar="USER", help="HTTP basic or digest user; password from KG_ENDPOINT_PASSWORD."),
    ]):
        with_store = option(with_store)
    return with_store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """trial-kg: clinical-trial abstracts to records, RDF and a SHACL consistency report.

    PATH is a .txt file (one abstract), a .jsonl file of {"id", "text", "title"?} records, or - for stdin.

    Exit codes: 0 success or conforms; 1 violations found; 2 usage or input error, nothing written;
    3 some abstracts failed while others were written.
    """


@cli.command()
@batch_options
@input_options
@click.option("--format", "fmt", type=click.Choice(EXTRACT_FORMATS), default="json", show_default=True,
              help="json: records with spans; summary: SUMMARY.md's flat view; turtle (one abstract), trig, nquads: RDF.")
@output_option
def extract(paths: tuple[str, ...], forced_id: str | None, fmt: str, output: str, batch: Batch) -> int:
    """Extract the facts of each abstract, one JSON line per abstract in input order (or RDF)."""
    from kg.rdf import serialise
    from kg.tasks import extract_formatted, texts_of

    buffered: list[tuple[TrialAbstract, dict]] = []

    def write_one(out: AtomicOutput, abstract: Abstract, result: Any, tally: Tally) -> None:
        if fmt == "turtle":
            buffered.append((result, texts_of(abstract)))
            if len(buffered) > 1:
                raise UsageError("--format turtle holds one abstract; use --format trig or nquads for several")
        else:
            out.write(result)

    def finish(out: AtomicOutput, tally: Tally) -> None:
        if fmt == "turtle" and buffered:
            out.write(serialise([buffered[0][0]], "turtle", [buffered[0][1]]))

    return run(list(paths), forced_id, output, write_one, finish, functools.partial(extract_formatted, fmt), batch)


@cli.command()
@batch_options
@store_options
@click.argument("paths", nargs=-1, metavar="[PATH...]")
@click.option("--id", "forced_id", metavar="ID",
              help="Id of the one abstract read from a .txt file or stdin (default: file stem, or 'stdin').")
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="text: one line per result; json: one line per abstract; turtle: the sh:ValidationReport (one abstract).")
@output_option
def check(paths: tuple[str, ...], forced_id: str | None, fmt: str, output: str, batch: Batch, where: StoreSpec) -> int:
    """Validate each abstract against the SHACL shapes; exit 1 if any has a Violation.

    With --store or --endpoint instead of PATH..., read the validation reports kg load stored beside each
    abstract, or, where one is missing or stale, run the shapes' SPARQL constraints once over the whole
    store (set-level queries); list each abstract with a result (no 'conforms' lines).
    """
    from kg.tasks import check_outcome

    if where.given:
        if paths:
            raise UsageError("give PATH... or --store/--endpoint, not both")
        return check_store_command(where, fmt, output)
    if not paths:
        raise UsageError("Missing argument 'PATH...' (or --store DIR / --endpoint URL).")
    reports = []

    def write_one(out: AtomicOutput, abstract: Abstract, outcome: Any, tally: Tally) -> None:
        if not outcome.conforms:
            tally.violations += 1
        if fmt == "json":
            out.write(json_line({"id": outcome.id, "conforms": outcome.conforms,
                                 "violations": [result.model_dump() for result in outcome.results]}))
        elif fmt == "text":
            for result in outcome.results:
                out.write(f"{outcome.id}: {result_line(result)}\n")
            if outcome.conforms:
                out.write(f"{outcome.id}: conforms\n")
        else:
            reports.append(outcome.report_turtle)
            if len(reports) > 1:
                raise UsageError("--format turtle holds one report; use --format json for several abstracts")

    def finish(out: AtomicOutput, tally: Tally) -> None:
        if fmt == "turtle" and reports:
            out.write(reports[0])

    return run(list(paths), forced_id, output, write_one, finish, functools.partial(check_outcome, fmt == "turtle"), batch)


def result_line(result: Any) -> str:
    spans = ", ".join(f"{'' if s.field == 'text' else s.field + ':'}{s.start}-{s.end}" for s in result.spans)
    return f"{result.severity} {result.shape}: {result.message} [{spans}]"


def check_store_command(where: StoreSpec, fmt: str, output: str) -> int:
    from kg.storecheck import check_store, uncovered_shapes

    if fmt == "turtle":
        raise UsageError("kg check --store writes text or json; --format turtle is for one abstract")
    for shape in uncovered_shapes():
        say_warning(f"{shape} has core constraints, which kg check --store does not run (only SPARQL ones)")
    store = where.open()
    violations = 0
    with AtomicOutput(output) as out, contextlib.closing(store):
        results = list(check_store(store))
        by_abstract: dict[str, list] = {}
        for item in results:
            by_abstract.setdefault(item.abstract_id, []).append(item.result)
            violations += item.result.severity == "Violation"
        for abstract_id, found in by_abstract.items():
            if fmt == "json":
                out.write(json_line({"id": abstract_id, "conforms": not any(r.severity == "Violation" for r in found),
                                     "violations": [r.model_dump() for r in found]}))
            else:
                for result in found:
                    out.write(f"{abstract_id}: {result_line(result)}\n")
    return 1 if violations else 0


@cli.command()
@batch_options
@store_options
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--id", "forced_id", metavar="ID",
              help="Id of the one abstract read from a .txt file or stdin (default: file stem, or 'stdin').")
def load(paths: tuple[str, ...], forced_id: str | None, batch: Batch, where: StoreSpec) -> int:
    """Load abstracts into a store, one named graph per abstract; loading one again replaces its graph.

    PATH is an abstract (.txt, .jsonl, -), extracted on the way, or RDF that kg made (.trig, .nq, .nquads).
    """
    from kg.store import Loader, abstract_nquads, is_rdf_path, rdf_file_batches, validate_rdf_file

    if not where.given:
        raise UsageError("kg load needs --store DIR or --endpoint URL")
    rdf_paths = [path for path in paths if is_rdf_path(path)]
    text_paths = [path for path in paths if not is_rdf_path(path)]
    for path in rdf_paths:  # a bad RDF file stops the load before anything is written
        validate_rdf_file(path)
    store = where.open(writable=True)
    try:
        # An RDF file's graph may span batches, so its batches are not validated on the way in.
        loader = Loader(store, validate=False)
        for path in rdf_paths:
            for graphs, nquads in rdf_file_batches(path):
                loader.add(graphs, nquads)
        loader.flush()
        if rdf_paths:
            from kg.storecheck import invalidate_reports

            invalidate_reports(store)
        if not text_paths:
            return 0
        loader = Loader(store)

        def write_one(out: AtomicOutput, abstract: Abstract, result: Any, tally: Tally) -> None:
            graph, nquads = result
            loader.add([graph], nquads)

        def finish(out: AtomicOutput, tally: Tally) -> None:
            loader.flush()

        return run(text_paths, forced_id, "-", write_one, finish, abstract_nquads, batch)
    finally:
        store.close()


@cli.command()
@store_options
@click.argument("query_file", required=False, metavar="[QUERY_FILE]")
@click.option("-n", "--name", metavar="NAME", help="A named competency query of kg/queries (see --list).")
@click.option("-e", "--expression", metavar="SPARQL", help="The query itself.")
@click.option("-b", "--bind", "bindings", multiple=True, metavar="NAME=VALUE",
              help="Bind a query variable (a VALUES block in the group that uses it); repeatable.")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table", show_default=True,
              help="table: aligned text; csv, json: SPARQL 1.1 Query Results formats (CONSTRUCT gives N-Triples).")
@click.option("--allow-update", is_flag=True, help="Run a SPARQL update (refused otherwise).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and what each answers.")
@output_option
def query(query_file: str | None, name: str | None, expression: str | None, bindings: tuple[str, ...], fmt: str,
          allow_update: bool, list_queries: bool, output: str, where: StoreSpec) -> int:
    """Run a SPARQL query (QUERY_FILE, --name NAME or -e SPARQL) on the store and print its results."""
    from kg import query as queries

    if list_queries:
        for named in queries.named_queries().values():
            click.echo(f"{named.name}: {named.title}")
        return 0
    if sum(x is not None for x in (query_file, name, expression)) != 1:
        raise UsageError("give exactly one of QUERY_FILE, --name NAME or -e SPARQL")
    if name is not None:
        text = queries.named_query(name).text
    elif expression is not None:
        text = expression
    else:
        try:
            with open(query_file, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(query_file, getattr(error, "strerror", None) or str(error)) from None
    text = queries.with_bindings(text, list(bindings))
    if not where.given:
        raise UsageError("kg query needs --store DIR or --endpoint URL")
    store = where.open(writable=allow_update and queries.is_update(text))
    with AtomicOutput(output) as out, contextlib.closing(store):
        out.write_bytes(queries.format_results(queries.run(store, text, allow_update), fmt))
    return 0


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
        section = build_section(len(sections) + 1, abstract, record)
        if section.unchecked:
            say_warning(f"{abstract.path}:{abstract.line}: not checked: {section.unchecked} (id {record.id}); shown unchecked")
        sections.append(section)

    def finish(out: AtomicOutput, tally: Tally) -> None:
        if sections:
            out.write(render_page(sections))

    return run(list(paths), forced_id, output, write_one, finish)


@cli.command()
@store_options
@click.argument("paths", nargs=-1, required=False, metavar="[PATH...]")
@click.option("--id", "forced_id", metavar="ID",
              help="Id of the one abstract read from a .txt file or stdin (default: file stem, or 'stdin').")
@click.option("--kind", type=click.Choice(("drug-ae", "trial-drug", "drug-drug")), required=True,
              help="drug-ae: drug -> adverse event weighted by grade >= 3 %; trial-drug: bipartite; drug-drug: combinations.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Export the graph: .graphml (GraphML) or .json (node-link JSON); replaced only after success.")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="K",
              help="Print the K strongest edges as a table (default: 20 when no -o is given).")
def graph(paths: tuple[str, ...], forced_id: str | None, kind: str, output: str | None, top: int | None,
          where: StoreSpec) -> int:
    """Build a network across abstracts (PATH... or a store made by kg load) and export it, or print its strongest edges."""
    from kg.graph import TrialFacts, build_graph, edge_table, export, export_format, trials_from_store

    if where.given == bool(paths):
        raise UsageError("give PATH... or --store DIR (or --endpoint URL), not both" if paths
                         else "kg graph needs PATH... or --store DIR (or --endpoint URL)")
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

    if not where.given:
        return run(list(paths), forced_id, output or "-", write_one, finish)
    if forced_id is not None:
        raise UsageError("--id names an abstract read from PATH, not from a store")
    store = where.open()
    try:
        trials.extend(trials_from_store(store))
    finally:
        store.close()
    with AtomicOutput(output or "-") as out:
        finish(out, Tally())
    return 0


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
