"""Settings: one object, built once at the edge (the CLI or the caller) and passed in.

Precedence: explicit argument > environment (``CLAUSELENS_*``) > config file
(``$CLAUSELENS_HOME/config.toml``, default ``~/.clauselens/config.toml``) > default.
The API key is never part of Settings: the SDK reads it from the environment, and we only
ever ask whether it is present.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clauselens.errors import ConfigError

DEFAULT_MODEL = "claude-sonnet-5-5"


class SegmentSettings(BaseModel):
    """Size bounds of segmentation (words) and the model input budget (characters)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_words: int = Field(1500, ge=20)
    min_words: int = Field(15, ge=0)
    prompt_max_chars: int = Field(30_000, ge=500)


class AlignSettings(BaseModel):
    """Thresholds of alignment and of the change-class rules (``pipeline.versions.align`` and
    ``pipeline.versions.cosmetic``). The defaults were chosen on the labelled clause pairs of
    ``gold/alignment`` (``bench/changes.py`` reports the search and its held-out scores)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A similar pair: score = text_weight x text similarity + (1 - text_weight) x heading-path
    # similarity (rapidfuzz ``ratio`` of cosmetic forms, 0-100); a candidate needs both bounds.
    match_threshold: float = Field(50.0, ge=0, le=100)
    text_floor: float = Field(40.0, ge=0, le=100)
    text_weight: float = Field(1.0, ge=0, le=1)
    # Points taken off the score per unit of relative-position drift (0-1) between the two
    # clauses: with two copies of a section (a document joining two pages), the nearer one wins.
    position_weight: float = Field(0.0, ge=0, le=100)
    # A split or merge: the part's cosmetic form inside the whole (``partial_ratio``), and at
    # least this many characters long.
    contained_threshold: float = Field(85.0, ge=0, le=100)
    contained_min_chars: int = Field(40, ge=1)
    # Longest text compared in full; longer ones are compared by both ends.
    compare_max_chars: int = Field(20_000, ge=1_000)
    # Spelling: each changed word at most this many edits from the old one (Levenshtein), and
    # at most one edit per ``spelling_chars_per_edit`` characters of the shorter word; words
    # shorter than ``spelling_min_chars`` must not change.
    spelling_max_edits: int = Field(2, ge=0)
    spelling_chars_per_edit: int = Field(5, ge=1)
    spelling_min_chars: int = Field(4, ge=1)
    # The conditional cosmetic rules (link text, renumbered, spelling); off: only pairs with
    # equal cosmetic forms are cosmetic (clauselens before issue 17).
    class_rules: bool = True
    # A modified, added or removed clause whose sentences all occur in the other version (the
    # text moved and the clause boundaries shifted) is ``moved``.
    boundary_moves: bool = True


class ExtractSettings(BaseModel):
    """Bounds of text extraction (``pipeline.ingest.extract``), per capture. Over a bound the
    capture is refused with the reason, except HTML nesting, which is flattened."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Wall-clock seconds for one HTML or PDF capture (enforced in the main thread on Unix).
    max_seconds: float = Field(120.0, gt=0)
    # Elements nested deeper are unwrapped (their text kept): markdownify recurses per level.
    max_html_depth: int = Field(100, ge=8, le=200)
    max_html_tags: int = Field(1_000_000, ge=1)
    max_pdf_pages: int = Field(2_000, ge=1)
    # Extracted text of any format (a PDF's text can be far larger than its bytes).
    max_text_chars: int = Field(20_000_000, ge=1)


