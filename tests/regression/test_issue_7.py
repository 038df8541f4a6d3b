"""Issue 7: docs cannot drift, so a SHACL message must not change from one process to the next."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import SEED


@pytest.mark.parametrize("seeds", [("1", "4")], ids=["hash-seeds-1-4"])
def test_issue_7_shacl_messages_do_not_depend_on_the_hash_seed(tmp_path, seeds):
    # Two enrolment parts that no longer add up: the message lists both parts, once in store order.
    edited = tmp_path / "parts.txt"
    edited.write_text(SEED.read_text(encoding="utf-8").replace("18 in phase 1b", "19 in phase 1b"), encoding="utf-8")

    outputs = {subprocess.run([sys.executable, "-m", "kg", "check", str(edited)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, timeout=300).stdout for seed in seeds}

    assert len(outputs) == 1
    assert "EnrolmentPartsSumShape" in outputs.pop()
