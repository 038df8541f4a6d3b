"""Shared fixtures: paths to the seed and to the shared corpus (skipped with a message when absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SEED = FIXTURES / "abstracts" / "seed.txt"
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"shared corpus absent: {path} not found (tests on corpus records need ../shared/corpus)")
    return path


def corpus_records(name: str) -> dict[str, dict]:
    with corpus_file(name).open(encoding="utf-8") as handle:
        return {record["id"]: record for record in map(json.loads, handle)}


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_expected() -> dict:
    return json.loads((FIXTURES / "abstracts" / "seed.expected.json").read_text(encoding="utf-8"))
