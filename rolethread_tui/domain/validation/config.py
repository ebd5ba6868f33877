"""Validation settings, and their compiled form.

`ValidationConfig` is what a user writes (a ``[validation]`` table of the config
file, or keyword arguments); `Context` is what the checks read, built once per
distinct setting because compiling the pattern scanner takes milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .scanner import PatternList, Scanner, compile_pattern, read_pattern_file

REFUSAL_FILE = "refusal.txt"
LEAK_FILE = "format_leak.txt"
MARKDOWN_FILE = "markdown.txt"


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


@dataclass(frozen=True, slots=True)
class Context:
    """What the checks need from a config, compiled once."""

    short_response: int
    split_exchanges: int
    scanner: Scanner


@lru_cache(maxsize=16)
def build_context(short_response: int = 20, split_exchanges: int = 8,
                  extra_refusal: tuple[str, ...] = (),
                  extra_leak: tuple[str, ...] = (), markdown: bool = False) -> Context:
    """Compile the curated pattern files plus extras into a `Context`.

    The `markdown` list joins the scanner only when asked for: on coding or chat
    data fences and Markdown are how good answers look.
    """
    lists = [
        PatternList.build("refusal", [*read_pattern_file(REFUSAL_FILE), *extra_refusal]),
        PatternList.build("format-leak", [*read_pattern_file(LEAK_FILE), *extra_leak]),
    ]
    if markdown:
        lists.append(PatternList.build("markdown", read_pattern_file(MARKDOWN_FILE)))
    scanner = Scanner(lists)
    return Context(short_response, split_exchanges, scanner)


def resolve(config: ValidationConfig | Context | None) -> Context:
    """A `Context` from whatever the caller passed (None: the defaults)."""
    if isinstance(config, Context):
        return config
    if config is None:
        return build_context()
    return config.context()
