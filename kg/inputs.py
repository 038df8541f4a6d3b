"""Reading abstracts: ``.txt`` files (one abstract), JSON Lines files (streamed), or ``-`` (stdin).

Whole-input problems (missing, a directory, empty, binary, not UTF-8) and per-record problems (a
malformed line, a record over spaCy's length limit) are yielded as ``RecordError``s in input order, so
the caller reports each one and goes on with the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO

from kg.errors import RecordError, UsageError
from kg.pipeline import Abstract

# spaCy refuses texts longer than nlp.max_length (1,000,000 characters by default).
MAX_CHARACTERS = 1_000_000
BOM = "\ufeff"


def is_jsonl(path: str) -> bool:
    return path.lower().endswith((".jsonl", ".ndjson"))


def check_length(path: str, line: int, record_id: str, text: str, field: str = "text") -> RecordError | None:
    if len(text) > MAX_CHARACTERS:
        return RecordError(path, line, f"{field} has {len(text):,} characters, over spaCy's limit of "
                           f"{MAX_CHARACTERS:,}", record_id)
    return None


def decode(path: str, data: bytes) -> str | RecordError:
    if not data.strip():
        return RecordError(path, 0, "empty file")
    if b"\x00" in data[:65536]:
        return RecordError(path, 0, "binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return RecordError(path, 0, f"not UTF-8 text (byte {error.start})")
    return text[1:] if text.startswith(BOM) else text


def open_binary(path: str) -> BinaryIO | RecordError:
    if path == "-":
        return sys.stdin.buffer
    if os.path.isdir(path):
        return RecordError(path, 0, "is a directory")
    try:
        return open(path, "rb")
    except FileNotFoundError:
        return RecordError(path, 0, "no such file")
    except OSError as error:
        return RecordError(path, 0, error.strerror or str(error))


def text_abstract(path: str, record_id: str) -> Iterator[Abstract | RecordError]:
    handle = open_binary(path)
    if isinstance(handle, RecordError):
        yield handle
        return
    with handle if path != "-" else contextlib.nullcontext(handle) as stream:
        data = stream.read()
    text = decode(path, data)
    if isinstance(text, RecordError):
        yield text
        return
    if not text.strip():
        yield RecordError(path, 0, "empty file")
        return
    too_long = check_length(path, 0, record_id, text)
    yield too_long if too_long else Abstract(id=record_id, text=text, path=path, line=1)


def jsonl_abstracts(path: str) -> Iterator[Abstract | RecordError]:
    handle = open_binary(path)
    if isinstance(handle, RecordError):
        yield handle
        return
    seen_any = False
    with handle if path != "-" else contextlib.nullcontext(handle) as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            seen_any = True
            yield parse_line(path, number, raw)
    if not seen_any:
        yield RecordError(path, 0, "empty file")


def parse_line(path: str, number: int, raw: bytes) -> Abstract | RecordError:
    if b"\x00" in raw:
        return RecordError(path, number, "binary data (NUL bytes), not a JSON line")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return RecordError(path, number, f"not UTF-8 text (byte {error.start})")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return RecordError(path, number, f"malformed JSON: {error.msg} (column {error.colno})")
    if not isinstance(record, dict):
        return RecordError(path, number, "a JSON line must be an object with 'id' and 'text'")
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        return RecordError(path, number, "record has no string 'id'")
    text, title = record.get("text"), record.get("title")
    if not isinstance(text, str) or not text.strip():
        return RecordError(path, number, "record has no non-empty string 'text'", record_id)
    if title is not None and not isinstance(title, str):
        return RecordError(path, number, "'title' must be a string or null", record_id)
    too_long = check_length(path, number, record_id, text) or (check_length(path, number, record_id, title, "title") if title else None)
    if too_long:
        return too_long
    return Abstract(id=record_id, text=text, title=title or None, path=path, line=number)


def read_inputs(paths: list[str], forced_id: str | None = None) -> Iterator[Abstract | RecordError]:
    """Every abstract of every PATH, in order, with failures in their place."""
    if not paths:
        raise UsageError("no input: give PATH... (a .txt file, a .jsonl file, or - for stdin)")
    if forced_id is not None and (len(paths) != 1 or is_jsonl(paths[0])):
        raise UsageError("--id names one abstract: use it with a single .txt file or - (stdin)")
    if paths.count("-") > 1:
        raise UsageError("'-' (stdin) can be read only once")
    for path in paths:
        if is_jsonl(path):
            yield from jsonl_abstracts(path)
        else:
            stem = "stdin" if path == "-" else os.path.splitext(os.path.basename(path))[0]
            yield from text_abstract(path, forced_id or stem)
