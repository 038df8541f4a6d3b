"""The records: pydantic v2 models of what an abstract states, every value with its character span.

Structure lives here (types, required fields); consistency between values (sums, n/N = %, DCR) lives
in the SHACL shapes of ``ontology/shapes`` and nowhere else. Each class and field names its RDF term
once, as metadata (``rdf_type`` and ``Iri(...)``), and ``kg.rdf`` walks any record generically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from rdflib import URIRef

from kg.vocab import KG

T = TypeVar("T")
Number = int | float
FieldName = Literal["text", "title"]


@dataclass(frozen=True)
class Iri:
    """The RDF property a field is written as."""

    iri: URIRef


@dataclass(frozen=True)
class Decimals:
    """Also write, under this property, how many decimals the value's literal had (the text's rounding)."""

    iri: URIRef


@dataclass(frozen=True)
class Vocab:
    """Write the value as the IRI that ``ontology/vocab/<table>.tsv`` gives its label."""

    table: str


@dataclass(frozen=True)
class Datatype:
    """Write the value as a literal of this XSD datatype instead of the one its Python type implies."""

    iri: URIRef


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rdf_type: ClassVar[URIRef]


class Extracted(BaseModel, Generic[T]):
    """One value read from the text: the value, where it stands, its literal, and the rule that read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: T = Field(description="The value, parsed from `text` (numbers keep int/float as written).")
    start: int = Field(ge=0, description="Offset of the first character in the field's string (Python index).")
    end: int = Field(ge=0, description="Offset one past the last character.")
    text: str = Field(description="The characters [start, end) exactly as the source has them.")
    rule: str = Field(description="Id of the pattern (or inference rule) that produced the value.")
    field: FieldName = Field(default="text", description="Which field of the record the offsets index: text or title.")


# Parametrised at module scope so the classes pickle between worker processes.
ExtractedStr = Extracted[str]
ExtractedInt = Extracted[int]
ExtractedNumber = Extracted[Number]


class Dose(Record):
    rdf_type: ClassVar[URIRef] = KG.DoseLevel
    drug: Annotated[ExtractedStr, Iri(KG.drugName)] = Field(description="Drug name, lower case as the text names it.")
    value: Annotated[ExtractedNumber, Iri(KG.doseValue)] = Field(description="Amount per administration.")
    unit: Annotated[ExtractedStr, Iri(KG.doseUnit), Vocab("units")] = Field(description="Canonical unit (mg/kg, mg/m2, mg...).")


class PopulationPart(Record):
    rdf_type: ClassVar[URIRef] = KG.PopulationPart
    part: Annotated[ExtractedStr, Iri(KG.partLabel)] = Field(description="The text's own label of the part.")
    n: Annotated[ExtractedInt, Iri(KG.size)] = Field(description="Patients in the part.")


class SummaryStatistics(Record):
    rdf_type: ClassVar[URIRef] = KG.SummaryStatistics
    median: Annotated[ExtractedNumber | None, Iri(KG.median)] = Field(None, description="Median.")
    mean: Annotated[ExtractedNumber | None, Iri(KG.mean)] = Field(None, description="Mean.")
    min: Annotated[ExtractedNumber | None, Iri(KG.minimum)] = Field(None, description="Lower end of the range.")
    max: Annotated[ExtractedNumber | None, Iri(KG.maximum)] = Field(None, description="Upper end of the range.")


class CategoryCount(Record):
    rdf_type: ClassVar[URIRef] = KG.ResponseCount
    category: Annotated[ExtractedStr, Iri(KG.responseCategory), Vocab("responses")] = Field(
        description="A best-response category beyond CR/PR/SD/PD (uPR, MR).")
    n: Annotated[ExtractedInt, Iri(KG.count)] = Field(description="Patients with that best response.")


class CategoryRate(Record):
    rdf_type: ClassVar[URIRef] = KG.CategoryRate
    category: Annotated[ExtractedStr, Iri(KG.responseCategory), Vocab("responses")] = Field(
        description="The best-response category (CR, PR, SD, PD...).")
    pct: Annotated[ExtractedNumber, Iri(KG.percentage), Decimals(KG.percentageDecimals)] = Field(
        description="Share of evaluable patients with that best response, % as stated.")


