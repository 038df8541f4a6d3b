"""trial-kg: clinical-trial abstracts to records, RDF and a SHACL consistency report."""

__version__ = "0.1.0"
