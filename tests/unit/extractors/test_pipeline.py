"""The one pipeline: blank English plus the kg_ components, in an order analyze_pipes accepts."""

from __future__ import annotations

from extractors import PIPELINE, build_pipeline, new_pipeline


def test_pipeline_is_blank_english_with_the_kg_components():
    nlp = build_pipeline()
    assert nlp.lang == "en"
    assert nlp.pipe_names == list(PIPELINE)
    assert all(name.startswith("kg_") for name in nlp.pipe_names)


def test_analyze_pipes_reports_no_problems():
    analysis = new_pipeline().analyze_pipes()
    assert analysis["problems"] == {name: [] for name in PIPELINE}


def test_pipeline_is_cached_per_process():
    assert build_pipeline() is build_pipeline()


def test_numbers_are_tokens_of_their_own():
    doc = build_pipeline()("12/30 (40%) n=20, grade \u22653, 21-66")
    assert [t.text for t in doc] == ["12", "/", "30", "(", "40", "%", ")", "n", "=", "20", ",", "grade", "\u2265",
                                     "3", ",", "21", "-", "66"]


def test_spans_survive_doc_bytes_round_trip(seed_text):
    from spacy.tokens import Doc

    nlp = build_pipeline()
    doc = nlp(seed_text)
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [(s.label_, s.id_, s.kb_id_, s.start_char) for s in copy.spans["kg_doses"]] == \
           [(s.label_, s.id_, s.kb_id_, s.start_char) for s in doc.spans["kg_doses"]]