class ResponseSummary(Record):
    """Best responses and response rates of one evaluable population (the trial's, or an arm's)."""

    rdf_type: ClassVar[URIRef] = KG.ResponseSummary
    evaluable: Annotated[ExtractedInt | None, Iri(KG.evaluableCount)] = Field(None, description="Efficacy-evaluable N.")
    complete_response: Annotated[ExtractedInt | None, Iri(KG.completeResponseCount)] = Field(None, description="CR count.")
    partial_response: Annotated[ExtractedInt | None, Iri(KG.partialResponseCount)] = Field(None, description="PR count.")
    stable_disease: Annotated[ExtractedInt | None, Iri(KG.stableDiseaseCount)] = Field(None, description="SD count.")
    progressive_disease: Annotated[ExtractedInt | None, Iri(KG.progressiveDiseaseCount)] = Field(None, description="PD count.")
    other_categories: Annotated[list[CategoryCount], Iri(KG.hasResponseCount)] = Field(
        default_factory=list, description="Counts of other best-response categories.")
    category_rates: Annotated[list[CategoryRate], Iri(KG.hasCategoryRate)] = Field(
        default_factory=list, description="Shares of single best-response categories, as stated.")
    orr: Annotated[ExtractedNumber | None, Iri(KG.objectiveResponseRate), Decimals(KG.objectiveResponseRateDecimals)] = Field(
        None, description="Objective response rate, % as stated.")
    dcr: Annotated[ExtractedNumber | None, Iri(KG.diseaseControlRate), Decimals(KG.diseaseControlRateDecimals)] = Field(
        None, description="Disease control rate, % as stated.")
    cbr: Annotated[ExtractedNumber | None, Iri(KG.clinicalBenefitRate), Decimals(KG.clinicalBenefitRateDecimals)] = Field(
        None, description="Clinical benefit rate, % as stated.")


class AdverseEventFigure(Record):
    rdf_type: ClassVar[URIRef] = KG.AdverseEventFigure
    term: Annotated[ExtractedStr, Iri(KG.eventTerm)] = Field(description="Event term, lower case; 'any' for all events.")
    grade: Annotated[ExtractedStr | None, Iri(KG.gradeGroup), Vocab("grades")] = Field(
        None, description="CTCAE grade group ('any', '3', '>=3', '3-4'); None when the text states none (any grade).")
    n: Annotated[ExtractedInt | None, Iri(KG.count)] = Field(None, description="Patients with the event.")
    pct: Annotated[ExtractedNumber | None, Iri(KG.percentage), Decimals(KG.percentageDecimals)] = Field(
        None, description="Percentage as stated.")
    denominator: Annotated[ExtractedInt | None, Iri(KG.denominator)] = Field(
        None, description="The population the figure refers to: the phrase's own N, else the treated population.")


class CountFigure(Record):
    rdf_type: ClassVar[URIRef] = KG.CountFigure
    what: Annotated[ExtractedStr, Iri(KG.countLabel)] = Field(description="What was counted, a short lower-case label.")
    n: Annotated[ExtractedInt | None, Iri(KG.count)] = Field(None, description="Patients counted.")
    pct: Annotated[ExtractedNumber | None, Iri(KG.percentage), Decimals(KG.percentageDecimals)] = Field(
        None, description="Percentage as stated.")
    denominator: Annotated[ExtractedInt | None, Iri(KG.denominator)] = Field(
        None, description="The population the figure refers to.")


class DltAtDose(Record):
    rdf_type: ClassVar[URIRef] = KG.DltAtDose
    drug: Annotated[ExtractedStr, Iri(KG.drugName)] = Field(description="Drug of the dose level.")
    value: Annotated[ExtractedNumber, Iri(KG.doseValue)] = Field(description="Dose amount.")
    unit: Annotated[ExtractedStr, Iri(KG.doseUnit), Vocab("units")] = Field(description="Canonical dose unit.")
    n: Annotated[ExtractedInt, Iri(KG.dltCount)] = Field(description="DLTs at that dose level.")
    cohort: Annotated[ExtractedInt | None, Iri(KG.cohortSize)] = Field(
        None, description="Patients treated (or DLT-evaluable) at the dose level, where the text states it.")


class DltEvent(Record):
    rdf_type: ClassVar[URIRef] = KG.DltEvent
    term: Annotated[ExtractedStr, Iri(KG.eventTerm)] = Field(description="Event term, lower case.")
    grade: Annotated[ExtractedStr | None, Iri(KG.gradeGroup), Vocab("grades")] = Field(None, description="CTCAE grade.")
    n: Annotated[ExtractedInt | None, Iri(KG.dltCount)] = Field(None, description="How many such DLTs.")


class DltSummary(Record):
    rdf_type: ClassVar[URIRef] = KG.DltSummary
    total: Annotated[ExtractedInt | None, Iri(KG.dltCount)] = Field(None, description="DLTs in all, where the text counts DLTs.")
    patients: Annotated[ExtractedInt | None, Iri(KG.patientsWithDlt)] = Field(
        None, description="Patients with at least one DLT, where the text counts patients.")
    by_dose: Annotated[list[DltAtDose], Iri(KG.hasDltAtDose)] = Field(default_factory=list, description="DLTs per dose level.")
    events: Annotated[list[DltEvent], Iri(KG.hasDltEvent)] = Field(default_factory=list, description="DLT events.")


