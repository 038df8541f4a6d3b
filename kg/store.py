"""Where the graphs live: an embedded Oxigraph store (a directory), or a SPARQL endpoint (``kg.endpoint``).

Layout: one named graph per abstract, named by the abstract IRI, holding its facts and the selector of
every value (with the value's sentence as ``oa:prefix``/``oa:suffix``). Loading an abstract again
replaces its graph. Both kinds of store answer the same three calls, so ``kg load``, ``kg query`` and
``kg check --store`` run the same code on either:

* ``query(sparql)`` -> pyoxigraph ``QuerySolutions``, ``QueryBoolean`` or ``QueryTriples``;
* ``update(sparql)``;
* ``replace(graphs, nquads)``: drop these named graphs, then add the quads (N-Quads bytes).

Beside each abstract's graph, ``kg load`` writes the abstract's SHACL validation report, in a graph named
from the abstract IRI (``kg.storecheck.REPORT_SUFFIX``), so ``kg check --store`` need not run the shapes
over the whole store again (see ``kg.storecheck``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import pyoxigraph as ox

from kg.errors import InputError, QueryError, UsageError
from kg.pipeline import Abstract
from kg.rdf import abstract_iri

RDF_SUFFIXES = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS, ".nquads": ox.RdfFormat.N_QUADS}


class Store(Protocol):
    def query(self, sparql: str) -> Any: ...
    def update(self, sparql: str) -> None: ...
    def replace(self, graphs: list[str], nquads: bytes) -> None: ...
    def close(self) -> None: ...


def syntax_error(error: SyntaxError, what: str = "query") -> QueryError:
    """Oxigraph's parser message, which starts with the position: 'error at 3:5: expected ...'."""
    message = " ".join(str(error).split())
    return QueryError(f"bad SPARQL {what}: {message}")


class LocalStore:
    """An on-disk Oxigraph store. Read-only when only queried, so readers never take the writer's lock."""

    def __init__(self, path: str, writable: bool = False):
        self.path, self.writable = path, writable
        if not writable and not os.path.isdir(path):
            raise InputError(path, "no store here; make one with `kg load PATH... --store DIR`")
        if writable and os.path.exists(path) and not os.path.isdir(path):
            raise InputError(path, "not a directory")
        try:
            self.store = ox.Store(path) if writable else ox.Store.read_only(path)
        except OSError as error:
            reason = " ".join(str(error).split())
            if "lock" in reason.lower():
                reason = "the store is open in another process (a running kg load?)"
            raise InputError(path, f"cannot open the store: {reason}") from None

    def query(self, sparql: str) -> Any:
        # The default graph is the union of the abstracts' graphs (as in Virtuoso and GraphDB), so an
        # ad-hoc query needs no GRAPH clause; the named queries use GRAPH ?abstract and run anywhere.
        try:
            return self.store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as error:
            raise syntax_error(error) from None
        except OSError as error:
            raise QueryError(f"query failed: {error}") from None

    def update(self, sparql: str) -> None:
        try:
            self.store.update(sparql)
        except SyntaxError as error:
            raise syntax_error(error, "update") from None
        except OSError as error:
            raise QueryError(f"update failed: {error}") from None

    def replace(self, graphs: list[str], nquads: bytes) -> None:
        # Drop the old graphs in one transaction, then add with the bulk loader: several times faster
        # than a transactional load, and a crash mid-way is repaired by loading the same input again.
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self.store.contains_named_graph(node):
                self.store.remove_graph(node)
        if nquads:
            self.store.bulk_load(nquads, ox.RdfFormat.N_QUADS)

    def close(self) -> None:
        if self.writable:
            self.store.flush()


def open_store(store_dir: str | None, endpoints: Any = None, writable: bool = False) -> Store:
    if (store_dir is None) == (endpoints is None):
        raise UsageError("give exactly one of --store DIR or --endpoint URL")
    if store_dir is not None:
        return LocalStore(store_dir, writable)
    from kg.endpoint import RemoteStore

    return RemoteStore(endpoints)


