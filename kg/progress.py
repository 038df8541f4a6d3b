"""The progress bar of batch commands (tqdm on stderr) and the one summary line that ends a run."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable

from tqdm import tqdm


def count_abstracts(paths: Iterable[str]) -> int | None:
    """How many abstracts the inputs hold (non-blank JSON lines, one per text file); None for stdin."""
    total = 0
    for path in paths:
        if path == "-":
            return None
        if not path.lower().endswith((".jsonl", ".ndjson")):
            total += 1
            continue
        try:
            with open(path, "rb") as handle:
                total += sum(1 for line in handle if line.strip())
        except OSError:
            total += 1  # reported as one failure when it is read
    return total


class Progress:
    """A bar on stderr when ``show``; messages printed through it so they never tear the bar."""

    def __init__(self, show: bool, total: int | None = None, unit: str = "abstract"):
        self.started = time.perf_counter()
        self.bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False,
                        smoothing=0.1) if show else None

    def echo(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def advance(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def close(self, summary: str | None = None) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            if summary:
                print(summary, file=sys.stderr)
