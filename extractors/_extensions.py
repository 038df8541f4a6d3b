"""Every ``._`` extension of kg, in one table, registered once at import.

Extensions hold plain values only (spaCy E871): the facts themselves live in ``doc.spans`` groups.
"""

from __future__ import annotations

from spacy.tokens import Doc

# name: (default, what it holds)
DOC_EXTENSIONS: dict[str, tuple[object, str]] = {
    "kg_field": ("text", "Which field of the record this Doc is: 'text' or 'title'."),
    "kg_text": (None, "Doc.text, read once: spaCy rebuilds Doc.text from every token on each access."),
}

for _name, (_default, _doc) in DOC_EXTENSIONS.items():
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)
