"""The controlled category taxonomy (``data/taxonomy.json``), validated on load."""

from __future__ import annotations

import json
from functools import cache, cached_property
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from clauselens.errors import ConfigError

Group = Literal["unfair_terms", "privacy", "ai_policy", "general"]


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    label: str
    group: Group
    description: str
    claudette_code: str | None = None


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    categories: list[Category]

    @cached_property  # asked once per validated answer; the taxonomy never changes
    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.categories)

    def get(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        raise KeyError(code)

    def by_claudette_code(self) -> dict[str, Category]:
        return {c.claudette_code: c for c in self.categories if c.claudette_code}


@cache
def load_taxonomy() -> Taxonomy:
    """Load and validate the shipped taxonomy; duplicate codes are an error."""
    raw = resources.files("clauselens").joinpath("data/taxonomy.json").read_text("utf-8")
    try:
        taxonomy = Taxonomy.model_validate(json.loads(raw))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ConfigError(f"data/taxonomy.json is invalid: {exc}") from exc
    codes = [c.code for c in taxonomy.categories]
    if len(codes) != len(set(codes)):
        raise ConfigError("data/taxonomy.json has duplicate category codes")
    return taxonomy
