"""kg_trial: what identifies and frames a trial: NCT ids, phases, designs, data cut-off."""

from __future__ import annotations

from spacy.language import Language

from extractors.engine import RuleComponent


class TrialFramer(RuleComponent):
    package = "extractors.trial"
    span_key = "kg_trial"


@Language.factory("kg_trial", assigns=["doc.spans"], requires=[], default_config={})
def make_trial_framer(nlp: Language, name: str) -> TrialFramer:
    return TrialFramer(nlp, name)
