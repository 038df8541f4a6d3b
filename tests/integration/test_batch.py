"""kg extract --jobs: same bytes as one process, input order kept, every failure listed, progress line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kg.batch import process
from kg.errors import RecordError
from kg.pipeline import Abstract
from tests.conftest import SEED, corpus_file


def summary_or_fail(abstract: Abstract) -> str:
    """A real task (kg extract --format summary) that raises on one id and kills its worker on another."""
    if abstract.id == "raises":
        raise ValueError("no numbers here")
    if abstract.id == "kills":
        os._exit(1)
    from kg.tasks import extract_formatted

    return extract_formatted("summary", abstract)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    corpus = corpus_file("oncology_early_phase.jsonl")
    lines = corpus.read_text(encoding="utf-8").splitlines()[:12]
    path = tmp_path_factory.mktemp("batch") / "sample.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def kg(*argv: str) -> subprocess.CompletedProcess:
    # One hash seed for the parent and its workers: kg/infer.py's output currently varies with it.
    return subprocess.run([sys.executable, "-m", "kg", *argv], capture_output=True, timeout=600,
                          env={**os.environ, "PYTHONHASHSEED": "0"})


def test_jobs_two_writes_the_bytes_of_one_process(sample):
    one = kg("extract", str(sample), "--format", "nquads")
    two = kg("extract", str(sample), "--format", "nquads", "--jobs", "2")
    assert (one.returncode, two.returncode) == (0, 0), two.stderr
    assert len(one.stdout) > 50_000
    assert one.stdout == two.stdout


def test_progress_ends_with_one_summary_line(sample, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(sample.read_text(encoding="utf-8").splitlines()[0] + "\n{not json\n", encoding="utf-8")
    result = kg("extract", str(bad), "--format", "summary", "--jobs", "2", "--progress")
    assert result.returncode == 3
    lines = [line for line in result.stderr.decode().replace("\r", "\n").splitlines() if line.startswith("kg: ")]
    assert lines[0] == f"kg: error: {bad}:2: malformed JSON: Expecting property name enclosed in double quotes (column 2)"
    assert lines[-1].startswith("kg: 2 read, 1 written, 1 failed, ") and lines[-1].endswith(" s")
    assert len(result.stdout.decode().splitlines()) == 1


def test_no_progress_line_when_not_asked_and_not_a_terminal(sample):
    result = kg("extract", str(SEED), "--format", "summary")
    assert (result.returncode, result.stderr) == (0, b"")


@pytest.mark.parametrize("jobs", [1, 2], ids=["one-process", "pool"])
def test_a_failing_or_crashing_abstract_is_listed_and_the_rest_written_in_order(jobs):
    text = SEED.read_text(encoding="utf-8")
    ids = ["a", "raises", "b", "kills", "c"] if jobs > 1 else ["a", "raises", "b", "c"]
    items = [Abstract(id=i, text=text, path="in.jsonl", line=n) for n, i in enumerate(ids, start=1)]
    results = list(process(items, summary_or_fail, jobs=jobs, chunk_size=2))
    assert [item.record_id if isinstance(item, RecordError) else item.id for item, _ in results] == ids
    errors = [str(item) for item, _ in results if isinstance(item, RecordError)]
    assert errors[0] == "in.jsonl:2: extraction failed: ValueError: no numbers here (id raises)"
    if jobs > 1:
        assert errors[1] == "in.jsonl:4: extraction failed: the worker process died on this abstract (id kills)"
    written = [json.loads(result) for item, result in results if not isinstance(item, RecordError)]
    assert [w["id"] for w in written] == ["a", "b", "c"]
    assert all(w["enrolled"] == 39 for w in written)
