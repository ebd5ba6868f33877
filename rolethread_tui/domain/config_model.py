"""The pydantic model that validates a config file (docs/architecture.md, "Start-up").

Kept out of `config` so that a start without a config file never imports pydantic
(~0.15 s of the first frame, issue #18): `config.Config` holds the values, this
model only checks what a file or a caller supplies, field by field, and its
errors become the warnings `config` words.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from .config import MAX_FLAGS, default_values

_DEFAULTS = default_values()


def _binding_id(value: str) -> str:
    if not value.strip() or value != value.strip() or any(c.isspace() for c in value):
        raise ValueError("binding id must be a non-empty name without spaces")
    return value


def _key_list(value: str) -> str:
    """Normalise 'y, ctrl+y' to 'y,ctrl+y'; an empty key (a stray or literal comma) is an error."""
    parts = [part.strip() for part in value.split(",")]
    if not value.strip():
        raise ValueError("must name at least one key")
    if any(not part for part in parts):
        raise ValueError(f"empty key in {value!r} (keys are separated by commas; write 'comma')")
    return ",".join(parts)


def _regex(value: str) -> str:
    """Fail now, at load time, rather than when the validator first runs over a dataset."""
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regex {value!r}: {exc}") from None
    return value


BindingId = Annotated[str, AfterValidator(_binding_id)]
KeyList = Annotated[str, AfterValidator(_key_list)]
RegexPattern = Annotated[str, AfterValidator(_regex)]


class ConfigModel(BaseModel):
    """Everything the config file may set. Strict types: TOML already has them.

    The defaults are `config`'s own (one list of them: `config.default_values`).
    """

    model_config = ConfigDict(extra="forbid", strict=True, title="Config")

    flags: list[str] = Field(default_factory=lambda: default_values()["flags"])
    keymap: dict[BindingId, KeyList] = Field(default_factory=dict)
    reviewer: str | None = _DEFAULTS["reviewer"]
    auto_advance: bool = _DEFAULTS["auto_advance"]
    short_response: int = Field(_DEFAULTS["short_response"], ge=0)
    split_exchanges: int = Field(_DEFAULTS["split_exchanges"], ge=1)
    extra_refusal_patterns: list[RegexPattern] = Field(default_factory=list)
    extra_leak_patterns: list[RegexPattern] = Field(default_factory=list)
    theme: str = _DEFAULTS["theme"]

    @field_validator("flags")
    @classmethod
    def _check_flags(cls, flags: list[str]) -> list[str]:
        """Flag names are typed in searches (`flag:NAME`), so no spaces and no look-alike twins."""
        names = [name.strip() for name in flags]
        if not 1 <= len(names) <= MAX_FLAGS:
            raise ValueError(f"must list 1 to {MAX_FLAGS} flag names (got {len(names)})")
        seen: set[str] = set()
        for number, name in enumerate(names, 1):
            if not name:
                raise ValueError(f"flag {number} is empty")
            if any(c.isspace() for c in name):
                raise ValueError(f"flag {number} {name!r} contains a space")
            if name.casefold() in seen:
                raise ValueError(f"flag {name!r} is listed twice")
            seen.add(name.casefold())
        return names

    @field_validator("reviewer")
    @classmethod
    def _check_reviewer(cls, reviewer: str | None) -> str | None:
        """An empty name means 'not set', so the usual fallbacks still apply."""
        if reviewer is None:
            return None
        return reviewer.strip() or None

    @field_validator("theme")
    @classmethod
    def _check_theme(cls, theme: str) -> str:
        if not theme.strip():
            raise ValueError("must name a theme")
        return theme.strip()