# --- what goes into the store ------------------------------------------------------------------


def abstract_nquads(abstract: Abstract) -> tuple[str, bytes]:
    """(graph IRI, N-Quads) of one abstract, its selectors with their sentences: ``kg load``'s task."""
    from kg.pipeline import extract_one
    from kg.rdf import serialise
    from kg.tasks import texts_of

    record = extract_one(abstract)
    return str(abstract_iri(record.id)), serialise([record], "nquads", [texts_of(abstract)]).encode("utf-8")


def is_rdf_path(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in RDF_SUFFIXES


def rdf_file_batches(path: str, batch_quads: int = 200_000) -> Iterator[tuple[list[str], bytes]]:
    """(graphs first seen in this batch, N-Quads) from a TriG or N-Quads file, streamed in batches.

    A graph is dropped from the store the first time the file names it, so its quads further on add to
    the new graph instead of replacing it again.
    """
    fmt = RDF_SUFFIXES[os.path.splitext(path)[1].lower()]
    if not os.path.isfile(path):
        raise InputError(path, "no such file" if not os.path.exists(path) else "not a file")
    seen: set[str] = set()
    fresh: list[str] = []
    quads: list[ox.Quad] = []
    try:
        for quad in ox.parse(path=path, format=fmt):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value not in seen:
                seen.add(graph.value)
                fresh.append(graph.value)
            quads.append(quad)
            if len(quads) >= batch_quads:
                yield fresh, ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
                fresh, quads = [], []
    except SyntaxError as error:
        raise InputError(path, f"not valid {fmt.name}: {' '.join(str(error).split())}") from None
    if quads or fresh:
        yield fresh, ox.serialize(quads, format=ox.RdfFormat.N_QUADS) if quads else b""


def validate_rdf_file(path: str) -> None:
    """Parse the whole file once, keeping nothing, so a bad file stops ``kg load`` before any write."""
    fmt = RDF_SUFFIXES[os.path.splitext(path)[1].lower()]
    if not os.path.isfile(path):
        raise InputError(path, "no such file" if not os.path.exists(path) else "not a file")
    try:
        for _ in ox.parse(path=path, format=fmt):
            pass
    except SyntaxError as error:
        raise InputError(path, f"not valid {fmt.name}: {' '.join(str(error).split())}") from None


class Loader:
    """Buffers abstracts' N-Quads and hands them to the store in batches (one bulk load each).

    With ``validate``, each batch is validated on its way in (``kg.storecheck.validation_reports``) and
    every graph of the batch gets its report beside it; a loader of TriG/N-Quads files, whose graphs may
    span batches, is made with ``validate=False``: it drops the reports of the graphs it replaces, and
    ``kg load`` then takes the stamp off every report, so ``kg check --store`` runs the shapes over the
    store instead of trusting a stale report (or missing a graph that holds no abstract).
    """

    def __init__(self, store: Store, batch_bytes: int = 128 << 20, batch_graphs: int = 10_000, validate: bool = True):
        self.store, self.validate = store, validate
        self.batch_bytes, self.batch_graphs = batch_bytes, batch_graphs
        self.graphs: list[str] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.validate_s = 0.0  # seconds spent validating (bench/scale.py reports it)

    def add(self, graphs: Iterable[str], nquads: bytes) -> None:
        self.graphs.extend(graphs)
        self.chunks.append(nquads)
        self.size += len(nquads)
        if self.size >= self.batch_bytes or len(self.graphs) >= self.batch_graphs:
            self.flush()

    def flush(self) -> None:
        from kg.storecheck import report_graph, validation_reports

        if self.graphs or self.chunks:
            data = b"".join(self.chunks)
            if self.validate and self.graphs:
                started = time.perf_counter()
                data += validation_reports(self.graphs, data)
                self.validate_s += time.perf_counter() - started
            self.store.replace(self.graphs + [report_graph(graph) for graph in self.graphs], data)
        self.graphs, self.chunks, self.size = [], [], 0
