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
from clauselens.schemas.clause import Clause
from clauselens.schemas.review import REVIEW_STATUSES, ReviewEvent
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
    "Category",
    "ChangeAnalysis",
    "Clause",
    "ClauseAnalysis",
    "GovernanceExposure",
    "InstitutionalAnalysis",
    "JurisdictionFlag",
    "Provenance",
    "ReviewEvent",
    "Taxonomy",
    "Usage",
    "load_taxonomy",
]
