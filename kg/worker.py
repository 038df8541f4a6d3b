"""Preloaded by the worker pool's forkserver: the pipeline is built there once, and every worker forks with it.

Without this each worker built its own pipeline (spaCy, every pattern compiled and read for its prefilter)
before its first abstract, which on a corpus sample took as long as the extraction itself.
"""

from extractors import build_pipeline
from kg.errors import KgError

try:
    build_pipeline()
except KgError:
    pass  # a broken pattern file: each worker's own build (kg.batch.warm) reports it
