"""Small helpers shared by tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.cli import main


def extracted_values(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every Extracted value (a dict with value/start/end/text/rule) in a record dumped to JSON."""
    if isinstance(node, dict):
        if {"value", "start", "end", "text", "rule"} <= node.keys():
            yield path, node
            return
        for key, child in node.items():
            yield from extracted_values(child, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from extracted_values(child, f"{path}[{index}]")


def lookup(record: dict, path: str) -> Any:
    """record['a']['b'][0]['c'] for the path 'a.b[0].c'."""
    node: Any = record
    for part in path.replace("]", "").split("."):
        name, *indexes = part.split("[")
        if name:
            node = node[name]
        for index in indexes:
            node = node[int(index)]
    return node


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """The command line in this process: exit code, stdout, stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def seed_pair_jsonl(folder: Path, seed: str) -> Path:
    """The seed and the seed with its DCR slipped (86.21% -> 88.21%), as a two-record JSONL file."""
    path = folder / "two.jsonl"
    path.write_text(json.dumps({"id": "seed", "text": seed}) + "\n"
                    + json.dumps({"id": "seed-mutated", "text": seed.replace("86.21%", "88.21%")}) + "\n", encoding="utf-8")
    return path
