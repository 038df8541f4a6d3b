"""Many abstracts at once: one task per abstract, run in this process, a process pool, or a dask cluster.

A *task* is a module-level function (or a ``functools.partial`` of one) from an ``Abstract`` to a
picklable result: the formatted output line, the N-Quads of the abstract, a check outcome. Every
runner applies the same task to the same abstracts and yields the results **in input order**, so a
run with ``jobs=4`` or on a cluster writes the same bytes as a single-process run.

Nothing is lost: an exception raised by the task on one abstract becomes a ``Failed`` result for that
abstract (reported by the caller as ``PATH:LINE: WHY (id ID)``) and the run goes on. A worker process
that dies outright (a crash, the OOM killer) breaks the pool: the abstracts it held are retried one by
one in a fresh pool, so only the abstract that kills a worker again is reported as failed.

Why a process pool over texts rather than ``nlp.pipe(n_process=...)``: the records are built from the
Doc after the pipeline (``kg.build``), which is itself a quarter of the work, and the RDF or JSON
formatting after it is more; a pool parallelises all of it, sends only the small result back instead
of the serialised Doc, and isolates a failing abstract without ending a ``pipe`` generator.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from kg.errors import KgError, RecordError, UsageError
from kg.pipeline import Abstract

Task = Callable[[Abstract], Any]
Item = Abstract | RecordError
# Abstracts per unit of work sent to a worker: large enough that pickling and scheduling are noise
# next to some 30 ms of extraction per abstract, small enough that results stream and memory stays flat.
CHUNK = 16


@dataclass(frozen=True)
class Batch:
    """How a batch command runs its tasks: worker processes, a dask scheduler, a progress bar."""

    jobs: int = 1
    scheduler: str | None = None
    progress: bool | None = None  # None: show the bar when stderr is a terminal

    def show_progress(self) -> bool:
        return self.progress if self.progress is not None else is_terminal(sys.stderr)


@dataclass(frozen=True)
class Failed:
    """A task raised on one abstract: why, as one line (the exception itself may not pickle)."""

    reason: str


def describe(error: BaseException) -> str:
    if isinstance(error, KgError):
        return f"extraction failed: {error}"
    return f"extraction failed: {type(error).__name__}: {error}"


def attempt(task: Task, abstract: Abstract) -> Any:
    try:
        return task(abstract)
    except Exception as error:  # one abstract's failure is reported with its id; the run goes on
        return Failed(describe(error))


def run_chunk(task: Task, abstracts: list[Abstract]) -> list[Any]:
    """Apply the task to each abstract of a partition: the unit of work of the pool and of dask."""
    return [attempt(task, abstract) for abstract in abstracts]


def as_error(abstract: Abstract, failed: Failed) -> RecordError:
    return RecordError(abstract.path, abstract.line, failed.reason, abstract.id)


def chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def settle(chunk: list[Item], results: list[Any]) -> Iterator[tuple[Item, Any]]:
    """Pair each item of a chunk with its result (input errors have none)."""
    pending = iter(results)
    for item in chunk:
        if isinstance(item, RecordError):
            yield item, None
        else:
            result = next(pending)
            yield (as_error(item, result), None) if isinstance(result, Failed) else (item, result)


def process(items: Iterable[Item], task: Task, jobs: int = 1, scheduler: str | None = None,
            chunk_size: int = CHUNK) -> Iterator[tuple[Item, Any]]:
    """Yield ``(abstract, result)`` for each abstract, or ``(RecordError, None)`` for each failure, in input order.

    ``items`` may hold ``RecordError``s (unreadable input records): they pass through in their place.
    """
    if scheduler is not None:
        yield from on_cluster(items, task, scheduler, chunk_size)
    elif jobs <= 1:
        for item in items:
            if isinstance(item, RecordError):
                yield item, None
            else:
                result = attempt(task, item)
                yield (as_error(item, result), None) if isinstance(result, Failed) else (item, result)
    else:
        yield from in_pool(items, task, jobs, chunk_size)


def warm() -> None:
    """Build the pipeline once in each worker before its first abstract."""
    from extractors import build_pipeline

    build_pipeline()


def new_pool(jobs: int) -> ProcessPoolExecutor:
    # forkserver: workers fork from a clean server process that has imported kg and spaCy and built the
    # pipeline once (kg.worker), so they start at once without inheriting the parent's threads (a
    # progress bar's monitor) or its locks.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kg.batch", "extractors", "kg.worker"])
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=warm)


def in_pool(items: Iterable[Item], task: Task, jobs: int, chunk_size: int) -> Iterator[tuple[Item, Any]]:
    pool = new_pool(jobs)
    window: collections.deque[tuple[list[Item], Future]] = collections.deque()
    try:
        for chunk in chunks(items, chunk_size):
            abstracts = [item for item in chunk if not isinstance(item, RecordError)]
            window.append((chunk, pool.submit(run_chunk, task, abstracts)))
            # Keep every worker busy with one chunk queued behind it; older results leave in order.
            while len(window) > 2 * jobs:
                pool = yield from drain_one(window, pool, task, jobs)
        while window:
            pool = yield from drain_one(window, pool, task, jobs)
    finally:
        for _, future in window:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def drain_one(window: collections.deque, pool: ProcessPoolExecutor, task: Task, jobs: int):
    chunk, future = window.popleft()
    try:
        results = future.result()
    except BrokenProcessPool:
        # A worker died. Every chunk still in the window was lost with the pool: retry them all,
        # one abstract per worker call in a new pool, so the culprit alone is reported.
        pool.shutdown(wait=False, cancel_futures=True)
        lost = [chunk] + [pending for pending, _ in window]
        window.clear()
        pool = new_pool(jobs)
        for lost_chunk in lost:
            pool = yield from retry_alone(lost_chunk, pool, task, jobs)
        return pool
    yield from settle(chunk, results)
    return pool


def retry_alone(chunk: list[Item], pool: ProcessPoolExecutor, task: Task, jobs: int):
    for item in chunk:
        if isinstance(item, RecordError):
            yield item, None
            continue
        try:
            result = pool.submit(attempt, task, item).result()
        except BrokenProcessPool:
            pool.shutdown(wait=False, cancel_futures=True)
            pool = new_pool(jobs)
            result = Failed("extraction failed: the worker process died on this abstract")
        yield (as_error(item, result), None) if isinstance(result, Failed) else (item, result)
    return pool


def on_cluster(items: Iterable[Item], task: Task, scheduler: str, chunk_size: int) -> Iterator[tuple[Item, Any]]:
    """Map ``run_chunk`` over partitions of the corpus on a dask.distributed cluster, in order."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs dask.distributed: pip install 'trial-kg[cluster]'") from None
    try:
        client = Client(scheduler, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise UsageError(f"--scheduler {scheduler}: cannot connect: {error}") from None
    try:
        workers = max(1, sum(client.ncores().values()))
        window: collections.deque[tuple[list[Item], Any]] = collections.deque()
        for chunk in chunks(items, chunk_size):
            abstracts = [item for item in chunk if not isinstance(item, RecordError)]
            # pure=False: two partitions with equal texts are still two pieces of work.
            window.append((chunk, client.submit(run_chunk, task, abstracts, pure=False)))
            while len(window) > 2 * workers:
                yield from settle_remote(*window.popleft())
        while window:
            yield from settle_remote(*window.popleft())
    finally:
        client.close()


def settle_remote(chunk: list[Item], future: Any) -> Iterator[tuple[Item, Any]]:
    try:
        results = future.result()
    except Exception as error:  # dask gave up on the partition (KilledWorker...): list its abstracts
        failed = Failed(f"extraction failed on the cluster: {type(error).__name__}: {error}")
        results = [failed for item in chunk if not isinstance(item, RecordError)]
    yield from settle(chunk, results)


def default_jobs() -> int:
    """The cores this process may use (the affinity mask, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def is_terminal(stream: Any = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())
