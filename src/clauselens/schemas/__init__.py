"""Pydantic records of clauselens (``extra="forbid"`` everywhere)."""

from clauselens.schemas.analysis import (
    LEVEL_RANK,
    Agency,
    ChangeAnalysis,
    ClauseAnalysis,
    GovernanceExposure,
    InstitutionalAnalysis,
    JurisdictionFlag,
)
from clauselens.schemas.changes import ChangeClass, ChangeEvent, DocumentChangeSummary
from clauselens.schemas.clause import Clause
from clauselens.schemas.review import REVIEW_STATUSES, ReviewEvent
from clauselens.schemas.rows import Capture, Document, Provision, StandingAnalysis, Version
from clauselens.schemas.runs import Failure, RunRecord, RunStatus
from clauselens.schemas.stored import (
    SCHEMA_VERSION,
    AnalysisResult,
    AttemptRecord,
    Provenance,
)
from clauselens.schemas.taxonomy import Category, Taxonomy, load_taxonomy
from clauselens.schemas.usage import Usage

__all__ = [
    "LEVEL_RANK",
    "REVIEW_STATUSES",
    "SCHEMA_VERSION",
    "Agency",
    "AnalysisResult",
    "AttemptRecord",
    "Capture",
    "Category",
    "ChangeAnalysis",
    "ChangeClass",
    "ChangeEvent",
    "Clause",
    "ClauseAnalysis",
    "Document",
    "DocumentChangeSummary",
    "Failure",
    "GovernanceExposure",
    "InstitutionalAnalysis",
    "JurisdictionFlag",
    "Provenance",
    "Provision",
    "ReviewEvent",
    "RunRecord",
    "RunStatus",
    "StandingAnalysis",
    "Taxonomy",
    "Usage",
    "Version",
    "load_taxonomy",
]
