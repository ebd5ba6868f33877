"""The compiled form of the validation settings: what the checks read.

Built once per distinct setting because compiling the pattern scanner takes
milliseconds. Kept apart from `config` (the pydantic model a user writes) so the
background scan and its helper process never import pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from .scanner import PatternList, Scanner, read_pattern_file

REFUSAL_FILE = "refusal.txt"
LEAK_FILE = "format_leak.txt"
MARKDOWN_FILE = "markdown.txt"


class _Settings(Protocol):
    def context(self) -> Context: ...


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
    # the screen now: the checks are compiled for a scan (`runner.make_checker`
    # on its first entry, the helper process before its first request)
    return Context(short_response, split_exchanges, Scanner(lists).prepare())


def resolve(config: _Settings | Context | None) -> Context:
    """A `Context` from whatever the caller passed (None: the defaults)."""
    if isinstance(config, Context):
        return config
    if config is None:
        return build_context()
    return config.context()
