"""A remote store: SPARQL 1.1 Query, Update and Graph Store Protocol endpoints over HTTP.

Endpoints not given are derived from the query URL by Oxigraph's layout (``/query`` -> ``/update``
and ``/store``); elsewhere the update endpoint defaults to the query URL (Virtuoso's ``/sparql``,
QLever, Blazegraph) and there is no default Graph Store endpoint, so loading falls back to SPARQL
Update (``DROP SILENT GRAPH`` + ``INSERT DATA``), which every SPARQL 1.1 server accepts. With
``--gsp-endpoint`` each abstract's graph is replaced by one ``PUT ?graph=IRI`` (SPARQL 1.1 Graph Store
HTTP Protocol, section 5.3), the protocol's own "replace this graph".

Authentication: ``user`` with the password from ``KG_ENDPOINT_PASSWORD``; HTTP basic or digest, as the
server's ``WWW-Authenticate`` challenge asks (Virtuoso's ``/sparql-auth`` wants digest).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from kg.errors import QueryError, UsageError

PASSWORD_VARIABLE = "KG_ENDPOINT_PASSWORD"
TIMEOUT = (10, 3600)  # connect, read: a corpus-wide aggregate may run for minutes


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    gsp: str | None
    user: str | None = None
    password: str | None = None

    @classmethod
    def derive(cls, query: str, update: str | None = None, gsp: str | None = None,
               user: str | None = None) -> Endpoints:
        """Fill in the endpoints not given.

        >>> Endpoints.derive("http://127.0.0.1:7878/query")
        Endpoints(query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update', gsp='http://127.0.0.1:7878/store', user=None, password=None)
        >>> Endpoints.derive("http://localhost:8890/sparql").update
        'http://localhost:8890/sparql'
        """
        for url in (query, update, gsp):
            if url is not None and urlsplit(url).scheme not in ("http", "https"):
                raise UsageError(f"{url}: an endpoint is an http:// or https:// URL")
        trimmed = query.rstrip("/")
        base = trimmed[: -len("/query")] if trimmed.endswith("/query") else None
        password = None
        if user is not None:
            password = os.environ.get(PASSWORD_VARIABLE)
            if password is None:
                raise UsageError(f"--user {user} needs the password in the environment variable {PASSWORD_VARIABLE}")
        return cls(query=query, update=update or (base + "/update" if base is not None else query),
                   gsp=gsp or (base + "/store" if base is not None else None), user=user, password=password)


class RemoteStore:
    def __init__(self, endpoints: Endpoints):
        self.endpoints = endpoints
        self.session = requests.Session()

    def send(self, method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
            if response.status_code == 401 and self.endpoints.user is not None and self.session.auth is None:
                # Answer the server's own challenge: basic or digest (requests' digest auth re-sends itself).
                challenge = response.headers.get("www-authenticate", "").lower()
                scheme = HTTPDigestAuth if challenge.startswith("digest") else HTTPBasicAuth
                self.session.auth = scheme(self.endpoints.user, self.endpoints.password or "")
                response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise QueryError(f"{url}: {what} failed: {type(error).__name__}: {short(str(error))}") from None
        if response.status_code == 401:
            raise QueryError(f"{url}: {what} refused: 401 unauthorised (--user, {PASSWORD_VARIABLE})")
        if response.status_code >= 400:
            raise QueryError(f"{url}: {what} failed: HTTP {response.status_code}: {short(response.text)}")
        return response

    def query(self, sparql: str) -> Any:
        # Parse here first, so a wrong query gets Oxigraph's message with its position whatever the server.
        check_syntax(sparql)
        response = self.send("POST", self.endpoints.query, "query", data={"query": sparql}, headers={
            "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind in ("application/sparql-results+json", "application/json"):
            return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        if kind in ("application/sparql-results+xml", "application/xml"):
            return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.XML)
        fmt = ox.RdfFormat.from_media_type(kind) if kind else None
        if fmt is None:
            raise QueryError(f"{self.endpoints.query}: unexpected answer of type {kind or 'unknown'}")
        return list(ox.parse(response.content, format=fmt))

    def update(self, sparql: str) -> None:
        self.send("POST", self.endpoints.update, "update", data={"update": sparql})

    def replace(self, graphs: list[str], nquads: bytes) -> None:
        by_graph: dict[str, list[ox.Quad]] = {graph: [] for graph in graphs}
        other: list[ox.Quad] = []
        for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
            name = quad.graph_name
            (by_graph.setdefault(name.value, []) if isinstance(name, ox.NamedNode) else other).append(quad)
        if self.endpoints.gsp is not None:
            for graph, quads in by_graph.items():
                body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) if quads else b""
                self.send("PUT", self.endpoints.gsp, "graph store PUT", params={"graph": graph}, data=body,
                          headers={"Content-Type": "application/n-triples"})
        else:
            statements = []
            for graph, quads in by_graph.items():
                statements.append(f"DROP SILENT GRAPH <{graph}>")
                if quads:
                    triples = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
                    statements.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n{triples}}} }}")
            if statements:
                self.update(" ;\n".join(statements))
        if other:
            triples = ox.serialize([q.triple for q in other], format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            self.update(f"INSERT DATA {{\n{triples}}}")

    def close(self) -> None:
        self.session.close()


def check_syntax(sparql: str) -> None:
    """Raise QueryError with Oxigraph's position if ``sparql`` is not a SPARQL 1.1 query.

    Parsing happens on an empty in-memory store; pyoxigraph evaluates lazily, and nothing is iterated.
    """
    try:
        ox.Store().query(sparql)
    except SyntaxError as error:
        from kg.store import syntax_error

        raise syntax_error(error) from None


def short(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
