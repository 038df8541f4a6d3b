"""Rule components of trial-kg and the one pipeline builder.

>>> nlp = build_pipeline()
>>> nlp.pipe_names[:2]
['kg_drugs', 'kg_trial']
"""

from __future__ import annotations

import functools

import spacy
from spacy import attrs
from spacy.language import Language

from extractors import _extensions  # noqa: F401  (registers the ._ attributes)
from extractors.adverse_events import component as _adverse_events  # noqa: F401
from extractors.dlt import component as _dlt  # noqa: F401
from extractors.doses import component as _doses  # noqa: F401
from extractors.drugs import component as _drugs  # noqa: F401
from extractors.engine import data_json
from extractors.population import component as _population  # noqa: F401
from extractors.recist import component as _recist  # noqa: F401
from extractors.trial import component as _trial  # noqa: F401

# Order matters: doses need drugs, DLTs need doses, and population counts skip numbers that the
# fact components before it already explained.
PIPELINE = ("kg_drugs", "kg_trial", "kg_doses", "kg_dlt", "kg_adverse_events", "kg_recist", "kg_population")
SPAN_KEYS = ("kg_drugs", "kg_trial", "kg_doses", "kg_dlt", "kg_adverse_events", "kg_recist", "kg_population")


def new_pipeline() -> Language:
    """spacy.blank("en"), its tokenizer taught to split numbers from '/', '=', '>=' and its vocabulary computing only
    the lexical attributes kept (data file), and the kg_ components."""
    nlp = spacy.blank("en")
    rules = data_json("extractors.lexical", "tokenizer.json")
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(list(nlp.Defaults.infixes) + rules["infixes"]).finditer
    nlp.tokenizer.prefix_search = spacy.util.compile_prefix_regex(list(nlp.Defaults.prefixes) + rules["prefixes"]).search
    kept = {attrs.IDS[name] for name in rules["lexical_attributes"]["keep"]}
    nlp.vocab.lex_attr_getters = {attr: getter for attr, getter in nlp.vocab.lex_attr_getters.items() if attr in kept}
    for name in PIPELINE:
        nlp.add_pipe(name)
    return nlp


@functools.cache
def build_pipeline() -> Language:
    """The pipeline, built once per process."""
    return new_pipeline()
