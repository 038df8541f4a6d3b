"""The wheel carries everything it needs: installed in a fresh venv outside the repository, it runs the seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv

import pytest

from tests.conftest import ROOT, SEED


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_extracts_the_seed(tmp_path, seed_expected):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, timeout=900, cwd=tmp_path)
    wheels = list(dist.glob("trial_kg-*.whl"))
    assert len(wheels) == 1
    names = subprocess.run([sys.executable, "-m", "zipfile", "-l", str(wheels[0])], capture_output=True, text=True,
                           check=True).stdout
    for data_file in ("kg/ontology/kg.ttl", "kg/ontology/shapes/rates.ttl", "kg/ontology/vocab/units.tsv",
                      "extractors/doses/patterns.jsonl", "extractors/drugs/stems.tsv", "extractors/lexical/units.json"):
        assert data_file in names, data_file
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheels[0])], check=True, timeout=1800, cwd=tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "seed.txt").write_bytes(SEED.read_bytes())
    result = subprocess.run([str(env_dir / "bin" / "kg"), "extract", "seed.txt", "--format", "summary"], cwd=outside,
                            capture_output=True, text=True, timeout=600, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == seed_expected["summary"]
    check = subprocess.run([str(env_dir / "bin" / "kg"), "check", "seed.txt"], cwd=outside, capture_output=True, text=True,
                           timeout=600)
    assert (check.returncode, check.stdout) == (0, "seed: conforms\n")


def test_every_python_package_of_the_tree_is_declared():
    import tomllib

    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(ROOT).parts) for top in ("kg", "extractors")
             for path in (ROOT / top).rglob("__init__.py")}
    assert found - declared == set()
