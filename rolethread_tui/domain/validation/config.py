"""Validation settings, and their compiled form.

`ValidationConfig` is what a user writes (a ``[validation]`` table of the config
file, or keyword arguments); `Context` (in `context`, free of pydantic so the
scan never loads it) is what the checks read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .context import LEAK_FILE, MARKDOWN_FILE, REFUSAL_FILE, Context, build_context, resolve
from .scanner import compile_pattern

__all__ = ["LEAK_FILE", "MARKDOWN_FILE", "REFUSAL_FILE", "Context", "ValidationConfig",
           "build_context", "resolve"]


class ValidationConfig(BaseModel):
    """Thresholds and extra patterns for the checks.

    Extra patterns use the data-file syntax (a regex, or a plain phrase matched as
    whole words, case-insensitive) and are added to the curated lists of
    ``patterns/``; an invalid regex is rejected here, not in the middle of a scan.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    short_response: int = Field(default=20, ge=0,
                                description="assistant replies shorter than this (characters)")
    split_exchanges: int = Field(default=8, ge=1,
                                 description="entries with this many exchanges may be split")
    extra_refusal_patterns: list[str] = Field(default_factory=list)
    extra_leak_patterns: list[str] = Field(default_factory=list)
    markdown: bool = Field(default=False,
                           description="report fenced code / Markdown / HTML in replies")

    @field_validator("extra_refusal_patterns", "extra_leak_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for line in value:
            compile_pattern(line)
        return value

    def context(self) -> Context:
        """The compiled form of this config (cached per distinct settings)."""
        return build_context(self.short_response, self.split_exchanges,
                             tuple(self.extra_refusal_patterns), tuple(self.extra_leak_patterns),
                             self.markdown)
