"""Token usage and cost, summed over every attempt of a request.

``thinking_tokens`` is the part of ``output_tokens`` the model spent thinking, as the API
reports it (``usage.output_tokens_details.thinking_tokens``: "Always <= output_tokens", SDK
``types/output_tokens_details.py``). It is already inside ``output_tokens`` and billed as output
(https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking): it is shown, never
priced or counted twice.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Usage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    thinking_tokens: int = 0  # included in output_tokens (see the module docstring)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens
            + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
            thinking_tokens=self.thinking_tokens + other.thinking_tokens,
        )

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
        )