class Settings(BaseModel):
    """Everything that shapes behaviour, with its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Field(default_factory=lambda: Path.home() / ".clauselens")
    db_url: str = "sqlite:///clauselens.db"
    # Decimal megabytes throughout (1 MB = 1,000,000 bytes): the default is 20 MB.
    max_capture_bytes: int = Field(20_000_000, ge=1)
    # Folders that files named by a manifest (or found in a folder) may resolve into, besides the
    # manifest's (or the folder's) own; ``--allow-root`` adds to them.
    allow_roots: tuple[Path, ...] = ()
    segment: SegmentSettings = Field(default_factory=SegmentSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    align: AlignSettings = Field(default_factory=AlignSettings)

    analyzer: Literal["auto", "claude", "offline"] = "auto"  # default of --analyzer
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    # ``output_config.effort``; None: clauselens' default for the model (``analyzers._request``
    # chooses it from data/models.json and checks an explicit value against the model's levels).
    effort: str | None = None
    # Thinking tokens count toward max_tokens and only the tokens used are billed
    # (https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking): leave room.
    # Both are capped at the model's maximum output when a request is built. 21,000 stays under
    # the SDK's ten-minute bound for non-streaming requests (3,600 s x max_tokens / 128,000;
    # https://platform.claude.com/docs/en/cli-sdks-libraries/sdks/python#long-requests).
    max_tokens: int = Field(16_000, ge=256)
    max_tokens_retry: int = Field(21_000, ge=256)
    max_attempts: int = Field(3, ge=1, le=10)
    # Read timeout: the SDK's default, 10 minutes (anthropic._constants.DEFAULT_TIMEOUT); never
    # shorter, since a thinking model may take minutes on a long clause. Connect timeout: the
    # SDK's 5 s, so that a wrong ANTHROPIC_BASE_URL fails in seconds, not minutes.
    request_timeout: float = Field(600.0, ge=600.0)
    connect_timeout: float = Field(5.0, gt=0, le=30)
    retry_max_wait: float = Field(120.0, ge=0)
    retry_initial_wait: float = Field(1.0, ge=0)
    retry_max_backoff: float = Field(30.0, ge=0)

    concurrency: int = Field(8, ge=1, le=512)
    rpm: int | None = Field(None, ge=1)
    tpm: int | None = Field(None, ge=1)
    # None: the threshold shipped with the offline classifier's weights (analyzers.offline.triage).
    triage_threshold: float | None = Field(None, ge=0, le=1)
    # Seconds a run's claim on a clause lasts unless renewed (``pipeline.analyze.claims``): a
    # live run renews its claims every third of it; a killed run's return after at most this.
    claim_lease: float = Field(300.0, ge=1)

    reviewer: str | None = None
    serve_token: str | None = None


_ENV_KEYS: dict[str, str] = {
    "CLAUSELENS_HOME": "home",
    "CLAUSELENS_DB": "db_url",
    "CLAUSELENS_MODEL": "model",
    "CLAUSELENS_ANALYZER": "analyzer",
    "CLAUSELENS_EFFORT": "effort",
    "ANTHROPIC_BASE_URL": "base_url",
    "CLAUSELENS_CONCURRENCY": "concurrency",
    "CLAUSELENS_REVIEWER": "reviewer",
    "CLAUSELENS_SERVE_TOKEN": "serve_token",
    "CLAUSELENS_MAX_CAPTURE_BYTES": "max_capture_bytes",
    "CLAUSELENS_ALLOW_ROOTS": "allow_roots",  # several folders joined with os.pathsep
}


def normalise_db_url(value: str) -> str:
    """Accept a bare file path as well as a SQLAlchemy URL."""
    if "://" in value:
        return value
    return f"sqlite:///{value}"


def _config_file(home: Path) -> dict[str, Any]:
    path = home / "config.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def load_settings(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from explicit overrides, the environment and the config file."""
    env = os.environ if env is None else env
    from_env = {field: env[key] for key, field in _ENV_KEYS.items() if env.get(key)}
    explicit = {k: v for k, v in (overrides or {}).items() if v is not None}
    home = Path(explicit.get("home") or from_env.get("home") or Path.home() / ".clauselens")
    values: dict[str, Any] = {**_config_file(home), **from_env, **explicit, "home": home}
    if "db_url" in values:
        values["db_url"] = normalise_db_url(str(values["db_url"]))
    if isinstance(values.get("allow_roots"), str):
        values["allow_roots"] = [p for p in values["allow_roots"].split(os.pathsep) if p]
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc


def api_key_present(env: Mapping[str, str] | None = None) -> bool:
    """Whether an Anthropic API key is set (its value is never read here)."""
    env = os.environ if env is None else env
    return bool(env.get("ANTHROPIC_API_KEY"))