class Responder(Record):
    rdf_type: ClassVar[URIRef] = KG.Responder
    best: Annotated[ExtractedStr, Iri(KG.bestResponse), Vocab("responses")] = Field(description="Best overall response.")
    histology: Annotated[ExtractedStr | None, Iri(KG.histology)] = Field(None, description="Histology, lower case.")
    shrinkage_pct: Annotated[ExtractedNumber | None, Iri(KG.tumourShrinkage), Decimals(KG.tumourShrinkageDecimals)] = Field(
        None, description="Tumour shrinkage, %.")
    growth_pct: Annotated[ExtractedNumber | None, Iri(KG.tumourGrowth)] = Field(
        None, description="Tumour growth (increase of the sum of target-lesion diameters), %, where the text states it.")
    week: Annotated[ExtractedInt | None, Iri(KG.week)] = Field(None, description="Week of the assessment.")
    cycles: Annotated[ExtractedInt | None, Iri(KG.cycleCount)] = Field(None, description="Cycles received so far.")


class Arm(Record):
    rdf_type: ClassVar[URIRef] = KG.Arm
    arm: Annotated[ExtractedStr | None, Iri(KG.armLabel)] = Field(
        None, description="The text's label of the arm, dose level or cohort; None when the text names none.")
    n: Annotated[ExtractedInt | None, Iri(KG.size)] = Field(None, description="Patients in the arm.")
    efficacy: Annotated[ResponseSummary | None, Iri(KG.hasResponseSummary)] = Field(None, description="The arm's responses.")


class TrialAbstract(Record):
    """Everything kg read from one abstract (its title and text)."""

    rdf_type: ClassVar[URIRef] = KG.TrialAbstract
    id: Annotated[str, Iri(KG.abstractId)] = Field(description="The corpus record's id, or the file stem.")
    nct_ids: Annotated[list[ExtractedStr], Iri(KG.nctId)] = Field(default_factory=list, description="NCT numbers.")
    phases: Annotated[list[ExtractedStr], Iri(KG.phase), Vocab("phases")] = Field(default_factory=list, description="Phases.")
    designs: Annotated[list[ExtractedStr], Iri(KG.design), Vocab("designs")] = Field(default_factory=list, description="Designs.")
    enrolled: Annotated[ExtractedInt | None, Iri(KG.enrolledCount)] = Field(None, description="Headline number enrolled.")
    enrolled_parts: Annotated[list[PopulationPart], Iri(KG.hasPopulationPart)] = Field(
        default_factory=list, description="The enrolment split the text gives.")
    efficacy: Annotated[ResponseSummary | None, Iri(KG.hasResponseSummary)] = Field(
        None, description="Responses of the whole evaluable population.")
    arms: Annotated[list[Arm], Iri(KG.hasArm)] = Field(default_factory=list, description="Results per arm.")
    age: Annotated[SummaryStatistics | None, Iri(KG.age)] = Field(None, description="Age, years.")
    prior_therapies: Annotated[SummaryStatistics | None, Iri(KG.priorTherapies)] = Field(None, description="Prior therapies.")
    cycles: Annotated[SummaryStatistics | None, Iri(KG.cyclesReceived)] = Field(None, description="Cycles received.")
    doses: Annotated[list[Dose], Iri(KG.hasDoseLevel)] = Field(default_factory=list, description="Distinct dose levels.")
    rp2d: Annotated[list[Dose], Iri(KG.recommendedPhase2Dose)] = Field(default_factory=list, description="RP2D(s).")
    dlt: Annotated[DltSummary | None, Iri(KG.hasDltSummary)] = Field(None, description="Dose-limiting toxicities.")
    ae: Annotated[list[AdverseEventFigure], Iri(KG.hasAdverseEventFigure)] = Field(default_factory=list, description="AE figures.")
    counts: Annotated[list[CountFigure], Iri(KG.hasCountFigure)] = Field(default_factory=list, description="Other n (x%) facts.")
    responders: Annotated[list[Responder], Iri(KG.hasResponder)] = Field(default_factory=list, description="Responders described.")
    data_cutoff: Annotated[ExtractedStr | None, Iri(KG.dataCutoff), Datatype(URIRef("http://www.w3.org/2001/XMLSchema#date"))] = Field(
        None, description="Data cut-off, ISO date.")
