"""The one exception hierarchy of kg. The library raises these; only ``kg.cli`` turns them into exit codes."""

from __future__ import annotations


class KgError(Exception):
    """Base class: ``str(error)`` is the one line printed after ``kg: error: ``."""


class UsageError(KgError):
    """The command line itself is wrong (exit 2)."""


class InputError(KgError):
    """An input cannot be read as a whole (missing, empty, a directory, binary, not UTF-8...)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class RecordError(KgError):
    """One record of an input is bad; the others go on (exit 3 at the end)."""

    def __init__(self, path: str, line: int, reason: str, record_id: str | None = None):
        where = f"{path}:{line}" if line else path
        suffix = f" (id {record_id})" if record_id is not None else ""
        super().__init__(f"{where}: {reason}{suffix}")
        self.path, self.line, self.reason, self.record_id = path, line, reason, record_id


class OutputError(KgError):
    """The output cannot be written."""


class PatternFileError(KgError):
    """A pattern or lexicon data file is malformed: names the file, line and row id."""

    def __init__(self, file: str, line: int, row_id: str, reason: str):
        super().__init__(f"{file}:{line}: {reason} (id {row_id})")


class ShapesError(KgError):
    """The ontology or the shapes graph cannot be loaded."""


class QueryError(KgError):
    """A SPARQL query is malformed or refused."""
