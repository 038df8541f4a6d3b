"""The command-line contract: formats, exit codes, and one-line errors for every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import SEED, corpus_file
from tests.helpers import run

SEED_ID = "seed"


def run_process(*argv: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *argv], input=stdin, capture_output=True,
                          env={**os.environ, **(env or {})}, timeout=600)


def assert_one_error_line(err: str, expected: str) -> None:
    assert err.endswith("\n")
    lines = err.splitlines()
    assert lines == [expected]
    assert "Traceback" not in err


# --- formats ---------------------------------------------------------------------------------


def test_extract_json_is_one_line_with_id_and_no_source_text(capsys):
    code, out, err = run(capsys, "extract", str(SEED))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert list(record)[0] == "id" and record["id"] == SEED_ID
    assert "text" not in record
    assert record["enrolled"]["value"] == 39 and record["enrolled"]["text"] == "39"


def test_extract_summary_is_the_summary_format(capsys, seed_expected):
    code, out, _ = run(capsys, "extract", str(SEED), "--format", "summary")
    assert code == 0
    assert json.loads(out) == seed_expected["summary"]


def test_extract_id_option_names_the_abstract(capsys):
    code, out, _ = run(capsys, "extract", str(SEED), "--format", "summary", "--id", "LVGN-2024")
    assert code == 0 and json.loads(out)["id"] == "LVGN-2024"


def test_extract_stdin_is_id_stdin():
    result = run_process("extract", "-", "--format", "summary", stdin=SEED.read_bytes())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "stdin"
    assert json.loads(result.stdout)["enrolled"] == 39


def test_python_dash_m_kg_prints_version():
    result = run_process("--version")
    assert result.returncode == 0 and result.stdout.decode().startswith("kg, version ")


def test_extract_jsonl_keeps_input_order_and_uses_titles(capsys, tmp_path):
    path = tmp_path / "two.jsonl"
    rows = [{"id": "b", "text": "We enrolled 12 patients.", "title": "A phase 2 trial (NCT00000002)"},
            {"id": "a", "text": "A total of 7 pts were treated.", "title": None}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    code, out, _ = run(capsys, "extract", str(path), "--format", "summary")
    summaries = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(s["id"], s["enrolled"], s["phases"], s["nct_ids"]) for s in summaries] == [
        ("b", 12, ["2"], ["NCT00000002"]), ("a", 7, [], [])]


def test_duplicate_id_is_skipped_with_one_warning(capsys, tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps({"id": "x", "text": "We enrolled 12 patients."}) + "\n"
                    + json.dumps({"id": "x", "text": "We enrolled 99 patients."}) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "extract", str(path), "--format", "summary")
    assert code == 0
    assert [json.loads(line)["enrolled"] for line in out.splitlines()] == [12]
    assert err == f"kg: warning: {path}:2: duplicate id x skipped (first wins)\n"


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads"])
def test_extract_rdf_formats_parse(capsys, fmt):
    from rdflib import Dataset, Graph

    code, out, _ = run(capsys, "extract", str(SEED), "--format", fmt)
    assert code == 0
    graph = Graph() if fmt == "turtle" else Dataset()
    graph.parse(data=out, format=fmt)
    assert len(graph) > 500


def test_turtle_refuses_two_abstracts_naming_trig_and_nquads(capsys, tmp_path):
    path = tmp_path / "two.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "A total of 7 pts."}) + "\n"
                    + json.dumps({"id": "b", "text": "A total of 8 pts."}) + "\n", encoding="utf-8")
    out_path = tmp_path / "out.ttl"
    code, out, err = run(capsys, "extract", str(path), "--format", "turtle", "-o", str(out_path))
    assert code == 2
    assert_one_error_line(err, "kg: error: --format turtle holds one abstract; use --format trig or nquads for several")
    assert not out_path.exists() and list(tmp_path.iterdir()) == [path]


# --- check -----------------------------------------------------------------------------------


def test_check_seed_conforms(capsys):
    code, out, err = run(capsys, "check", str(SEED))
    assert (code, out, err) == (0, "seed: conforms\n", "")


def test_check_mutated_seed_text_and_json(capsys, tmp_path):
    mutated = tmp_path / "mutated.txt"
    mutated.write_text(SEED.read_text(encoding="utf-8").replace("86.21%", "88.21%"), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(mutated))
    assert code == 1
    assert out == ("mutated: Violation DcrMatchesCountsShape: DCR 88.21% stated, but 2 PR + 23 SD of 29 evaluable "
                   "give 86.21% [1999-2001, 2055-2060, 2067-2068, 2076-2078]\n")
    code, out, _ = run(capsys, "check", str(mutated), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["id"] == "mutated" and report["conforms"] is False
    assert report["violations"][0]["shape"] == "DcrMatchesCountsShape"
    assert report["violations"][0]["severity"] == "Violation"
    assert {"field": "text", "start": 2055, "end": 2060} in report["violations"][0]["spans"]


def test_check_turtle_is_a_validation_report(capsys):
    from rdflib import Graph
    from rdflib.namespace import SH, RDF

    code, out, _ = run(capsys, "check", str(SEED), "--format", "turtle")
    graph = Graph().parse(data=out, format="turtle")
    assert code == 0
    assert len(list(graph.subjects(RDF.type, SH.ValidationReport))) == 1


def test_violations_and_failures_exit_3(capsys, tmp_path):
    mutated = tmp_path / "mutated.txt"
    mutated.write_text(SEED.read_text(encoding="utf-8").replace("86.21%", "88.21%"), encoding="utf-8")
    code, out, err = run(capsys, "check", str(mutated), str(tmp_path / "missing.txt"))
    assert code == 3
    assert_one_error_line(err, f"kg: error: {tmp_path / 'missing.txt'}: no such file")


# --- bad input -------------------------------------------------------------------------------


def test_missing_file(capsys):
    code, out, err = run(capsys, "extract", "no/such/file.txt")
    assert (code, out) == (2, "")
    assert_one_error_line(err, "kg: error: no/such/file.txt: no such file")


def test_empty_file(capsys, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    code, out, err = run(capsys, "extract", str(path))
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"kg: error: {path}: empty file")


def test_directory(capsys, tmp_path):
    code, out, err = run(capsys, "check", str(tmp_path))
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"kg: error: {tmp_path}: is a directory")


def test_binary_bytes(capsys, tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, out, err = run(capsys, "extract", str(path))
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"kg: error: {path}: binary file (NUL bytes), not text")


def test_non_utf8_text(capsys, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Patients received 5 mg/m² of caf\u00e9ine".encode("latin-1", errors="replace"))
    code, out, err = run(capsys, "extract", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"kg: error: {path}: not UTF-8 text (byte ") and len(err.splitlines()) == 1


def test_bom_is_dropped_and_offsets_index_the_text_after_it(capsys, tmp_path, seed_text):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + seed_text.encode("utf-8"))
    code, out, _ = run(capsys, "extract", str(path))
    record = json.loads(out)
    assert code == 0
    assert seed_text[record["enrolled"]["start"]:record["enrolled"]["end"]] == "39"


def test_record_over_spacy_limit_is_refused_naming_the_limit(capsys, tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"id": "ok", "text": "A total of 9 pts were treated."}) + "\n"
                    + json.dumps({"id": "huge", "text": "a " * 500_001}) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "extract", str(path), "--format", "summary")
    assert code == 3
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["ok"]
    assert_one_error_line(err, f"kg: error: {path}:2: text has 1,000,002 characters, over spaCy's limit of 1,000,000 (id huge)")


def test_malformed_jsonl_line_names_its_line_and_the_rest_are_written(capsys, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "A total of 7 pts."}) + "\n"
                    + '{"id": "b", "text": "unterminated\n'
                    + json.dumps({"id": "c", "text": "A total of 8 pts."}) + "\n", encoding="utf-8")
    out_path = tmp_path / "out.jsonl"
    code, out, err = run(capsys, "extract", str(path), "--format", "summary", "-o", str(out_path))
    assert code == 3
    assert err.startswith(f"kg: error: {path}:2: malformed JSON: ") and len(err.splitlines()) == 1
    assert [json.loads(line)["id"] for line in out_path.read_text().splitlines()] == ["a", "c"]


def test_missing_path_among_several_exits_3(capsys, tmp_path):
    code, out, err = run(capsys, "extract", str(SEED), str(tmp_path / "gone.txt"), "--format", "summary")
    assert code == 3
    assert json.loads(out)["id"] == "seed"
    assert_one_error_line(err, f"kg: error: {tmp_path / 'gone.txt'}: no such file")


def test_unwritable_output(capsys, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.json"
    code, out, err = run(capsys, "extract", str(SEED), "-o", str(target))
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"kg: error: {target}: cannot write: No such file or directory")


def test_failed_run_leaves_no_output_file(capsys, tmp_path):
    target = tmp_path / "out.json"
    code, _, _ = run(capsys, "extract", str(tmp_path / "missing.txt"), "-o", str(target))
    assert code == 2
    assert list(tmp_path.iterdir()) == []


def test_output_file_is_written_after_success(capsys, tmp_path):
    target = tmp_path / "out.json"
    code, out, _ = run(capsys, "extract", str(SEED), "--format", "summary", "-o", str(target))
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["id"] == "seed"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_unknown_format(capsys):
    code, out, err = run(capsys, "extract", str(SEED), "--format", "xml")
    assert (code, out) == (2, "")
    assert_one_error_line(err, "kg: error: Invalid value for '--format': 'xml' is not one of 'json', 'summary', "
                               "'turtle', 'trig', 'nquads'.")


def test_id_with_jsonl_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    code, out, err = run(capsys, "extract", str(path), "--id", "z")
    assert (code, out) == (2, "")
    assert_one_error_line(err, "kg: error: --id names one abstract: use it with a single .txt file or - (stdin)")


def test_no_arguments_is_a_usage_error(capsys):
    code, out, err = run(capsys, "extract")
    assert code == 2
    assert err.startswith("kg: error: Missing argument") and len(err.splitlines()) == 1


def test_closed_stdout_pipe_ends_like_a_unix_filter(tmp_path):
    corpus = corpus_file("oncology_early_phase.jsonl")
    process = subprocess.Popen([sys.executable, "-m", "kg", "extract", str(corpus), "--format", "summary"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first_line = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    code = process.wait(timeout=600)
    assert json.loads(first_line)["id"]
    assert code == -13  # killed by SIGPIPE, as `head -1` leaves any filter
    assert err == b""


def test_output_folder_removed_during_the_run_is_one_error_line(capsys, tmp_path):
    from kg.cli import AtomicOutput
    from kg.errors import OutputError

    folder = tmp_path / "out"
    folder.mkdir()
    out = AtomicOutput(str(folder / "result.jsonl"))
    out.write("{}\n")
    for leftover in folder.iterdir():
        leftover.unlink()
    folder.rmdir()
    with pytest.raises(OutputError, match=r"result.jsonl: cannot write: No such file or directory$"):
        out.commit()


def test_aborted_output_is_not_published_when_its_block_ends(tmp_path):
    from kg.cli import AtomicOutput

    target = tmp_path / "out.jsonl"
    with AtomicOutput(str(target)) as out:
        out.write("{}\n")
        out.abort()
    assert list(tmp_path.iterdir()) == []
    with AtomicOutput(str(target)) as out:
        out.write("{}\n")
    assert target.read_text() == "{}\n"
