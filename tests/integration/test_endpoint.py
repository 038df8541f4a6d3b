"""kg load / query / check through a real Oxigraph server started on 127.0.0.1 by the test."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.cli import main
from kg.endpoint import Endpoints
from kg.storecheck import REPORT_SUFFIX
from tests.conftest import SEED
from tests.helpers import seed_pair_jsonl


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not os.path.exists(found):
        pytest.skip("the oxigraph server is not installed (pip install -e '.[test]' brings it)")
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oxigraph serve did not start: {process.stderr.read().decode()[:500]}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/query"
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def loaded(server, tmp_path_factory):
    seed = SEED.read_text(encoding="utf-8")
    path = seed_pair_jsonl(tmp_path_factory.mktemp("in"), seed)
    assert main(["load", str(path), "--endpoint", server]) == 0
    # Again: the Graph Store PUT replaces each abstract's graph.
    assert main(["load", str(path), "--endpoint", server]) == 0
    return server


def query_rows(capsys, endpoint: str, *argv: str) -> list[dict[str, str]]:
    code = main(["query", "--endpoint", endpoint, "--format", "csv", *argv])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    return list(csv.DictReader(io.StringIO(captured.out)))


def test_endpoints_follow_oxigraphs_layout(server):
    endpoints = Endpoints.derive(server)
    assert (endpoints.update, endpoints.gsp) == (server[: -len("query")] + "update", server[: -len("query")] + "store")


def test_load_through_the_graph_store_protocol_replaces_graphs(loaded, capsys):
    data = f'FILTER (!STRENDS(STR(?g), "{REPORT_SUFFIX}"))'
    rows = query_rows(capsys, loaded, "-e", "SELECT (COUNT(DISTINCT ?g) AS ?graphs) (COUNT(*) AS ?quads) "
                      f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {data} }}")
    assert rows[0]["graphs"] == "2"
    reports = query_rows(capsys, loaded, "-e", f'SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER (STRENDS(STR(?g), "{REPORT_SUFFIX}")) }}')
    assert len(reports) == 2  # each abstract's validation report, replaced with it
    local = str(Path(os.environ.get("TMPDIR", "/tmp")) / f"kg-endpoint-{os.getpid()}")
    try:
        assert main(["load", str(SEED), "--store", local]) == 0
        from pyoxigraph import Store

        found = Store.read_only(local).query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {data} }}")
        quads_of_seed = int(next(iter(found))["n"].value)
    finally:
        shutil.rmtree(local, ignore_errors=True)
    assert int(rows[0]["quads"]) == 2 * quads_of_seed


def test_named_query_through_the_endpoint(loaded, capsys):
    rows = query_rows(capsys, loaded, "--name", "dcr-disagrees")
    assert [(r["id"], r["dcr"], r["expected"]) for r in rows] == [("seed-mutated", "88.21", "86.21")]
    assert "88.21%" in rows[0]["sentence"]


def test_wrong_query_is_refused_before_it_reaches_the_server(loaded, capsys):
    code = main(["query", "--endpoint", loaded, "-e", "SELECT ?x WHERE { ?x ?y }"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("kg: error: bad SPARQL query: error at 1:") and len(err.splitlines()) == 1


def test_update_through_the_update_endpoint_when_allowed(server, capsys):
    graph = "https://w3id.org/trial-kg/abstract/scratch"
    assert main(["query", "--endpoint", server, "--allow-update", "-e",
                 f"INSERT DATA {{ GRAPH <{graph}> {{ <{graph}> a <https://w3id.org/trial-kg/ns#Scratch> }} }}"]) == 0
    assert query_rows(capsys, server, "-e", f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == []  # ASK in CSV: no rows
    capsys.readouterr()
    assert main(["query", "--endpoint", server, "--format", "json", "-e", f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"]) == 0
    assert json.loads(capsys.readouterr().out)["boolean"] is True
    assert main(["query", "--endpoint", server, "--allow-update", "-e", f"DROP GRAPH <{graph}>"]) == 0


def test_check_through_the_endpoint_equals_the_local_store_check(loaded, tmp_path, capsys):
    code = main(["check", "--endpoint", loaded, "--format", "json"])
    remote = capsys.readouterr().out
    assert code == 1
    rows = [json.loads(line) for line in remote.splitlines()]
    assert [row["id"] for row in rows] == ["seed-mutated"]
    assert any(v["shape"] == "DcrMatchesCountsShape" for v in rows[0]["violations"])
    local = str(tmp_path / "store")
    assert main(["load", str(SEED), "--store", local]) == 0
    mutated = tmp_path / "seed-mutated.txt"
    mutated.write_text(SEED.read_text(encoding="utf-8").replace("86.21%", "88.21%"), encoding="utf-8")
    assert main(["load", str(mutated), "--store", local]) == 0
    capsys.readouterr()
    assert main(["check", "--store", local, "--format", "json"]) == 1
    assert capsys.readouterr().out == remote
    # the shapes' queries run through the endpoint find what the stored reports hold
    from kg.endpoint import Endpoints, RemoteStore
    from kg.storecheck import check_store

    store = RemoteStore(Endpoints.derive(loaded))
    assert list(check_store(store, stored=False)) == list(check_store(store))


def test_unreachable_endpoint_is_one_line(capsys):
    port = free_port()
    code = main(["query", "--endpoint", f"http://127.0.0.1:{port}/query", "-e", "ASK {}"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"kg: error: http://127.0.0.1:{port}/query: query failed: ConnectionError")
    assert len(err.splitlines()) == 1
