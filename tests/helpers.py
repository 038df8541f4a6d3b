"""Small helpers shared by tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


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
